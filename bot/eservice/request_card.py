"""A service request as staff see it on LINE: a Flex card with the service, the citizen's
answers, where it stands and by when, and the buttons that act on it
(bot/eservice/request_actions.py). Also what staff read about requests there.

Each button carries the request's id and the status it was shown in: a tap on an old card is
checked against the request as it is now, never against whatever is "current".
"""
from __future__ import annotations

from datetime import date

from bot.common.thaidate import thai_date_short
from bot.conversation import messages as m
from bot.conversation import postback
from bot.eservice import texts as et
from bot.eservice.catalog import Service
from bot.feedback import common as c
from bot.feedback.announce import Office
from bot.staff import texts as st
from db.service_requests import ServiceRequest

ACCEPT, PROGRESS, DONE, REJECT = "rq-accept", "rq-progress", "rq-done", "rq-reject"
ACTIONS = (ACCEPT, PROGRESS, DONE, REJECT)
LABELS = {ACCEPT: "รับคำร้อง", PROGRESS: "กำลังดำเนินการ", DONE: "เสร็จแล้ว", REJECT: "ไม่รับคำร้อง"}

# Which buttons a request shows in each status, first the one most likely next. "scheduled"
# comes from booking an appointment (the citizen's side), never from a button.
BUTTONS_BY_STATUS = {
    "received": (ACCEPT, PROGRESS, DONE, REJECT),
    "accepted": (PROGRESS, DONE, REJECT),
    "scheduled": (PROGRESS, DONE, REJECT),
    "in_progress": (DONE, REJECT),
}
MAX_ANSWER = 200  # characters of one answer on the card; the console shows them whole

# --- what staff read ----------------------------------------------------------------------------------

NEW_REQUEST = "📥 คำร้องออนไลน์ใหม่"
REQUEST_NOW = "คำร้อง"
REQUEST_GONE = "ไม่พบคำร้องนี้ในระบบแล้วค่ะ"
NOT_STAFF = st.NOT_STAFF
OPEN_IN_CONSOLE = st.OPEN_IN_CONSOLE
NO_NOTE = st.NO_NOTE
NEED_TEXT = st.NEED_TEXT
ASK_NOTE = {
    "progress": "คำร้อง {number}: พิมพ์หมายเหตุถึงผู้ยื่นคำร้องได้ค่ะ (ถ้ามี) หรือกด \"ไม่มีหมายเหตุ\"",
    "done": "คำร้อง {number}: พิมพ์สิ่งที่ดำเนินการถึงผู้ยื่นคำร้องได้ค่ะ (ถ้ามี) หรือกด \"ไม่มีหมายเหตุ\"\n"
            "ผู้ยื่นคำร้องจะได้รับแจ้งว่าเสร็จแล้ว และปุ่มให้คะแนนความพึงพอใจ",
}
ASK_REJECT_REASON = "คำร้อง {number}: ไม่รับคำร้องเพราะอะไรคะ เลือกเหตุผล หรือพิมพ์เอง (ผู้ยื่นคำร้องจะได้รับเหตุผลนี้)"
REJECT_REASONS = (  # (its button, at most 20 characters; what the citizen reads after "เนื่องจาก")
    ("เอกสารไม่ครบ", "เอกสารหรือหลักฐานยังไม่ครบถ้วน"),
    ("ไม่เข้าหลักเกณฑ์", "ไม่เข้าหลักเกณฑ์ของบริการนี้"),
    ("นอกพื้นที่ อบต.", "อยู่นอกพื้นที่ของ อบต."),
    ("ซ้ำกับคำร้องเดิม", "ซ้ำกับคำร้องที่ยื่นไว้แล้ว"),
)
DONE_TEXT = {
    "accept": "✅ {who}รับคำร้อง {number} แล้วค่ะ ผู้ยื่นคำร้องได้รับแจ้งแล้ว",
    "progress": "🔧 {who}แจ้งผู้ยื่นคำร้องว่ากำลังดำเนินการคำร้อง {number} แล้วค่ะ",
    "done": "✅ {who}แจ้งผู้ยื่นคำร้องว่าคำร้อง {number} เสร็จแล้วค่ะ ผู้ยื่นคำร้องจะได้ปุ่มให้คะแนน",
    "reject": "🚫 {who}ไม่รับคำร้อง {number} และแจ้งเหตุผลให้ผู้ยื่นคำร้องแล้วค่ะ",
}


def not_your_division(division: str) -> str:
    return f"ขออภัยค่ะ คำร้องนี้อยู่ในความดูแลของ{division} แชตนี้จึงดำเนินการแทนไม่ได้ค่ะ"


def already_closed(number: str, status: str, by: str) -> str:
    return f"คำร้อง {number} ปิดไปแล้วค่ะ ({status}{' โดย ' + by if by else ''})"


def taken_by(number: str, name: str) -> str:
    return f"คำร้อง {number} มีผู้รับคำร้องแล้วค่ะ: {name}"


def already_yours(number: str) -> str:
    return f"ท่านรับคำร้อง {number} ไว้แล้วค่ะ"


def cannot_now(number: str, status: str) -> str:
    return f"คำร้อง {number} อยู่ในสถานะ \"{status}\" จึงใช้ปุ่มนี้ไม่ได้แล้วค่ะ"


# --- the card -------------------------------------------------------------------------------------------


def answer_rows(service: Service | None, request: ServiceRequest) -> list[tuple[str, str]]:
    """The citizen's answers as (label, value), in the service's order; answers to fields the
    service no longer has keep their id as the label."""
    values = request.values
    rows: list[tuple[str, str]] = []
    known = set()
    for item in service.fields if service else ():
        known.add(item.id)
        value = values.get(item.id)
        if value not in (None, ""):
            rows.append((item.label or item.id, et.shown(item, value)))
    rows += [(key, str(value)) for key, value in values.items() if key not in known and value not in (None, "")]
    return rows


def _due(request: ServiceRequest) -> str:
    return f"ภายใน {thai_date_short(date.fromisoformat(request.due_on))}" if request.due_on and request.is_open else ""


def card(office: Office, service: Service | None, request: ServiceRequest, *, title: str = "", note: str = "") -> dict:
    """The request's card; `title` says why it is sent (a new request …)."""
    status = et.STATUS.get(request.status, request.status)
    service_title = service.title if service else request.service_id
    answers = answer_rows(service, request)
    if request.answers is None:
        answers = [("คำร้อง", "(ลบข้อมูลส่วนบุคคลแล้ว)" if request.channel == "online" else et.CHANNEL["counter"])]
    rows = [
        ("บริการ", service_title),
        *[(label, c.excerpt(value, MAX_ANSWER)) for label, value in answers],
        ("สถานะ", f"{status} • {office.division_name(request.division_id)}"),
        ("ผู้รับคำร้อง", request.assignee_name or ("ยังไม่มีผู้รับคำร้อง" if request.is_open else "")),
        ("กำหนด", _due(request)),
        ("หมายเหตุ", note),
    ]
    buttons = [
        m.postback_action(LABELS[action], postback.action(action, request.id, request.status), f"{LABELS[action]} {request.number}")
        for action in BUTTONS_BY_STATUS.get(request.status, ())
    ]
    buttons.append(m.uri_action(OPEN_IN_CONSOLE, office.console_link("requests", request.id)))
    heading = f"{title} {request.number}".strip() if title else f"{REQUEST_NOW} {request.number}"
    return m.card(heading, rows, buttons, alt_text=f"{heading}: {service_title} ({status})")
