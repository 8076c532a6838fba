"""Service requests: filing one (from LINE, or a walk-in at the counter), and changing its
status — the one place for it. LINE, the console and `python -m bot requests …` call these.

received → accepted → scheduled (an appointment is booked) | in_progress → done, or rejected
with a reason. Each change is checked against TRANSITIONS, written with who and when, and
pushed to the citizen through the outbox in the caller's transaction (exactly once: the
event count is in the dedupe key); the caller delivers the returned outbox ids after its commit.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlite_utils

from bot.common.thaidate import BANGKOK, fiscal_year
from bot.content.workdays import WorkCalendar
from bot.eservice import texts as t
from bot.eservice.catalog import Service
from bot.feedback import announce, common
from bot.feedback.announce import Office
from db import service_requests as store
from db.service_requests import ServiceRequest

CITIZEN = "ประชาชน"
MAX_NOTE = 1000
TRANSITIONS: dict[str, set[str]] = {
    "received": {"accepted", "scheduled", "in_progress", "done", "rejected"},
    "accepted": {"scheduled", "in_progress", "done", "rejected"},
    "scheduled": {"in_progress", "done", "rejected", "accepted"},  # accepted: the appointment was cancelled
    "in_progress": {"scheduled", "done", "rejected"},
    "done": {"in_progress"},  # staff correct a mistake
    "rejected": {"in_progress"},
}


class RequestError(common.ChangeRefused):
    """A change to a request that is not allowed."""


@dataclass
class Change:
    request: ServiceRequest
    outbox_ids: list[int] = field(default_factory=list)


def find(db: sqlite_utils.Database, ref: str | int) -> ServiceRequest:
    found = store.get(db, int(ref)) if str(ref).isdigit() else store.by_number(db, str(ref))
    if found is None:
        raise RequestError(f"ไม่พบคำร้อง {ref}", f"no request {ref}")
    return found


def due_on(service: Service, calendar: WorkCalendar | None, filed: datetime) -> date:
    """The service's working days to act, counted from the next working day."""
    calendar = calendar or WorkCalendar()
    return calendar.add_working_days(filed.astimezone(BANGKOK).date(), service.act_within_days)


def file_online(
    db: sqlite_utils.Database,
    office: Office,
    service: Service,
    answers: dict,
    documents: list[tuple[str, str]],
    *,
    chat_key: str,
    line_user_id: str | None,
    submission_key: str,
    calendar: WorkCalendar | None,
    now: datetime,
) -> tuple[ServiceRequest, bool, list[int]]:
    """A citizen's request from LINE: numbered, announced to the division (once). Returns
    (request, created, outbox ids)."""
    division = service.division if office.has_division(service.division) else office.general_division
    request, created = store.create(
        db,
        prefix=office.profile.ticket_prefix or "TK",
        fiscal_year=fiscal_year(now),
        service_id=service.id,
        division_id=division,
        channel="online",
        answers=answers,
        chat_key=chat_key,
        line_user_id=line_user_id,
        submission_key=submission_key,
        due_on=due_on(service, calendar, now).isoformat(),
        documents=documents,
        now=now.timestamp(),
    )
    queued: list[int] = []
    if created:
        queued = announce.to_division(
            db, office, request.division_id, lambda note: announce_new(office, service, request, note),
            dedupe_key=f"request:{request.id}:new", purpose=f"request:{request.id}:announce",
        )
    return request, created, queued


def announce_new(office: Office, service: Service, request: ServiceRequest, note: str = "") -> list[dict]:
    """What a division's chats get about a new request: its card, with the buttons staff act
    on it with (bot/eservice/request_actions.py)."""
    from bot.eservice import request_card

    return [request_card.card(office, service, request, title=request_card.NEW_REQUEST, note=note)]


def record_counter(
    db: sqlite_utils.Database, office: Office, service_id: str, division_id: str, served_on: date, *, actor: str,
    now: float | None = None,
) -> ServiceRequest:
    """A walk-in served at the counter (the statistics' counter channel): done at once, no personal data."""
    now = time.time() if now is None else now
    at = datetime.combine(served_on, datetime.min.time(), BANGKOK).replace(hour=12).timestamp()
    request, _ = store.create(
        db, prefix=office.profile.ticket_prefix or "TK", fiscal_year=fiscal_year(served_on), service_id=service_id,
        division_id=division_id, channel="counter", answers=None, status="done", actor=actor, now=min(at, now),
    )
    return request


def _require(value: str | None, thai: str, english: str) -> str:
    return common.required_text(value, thai, english, MAX_NOTE, RequestError)

def change_status(
    db: sqlite_utils.Database,
    office: Office,
    ref: str | int,
    to_status: str,
    *,
    actor: str,
    note: str | None = None,
    reason: str | None = None,
    assignee: tuple[str, str] | None = None,
    tell: bool = True,
    now: float | None = None,
) -> Change:
    """Move a request to `to_status` as staff member `actor`; tell the citizen (unless `tell`
    is False: a step of a bigger change that tells them itself, such as booking)."""
    now = time.time() if now is None else now
    actor = _require(actor, "ต้องระบุชื่อผู้เปลี่ยนสถานะ", "say who makes the change (--by)")
    request = find(db, ref)
    if to_status not in TRANSITIONS.get(request.status, set()):
        raise RequestError(
            f"เปลี่ยนสถานะจาก \"{t.STATUS.get(request.status, request.status)}\" เป็น \"{t.STATUS.get(to_status, to_status)}\" ไม่ได้",
            f"a {request.status} request cannot become {to_status}",
        )
    note = " ".join((note or "").split())[:MAX_NOTE] or None
    changes: dict = {"status": to_status, "updated_at": now, "note": note}
    if to_status == "rejected":
        changes["reject_reason"] = _require(reason, "ต้องระบุเหตุผลที่ไม่ดำเนินการ", "give the reason (--reason)")
    if to_status == "done":
        changes["done_at"] = now
    changes["closed_at"] = now if to_status in store.CLOSED_STATUSES else None
    if assignee is not None:
        changes["assignee_user_id"], changes["assignee_name"] = assignee
    if not store.update(db, request.id, request.status, **changes):
        raise RequestError("คำร้องนี้เพิ่งถูกเปลี่ยนสถานะโดยผู้อื่น กรุณาโหลดใหม่", "the request changed meanwhile; try again")
    store.add_event(db, request.id, actor, request.status, to_status, changes.get("reject_reason") or note, now)
    updated = store.get(db, request.id)
    return Change(updated, tell_citizen(db, office, updated) if tell else [])


def tell_citizen(db: sqlite_utils.Database, office: Office, request: ServiceRequest, extra: list[dict] = ()) -> list[int]:
    """Push the request's current status to the citizen, once per change."""
    if not request.line_user_id or not request.chat_key:
        return []  # a walk-in, or personal data removed: nobody to tell
    body = t.status_update(request, office.division_name(request.division_id))
    messages = [announce.text(body), *extra]
    if request.status == "done" and request.rating is None:
        messages.append(rating_question(request))
    n = store.count_events(db, request.id)
    queued = announce.push(
        db, chat_key=request.chat_key, line_id=request.line_user_id, messages=messages[:5],
        dedupe_key=f"request:{request.id}:update:{n}", purpose=f"request:{request.id}:update",
    )
    return [queued] if queued else []


RATE_ACTION = "request-rate"


def rating_question(request: ServiceRequest) -> dict:
    """On completion: how satisfied were they (feeds the satisfaction results, channel online)."""
    from bot.conversation import messages as m
    from bot.conversation import postback

    items = [
        m.postback_action(label, postback.action(RATE_ACTION, request.id, str(level)), label)
        for level, label in ((5, "★★★★★ มากที่สุด"), (4, "★★★★ มาก"), (3, "★★★ ปานกลาง"), (2, "★★ น้อย"), (1, "★ น้อยที่สุด"))
    ]
    return m.text(t.ASK_RATING.format(number=request.number), items)
