"""The citizen's online request in LINE (flow "request"): choose the service (or arrive with it
from a message the router read as a request, the handbook card's button, or a QR code), answer
its fields one at a time, send its document photos, check a summary, confirm — then a request
number KC-R2570-00001. Services with an appointment then offer "📅 เลือกวันนัด"
(bot/eservice/appointments.py).

Steps are pure: every answer waits in the conversation state, so leaving at any point (ยกเลิก,
the menu, silence) writes nothing; the confirmation's effect files the request, its documents
(fetched from LINE afterwards) and its first event in one transaction, once per session.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from bot.common.thaidate import parse_thai_date, thai_date
from bot.conversation import messages as m
from bot.conversation import postback
from bot.conversation.engine import Command, Context, Effect, Flow, Input, State, Step, Turn
from bot.conversation.replies import with_menu
from bot.conversation.text import clean_typed, normalize_command
from bot.eservice import flow_texts as t
from bot.eservice import requests
from bot.eservice.catalog import Field, Service
from bot.eservice.texts import shown
from bot.feedback import common as c
from bot.feedback.announce import Office
from bot.feedback.texts import privacy_line
from bot.line.limits import truncate_label
from bot.pipeline import effects
from db import feedback_limits

FLOW = "request"
CREATE = "request-create"
START_ACTION = "request-start"  # the handbook card's "ยื่นคำร้องออนไลน์" (record id: the service id)
BOOK_ACTION = "appt-book"  # bot/eservice/appointments.py
MAX_REQUESTS_A_DAY = 5
_SKIP = frozenset(normalize_command(w) for w in ("ข้าม", "ไม่มี", "ไม่ระบุ", "skip"))
_YES = frozenset(normalize_command(w) for w in ("ยืนยัน", "ยืนยันส่ง", "ยืนยันส่งคำร้อง", "ส่ง", "ส่งเลย", "ตกลง", "ใช่"))
_PHONE = re.compile(r"^0[0-9]{8,9}$")
_VILLAGE = re.compile(r"^(?:หมู่(?:ที่)?|ม\.?)?\s*([0-9]{1,2})(?:\s|$)")
_SAID_VILLAGE = re.compile(r"(?:หมู่(?:ที่)?|ม\.)\s*([0-9]{1,2})(?![0-9])")
MAX_VILLAGE = 40


# --- choosing the service ------------------------------------------------------------------------


def _services(ctx: Context) -> list[Service]:
    return sorted(ctx.services.values(), key=lambda s: s.title)


def _label(ctx: Context, service: Service) -> str:
    """Its button: the handbook's short title of the same service, else the title cut to fit."""
    procedure = ctx.handbook.get(service.id) if ctx.handbook is not None else None
    return truncate_label(procedure.short_title if procedure else service.title)


def start(ctx: Context, state: State) -> Turn:
    if c.private_only(ctx):
        return c.private_only(ctx)
    offered = _services(ctx)
    if not offered:
        return Turn(State(), [with_menu(ctx, t.NO_SERVICES)])
    asking = State(FLOW, "service", state.session or ctx.new_session)
    buttons = [c.button(asking, _label(ctx, s), s.id, s.title) for s in offered[:12]] + [c.cancel_button()]
    return Turn(asking, [m.text(t.CHOOSE_SERVICE + "\n" + privacy_line(ctx.public_base_url), buttons)])


def start_service(ctx: Context, service_id: str, message: str = "", session: str = "") -> Turn:
    """Start the request for one service; `message` (what the citizen typed) answers the first
    field that takes it when it says enough, so nobody types their story twice."""
    if c.private_only(ctx):
        return c.private_only(ctx)
    service = ctx.services.get(service_id)
    if service is None:
        return Turn(State(), [with_menu(ctx, t.NO_SERVICES)])
    answers = {}
    told = []
    typed = c.clean_text(message)
    taker = next((f for f in service.fields if f.from_message and f.type == "text"), None)
    if taker is not None and typed and _check_text(taker, typed) is None:
        answers[taker.id] = typed
        told.append(t.noted(taker.label or taker.id, typed))
    village = next((f for f in service.fields if f.type == "village"), None)
    said = _SAID_VILLAGE.search(clean_typed(message))
    if village is not None and said and 1 <= int(said.group(1)) <= MAX_VILLAGE:
        answers[village.id] = int(said.group(1))  # "… บ้านอยู่หมู่ 7": not asked again
        told.append(t.noted(village.label or village.id, f"หมู่ {said.group(1)}"))
    state = State(FLOW, "field", session or ctx.new_session, {"service": service.id, "answers": answers, "docs": []})
    intro = t.starting(service.title, service.intro, len(service.documents), service.appointment is not None)
    head = m.text("\n".join([intro, *told, privacy_line(ctx.public_base_url)]))
    return _next(ctx, state, [head])


def service_step(ctx: Context, state: State, event: Input) -> Turn:
    chosen = event.button.arg if event.button else ""
    if not chosen and event.kind == "text":
        typed = normalize_command(event.text)
        chosen = next((s.id for s in _services(ctx) if typed in (normalize_command(s.title), normalize_command(_label(ctx, s)))), "")
    if chosen not in ctx.services:
        return Turn(state, [m.text(t.CHOOSE_FROM_LIST)], unusable=True)
    return start_service(ctx, chosen, session=state.session)


# --- the fields, then the documents, then the summary -------------------------------------------------


def _service(ctx: Context, state: State) -> Service | None:
    return ctx.services.get(state.data.get("service", ""))


def _pending_field(service: Service, answers: dict) -> Field | None:
    return next((f for f in service.fields if f.id not in answers), None)


def _pending_document(service: Service, docs: list) -> int | None:
    index = len(docs)
    return index if index < len(service.documents) else None


def _next(ctx: Context, state: State, before: list[dict] = ()) -> Turn:
    """Ask whatever is missing next: a field, a document, or the confirmation."""
    service = _service(ctx, state)
    if service is None:
        return Turn(State(), [with_menu(ctx, t.SERVICE_GONE)])
    answers = dict(state.data.get("answers") or {})
    docs = list(state.data.get("docs") or [])
    item = _pending_field(service, answers)
    if item is not None:
        # Typed answers at "field" (whatever is typed is the answer); buttons and a place at "pick",
        # where a typed question is answered aside.
        step = "pick" if item.type in ("choice", "location") else "field"
        asking = State(FLOW, step, state.session, {**state.data, "field": item.id})
        return Turn(asking, [*before, _ask_field(ctx, asking, item)][:5])
    index = _pending_document(service, docs)
    if index is not None:
        asking = State(FLOW, "document", state.session, {**state.data, "field": None})
        return Turn(asking, [*before, _ask_document(asking, service, index)][:5])
    asking = State(FLOW, "confirm", state.session, {**state.data, "field": None})
    return Turn(asking, [*before, *_summary(ctx, asking, service)][:5])


def _ask_field(ctx: Context, state: State, item: Field) -> dict:
    buttons: list[dict] = []
    if item.type == "choice":
        buttons = [c.button(state, choice, str(i), choice) for i, choice in enumerate(item.choices)]
    elif item.type == "date":
        today = ctx.now.date()
        buttons = [
            c.button(state, t.TODAY, today.isoformat(), t.TODAY),
            c.button(state, t.TOMORROW, (today + timedelta(days=1)).isoformat(), t.TOMORROW),
            {
                "type": "datetimepicker", "label": t.PICK_DATE, "mode": "date",
                "data": postback.button(state.flow, state.step, state.session, "picked"),
                "initial": today.isoformat(), "min": (today - timedelta(days=365)).isoformat(),
                "max": (today + timedelta(days=365)).isoformat(),
            },
        ]
    elif item.type == "location":
        buttons = [{"type": "location", "label": t.SEND_LOCATION}]
    if item.optional:
        buttons.append(c.button(state, t.SKIP, "skip", t.SKIP))
    buttons.append(c.cancel_button())
    prompt = item.prompt + (f"\n{t.DATE_HINT}" if item.type == "date" else "")
    return m.text(prompt, buttons)


def _check_text(item: Field, text: str) -> str | None:
    shortest, longest = int(item.min or 1), int(item.max or 1000)
    return c.check_length(text, shortest, longest)


def read_field(item: Field, event: Input, today: date) -> tuple[object | None, str | None]:
    """(value, None), or (None, a Thai note on what to send instead)."""
    arg = event.button.arg if event.button else ""
    typed = clean_typed(event.text) if event.kind == "text" else ""
    if item.type == "location":
        if event.kind == "location" and event.location.get("latitude") is not None:
            return dict(event.location), None
        return None, t.NEED_LOCATION
    if item.type == "choice":
        if arg.isdigit() and int(arg) < len(item.choices):
            return item.choices[int(arg)], None
        match = next((ch for ch in item.choices if normalize_command(ch) == normalize_command(typed)), None)
        return (match, None) if match else (None, t.CHOOSE_FROM_LIST)
    if item.type == "date":
        picked = event.params.get("date") if event.button else None
        if picked or (arg and arg[:4].isdigit()):
            return (picked or arg), None
        try:
            return parse_thai_date(typed).isoformat(), None
        except ValueError as exc:
            return None, str(exc)
    if not typed:
        return None, t.NEED_TYPED
    if item.type == "text":
        text = c.clean_text(event.text)
        problem = _check_text(item, text)
        return (None, problem) if problem else (text, None)
    if item.type == "number":
        digits = typed.replace(",", "").strip()
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", digits):
            return None, t.NEED_NUMBER
        value = float(digits) if "." in digits else int(digits)
        if (item.min is not None and value < item.min) or (item.max is not None and value > item.max):
            return None, t.number_between(item.min, item.max)
        return value, None
    if item.type == "phone":
        phone = re.sub(r"[\s\-().]", "", typed).replace("+66", "0")
        return (phone, None) if _PHONE.match(phone) else (None, t.NEED_PHONE)
    if item.type == "village":
        found = _VILLAGE.match(typed)
        if found and 1 <= int(found.group(1)) <= MAX_VILLAGE:
            return int(found.group(1)), None
        return None, t.NEED_VILLAGE
    return None, t.NEED_TYPED


def field_step(ctx: Context, state: State, event: Input) -> Turn:
    service = _service(ctx, state)
    item = service.field(state.data.get("field") or "") if service else None
    if service is None or item is None:
        return _next(ctx, state)
    if item.optional and ((event.button and event.button.arg == "skip") or event.command in _SKIP):
        value = ""
    else:
        value, problem = read_field(item, event, ctx.now.date())
        if problem:
            return Turn(state, [m.text(problem), _ask_field(ctx, state, item)], unusable=True)
    answers = {**(state.data.get("answers") or {}), item.id: value}
    return _next(ctx, State(FLOW, "field", state.session, {**state.data, "answers": answers}))


def _ask_document(state: State, service: Service, index: int) -> dict:
    document = service.documents[index]
    buttons = [{"type": "camera", "label": t.TAKE_PHOTO}, {"type": "cameraRoll", "label": t.PICK_PHOTO}]
    if not document.required:
        buttons.append(c.button(state, t.SKIP, "skip", t.SKIP))
    buttons.append(c.cancel_button())
    return m.text(t.ask_document(document.title, index + 1, len(service.documents), document.required), buttons)


def document_step(ctx: Context, state: State, event: Input) -> Turn:
    service = _service(ctx, state)
    docs = list(state.data.get("docs") or [])
    index = _pending_document(service, docs) if service else None
    if service is None or index is None:
        return _next(ctx, state)
    document = service.documents[index]
    if event.kind == "media" and event.media_type == "image" and event.message_id:
        docs.append([document.id, event.message_id])
    elif not document.required and ((event.button and event.button.arg == "skip") or event.command in _SKIP):
        docs.append([document.id, ""])
    else:
        return Turn(state, [m.text(t.NEED_PHOTO), _ask_document(state, service, index)], unusable=True)
    return _next(ctx, State(FLOW, "document", state.session, {**state.data, "docs": docs}))


def _summary(ctx: Context, state: State, service: Service) -> list[dict]:
    answers = state.data.get("answers") or {}
    rows = [(f.label or f.id, shown(f, answers[f.id]) if answers.get(f.id) not in (None, "") else "-") for f in service.fields]
    sent = [d for d, message_id in state.data.get("docs") or [] if message_id]
    titles = {d.id: d.title for d in service.documents}
    if service.documents:
        rows.append(("เอกสาร", ", ".join(titles[d] for d in sent) or "-"))
    buttons = [c.button(state, t.CONFIRM, "yes", t.CONFIRM), c.button(state, t.START_OVER, "again", t.START_OVER), c.cancel_button()]
    card = m.card(service.title, rows, [], alt_text=f"สรุปคำร้อง: {service.title}")
    return [card, m.text(t.CONFIRM_PROMPT, buttons)]


def confirm_step(ctx: Context, state: State, event: Input) -> Turn:
    service = _service(ctx, state)
    if service is None:
        return Turn(State(), [with_menu(ctx, t.SERVICE_GONE)])
    arg = event.button.arg if event.button else ""
    if arg == "again":
        return start_service(ctx, service.id, session=ctx.new_session)
    if arg == "yes" or event.command in _YES:
        args = {"session": state.session, "service": service.id, "answers": state.data.get("answers") or {},
                "docs": [d for d in state.data.get("docs") or [] if d[1]]}
        return Turn(State(), [], effects=(Effect(CREATE, args),))
    return Turn(state, [m.text(t.CONFIRM_AGAIN), *_summary(ctx, state, service)][:5], unusable=True)


def prompt(ctx: Context, state: State) -> list[dict]:
    return list(_next(ctx, state).messages)


# --- the write --------------------------------------------------------------------------------------------


@effects.effect(CREATE)
def create(req: effects.EffectRequest) -> effects.EffectResult:
    services = req.part("services") or {}
    service = services.get(req.args["service"])
    if service is None:
        return effects.EffectResult(replies=[m.text(t.SERVICE_GONE, list(req.menu_buttons))])
    office = Office.of(req)
    key = c.submission_key(req.chat_key, req.args["session"])
    now = req.now.timestamp()
    limit_key = f"request:{req.chat_key}"
    repeat = req.db.execute("SELECT 1 FROM service_requests WHERE submission_key = ?", (key,)).fetchone()
    if repeat is None and feedback_limits.count(req.db, limit_key, 86400, now) >= MAX_REQUESTS_A_DAY:
        return effects.EffectResult(replies=[m.text(t.too_many(MAX_REQUESTS_A_DAY, req.profile), list(req.menu_buttons))])
    request, created, queued = requests.file_online(
        req.db, office, service, dict(req.args["answers"]), [tuple(d) for d in req.args.get("docs") or []],
        chat_key=req.chat_key, line_user_id=req.user_id, submission_key=key, calendar=req.part("calendar"), now=req.now,
    )
    if created:
        feedback_limits.record(req.db, limit_key, now)
    due = thai_date(date.fromisoformat(request.due_on)) if request.due_on else ""
    reply = t.filed(request.number, service.title, office.division_name(request.division_id), due, service.appointment is not None)
    if service.appointment is not None:
        book = m.postback_action(t.BOOK_BUTTON, postback.action(BOOK_ACTION, request.id), t.BOOK_BUTTON)
        return effects.EffectResult(replies=[m.text(reply, [book])], queued_outbox_ids=queued)
    return effects.EffectResult(replies=[m.text(reply, list(req.menu_buttons))], queued_outbox_ids=queued)


@effects.action(START_ACTION)
def start_from_button(req: effects.EffectRequest) -> effects.EffectResult:
    """The handbook card's "ยื่นคำร้องออนไลน์" (a record button: the service id rides in it)."""
    import secrets

    ctx = Context(profile=req.profile, now=req.now, new_session=secrets.token_hex(4), chat_kind=req.chat_kind,
                  public_base_url=req.public_base_url, divisions=req.divisions, menu_buttons=req.menu_buttons,
                  services=req.part("services") or {})
    turn = start_service(ctx, str(req.args.get("record_id") or ""))
    return effects.EffectResult(replies=list(turn.messages), state=turn.state)


# --- typed "ยื่นคำร้อง <service>" (a QR code's message) ----------------------------------------------------


def _typed_request(ctx: Context, state: State, argument: str) -> Turn:
    wanted = normalize_command(argument)
    for service in _services(ctx):
        title = normalize_command(service.title)
        if wanted and (wanted == normalize_command(service.id) or wanted in title or title in wanted):
            return start_service(ctx, service.id)
    return start(ctx, State(FLOW, session=ctx.new_session))


COMMAND = Command(
    name="request-service",
    # "ยื่นคำร้อง: drinking-water-delivery" (a QR poster's message) or "ยื่นคำร้อง ขอน้ำ"
    pattern=re.compile(r"ยื่นคำร้อง(?:ออนไลน์)?\s*[:：]?\s*(\S.*)"),
    run=lambda ctx, state, argument: _typed_request(ctx, state, argument),
    usage="ยื่นคำร้อง: <บริการ> (รหัส QR)",
)


FLOWS = [
    Flow(
        name=FLOW,
        title="ยื่นคำร้องออนไลน์",
        start=start,
        starts_at=("service", "field", "pick"),
        steps={
            "service": Step(service_step, goes_to=("field",), note="เลือกบริการ"),
            "field": Step(field_step, goes_to=("field", "pick", "document", "confirm"), takes_text=True,
                          note="ทีละช่องที่พิมพ์: ข้อความ ตัวเลข วันที่ หมู่ เบอร์โทร"),
            "pick": Step(field_step, goes_to=("field", "pick", "document", "confirm"), note="ตัวเลือก หรือ ตำแหน่ง"),
            "document": Step(document_step, goes_to=("document", "confirm"), note="รูปเอกสาร หรือ ข้าม (ถ้าไม่บังคับ)"),
            "confirm": Step(confirm_step, goes_to=("main", "field"), note="ยืนยัน → เลขที่คำร้อง (+ เลือกวันนัด)"),
        },
        entry_words=("ยื่นคำร้อง", "ยื่นคำร้องออนไลน์", "คำร้องออนไลน์", "e-service"),
        timeout_minutes=30,
        prompt=prompt,
        menu_label="ยื่นคำร้องออนไลน์",
        menu_caption="ขอรถน้ำ ยืมเต็นท์ ลงทะเบียนเบี้ยยังชีพ",
        icon="document",
    ),
]
