"""Appointments at the office for a request (issue 19): the service file's slots on working days
(content/services/<id>.yaml `appointment`), booked, moved and cancelled from LINE, reminded the
working day before, and listed for staff ("นัดหมายวันนี้"; the console's /admin/appointments).

- "📅 เลือกวันนัด" under a filed request (record action BOOK) offers the next working days with
  a free place, and LINE's date picker; then the day's free slots (flow "appointment"); then
  books. The request becomes 'scheduled'.
- The confirmation card's "เลื่อนนัด" / "ยกเลิกนัด" (record actions on the appointment); typed
  "นัดของฉัน", "เลื่อนนัด", "ยกเลิกนัด" list the person's appointments with those buttons.
- Every check is made again in the effect that writes, inside the worker's write transaction,
  where db/appointments.py `book` cannot overbook a slot.
- The reminder the working day before: bot/eservice/appointment_reminders.py.

Steps are pure: the free slots are read by the effects, which set the next step.
"""
from __future__ import annotations

import json
import re
import secrets
import time
from datetime import date, timedelta

import sqlite_utils

from bot.common.thaidate import parse_thai_date, thai_date
from bot.content.workdays import WorkCalendar
from bot.conversation import messages as m
from bot.conversation import postback
from bot.conversation.engine import Command, Context, Effect, Flow, Input, State, Step, Turn
from bot.eservice import appointment_texts as t
from bot.eservice import requests
from bot.eservice.catalog import Service
from bot.eservice.texts import STATUS as REQUEST_STATUS
from bot.feedback import common as c
from bot.pipeline import effects
from db import appointments as store
from db import staff
from db import service_requests as request_store
from db.appointments import Appointment
from db.service_requests import ServiceRequest

FLOW = "appointment"
BOOK = "appt-book"  # record: the request (the button under a filed request, bot/eservice/flow.py)
MOVE = "appt-move"  # record: the appointment
CANCEL = "appt-cancel"  # record: the appointment; arg "" asks, "yes" cancels, "no" keeps it
DAY_CHOSEN = "appt-day"
SLOT_CHOSEN = "appt-slot"
MINE = "appt-mine"
TODAY = "appt-today"
MAX_DAYS = 11  # quick replies: 11 days, the date picker and ยกเลิก make LINE's 13
MAX_CARDS = 10
MAX_LINES = 40  # of the staff's day list: one LINE text holds 5,000 characters
SYSTEM = "ระบบ"
_NAME_FIELDS = ("applicant", "name", "full_name")
_SLOT_TYPED = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(?:\s*น\.?)?$")


def _reply(*bodies: str | dict, state: State | None = None) -> effects.EffectResult:
    return effects.EffectResult(replies=[m.text(b) if isinstance(b, str) else b for b in bodies], state=state)


def _calendar(req: effects.EffectRequest) -> WorkCalendar:
    return req.part("calendar") or WorkCalendar()


def _window(today: date, service: Service) -> tuple[date, date]:
    """Bookable days: from tomorrow, `book_within_days` calendar days ahead."""
    return today + timedelta(days=1), today + timedelta(days=service.appointment.book_within_days)


def person_name(service: Service | None, answers: str | None) -> str:
    """The name a request's answers give (a text field about a name), for staff's lists; "" once
    the personal data is removed."""
    values = json.loads(answers) if answers else {}
    for item in service.fields if service else ():
        if item.type == "text" and (item.id in _NAME_FIELDS or "ชื่อ" in (item.label or "")):
            return str(values.get(item.id) or "")[:80]
    return ""


# --- checks every tap and effect share --------------------------------------------------------------


def _request_for(req: effects.EffectRequest, request_id) -> tuple[ServiceRequest | None, Service | None, str | None]:
    """(request, service, None) when this chat may book for it now, else a polite note."""
    found = request_store.get(req.db, int(request_id)) if str(request_id or "").isdigit() else None
    if found is None or found.chat_key is None:
        return None, None, t.GONE
    if found.chat_key != req.chat_key:
        return None, None, t.NOT_YOURS
    service = (req.part("services") or {}).get(found.service_id)
    if service is None or service.appointment is None:
        return None, None, t.NO_APPOINTMENT
    if not found.is_open:
        return None, None, t.request_closed(found.number, REQUEST_STATUS.get(found.status, found.status))
    return found, service, None


def _appointment_for(req: effects.EffectRequest, appointment_id) -> tuple[Appointment | None, str | None]:
    """(booked appointment, None) when this chat may change it now, else a polite note."""
    found = store.get(req.db, int(appointment_id)) if str(appointment_id or "").isdigit() else None
    request = request_store.get(req.db, found.request_id) if found else None
    if found is None or request is None or request.chat_key is None:
        return None, t.GONE
    if request.chat_key != req.chat_key:
        return None, t.NOT_YOURS
    if found.status != "booked":
        return None, t.ended(found.status)
    if date.fromisoformat(found.day) < req.now.date():
        return None, t.past(date.fromisoformat(found.day))
    return found, None


# --- the confirmation card (also in the reminder and "นัดของฉัน") ----------------------------------------


def card(request: ServiceRequest | str, service: Service | None, appointment: Appointment) -> dict:
    number = request if isinstance(request, str) else request.number
    day = date.fromisoformat(appointment.day)
    documents = [d.title + ("" if d.required else " (ถ้ามี)") for d in service.documents] if service else []
    rows = t.confirmation_rows(number, service.title if service else "", day, appointment.slot,
                               service.appointment.place if service and service.appointment else "", documents)
    buttons = [
        m.postback_action(t.MOVE_BUTTON, postback.action(MOVE, appointment.id), t.MOVE_BUTTON),
        m.postback_action(t.CANCEL_BUTTON, postback.action(CANCEL, appointment.id), t.CANCEL_BUTTON),
    ]
    return m.card("📅 นัดหมายที่ อบต.", rows, buttons, alt_text=f"นัดหมาย {t.when(day, appointment.slot)} คำร้อง {number}")


# --- choosing a day, then a slot --------------------------------------------------------------------------


def open_days(db: sqlite_utils.Database, service: Service, calendar: WorkCalendar, today: date) -> list[date]:
    """The next working days with a free place, at most MAX_DAYS."""
    first, last = _window(today, service)
    booked = store.booked_counts(db, service.id, first.isoformat(), last.isoformat())
    found, day = [], first
    while day <= last and len(found) < MAX_DAYS:
        if calendar.is_working_day(day) and any(booked.get((day.isoformat(), s), 0) < service.appointment.capacity for s in service.appointment.slots):
            found.append(day)
        day += timedelta(days=1)
    return found


def _button(state: State, label: str, arg: str) -> dict:
    return c.button(state, label, arg, label)


def day_prompt(state: State) -> dict:
    data = state.data
    buttons = [_button(state, t.day_label(date.fromisoformat(d)), d) for d in data["days"]]
    buttons.append({
        "type": "datetimepicker", "label": t.OTHER_DAY, "mode": "date",
        "data": postback.button(state.flow, "day", state.session, "picked"),
        "initial": data["first"], "min": data["first"], "max": data["last"],
    })
    return m.text(t.choose_day(data["title"], data["number"], bool(data.get("move"))), [*buttons, c.cancel_button()])


def slot_prompt(state: State) -> dict:
    free = [tuple(x) for x in state.data["free"]]
    buttons = [_button(state, t.slot_button(slot, left), slot) for slot, left in free]
    buttons += [_button(state, t.OTHER_DAY, "days"), c.cancel_button()]
    return m.text(t.choose_slot(date.fromisoformat(state.data["day"]), free), buttons)


def prompt(ctx: Context, state: State) -> list[dict]:
    return [slot_prompt(state) if state.step == "slot" else day_prompt(state)]


def _offer_days(req: effects.EffectRequest, request: ServiceRequest, service: Service, moving: int | None = None,
                before: tuple[str, ...] = (), session: str | None = None) -> effects.EffectResult:
    today = req.now.date()
    days = open_days(req.db, service, _calendar(req), today)
    if not days:
        return _reply(*before, t.NO_DAYS, state=State())
    first, last = _window(today, service)
    data = {"request": request.id, "move": moving, "title": service.title, "number": request.number,
            "days": [d.isoformat() for d in days], "first": first.isoformat(), "last": last.isoformat()}
    asking = State(FLOW, "day", session or secrets.token_hex(4), data)
    return _reply(*before, day_prompt(asking), state=asking)


def day_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = c.step_arg(state, event)
    picked = event.params.get("date") if arg == "picked" else arg
    if not picked and event.kind == "text":
        try:
            picked = parse_thai_date(event.text).isoformat()
        except ValueError:
            picked = None
    if not picked:
        return Turn(state, [m.text(t.CHOOSE_FROM_LIST), day_prompt(state)], unusable=True)
    return Turn(state, [], effects=(Effect(DAY_CHOSEN, {**state.data, "day": picked, "session": state.session}),))


def _typed_slot(text: str, slots: list[str]) -> str | None:
    found = _SLOT_TYPED.match(text.strip())
    if not found:
        return None
    typed = f"{int(found.group(1)):02d}:{found.group(2) or '00'}"
    return typed if typed in slots else None


def slot_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = c.step_arg(state, event)
    if arg == "days":
        back = State(FLOW, "day", state.session, {k: v for k, v in state.data.items() if k not in ("day", "free")})
        return Turn(back, [day_prompt(back)])
    slots = [slot for slot, _ in state.data["free"]]
    chosen = arg if arg in slots else (_typed_slot(event.text, slots) if event.kind == "text" else None)
    if chosen is None:
        return Turn(state, [m.text(t.CHOOSE_FROM_LIST), slot_prompt(state)], unusable=True)
    return Turn(state, [], effects=(Effect(SLOT_CHOSEN, {**state.data, "slot": chosen, "session": state.session}),))


def _checked_day(req: effects.EffectRequest, service: Service, text: str) -> tuple[date | None, str | None]:
    """(day, None) for a bookable day, else (None, why not)."""
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        return None, t.CHOOSE_FROM_LIST
    first, last = _window(req.now.date(), service)
    if not first <= day <= last:
        return None, t.day_out_of_range(last)
    why = _calendar(req).day_off_name(day)
    return (None, t.day_not_open(day, why)) if why else (day, None)


def _recheck(req: effects.EffectRequest):
    """The request (and the appointment being moved) again, as the effect writes:
    (request, service, appointment or None, None) or (…, a polite note)."""
    request, service, problem = _request_for(req, req.args.get("request"))
    if problem:
        return None, None, None, problem
    moving = req.args.get("move")
    if not moving:
        return request, service, None, None
    appointment, problem = _appointment_for(req, moving)
    return request, service, appointment, problem


def _free(req: effects.EffectRequest, service: Service, day: date, moving: Appointment | None) -> list[tuple[str, int]]:
    a = service.appointment
    free = store.free_slots(req.db, service.id, day.isoformat(), a.slots, a.capacity)
    return [(s, n) for s, n in free if not (moving and moving.day == day.isoformat() and moving.slot == s)]


def _offer_slots(req, request, service, day: date, moving, before: tuple[str, ...] = ()) -> effects.EffectResult:
    free = _free(req, service, day, moving)
    if not free:
        return _offer_days(req, request, service, moving.id if moving else None, (*before, t.day_full(day)), req.args.get("session"))
    data = {k: v for k, v in req.args.items() if k not in ("slot", "session")}
    asking = State(FLOW, "slot", str(req.args.get("session") or secrets.token_hex(4)), {**data, "day": day.isoformat(), "free": free})
    return _reply(*before, slot_prompt(asking), state=asking)


@effects.effect(DAY_CHOSEN)
def day_chosen(req: effects.EffectRequest) -> effects.EffectResult:
    request, service, moving, problem = _recheck(req)
    if problem:
        return _reply(problem, state=State())
    day, why = _checked_day(req, service, req.args.get("day"))
    if day is None:
        return _offer_days(req, request, service, moving.id if moving else None, (why,), req.args.get("session"))
    return _offer_slots(req, request, service, day, moving)


@effects.effect(SLOT_CHOSEN)
def slot_chosen(req: effects.EffectRequest) -> effects.EffectResult:
    request, service, moving, problem = _recheck(req)
    if problem:
        return _reply(problem, state=State())
    day, why = _checked_day(req, service, req.args.get("day"))
    if day is None:
        return _offer_days(req, request, service, moving.id if moving else None, (why,), req.args.get("session"))
    slot, now, a = str(req.args.get("slot") or ""), req.now.timestamp(), service.appointment
    if slot not in a.slots:
        return _offer_slots(req, request, service, day, moving, (t.CHOOSE_FROM_LIST,))
    if moving:
        booked = store.move(req.db, moving.id, day.isoformat(), slot, a.capacity, now)
        if booked:
            request_store.add_event(req.db, request.id, requests.CITIZEN, request.status, request.status,
                                    f"เลื่อนนัดจาก {_short(moving)} เป็น {_short(booked)}", now)
    else:
        try:
            booked = store.book(req.db, request.id, service.id, day.isoformat(), slot, a.capacity, now)
        except store.AlreadyBooked:
            current = store.booked_for_request(req.db, request.id)
            return _reply(t.already_booked(date.fromisoformat(current.day), current.slot), card(request, service, current), state=State())
        if booked and request.status != "scheduled":
            requests.change_status(req.db, None, request.id, "scheduled", actor=requests.CITIZEN, tell=False, now=now)
    if booked is None:  # taken meanwhile: the day's remaining places
        return _offer_slots(req, request, service, day, moving, (t.slot_taken(day, slot),))
    return _reply(t.booked(bool(moving)), card(request, service, booked), state=State())


def _short(a: Appointment) -> str:
    return f"{thai_date(date.fromisoformat(a.day), full_month=False)} {a.slot} น."


# --- the record-action buttons -------------------------------------------------------------------------


@effects.action(BOOK)
def book_tap(req: effects.EffectRequest) -> effects.EffectResult:
    request, service, problem = _request_for(req, req.args.get("record_id"))
    if problem:
        return _reply(problem)
    current = store.booked_for_request(req.db, request.id)
    if current is not None:
        return _reply(t.already_booked(date.fromisoformat(current.day), current.slot), card(request, service, current))
    return _offer_days(req, request, service)


@effects.action(MOVE)
def move_tap(req: effects.EffectRequest) -> effects.EffectResult:
    appointment, problem = _appointment_for(req, req.args.get("record_id"))
    if problem:
        return _reply(problem)
    request, service, problem = _request_for(req, appointment.request_id)
    if problem:
        return _reply(problem)
    return _offer_days(req, request, service, moving=appointment.id)


@effects.action(CANCEL)
def cancel_tap(req: effects.EffectRequest) -> effects.EffectResult:
    appointment, problem = _appointment_for(req, req.args.get("record_id"))
    if problem:
        return _reply(problem)
    answer = str(req.args.get("arg") or "")
    day = date.fromisoformat(appointment.day)
    if answer == "no":
        return _reply(t.KEPT)
    if answer != "yes":
        yes = m.postback_action(t.YES_CANCEL, postback.action(CANCEL, appointment.id, "yes"), t.YES_CANCEL)
        no = m.postback_action(t.KEEP, postback.action(CANCEL, appointment.id, "no"), t.KEEP)
        return _reply(m.confirm(t.cancel_question(day, appointment.slot), yes, no))
    now = req.now.timestamp()
    store.cancel(req.db, appointment.id, now)
    request = request_store.get(req.db, appointment.request_id)
    if request.status == "scheduled":
        requests.change_status(req.db, None, request.id, "accepted", actor=requests.CITIZEN, tell=False, now=now)
    again = m.postback_action(t.BOOK_BUTTON, postback.action(BOOK, request.id), t.BOOK_BUTTON)
    return _reply(m.text(t.cancelled(request.number), [again, *list(req.menu_buttons)[:12]]), state=State())


# --- "นัดของฉัน": the person's appointments ----------------------------------------------------------------


def start_mine(ctx: Context, state: State) -> Turn:
    if c.private_only(ctx):
        return Turn(State(), [m.text(t.PRIVATE_ONLY)])
    return Turn(State(), [], effects=(Effect(MINE),))


@effects.effect(MINE)
def mine(req: effects.EffectRequest) -> effects.EffectResult:
    services = req.part("services") or {}
    bookings = store.booked_of_chat(req.db, req.chat_key, req.now.date().isoformat())
    booked_ids = {b.appointment.request_id for b in bookings}
    waiting = [r for r in request_store.for_chat(req.db, req.chat_key, limit=20)
               if r.is_open and r.id not in booked_ids and getattr(services.get(r.service_id), "appointment", None)]
    replies: list[dict] = []
    if bookings:
        bubbles = [card(b.number, services.get(b.appointment.service_id), b.appointment)["contents"] for b in bookings[:MAX_CARDS]]
        contents = bubbles[0] if len(bubbles) == 1 else {"type": "carousel", "contents": bubbles}
        replies += [m.text(t.mine_head(len(bookings))),
                    {"type": "flex", "altText": t.mine_head(len(bookings)), "contents": contents}]
    if waiting:
        buttons = [m.postback_action(f"นัด {r.number}"[:20], postback.action(BOOK, r.id), t.BOOK_BUTTON) for r in waiting[:12]]
        replies.append(m.text(t.waiting_to_book([r.number for r in waiting]), buttons))
    return _reply(*replies) if replies else _reply(m.text(t.NONE_BOOKED, list(req.menu_buttons)))


# --- staff: "นัดหมายวันนี้" --------------------------------------------------------------------------------


def _today_command(ctx: Context, state: State, _argument: str) -> Turn:
    return Turn(state, [], effects=(Effect(TODAY),))


COMMAND = Command(
    name="appointments-today",
    pattern=re.compile("|".join(re.escape(w) for w in t.TODAY_WORDS)),
    run=_today_command,
    in_groups=True,
    usage="นัดหมายวันนี้ (เจ้าหน้าที่)",
)


def day_lines(db: sqlite_utils.Database, services: dict, day: date, scope: tuple[str, list]) -> list[str]:
    lines = []
    for b in store.of_day(db, day.isoformat(), scope):
        service = services.get(b.appointment.service_id)
        lines.append(t.staff_day_line(b.appointment.slot, b.number, service.title if service else b.appointment.service_id,
                                      person_name(service, b.answers), b.appointment.status))
    return lines


@effects.effect(TODAY)
def today_for_staff(req: effects.EffectRequest) -> effects.EffectResult:
    registrations = staff.of_chat(req.db, req.chat_key)
    if not registrations:
        return _reply(t.STAFF_ONLY)
    divisions = sorted({r.division_id for r in registrations})
    if staff.ALL_DIVISIONS in divisions:
        scope, named = ("1 = 1", []), ""
    else:
        scope = (f"r.division_id IN ({','.join('?' * len(divisions))})", divisions)
        named = "ของ" + " ".join(req.division_name(d) for d in divisions)
    today = req.now.date()
    lines = day_lines(req.db, req.part("services") or {}, today, scope)
    shown = lines[:MAX_LINES] + ([t.more_in_console(len(lines) - MAX_LINES)] if len(lines) > MAX_LINES else [])
    text = "\n".join([t.staff_day_head(today, len(lines), named), *shown])
    if lines and req.public_base_url:
        text += f"\nดูในระบบ: {req.public_base_url}/admin/appointments?day={today.isoformat()}"
    return _reply(text)


# --- erasure ------------------------------------------------------------------------------------------


@effects.eraser
def _erase(db: sqlite_utils.Database, chat_key: str, user_id: str | None) -> None:
    """The person's booked appointments are cancelled (their requests are anonymised, not
    deleted), and a request they held goes back to 'accepted'."""
    now = time.time()
    for appointment in store.cancel_for_chat(db, chat_key, now):
        request = request_store.get(db, appointment.request_id)
        if request is not None and request.status == "scheduled":
            requests.change_status(db, None, request.id, "accepted", actor=SYSTEM, tell=False, now=now)


FLOWS = [
    Flow(
        name=FLOW,
        title="นัดหมายที่ อบต.",
        start=start_mine,
        steps={
            "day": Step(day_step, goes_to=("slot", "day", "main"), note="เลือกวัน (ปุ่ม หรือปฏิทิน)"),
            "slot": Step(slot_step, goes_to=("day", "slot", "main"), note="เลือกเวลาที่ยังว่าง แล้วจอง"),
        },
        entry_words=t.MINE_WORDS,
        timeout_minutes=30,
        prompt=prompt,
    ),
]
