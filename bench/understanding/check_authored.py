"""Check a file an author wrote (7 columns, before splitting): python3 bench/understanding/check_authored.py FILE"""
import sys
INTENTS = {"question", "request_service", "report_problem", "track", "human", "smalltalk", "corruption", "out_of_scope"}
PROCS = set("""elderly-allowance disability-allowance hiv-patient-support newborn-child-grant land-building-tax
signboard-tax building-permit demolition-permit excavation-notice land-filling-notice health-hazard-business-license
food-premises-permit street-vending-permit commercial-registration waste-collection water-supply drinking-water-delivery
disaster-relief equipment-loan official-information-request complaint corruption-complaint
child-development-center-enrollment office-contact""".split())
SECTIONS = {"overview", "eligibility", "documents", "fees", "duration", "steps", "channels"}
PROBLEMS = {"road", "light", "water", "waste", "other", "service", "official", "suggestion"}
AGENCIES = set("""id-card civil-registration house-number family-registration passport driving-licence land-title police
hospital weather electricity pwa social-security state-welfare-card farmer-registration livestock military-service bank-loan
jobs school higher-education adult-education civil-service-exams election firearms telecom consumer public-transport post
lottery other -""".split())
TAGS = {"nearmiss", "stt", "isan", "typo", "multi", "emoji", "long", "short", "proxy", "-"}
errors, seen = 0, set()
from collections import Counter
counts = Counter()
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line.strip():
        continue
    cols = line.split("\t")
    def bad(msg):
        global errors
        errors += 1
        print(f"line {n}: {msg}: {line[:80]}")
    if len(cols) != 7:
        bad(f"{len(cols)} columns, want 7"); continue
    msg, intent, proc, sec, detail, also, tags = cols
    if not msg.strip(): bad("empty message")
    if msg in seen: bad("duplicate message")
    seen.add(msg)
    counts[intent] += 1
    if intent not in INTENTS: bad(f"intent {intent!r}")
    if intent in ("question", "request_service"):
        if proc != "-" and proc not in PROCS: bad(f"procedure {proc!r}")
        if intent == "request_service" and proc == "-": bad("request_service needs a procedure")
        if intent == "question" and proc != "-" and sec not in SECTIONS: bad(f"section {sec!r}")
        if sec != "-" and sec not in SECTIONS: bad(f"section {sec!r}")
    else:
        if proc != "-" or sec != "-": bad("procedure/section must be - for this intent")
    if intent == "report_problem" and detail not in PROBLEMS: bad(f"problem detail {detail!r}")
    if intent == "out_of_scope" and detail not in AGENCIES: bad(f"agency {detail!r}")
    if intent not in ("report_problem", "out_of_scope") and detail != "-": bad("detail must be -")
    if also != "-":
        i, _, p = also.partition(":")
        if i not in INTENTS or (p and p not in PROCS): bad(f"also {also!r}")
    for t in tags.split(","):
        if t not in TAGS: bad(f"tag {t!r}")
print(dict(counts), "total", sum(counts.values()), "errors", errors)
sys.exit(1 if errors else 0)
