"""The handbook Q&A flow: what the reader understood (bot/understanding) → an honest answer.

The router (bot/conversation/router.py) sends questions, requests for a service and other
agencies' business here, already understood: the service, the section asked, the search's result.

  answer  → a Flex card of the asked section (buttons to the other sections and to the web
            page) and "ตรงกับที่ถามไหมคะ" 👍/👎; a request for the service ("ขอรถน้ำหน่อย")
            gets the card of how to get it and "ส่งคำขอถึงเจ้าหน้าที่";
  choose  → "หมายถึงเรื่องไหนคะ" with the top 2–3 procedures as quick replies;
  outside → the SAO does not handle this; where to go instead;
  faq     → a ready answer from content/faq.yaml, as it is, and 👍/👎;
  unknown → "ไม่ทราบ", and an offer to pass the question to staff.

Every question is recorded (effect handbook_record, bot/handbook/effects.py) under a fresh
random ref; the buttons carry that ref, so a 👎 or a staff request always applies to the
question it was shown with. Buttons also carry the flow session: once the person leaves
the handbook (menu, another flow, 30 minutes idle), old buttons get the engine's polite note.

Button args: s:<procedure>:<section> show a section · f:<ref>:up|down rate ·
p:<ref>:<procedure>:<section> pick a choice · n:<ref> none of the choices · h:<ref>:yes|no staff ·
r:<procedure> rate the service (the satisfaction flow, bot/feedback/satisfaction.py) ·
t:<ref> "it is a problem to fix": the complaint form, filled in from the question (offered when
the reader found a report likely, `Understanding.might_report`).

"Send it to staff" hands over to the staff-question flow (bot/feedback/staff_questions.py)
with the question already filled in: the flow's state remembers the last few questions by
ref, so the step stays pure and the citizen need not type the question again.
"""
from __future__ import annotations

from dataclasses import replace

from bot.conversation import messages as m
from bot.conversation import postback, texts
from bot.conversation.engine import MAIN, Context, Effect, Input, State, Turn
from bot.conversation.replies import contact_card, main_menu, with_menu
from bot.handbook.cards import page_url, section_card
from bot.handbook.model import SECTION_BUTTONS, SECTION_TITLES, SECTIONS
from bot.handbook.search import HandbookSearch
from bot.handbook.sections import cue_sections
from bot.understanding.intents import OUT_OF_SCOPE, QUESTION, REQUEST_SERVICE
from bot.understanding.reader import Understanding

FLOW = "handbook"
STEP = "asked"
REMEMBERED_QUESTIONS = 3  # per chat, in the conversation state (erased with it)
POPULAR = ("elderly-allowance", "disability-allowance", "newborn-child-grant", "land-building-tax",
           "building-permit", "waste-collection", "complaint")


def _button(state: State, arg: str) -> str:
    return postback.button(FLOW, STEP, state.session, arg)


def _menu_button() -> dict:
    return m.postback_action(texts.MENU_BUTTON, postback.menu(MAIN))


def _card(ctx: Context, state: State | None, procedure, section: str) -> dict:
    """The card of one section; state None: without buttons to the other sections (an answer
    given aside, while another flow goes on: they would belong to no conversation)."""
    if procedure.id == "office-contact":
        return contact_card(ctx)  # the same card as the contact menu

    def action(other: str) -> dict:
        return m.postback_action(
            SECTION_BUTTONS[other],
            _button(state, f"s:{procedure.id}:{other}"),
            display_text=f"{procedure.short_title}: {SECTION_TITLES[other]}",
        )

    return section_card(procedure, section, action if state is not None else None, page_url(ctx.public_base_url, procedure))


def _feedback_prompt(state: State, ref: str, procedure=None, requestable: bool = False) -> dict:
    buttons = [
        m.postback_action(texts.HANDBOOK_YES, _button(state, f"f:{ref}:up")),
        m.postback_action(texts.HANDBOOK_NO, _button(state, f"f:{ref}:down")),
    ]
    if requestable:  # the service can be requested online: straight to its form
        buttons.insert(0, m.postback_action(texts.REQUEST_ONLINE, postback.action("request-start", procedure.id), texts.REQUEST_ONLINE))
    if procedure is not None and procedure.id != "office-contact":
        buttons.append(m.postback_action(texts.HANDBOOK_RATE_SERVICE, _button(state, f"r:{procedure.id}")))
    return m.text(texts.HANDBOOK_ASK_FEEDBACK, buttons + [_menu_button()])


def _remember(state: State, ref: str, question: str, procedure_id: str | None, request: bool = False) -> State:
    """The state with this question remembered under its ref (the last few only)."""
    asked = dict(state.data.get("asked") or {}) if state.flow == FLOW else {}
    asked[ref] = [question, procedure_id, "request" if request else "question"]
    kept = dict(list(asked.items())[-REMEMBERED_QUESTIONS:])
    return State(FLOW, STEP, state.session, {**state.data, "asked": kept} if state.flow == FLOW else {"asked": kept})


def _offer_report(ctx: Context, here: State, ref: str, u: Understanding, turn: Turn) -> Turn:
    """"สะพานข้ามคลองขาดแล้ว จะมีคนมาทำไหม", answered as a question, may be a problem to fix
    (the reader's might_report): the complaint form, filled in from the message, is one tap
    away, first among the quick replies. Only in a private chat, where complaints are taken."""
    if not u.might_report or ctx.chat_kind != "user" or not turn.messages:
        return turn
    last = turn.messages[-1]
    if last.get("type") != "text":
        return turn
    offer = {"type": "action", "action": m.postback_action(texts.REPORT_INSTEAD, _button(here, f"t:{ref}"))}
    items = [offer] + list((last.get("quickReply") or {}).get("items") or [])
    return replace(turn, messages=[*turn.messages[:-1], {**last, "quickReply": {"items": items[:m.MAX_QUICK_REPLY_ITEMS]}}])


def staff_offer(state: State, ref: str, body: str) -> dict:
    return m.text(
        body,
        [
            m.postback_action(texts.HANDBOOK_SEND_STAFF, _button(state, f"h:{ref}:yes")),
            m.postback_action(texts.HANDBOOK_NO_STAFF, _button(state, f"h:{ref}:no")),
            _menu_button(),
        ],
    )


def _record(ctx: Context, ref: str, question: str, outcome: str, u: Understanding, procedure=None, section=None,
            key: str | None = None) -> Effect:
    """The question, kept for the console's review and the statistics (effect handbook_record)."""
    result = u.search
    return Effect(
        "handbook_record",
        {
            "ref": ref,
            "question": question,
            "outcome": outcome,
            "procedure": key or (procedure.id if procedure else None),
            "section": section,
            "score": result.score if result is not None else 0.0,
            "version": ctx.handbook.fingerprint,
            "intent": u.intent,
        },
    )


def _asked_something(question: str) -> bool:
    """Does the text ask a particular part of a service (documents, fees, where …)?"""
    return bool(cue_sections(question))


def answer(ctx: Context, state: State, u: Understanding, request: bool = False) -> Turn:
    """Answer what the reader understood (a question, a request for a service, or something
    another agency does). Keeps the flow's session if already in the handbook flow.

    request: the person wants the service done now ("ขอรถน้ำหน่อย"): the card tells how to get
    it (its steps, unless something else was asked) and the next step is to send the request
    to the staff who do it."""
    ref = ctx.new_session  # fresh for every event: the question's record id
    question = u.clause or u.text
    procedure = ctx.handbook.get(u.procedure) if (u.procedure and ctx.handbook is not None) else None
    here = _asked(ctx, state, ref, question, procedure.id if procedure else None, request)
    return _offer_report(ctx, here, ref, u, _answered(ctx, here, ref, u, question, procedure, request))


def _asked(ctx: Context, state: State, ref: str, question: str, procedure_id: str | None, request: bool = False) -> State:
    """The handbook flow with this question remembered: the flow's session if already in it."""
    session = state.session if state.flow == FLOW else ctx.new_session
    return _remember(State(FLOW, STEP, session, state.data if state.flow == FLOW else {}), ref, question,
                     procedure_id, request)


def _answered(ctx: Context, here: State, ref: str, u: Understanding, question: str, procedure, request: bool) -> Turn:
    result = u.search
    p = ctx.profile
    if procedure is not None:
        if not request and result is not None and result.outcome == "choose" and result.choices[0].id == procedure.id:
            picks = [
                m.postback_action(c.short_title, _button(here, f"p:{ref}:{c.id}:{HandbookSearch.section_for(question, c)}"))
                for c in result.choices
            ]
            picks += [m.postback_action(texts.HANDBOOK_NONE_OF_THESE, _button(here, f"n:{ref}")), _menu_button()]
            body = texts.handbook_choose([c.short_title for c in result.choices])
            return Turn(here, [m.text(body, picks)], effects=(_record(ctx, ref, question, "choose", u),))
        section = _section(u, question, request)
        requestable = procedure.id in ctx.services
        prompt = _request_prompt(here, ref, procedure) if request else _feedback_prompt(here, ref, procedure, requestable)
        return Turn(here, [_card(ctx, here, procedure, section), prompt],
                    effects=(_record(ctx, ref, question, "answered", u, procedure, section),))
    if result is not None and result.outcome == "faq" and u.intent == QUESTION:
        entry = result.faq
        record = _record(ctx, ref, question, "answered", u, key=entry.key)
        return Turn(here, [m.text(entry.answer), _feedback_prompt(here, ref)], effects=(record,))
    topic = u.outside_topic
    if topic is not None:
        body = texts.handbook_outside(topic.title, topic.where, p)
        return Turn(here, [with_menu(ctx, body)], effects=(_record(ctx, ref, question, "outside", u),))
    return Turn(here, [staff_offer(here, ref, texts.handbook_unknown(p))],
                effects=(_record(ctx, ref, question, "unanswered", u),))


def _section(u: Understanding, question: str, request: bool) -> str:
    """The section to show: the one asked; for a request of the service, how to get it."""
    if request and not _asked_something(question):
        return "steps"
    return u.section or "overview"


def answer_aside(ctx: Context, u: Understanding) -> list[dict]:
    """The answer without buttons of its own, given while another flow goes on (the router
    adds the choice to go back to that flow): the card, a ready answer, where to go instead,
    or the honest "not yet" with the SAO's contact."""
    question = u.clause or u.text
    procedure = ctx.handbook.get(u.procedure) if (u.procedure and ctx.handbook is not None) else None
    if procedure is not None:
        return [_card(ctx, None, procedure, _section(u, question, u.intent == REQUEST_SERVICE))]
    result = u.search
    if result is not None and result.outcome == "faq" and u.intent == QUESTION:
        return [m.text(result.faq.answer)]
    topic = u.outside_topic
    if topic is not None:
        return [m.text(texts.handbook_outside(topic.title, topic.where, ctx.profile))]
    return [m.text(texts.unknown_question(ctx.profile))]


def not_the_saos_or_a_report(ctx: Context, state: State, u: Understanding) -> Turn:
    """Not the SAO's and no agency known, yet maybe a problem to fix ("ไฟดับจนขโมยขึ้นบ้าน"):
    said honestly with the menu, and the complaint form offered (the question remembered for it)."""
    ref = ctx.new_session
    question = u.clause or u.text
    here = _asked(ctx, state, ref, question, None)
    turn = Turn(here, [with_menu(ctx, texts.not_the_saos(ctx.profile))], effects=(_record(ctx, ref, question, "outside", u),))
    return _offer_report(ctx, here, ref, u, turn)


def record_aside(ctx: Context, u: Understanding) -> Effect:
    """An aside answer's question, recorded like any other (the console's review, statistics)."""
    question = u.clause or u.text
    procedure = ctx.handbook.get(u.procedure) if (u.procedure and ctx.handbook is not None) else None
    if procedure is not None:
        section = _section(u, question, u.intent == REQUEST_SERVICE)
        return _record(ctx, ctx.new_session, question, "answered", u, procedure, section)
    if u.search is not None and u.search.outcome == "faq" and u.intent == QUESTION:
        return _record(ctx, ctx.new_session, question, "answered", u, key=u.search.faq.key)
    outcome = "outside" if u.outside_topic is not None or u.intent == OUT_OF_SCOPE else "unanswered"
    return _record(ctx, ctx.new_session, question, outcome, u)


def _request_prompt(state: State, ref: str, procedure) -> dict:
    """After the card of a service someone asked for: send the request to the staff who do it."""
    return m.text(
        texts.request_next_step(procedure.division_name),
        [
            m.postback_action(texts.SEND_REQUEST, _button(state, f"h:{ref}:yes")),
            m.postback_action(texts.HANDBOOK_NO, _button(state, f"f:{ref}:down")),
            _menu_button(),
        ],
    )


def start(ctx: Context, state: State) -> Turn:
    """The menu button: how to ask, and the most asked services."""
    here = State(FLOW, STEP, state.session)
    handbook = ctx.handbook
    buttons = []
    if handbook:
        for pid in POPULAR:
            procedure = handbook.get(pid)
            if procedure:
                buttons.append(m.postback_action(procedure.short_title, _button(here, f"s:{pid}:overview")))
    if ctx.public_base_url:
        buttons.append(m.uri_action(texts.HANDBOOK_FULL_PAGE, ctx.public_base_url.rstrip("/") + "/handbook"))
    buttons.append(_menu_button())
    return Turn(here, [m.text(texts.handbook_welcome(ctx.profile), buttons)])


def asked_step(ctx: Context, state: State, event: Input) -> Turn:
    """A tap on one of the flow's buttons. Any other input is a new message, read like one at
    the main menu: the flow table sends it there (bot/conversation/flows.py `handbook_step`)."""
    button = event.button
    if button is None:  # read by the flow table before it gets here
        return Turn(State(), main_menu(ctx))
    kind, _, rest = button.arg.partition(":")
    parts = rest.split(":")
    handbook = ctx.handbook
    if kind == "s" and len(parts) == 2 and handbook and handbook.get(parts[0]) and parts[1] in SECTIONS:
        return Turn(state, [_card(ctx, state, handbook.get(parts[0]), parts[1])])
    if kind == "f" and len(parts) == 2 and parts[1] in ("up", "down"):
        return Turn(state, [], effects=(Effect("handbook_feedback", {"ref": parts[0], "vote": parts[1], "session": state.session}),))
    if kind == "p" and len(parts) == 3 and handbook and handbook.get(parts[1]) and parts[2] in SECTIONS:
        ref, procedure, section = parts[0], handbook.get(parts[1]), parts[2]
        return Turn(state, [_card(ctx, state, procedure, section), _feedback_prompt(state, ref, procedure)],
                    effects=(Effect("handbook_pick", {"ref": ref, "procedure": procedure.id, "section": section}),))
    if kind == "n" and len(parts) == 1:
        return Turn(state, [staff_offer(state, parts[0], texts.handbook_unknown(ctx.profile))],
                    effects=(Effect("handbook_unanswered", {"ref": parts[0]}),))
    if kind == "h" and len(parts) == 2 and parts[1] in ("yes", "no"):
        if parts[1] == "no":
            return Turn(state, [m.text(texts.HANDBOOK_STAFF_DECLINED, [_menu_button()])])
        from bot.feedback.staff_questions import ask_staff_turn

        question, procedure_id, *kind = (state.data.get("asked") or {}).get(parts[0]) or ("", None)
        source = "request" if kind == ["request"] else "handbook"  # a request for the service, or a question
        handover = ask_staff_turn(ctx, question, procedure_id, source=source)
        return Turn(handover.state, handover.messages, handover.must_arrive,
                    handover.effects + (Effect("handbook_staff", {"ref": parts[0]}),))
    if kind == "t" and len(parts) == 1 and ctx.reader is not None:
        question = ((state.data.get("asked") or {}).get(parts[0]) or ("",))[0]
        if question:  # the person says it is a problem to fix: the complaint form, filled in from it
            from bot.feedback import tickets

            started = tickets.start_from_message(ctx, State(session=ctx.new_session), ctx.reader.as_report(question))
            return replace(started, effects=started.effects + (Effect("handbook_reported", {"ref": parts[0]}),))
    if kind == "r" and len(parts) == 1 and handbook and handbook.get(parts[0]):
        from bot.feedback.satisfaction import start_for_service

        return start_for_service(ctx, parts[0], source="handbook")
    # A button of a procedure removed from the content since, or data we never made.
    return Turn(State(), [m.text(texts.STALE_BUTTON)] + main_menu(ctx)[:1])
