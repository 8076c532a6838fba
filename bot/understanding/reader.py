"""The one place that decides what a free-text message is for.

    reader = Reader.default(search)            # search: the handbook's HandbookSearch
    u = reader.understand("ไฟถนนหน้าบ้านดับ 3 วันแล้ว")
    u.intent        # "report_problem" (one of bot/understanding/intents.py)
    u.topic         # "light": what the problem is about, for the complaint form

How it decides, in this order:
  1. A ticket number with a prefix ("KC-2570-00042", "kc 2570 42") asks for that ticket: track.
  2. The intent model (a logistic regression over the message's features, see features.py
     and train.py: character n-grams, keyed words, cue words, the search's evidence, the
     sentence embedding and the intents of the nearest labelled messages, embedding.py)
     gives each intent a probability; the likeliest wins, except that a message telling of
     something broken, of staff behaving badly or of a service gone wrong is a report unless
     another intent is twice as likely (PROBLEM_ODDS).
  3. A question or a request needs a service: the procedure model's (the same features, and
     the services of the nearest labelled messages: np:, embedding.py PROCEDURE_VOTES) when it
     is sure (a service, or "none of them"), else the handbook search's answer when it has one
     (a name of the service in the message, or a question it explains), else the model's guess
     when it is fairly sure. Neither: a question the handbook cannot answer (the bot says so and
     offers staff).
  4. A message with two requests ("…เท่าไหร่ แล้วภาษีที่ดินจ่ายที่ไหน") is split at the
     joint: the first request is the answer, the other is offered (`second`).
What the bot then does with each intent is the conversation's business: the table in
bot/conversation/router.py.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from bot.handbook import sections
from bot.handbook.search import HandbookSearch
from bot.understanding import clauses
from bot.understanding import intents as i
from bot.understanding.features import Featurizer, Reading
from bot.understanding.lexicon import THING_DIVISIONS
from bot.understanding.model import CharModel, LinearModel

HERE = Path(__file__).resolve().parent
# The procedure model's guess is used without the search's agreement only this sure (dev:
# 0.2–0.4 tried; 0.3 until the model read the embedding, then 0.2).
PROCEDURE_SURE = 0.2
# The procedure model this sure overrides the search: its service, or "none of them" (dev:
# 0.4–0.7 tried; top-1 +0.3 points, abstention recall 88.9% → 94.0% at 0.5; once the model
# read the embedding, 0.4 with PROCEDURE_SURE 0.2: top-1 92.3% → 92.9%, abstention precision
# 92.3% → 92.9%, recall unchanged).
PROCEDURE_DECIDES = 0.4
# A service's name covering this much of an "out of scope" message makes it a question (dev).
NAME_COVERS = 0.9
# Joints tried when looking for a second request (the first few: requests come early). Dev:
# 3 → 2 changed one message of 152 (a second request no longer offered) and no other figure;
# 1 lost a sixth of the second requests. Each joint tried reads two more clauses.
MAX_CUTS = 2
# Each side of a cut must be at least this likely its intent to count as a request of its own.
CLAUSE_SURE = 0.5
SECOND_SURE = 0.6  # …and the second part this sure, being read without the first (dev: 0.5–0.85 tried)
# A first clause of this many words or fewer only introduces the next ("แจ้งครับ", "สอบถามค่ะ").
PREFACE_WORDS = 1
# A message that tells of something broken or of staff behaving badly is a report unless another
# intent is this many times likelier: a report misread goes nowhere, while the complaint flow
# lets a person say it was something else (dev: problems to the flow 94.9% → 96.1%, intent
# 92.0% → 92.1%, no other figure lower; 1.3–3.0 tried, and without the cue condition top-1 and
# abstention precision fell 0.4–0.6 points; a follow-up, "track", is left alone). Its confidence
# is then the weighted probability: with the bare one, first clauses so read fell under
# CLAUSE_SURE and second requests offered fell 61.8% → 60.5%.
PROBLEM_ODDS = 2.0
# A message answered as a question or another agency's matter also offers the complaint form
# when a report is at least this likely: a report misread so is one tap from the form. Dev
# (trained on train): problems in the flow or one tap from it 96.4% → 97.6%, the offer beside
# 0.8% of the other messages (0.1: 97.6%, 1.1%; 0.2: 97.3%, 0.4%); on the fresh sets
# (bench/understanding/README.md) 87.6% → 90.9%, beside 0.4%. Requests as well: dev 97.9%, fresh
# 92.5%, but a request that can be made online opens its service's own form, where the offer
# cannot be a button.
REPORT_OFFER = 0.15
# The intent model's probabilities (read with the embedding) are averaged with a logistic
# regression over the tf-idf of the characters as typed (CharModel), this much of it: two
# readings that err apart. Dev (trained on train): intent 92.2% → 93.3%, top-1 92.6% → 93.2%,
# abstention precision 92.7% → 93.6%, problems to the flow 97.0% → 97.3%, section 93.4% → 93.0%;
# fresh-1-hold: intent 93.9% → 95.0%, problems to the flow 88.1% → 90.1%, the others unchanged
# (bench/understanding/README.md). The intent model's own class weights, SGD, a linear SVM, a
# small network or the words-only model averaged instead gained less on dev; 0.2–0.5 tried, 0.5 best.
INTENT_CHARS_WEIGHT = 0.5
# The procedure model's probabilities are averaged the same way with a character model of the
# services (procedure-chars.model, trained on the procedure model's examples and labels, "-" too),
# this much of it, where a text is read with its embedding: the whole message, and the first of two
# requests read again to be answered. Dev (trained on train): top-1 93.2% → 93.9% (5 messages gained,
# none lost), abstention precision 93.6% → 94.0%, no other figure lower; 0.2 / 0.5 / 0.65 gave 93.7 /
# 94.0 / 93.6%, C 4 (93.6–93.7%) less than C 16. Also on the pieces read by their words alone it
# changed no dev figure at any weight: left to the procedure model, which learnt those readings.
PROCEDURE_CHARS_WEIGHT = 0.35
# The section model's probabilities (words and the rule) are averaged with a CharModel over the
# section examples, this much of it. Dev (trained on train, through the reader): sections 411 → 413
# of 442 (93.0% → 93.4%), no other figure changed; 0.2–1.0 tried at C 4 and 16 (0.45–0.55 best at
# C 16; the characters alone 87.6%). The service's names taken out of what it reads, or the rule
# added again after averaging: no better. fresh-1-hold 111 → 112 of 121, fresh-1-look unchanged
# (bench/understanding/README.md): within the noise, kept as nothing fell.
SECTION_CHARS_WEIGHT = 0.5


@dataclass(frozen=True)
class Understanding:
    text: str
    intent: str
    confidence: float  # the intent model's probability of `intent` (1.0 for a rule; times PROBLEM_ODDS for a report so read)
    procedure: str | None = None  # question / request_service: the handbook service
    section: str | None = None  # question: which part of it is asked
    search: object = None  # the handbook search's SearchResult for this text (answer, outside …)
    # report_problem: what kind of problem — road | light | water | waste | other (village
    # problems), service | official (a complaint about a service or a staff member), suggestion
    topic: str | None = None
    division_hint: str | None = None  # report_problem: the division that would see to it, if known
    talk: str | None = None  # smalltalk: thanks | greeting | laugh | blessing | test | ack | praise | bye | annoyed
    ticket: tuple[str, int, int] | None = None  # track: (prefix, fiscal year, number) as typed
    second: "Understanding | None" = None  # the other request of a two-request message
    clause: str = ""  # the part of the text this understanding is about
    # question / out_of_scope: it may be a problem to report after all (the intent model gives a
    # report at least REPORT_OFFER): the answer also offers the complaint form. (Not a request:
    # it opens the service's own request form, whose steps take no other button.) Never with
    # a `second`: that quick reply is the one offered then.
    might_report: bool = False

    @property
    def outside_topic(self):
        """For out_of_scope: the not-handled topic (where to go instead), if the search knows one."""
        r = self.search
        return r.topic if r is not None and r.outcome == "outside" else None


@dataclass(frozen=True)
class Models:
    intent: LinearModel  # which intent, from the words and the sentence embedding
    intent_lexical: LinearModel  # which intent, from the words alone (clauses; no embedding installed)
    procedure: LinearModel  # which handbook service a question or request is about
    section: LinearModel  # which part of the service is asked (documents, fees, where …)
    problem: LinearModel  # what kind of problem a report is (road, light … service, official)
    intent_chars: CharModel | None = None  # which intent, from the characters as typed (averaged with `intent`)
    procedure_chars: CharModel | None = None  # which service, from the characters as typed (averaged with `procedure`)
    section_chars: CharModel | None = None  # which part is asked, from the characters as typed (averaged with `section`)


MODEL_FILES = {"intent": "intent.model", "intent_lexical": "intent-lexical.model",
               "procedure": "procedure.model", "section": "section.model", "problem": "problem.model",
               "intent_chars": "intent-chars.model", "procedure_chars": "procedure-chars.model",
               "section_chars": "section-chars.model"}
_MODEL_CLASSES = {"intent_chars": CharModel, "procedure_chars": CharModel, "section_chars": CharModel}


@lru_cache(maxsize=1)
def shipped_models() -> Models:
    """The trained models that ship with the bot (bot/understanding/*.model), read once per process."""
    return Models(**{name: _MODEL_CLASSES.get(name, LinearModel).load(HERE / file) for name, file in MODEL_FILES.items()})


class Reader:
    def __init__(self, search, models: Models, featurizer: Featurizer | None = None):
        self.search = search
        self.models = models
        self.featurizer = featurizer or Featurizer(search)

    @classmethod
    def default(cls, search) -> "Reader":
        from bot.understanding import embedding

        if embedding.available():
            featurizer = Featurizer(search, embedder=embedding.shared_embedder(), neighbours=embedding.shipped_neighbours(),
                                    dense_embedding=True)
        else:
            featurizer = Featurizer(search)
        return cls(search, shipped_models(), featurizer)

    def understand(self, text: str) -> Understanding:
        """The whole message is read with its meaning (the embedding) when it can be; the
        pieces around a joint only by their words: cheaper, and enough to tell two requests."""
        message = _Message(self.featurizer)
        whole = self._decide(message.read(text, embed=True), message)
        if whole.intent == i.TRACK and whole.confidence == 1.0:
            return self._request_before_ticket(text, whole, message) or whole  # a ticket number
        for at in clauses.joints(text)[:MAX_CUTS]:
            first_text, rest_text = clauses.cut(text, at)
            first_reading = message.read(first_text)
            if len(first_reading.words) <= PREFACE_WORDS:
                continue  # "แจ้งครับ ท่อประปาแตก…": one word that opens what follows (dev: problems 94.0% → 94.3%)
            first = self._decide(first_reading, message)
            if not _substantive(first):
                continue  # "สวัสดีค่ะ ..." : greetings before the request are not a request
            if first.intent in (i.QUESTION, i.OUT_OF_SCOPE) and not (_asks(first_reading) or clauses.asked(text, at)):
                # "ผมซื้อบ้านมือสองมาครับ แต่บิลค่าน้ำ…": the story before the question, not a question
                # of its own (dev: intent 90.9% → 91.2%, top-1 90.6% → 91.1%, abstention precision
                # 90.3% → 91.0%; second requests offered 58.6% → 55.9%).
                continue
            rest = self._in_context(self._decide(message.read(rest_text), message, guess=False), first, message)
            if _substantive(rest, SECOND_SURE) and _asks_something_else(first, rest):
                # The answer goes to the first request: read it fully, unless the whole message
                # already says the same of it (the same intent and service; dev: no change in
                # any figure, one encoding fewer for most two-request messages).
                agree = whole.intent == first.intent and whole.procedure == first.procedure
                if self.featurizer.embeds and not agree:
                    full = self._decide(message.read(first_text, embed=True), message)
                    if _substantive(full):
                        first = full
                        rest = self._in_context(rest, first, message)
                        if not _asks_something_else(first, rest):
                            break
                return replace(first, second=rest, might_report=False)
        return whole

    def _request_before_ticket(self, text: str, whole: Understanding, message: "_Message") -> Understanding | None:
        """"ภาษีป้ายจ่ายที่ไหนคะ แล้วเรื่องที่แจ้งไว้ KC-2570-00118 ถึงไหนแล้ว": a request of its
        own, then, opened by "แล้ว…" or "อีกเรื่อง", a ticket to follow up. The request is answered
        and the ticket offered. A ticket told after its own story ("ไฟดับหน้าบ้านค่ะ แจ้งไว้ KC-…")
        stays one follow-up (train+dev: of the 144 messages with a ticket number, only the one
        that also reports a problem changed)."""
        def a_request(u: Understanding) -> bool:
            return u.intent in (i.QUESTION, i.REQUEST_SERVICE, i.REPORT_PROBLEM) and _substantive(u)

        for at in clauses.joints(text)[:MAX_CUTS]:
            first_text, rest_text = clauses.cut(text, at)
            first_reading = message.read(first_text)
            if first_reading.ticket_numbers or len(first_reading.words) <= PREFACE_WORDS:
                return None  # the number comes first, or only a word before it ("เรื่อง KC-…")
            if not clauses.opens(rest_text):
                continue
            first = self._decide(first_reading, message)
            if not a_request(first):
                continue
            rest = self._decide(message.read(rest_text), message)
            if rest.ticket is None:
                continue
            if self.featurizer.embeds:  # the answer goes to the first request: read it fully, as understand() does
                full = self._decide(message.read(first_text, embed=True), message)
                if _substantive(full):
                    if not a_request(full):
                        return None
                    first = full
            return replace(first, second=rest, might_report=False)
        return None

    def _in_context(self, rest: Understanding, first: Understanding, message: "_Message") -> Understanding:
        """"…ต้องขออนุญาตไหม แล้วเสียค่าธรรมเนียมเท่าไหร่": the second clause names no service
        of its own; it asks about the first one's."""
        if not first.procedure or rest.procedure or rest.outside_topic is not None:
            return rest
        if rest.intent not in (i.QUESTION, i.OUT_OF_SCOPE, i.REQUEST_SERVICE):
            return rest
        if rest.search is not None and rest.search.outcome in ("answer", "choose"):
            return rest  # it names a service of its own ("แล้วภาษีที่ดินจ่ายที่ไหน"): not the first one's
        procedure = self.search.handbook.get(first.procedure)
        intent = rest.intent if rest.intent in i.WITH_PROCEDURE else i.QUESTION
        reading = message.read(rest.text)
        return replace(rest, intent=intent, procedure=first.procedure,
                       section=self.section(reading, message.features(reading), procedure))

    def section(self, reading: Reading, features: dict, procedure) -> str:
        """Which part of the service is asked: the section model over the message's words and
        the rule of bot/handbook/sections.py (what the rule says is one of its features), its
        probabilities averaged with the character model's (SECTION_CHARS_WEIGHT)."""
        rule = HandbookSearch.section_for(reading.text, procedure)
        p = self.models.section.probabilities(features.plus({f"r:{rule}": 1.0}))
        p = _averaged(p, self.models.section_chars, reading.text, SECTION_CHARS_WEIGHT)
        return max(p.items(), key=lambda kv: kv[1])[0]

    # --- deciding -----------------------------------------------------------------------------

    def _decide(self, reading: Reading, message: "_Message", guess: bool = True) -> Understanding:
        """guess: a question's service may come from the procedure model alone when the search
        finds none (not for the second part of a message: too little to go on)."""
        features = message.features(reading)
        if reading.ticket_numbers and reading.ticket_numbers[0][0]:
            return Understanding(reading.text, i.TRACK, 1.0, search=reading.search, ticket=reading.ticket_numbers[0],
                                 clause=reading.text)
        ranked = self._intents(reading, features)
        intent, confidence = ranked[0]
        p_report = dict(ranked).get(i.REPORT_PROBLEM, 0.0)
        if intent != i.REPORT_PROBLEM and _tells_a_problem(reading):
            if p_report * PROBLEM_ODDS > confidence:
                # as sure as the odds make it: a report so read is a clause of its own (CLAUSE_SURE)
                intent, confidence = i.REPORT_PROBLEM, min(1.0, p_report * PROBLEM_ODDS)
        if intent == i.OUT_OF_SCOPE and self._named_whole(reading):
            intent, confidence = i.QUESTION, dict(ranked)[i.QUESTION]
        might_report = intent in (i.QUESTION, i.OUT_OF_SCOPE) and p_report >= REPORT_OFFER
        u = Understanding(reading.text, intent, confidence, search=reading.search, clause=reading.text,
                          might_report=might_report)
        if intent in i.WITH_PROCEDURE:
            u = self._with_procedure(u, reading, features, guess)
        elif intent == i.REPORT_PROBLEM:
            u = self._problem_kind(u, reading, features)
        elif intent == i.SMALLTALK:
            u = replace(u, talk=_talk_kind(reading))
        elif intent == i.TRACK and reading.ticket_numbers:
            u = replace(u, ticket=reading.ticket_numbers[0])
        return u

    def _intents(self, reading: Reading, features) -> list[tuple[str, float]]:
        """The intents, likeliest first: the intent model's probabilities, with its meaning
        averaged with the character model's (INTENT_CHARS_WEIGHT); by the words alone without it."""
        if reading.vector is None:
            return self.models.intent_lexical.ranked(features)
        p = _averaged(self.models.intent.probabilities(features), self.models.intent_chars, reading.text,
                      INTENT_CHARS_WEIGHT)
        return sorted(p.items(), key=lambda kv: -kv[1])

    def _procedures(self, reading: Reading, features) -> list[tuple[str, float]]:
        """The services (and "-"), likeliest first: the procedure model's probabilities, averaged
        with the character model's when the text is read with its meaning (PROCEDURE_CHARS_WEIGHT)."""
        p = self.models.procedure.probabilities(features)
        if reading.vector is not None:
            p = _averaged(p, self.models.procedure_chars, reading.text, PROCEDURE_CHARS_WEIGHT)
        return sorted(p.items(), key=lambda kv: -kv[1])

    def as_report(self, text: str) -> Understanding:
        """The message as a problem to report (the person says it is one): what kind, and the
        division that would see to it, for the complaint form to guess."""
        message = _Message(self.featurizer)
        reading = message.read(text)
        u = Understanding(text, i.REPORT_PROBLEM, 1.0, search=reading.search, clause=text)
        return self._problem_kind(u, reading, message.features(reading))

    def _problem_kind(self, u: Understanding, reading: Reading, features) -> Understanding:
        """A report with what it is about and, for a village problem of no listed topic, who would see to it."""
        return replace(u, topic=self.models.problem.ranked(features)[0][0], division_hint=_division_hint(reading))

    def _named_whole(self, reading: Reading) -> bool:
        """The message is one of a service's names and little else ("เงินช่วยคนตกงานหน้าฝน"
        once a clerk adds it as a name from the console): the handbook says it is the SAO's,
        whatever the model learnt of such words elsewhere."""
        result = reading.search
        if result is None or result.outcome != "answer" or not self.search.named(result.hits[0]):
            return False
        return self.search.covered(reading.text, result.hits[0]) >= NAME_COVERS

    def _with_procedure(self, u: Understanding, reading: Reading, features: dict, guess: bool = True) -> Understanding:
        result = reading.search
        if result is not None and result.outcome == "faq":
            return u  # a ready answer of content/faq.yaml answers it as it is
        # The model knows "-" too: the SAO's own matters that no service covers. Sure of
        # itself, it decides; the search has seen only the handbook's words, it has seen
        # how people ask.
        best, p = self._procedures(reading, features)[0]
        modelled = self.search.handbook.get(best)
        procedure = None
        if p >= PROCEDURE_DECIDES:
            procedure = modelled
        elif result is not None and result.outcome == "answer":
            procedure = result.procedure
        elif result is not None and result.outcome == "choose":
            procedure = result.choices[0]
        elif guess and p >= PROCEDURE_SURE:
            procedure = modelled
        if procedure is None:
            return u
        return replace(u, procedure=procedure.id, section=self.section(reading, features, procedure))


class _Message:
    """One message's readings and their features, each made once: a clause may be decided
    alone, again in context, and again with its embedding (the slowest messages are the long
    ones with joints; reading a clause twice cost them about a tenth of their time)."""

    def __init__(self, featurizer: Featurizer):
        self.featurizer = featurizer
        self._readings: dict[tuple[str, bool], Reading] = {}
        self._features: dict[int, object] = {}

    def read(self, text: str, embed: bool = False) -> Reading:
        key = (text, embed and self.featurizer.embeds)
        reading = self._readings.get(key)
        if reading is None:
            words_only = self._readings.get((text, False)) if key[1] else None
            reading = self.featurizer.embedded(words_only) if words_only else self.featurizer.read(text, embed)
            self._readings[key] = reading
        return reading

    def features(self, reading: Reading):
        found = self._features.get(id(reading))
        if found is None:
            found = self._features[id(reading)] = self.featurizer.features(reading)
        return found


def _averaged(p: dict[str, float], chars, text: str, weight: float) -> dict[str, float]:
    """A model's probabilities averaged with a character model's reading of the text, `weight`
    of it (the two err apart: bench/understanding/README.md); p as it is without that model."""
    q = chars.text_probabilities(text) if chars is not None and weight else None
    if q is None:
        return p
    return {c: (1 - weight) * v + weight * q.get(c, 0.0) for c, v in p.items()}


def _division_hint(reading: Reading) -> str | None:
    """For a village problem of no listed topic: the division its words point to."""
    for thing, division in THING_DIVISIONS.items():
        if f"thing:{thing}" in reading.cues:
            return division
    return None


def _talk_kind(reading: Reading) -> str:
    kinds = [c.split(":", 1)[1] for c in reading.cues if c.startswith("talk:")]
    for kind in ("annoyed", "thanks", "blessing", "greeting", "test", "laugh", "praise", "bye", "ack"):
        if kind in kinds:
            return kind
    return "emoji" if not reading.keyed else "ack"


def _substantive(u: Understanding, sure: float = CLAUSE_SURE) -> bool:
    """A request of its own: likely enough — or naming a service of the handbook outright."""
    if u.intent == i.SMALLTALK:
        return False
    named = u.intent in i.WITH_PROCEDURE and u.procedure and u.search is not None and u.search.outcome == "answer" \
        and u.search.hits[0].named >= 0.75
    return bool(named) or u.confidence >= sure


def _tells_a_problem(reading: Reading) -> bool:
    """Words of a broken thing, of staff behaving badly or of a service gone wrong, and none of
    following up a report."""
    cues = set(reading.cues)
    return bool({"problem", "conduct", "failing"} & cues) and "track" not in cues


def _asks(reading: Reading) -> bool:
    """A clause that asks or requests by its words: a question word or particle, or a request's
    word. A statement ("แม่ทอผ้าขายมาทั้งชีวิตค่ะ") only tells what the next clause asks about."""
    return bool({"question", "request"} & set(reading.cues)) or sections.is_yes_no(reading.text)


def _asks_something_else(first: Understanding, rest: Understanding) -> bool:
    """Two different requests, not one told in two sentences: a story and then "ช่วยมาดูหน่อย"
    is one report; a report and then "แจ้งที่ไหน" asks about reporting it."""
    if first.intent in i.WITH_PROCEDURE and rest.intent in i.WITH_PROCEDURE and first.intent != rest.intent \
            and rest.procedure == first.procedure:
        return False  # "ขอยืมเต็นท์ … ต้องเอาอะไรไปบ้าง": a request and what it needs
    if first.intent != rest.intent:
        same_thing = {
            (i.REPORT_PROBLEM, "complaint"), (i.CORRUPTION, "corruption-complaint"),
        }
        return (first.intent, rest.procedure) not in same_thing
    if first.intent in i.WITH_PROCEDURE:
        return bool(rest.procedure) and (rest.procedure != first.procedure or rest.section != first.section)
    return False
