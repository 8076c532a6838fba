"""Reporting corruption or misconduct by officials (ITA indicator 10), kept confidential.

Flow "corruption": a plain Thai explanation of how the report is protected, the choice
to stay anonymous or be contacted on LINE, the account of what happened, a confirmation;
then a report code and a secret shown once. Following up ("ติดตามเรื่องที่แจ้งไว้") asks
for both and tells the status and the audit unit's message, never the content.

How the report is protected:
- Its content goes to corruption_reports only (db/corruption_reports.py), which returns
  content to the audit role alone; no staff function reads that table.
- Anonymous: no LINE id is stored with it, only the day; follow-up works by code and
  secret (the secret is stored as a scrypt hash), so nothing links it back to the chat.
- Every event of this conversation is redacted from the inbox as it is handled, and the
  bookkeeping later forgets which chat it came from; every reply is a confidential outbox
  row, deleted minutes after delivery. What the citizen typed is never echoed back.
- The audit unit hears of new reports in a digest on working mornings (see
  announce_new_reports), so no push marks the minute a report came in.
"""
from __future__ import annotations

import hashlib
import time
from datetime import date

import sqlite_utils

from bot.pipeline import effects
from bot.conversation import messages as m
from bot.conversation.engine import MAIN, Context, Effect, Input, State, Step, Turn
from bot.feedback import announce
from bot.feedback import common as c
from bot.feedback import corruption_texts as t
from bot.feedback.texts import NEED_TEXT, privacy_line, rate_limited
from bot.feedback.announce import Office
from bot.common.thaidate import thai_date
from db import corruption_reports as store
from db import feedback_limits, inbox, outbox, staff
from db.retention import run_steps

FLOW = "corruption"
FORGET = "corruption-forget-input"
SUBMIT = "corruption-submit"
FOLLOW_UP = "corruption-follow-up"
AUDIT_DIVISION = "audit"  # content/divisions.yaml: หน่วยตรวจสอบภายใน
DETAILS_MIN, DETAILS_MAX = 20, 3000
MAX_ANONYMOUS_AN_HOUR = 3  # per person, counted unlinkably (db.feedback_limits.person_key)
MAX_NAMED_A_DAY = 3
MAX_LOOKUP_FAILURES = 5


def _forget() -> Effect:
    return Effect(FORGET)


def _turn(state: State, messages: list[dict], *extra: Effect, must_arrive: bool = False) -> Turn:
    """Every turn of this flow forgets its input and keeps no copy of its reply."""
    return Turn(state, messages, must_arrive=must_arrive, effects=(_forget(), *extra))


def _mode_buttons(state: State) -> list[dict]:
    return [
        c.button(state, t.ANONYMOUS_BUTTON, "anonymous"),
        c.button(state, t.CONTACTABLE_BUTTON, "contact"),
        c.button(state, t.FOLLOW_UP_BUTTON, "follow"),
        c.cancel_button(),
    ]


def _ask_mode(ctx: Context, state: State) -> list[dict]:
    return [m.text(f"{t.corruption_intro(ctx.profile)}\n\n{privacy_line(ctx.public_base_url)}", _mode_buttons(state))]


def _ask_details(state: State) -> list[dict]:
    return [m.text(t.corruption_details_prompt(state.data.get("anonymous", True)), [c.cancel_button()])]


def _ask_confirm(state: State) -> list[dict]:
    buttons = [c.button(state, t.SEND_REPORT, "send"), c.button(state, "แก้ไข", "edit"), c.cancel_button()]
    return [m.text(t.corruption_confirm(state.data["anonymous"], len(state.data["details"])), buttons)]


def _not_usable(state: State, messages: list[dict]) -> Turn:
    return Turn(state, messages, effects=(_forget(),), unusable=True)


def start(ctx: Context, state: State) -> Turn:
    refused = c.private_only(ctx)
    if refused:
        return Turn(refused.state, refused.messages, effects=(_forget(),))
    asking = State(FLOW, "mode", state.session, {})
    return _turn(asking, _ask_mode(ctx, asking))


def _story(text: str) -> str | None:
    """What someone told in their own words, if it is enough to be the report's account."""
    story = c.clean_text(text)
    return story if DETAILS_MIN <= len(story) <= DETAILS_MAX else None


def start_from_message(ctx: Context, state: State, text: str) -> Turn:
    """Misconduct told in plain words (the router's `corruption`): the confidential channel
    and how the reporter is protected, with what they told kept as the account, so they
    choose anonymity and confirm without writing it again. Like every turn of this flow,
    the message is redacted from the inbox."""
    refused = c.private_only(ctx)
    if refused:
        return Turn(refused.state, refused.messages, effects=(_forget(),))
    story = _story(text)
    asking = State(FLOW, "mode", state.session, {"details": story} if story else {})
    return _turn(asking, [m.text(t.CORRUPTION_NOTICED)] + _ask_mode(ctx, asking))


def mode_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = c.step_arg(state, event)
    if arg in ("anonymous", "contact"):
        if state.data.get("details"):  # told already: straight to the confirmation
            nxt = c.with_data(state, "confirm", anonymous=arg == "anonymous")
            return _turn(nxt, _ask_confirm(nxt))
        nxt = c.with_data(state, "details", anonymous=arg == "anonymous")
        return _turn(nxt, _ask_details(nxt))
    if arg == "follow":
        nxt = c.with_data(state, "code")
        return _turn(nxt, [m.text(t.FOLLOW_UP_CODE_PROMPT, [c.cancel_button()])])
    story = _story(event.text) if event.kind == "text" else None
    if story:  # the account typed before choosing: kept, and the choice asked again
        nxt = c.with_data(state, "mode", details=story)
        return _turn(nxt, [m.text(t.STORY_KEPT, _mode_buttons(nxt))])
    return _not_usable(state, [m.text(t.CHOOSE_ANONYMITY, _mode_buttons(state))])


def details_step(ctx: Context, state: State, event: Input) -> Turn:
    if event.kind != "text":
        return _not_usable(state, [m.text(NEED_TEXT)] + _ask_details(state))
    text = c.clean_text(event.text)
    problem = c.check_length(text, DETAILS_MIN, DETAILS_MAX)
    if problem:
        return _not_usable(state, [m.text(problem)] + _ask_details(state))
    nxt = c.with_data(state, "confirm", details=text)
    return _turn(nxt, _ask_confirm(nxt))


def prompt(ctx: Context, state: State) -> list[dict]:
    """The current step's question again (after an aside answer)."""
    if state.step == "mode":
        return _ask_mode(ctx, state)
    if state.step == "details":
        return _ask_details(state)
    if state.step == "confirm":
        return _ask_confirm(state)
    return [m.text(t.FOLLOW_UP_CODE_PROMPT if state.step == "code" else t.FOLLOW_UP_SECRET_PROMPT, [c.cancel_button()])]


def confirm_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = c.step_arg(state, event)
    if arg == "edit":
        nxt = c.with_data(state, "details")
        return _turn(nxt, _ask_details(nxt))
    if arg == "send":
        args = {"anonymous": bool(state.data["anonymous"]), "details": state.data["details"]}
        # The code and secret must reach the reporter: pushed if the reply token is refused.
        return _turn(State(), [], Effect(SUBMIT, args), must_arrive=True)
    return _not_usable(state, _ask_confirm(state))


def code_step(ctx: Context, state: State, event: Input) -> Turn:
    if event.kind != "text" or not c.clean_text(event.text):
        return _turn(state, [m.text(t.FOLLOW_UP_CODE_PROMPT, [c.cancel_button()])])
    nxt = c.with_data(state, "secret", code=c.clean_text(event.text)[:40])
    return _turn(nxt, [m.text(t.FOLLOW_UP_SECRET_PROMPT, [c.cancel_button()])])


def secret_step(ctx: Context, state: State, event: Input) -> Turn:
    if event.kind != "text" or not c.clean_text(event.text):
        return _turn(state, [m.text(t.FOLLOW_UP_SECRET_PROMPT, [c.cancel_button()])])
    args = {"code": state.data["code"], "secret": c.clean_text(event.text)[:40]}
    return _turn(State(), [], Effect(FOLLOW_UP, args))


STEPS = {
    "mode": Step(mode_step, goes_to=("mode", "details", "confirm", "code"), note="วิธีคุ้มครอง / ไม่เปิดเผยตัวตนหรือไม่"),
    "details": Step(details_step, goes_to=("confirm",), note="เล่าเหตุการณ์", takes_text=True),
    "confirm": Step(confirm_step, goes_to=("details", MAIN), note="ยืนยัน แล้วได้รหัสเรื่องและรหัสลับ"),
    "code": Step(code_step, goes_to=("secret",), note="ติดตาม: รหัสเรื่อง", takes_text=True),
    "secret": Step(secret_step, goes_to=(MAIN,), note="ติดตาม: รหัสลับ", takes_text=True),
}


# --- effects ---------------------------------------------------------------------------------------


@effects.effect(FORGET)
def forget_input(req: effects.EffectRequest) -> effects.EffectResult:
    inbox.redact(req.db, req.inbox_id)
    return effects.EffectResult(confidential=True)


@effects.effect(SUBMIT)
def submit(req: effects.EffectRequest) -> effects.EffectResult:
    anonymous = bool(req.args["anonymous"])
    now = req.now.timestamp()
    if anonymous:
        # Per person (one person must not use up everyone's limit), under an hourly keyed hash.
        limit_key = feedback_limits.person_key(req.db, "corruption:anonymous", req.user_id or req.chat_key, now)
        window, limit = now % 3600 + 1, MAX_ANONYMOUS_AN_HOUR  # this clock hour: its key ends with it
    else:
        limit_key, window, limit = f"corruption:{req.chat_key}", 86400, MAX_NAMED_A_DAY
    if feedback_limits.count(req.db, limit_key, window, now) >= limit:
        return effects.EffectResult(replies=[m.text(rate_limited("corruption-anonymous" if anonymous else "corruption", limit, req.profile), list(req.menu_buttons))], confidential=True)
    _, code, secret = store.create(
        req.db,
        anonymous=anonymous,
        chat_key=None if anonymous else req.chat_key,
        line_user_id=None if anonymous else req.user_id,
        details=req.args["details"],
        received_on=req.now.date().isoformat(),
    )
    # An anonymous report's count keeps only the hour it fell in, not the person.
    feedback_limits.record(req.db, limit_key, now - now % 3600 if anonymous else now)
    reply = m.text(t.corruption_received(code, secret, anonymous), list(req.menu_buttons))
    return effects.EffectResult(replies=[reply], confidential=True)


@effects.effect(FOLLOW_UP)
def follow_up(req: effects.EffectRequest) -> effects.EffectResult:
    # Failed look-ups are counted under a hash of the chat, kept an hour: guessing is slowed.
    key = "corruption-lookup:" + hashlib.sha256(req.chat_key.encode()).hexdigest()[:16]
    now = req.now.timestamp()
    if feedback_limits.count(req.db, key, 3600, now) >= MAX_LOOKUP_FAILURES:
        return effects.EffectResult(replies=[m.text(rate_limited("corruption-lookup", 0, req.profile))], confidential=True)
    view = store.follow_up(req.db, req.args["code"], req.args["secret"])
    if view is None:
        feedback_limits.record(req.db, key, now)
        return effects.EffectResult(replies=[m.text(t.FOLLOW_UP_NOT_FOUND, list(req.menu_buttons))], confidential=True)
    reply = t.corruption_status_reply(view.code, thai_date(date.fromisoformat(view.received_on)), view.status, view.message_to_reporter or "")
    return effects.EffectResult(replies=[m.text(reply, list(req.menu_buttons))], confidential=True)


# --- the audit unit's side --------------------------------------------------------------------------


def update_report(db: sqlite_utils.Database, office: Office, code: str, *, role: str, actor: str, status: str, note: str | None = None, message_to_reporter: str | None = None) -> tuple[store.Report, list[int]]:
    """The audit unit changes a report (role-checked); a reporter who agreed to be contacted
    is told the new status and message on LINE. Returns the report and queued outbox ids."""
    report = store.update(db, code, role=role, actor=actor, status=status, note=note, message_to_reporter=message_to_reporter)
    if report.anonymous or not report.line_user_id:
        return report, []
    body = t.corruption_update_push(report.code, report.status, message_to_reporter or "")
    stamp = int(time.time() * 1000)
    queued = announce.push(
        db,
        chat_key=report.chat_key,
        line_id=report.line_user_id,
        messages=[announce.text(body)],
        dedupe_key=f"corruption:{report.code}:update:{stamp}",
        purpose="corruption-update",
    )
    return report, [queued] if queued else []


def announce_new_reports(db: sqlite_utils.Database, office: Office, today: str) -> list[int]:
    """The morning digest: new reports' codes to the audit unit's LINE chats (the admins
    hear only that reports wait, with no codes, when the audit unit has not registered)."""
    codes = [r[0] for r in db.execute("SELECT code FROM corruption_reports WHERE announced_on IS NULL ORDER BY id")]
    if not codes:
        return []
    db.execute("UPDATE corruption_reports SET announced_on = ? WHERE announced_on IS NULL", (today,))
    audit = office.has_division(AUDIT_DIVISION)
    recipients = staff.for_division(db, AUDIT_DIVISION) if audit else []
    if recipients:
        body = t.corruption_announcement(", ".join(codes), f"{office.base_url}/admin/integrity")
    else:
        recipients = staff.admins(db)
        body = t.corruption_announcement_to_admins(f"{len(codes)} เรื่อง")
    return announce.to_recipients(
        db, recipients, [announce.text(body)], dedupe_key=f"corruption-digest:{today}", purpose="corruption-digest"
    )


@effects.eraser
def _erase(db, chat_key: str, user_id: str | None) -> None:
    # The report stays with the audit unit, unlinked (see db.corruption_reports.erase_chat);
    # pushes to the reporter went to their chat and go with it (db.outbox.erase_chat).
    store.erase_chat(db, chat_key)


_LAST_CLEANUP = [0.0]


@effects.background
def forget_confidential(db, sender) -> None:
    """Once a minute: delete delivered confidential replies, and make redacted inbox
    events forget their chat."""
    now = time.time()
    if now - _LAST_CLEANUP[0] < 60:
        return
    _LAST_CLEANUP[0] = now
    run_steps(db, {  # each on its own: one failing must not keep the other from forgetting
        "confidential_replies": lambda: outbox.delete_confidential(db, now),
        # Recent events only; the nightly job looks at all.
        "redacted_events_unlinked": lambda: inbox.forget_redacted_sources(db, since=now - 86400),
    })
