"""The flow table: every conversation the bot can have, its entries, steps and fallbacks.

Diagram: docs/conversation.md (regenerate with `python -m bot flows`).
"""
from __future__ import annotations

from bot.pipeline import effects
from bot.conversation import handbook, router
from bot.conversation import messages as m
from bot.conversation import postback, texts
from bot.conversation.engine import MAIN, Context, Effect, Engine, Flow, Input, State, Step, Turn
from bot.conversation.replies import contact_card, main_menu, with_menu
from bot.conversation.text import normalize_command
from bot.feedback import corruption, satisfaction, staff_questions, ticket_followup, tickets, track
from bot.staff import names
from bot.eservice import flow as eservice_flow
from bot.eservice import appointments
from bot.staff import ticket_actions
from bot.eservice import request_actions
from bot.feedback import consultation

_MENU_WORDS = frozenset(normalize_command(w) for w in texts.MENU_WORDS)


def _norm_set(words) -> frozenset[str]:
    return frozenset(normalize_command(w) for w in words)


# --- main menu and free input -----------------------------------------------------------
# The main menu's quick replies are the engine's (Engine.menu_buttons, one per flow with a
# menu label), in every step's context: bot/conversation/replies.py `main_menu`, `with_menu`.


def menu_entries() -> list[dict]:
    """The rich menu's buttons: the main menu, then every flow that has a menu label."""
    entries = [{"label": texts.MENU_BUTTON, "caption": "บริการทั้งหมด", "data": postback.menu(MAIN), "icon": "menu"}]
    for flow in FLOWS:
        if flow.menu_label and flow.on_rich_menu:
            entries.append(
                {"label": flow.menu_label, "caption": flow.menu_caption, "data": postback.menu(flow.name), "icon": flow.icon}
            )
    for entry in entries:
        entry["display_text"] = entry["label"]
    return entries


def free_input(ctx: Context, state: State, event: Input) -> Turn:
    """Anything said at the main menu that no flow claimed: typed text is read by the router
    (bot/conversation/router.py: a question, a problem to report, small talk …)."""
    p = ctx.profile
    if event.kind == "text":
        if event.command in _MENU_WORDS:
            return Turn(State(), main_menu(ctx))
        if event.text.strip():
            return router.route(ctx, state, event.text)
        return Turn(State(), [with_menu(ctx, texts.unknown_question(p))])
    if event.kind == "sticker":
        return Turn(State(), [with_menu(ctx, texts.STICKER_THANKS)])
    if event.kind == "media":
        return Turn(State(), [with_menu(ctx, texts.media_not_used(event.media_type, p))])
    if event.kind == "location":
        return Turn(State(), [with_menu(ctx, texts.location_not_used(p))])
    return Turn(State(), main_menu(ctx))


# --- the handbook: its buttons, and any other message read like one at the main menu -----------


def handbook_step(ctx: Context, state: State, event: Input) -> Turn:
    """A tap on one of the handbook's buttons is its own (bot/conversation/handbook.py); a
    new message is read like any other, the handbook's session kept."""
    if event.button is None:
        return free_input(ctx, state, event)
    return handbook.asked_step(ctx, state, event)


# --- contact: the SAO's address, hours, phone and map (bot/conversation/replies.py) ----------


def start_contact(ctx: Context, state: State) -> Turn:
    return Turn(State(), [contact_card(ctx), with_menu(ctx, texts.CONTACT_DONE)])


# --- privacy: the notice, and erasing one's own data (PDPA) -------------------------------

_YES = _norm_set(texts.ERASE_YES_WORDS)
_NO = _norm_set(texts.ERASE_NO_WORDS)


def _erase_confirm(state: State) -> dict:
    return m.confirm(
        texts.ERASE_CONFIRM,
        m.postback_action(texts.ERASE_YES, postback.button("privacy", "confirm", state.session, "yes")),
        m.postback_action(texts.ERASE_NO, postback.button("privacy", "confirm", state.session, "no")),
    )


def start_privacy(ctx: Context, state: State) -> Turn:
    can_erase = ctx.chat_kind == "user"
    notice = texts.privacy_notice(ctx.profile, can_erase)
    if not can_erase:
        return Turn(State(), [with_menu(ctx, notice)])
    buttons = [
        m.postback_action(texts.ERASE_BUTTON, postback.button("privacy", "notice", state.session, "erase")),
        m.postback_action(texts.MENU_BUTTON, postback.menu(MAIN)),
    ]
    return Turn(State("privacy", "notice", state.session), [m.text(notice, buttons)])


def privacy_notice_step(ctx: Context, state: State, event: Input) -> Turn:
    wants_erase = (event.button and event.button.arg == "erase") or event.command == normalize_command(
        texts.ERASE_BUTTON
    )
    if wants_erase:
        asking = State("privacy", "confirm", state.session)
        return Turn(asking, [_erase_confirm(asking)])
    return free_input(ctx, State(), event)  # they moved on: treat it as a new request


def privacy_confirm_step(ctx: Context, state: State, event: Input) -> Turn:
    answer = event.button.arg if event.button else ""
    if answer == "yes" or event.command in _YES:
        return Turn(State(), [with_menu(ctx, texts.ERASED)], effects=(Effect("erase_chat_data"),))
    if answer == "no" or event.command in _NO:
        return Turn(State(), [with_menu(ctx, texts.NOT_ERASED)])
    return Turn(state, [m.text(texts.ERASE_ASK_AGAIN), _erase_confirm(state)], unusable=True)


def privacy_prompt(ctx: Context, state: State) -> list[dict]:
    return [_erase_confirm(state)]


# --- the table -----------------------------------------------------------------------------

FLOWS: list[Flow] = [
    Flow(
        name=handbook.FLOW,
        title="คู่มือประชาชน",
        start=handbook.start,
        starts_at=(handbook.STEP,),
        steps={
            handbook.STEP: Step(
                handbook_step, goes_to=(handbook.STEP, MAIN), note="ถามต่อ ดูหัวข้ออื่น 👍/👎 ส่งให้เจ้าหน้าที่"
            ),
        },
        entry_words=("คู่มือประชาชน", "คู่มือ", "handbook"),
        timeout_note=False,
        menu_label=texts.HANDBOOK_MENU,
        menu_caption="ถามเรื่องบริการ เอกสาร ค่าธรรมเนียม",
        icon="info",
    ),
    Flow(
        name="contact",
        title="ติดต่อ อบต.",
        start=start_contact,
        entry_words=("ติดต่อ", "ติดต่ออบต", "เบอร์โทร", "เบอร์", "ที่อยู่", "เวลาทำการ", "แผนที่", "อบต.อยู่ไหน"),
        menu_label="ติดต่อ อบต.",
        menu_caption="ที่อยู่ เวลาทำการ โทรศัพท์ แผนที่",
        icon="phone",
        on_rich_menu=False,  # in the main menu and the greeting; the rich menu's cell is e-Service's
    ),
    Flow(
        name="privacy",
        title="ข้อมูลส่วนบุคคล",
        start=start_privacy,
        starts_at=("notice",),
        steps={
            "notice": Step(privacy_notice_step, goes_to=("confirm", MAIN), note="แจ้งการเก็บข้อมูล"),
            "confirm": Step(privacy_confirm_step, goes_to=("confirm", MAIN), note="ยืนยันการลบข้อมูล"),
        },
        entry_words=("ข้อมูลส่วนบุคคล", "ข้อมูลส่วนตัว", "ลบข้อมูล", "pdpa", "ความเป็นส่วนตัว"),
        timeout_minutes=10,
        prompt=privacy_prompt,
        menu_label="ข้อมูลส่วนบุคคล",
        menu_caption="การเก็บข้อมูล และขอลบข้อมูล",
        icon="shield",
        # The rich menu has six cells; privacy stays one tap away in the main menu, in the
        # greeting's notice and in every feedback flow's first message.
        on_rich_menu=False,
    ),
    # --- citizen feedback (bot/feedback/) ---
    Flow(
        name=satisfaction.FLOW,
        title="ประเมินความพึงพอใจ",
        start=satisfaction.start,
        steps=satisfaction.STEPS,
        starts_at=("category", satisfaction.RATE_STEPS[0]),
        entry_words=("ประเมิน", "แบบประเมิน", "ความพึงพอใจ", "ให้คะแนนบริการ"),
        timeout_minutes=10,
        prompt=satisfaction.prompt,
        menu_label="ประเมินความพึงพอใจ",
        menu_caption="ให้คะแนนบริการที่ได้รับ",
        icon="star",
    ),
    Flow(
        name=tickets.FLOW,
        title="แจ้งเรื่อง เสนอแนะ ร้องเรียน",
        start=tickets.start,
        steps=tickets.STEPS,
        starts_at=("category", "guess"),
        entry_words=("แจ้งเรื่อง", "ร้องเรียน", "ร้องทุกข์", "เสนอแนะ", "ข้อเสนอแนะ", "แจ้งปัญหา", "แจ้งซ่อม"),
        timeout_minutes=30,
        prompt=tickets.prompt,
        menu_label="แจ้งเรื่อง ร้องเรียน",
        menu_caption="เสนอแนะ ร้องเรียน แจ้งปัญหา",
        icon="megaphone",
    ),
    Flow(
        name="track",
        title="ติดตามเรื่อง",
        start=track.start,
        entry_words=("ติดตามเรื่อง", "ติดตาม", "สถานะเรื่อง", "เช็คสถานะ", "เรื่องของฉัน"),
        menu_label="ติดตามเรื่อง",
        menu_caption="สถานะเรื่องที่แจ้งไว้",
        icon="search",
    ),
    Flow(
        name=staff_questions.FLOW,
        title="ถามเจ้าหน้าที่",
        start=staff_questions.start,
        steps=staff_questions.STEPS,
        starts_at=("question", "topic", "confirm"),
        entry_words=("ถามเจ้าหน้าที่", "ขอคุยกับเจ้าหน้าที่", "คุยกับเจ้าหน้าที่", "ติดต่อเจ้าหน้าที่", "ขอคุยกับคน", "คุยกับคน"),
        timeout_minutes=20,
        prompt=staff_questions.prompt,
        menu_label="ถามเจ้าหน้าที่",
        menu_caption="ส่งคำถามถึงเจ้าหน้าที่",
        icon="question",
        on_rich_menu=False,
    ),
    Flow(
        name=corruption.FLOW,
        title="แจ้งเบาะแสทุจริต",
        start=corruption.start,
        steps=corruption.STEPS,
        starts_at=("mode",),
        entry_words=("แจ้งเบาะแสทุจริต", "แจ้งเบาะแส", "ทุจริต", "ร้องเรียนทุจริต", "คอร์รัปชัน", "คอรัปชั่น"),
        timeout_minutes=20,
        prompt=corruption.prompt,
        menu_label="แจ้งเบาะแสทุจริต",
        menu_caption="ปกปิดตัวตนผู้แจ้งได้",
        icon="shield",
        on_rich_menu=False,
    ),
    Flow(
        name=staff_questions.STAFF_FLOW,
        title="เจ้าหน้าที่ตอบคำถาม",
        start=staff_questions.staff_start,
        steps=staff_questions.STAFF_STEPS,
        starts_at=("answer", "confirm"),
        timeout_minutes=30,
    ),
    # Staff by name: after registering, and "ชื่อของฉัน" / "ตั้งชื่อกลุ่ม" (bot/staff/names.py).
    Flow(
        name=names.FLOW,
        title="ชื่อเจ้าหน้าที่และชื่อกลุ่ม",
        start=names.start,
        steps=names.STEPS,
        starts_at=("group_name", "name"),
        timeout_minutes=30,
    ),
    *ticket_followup.FLOWS,  # the citizen answering staff, ✓/✗ on a closure
    *eservice_flow.FLOWS,  # online service requests
    *appointments.FLOWS,  # booking, moving, cancelling an appointment at the office
    *ticket_actions.FLOWS,  # staff acting on a ticket from its card
    *request_actions.FLOWS,  # staff acting on a service request from its card
    *consultation.FLOWS,  # consultations on LINE (ร่วมแสดงความเห็น), issue 20
]


def build_engine(timeout_minutes: int = 30) -> Engine:
    from bot.staff import my_work, registration

    return Engine(
        FLOWS,
        commands=registration.COMMANDS + names.COMMANDS + [satisfaction.COMMAND, staff_questions.COMMAND, my_work.COMMAND, eservice_flow.COMMAND,
                                                           appointments.COMMAND]
                 + consultation.COMMANDS,
        quote_replies=[staff_questions.QUOTE_REPLY],
        main_menu=main_menu,
        on_timeout=lambda ctx: [m.text(texts.TIMED_OUT)],
        on_cancel=lambda ctx: [with_menu(ctx, texts.CANCELLED)],
        on_stale_button=lambda ctx, state: [with_menu(ctx, texts.STALE_BUTTON)],
        on_free_input=free_input,
        cancel_words=texts.CANCEL_WORDS,
        timeout_minutes=timeout_minutes,
        has_action=effects.has_action,
        on_unusable=router.aside,
        on_aside=router.on_aside_button,
        way_out=router.way_out,
    )


# What a flow's entry word means as an intent (bot/understanding/intents.py): the engine starts
# the flow before any reading, so `python -m bot ask` and the evaluation say the same.
ENTRY_INTENTS = {"ticket": "report_problem", "track": "track", "ask_staff": "human", "corruption": "corruption"}


def entry_intent(text: str) -> str | None:
    """The intent of a typed entry word ("ติดตามเรื่องค่ะ", "แจ้งเรื่อง"), or None for other text."""
    command = normalize_command(text)
    for flow in FLOWS:
        if command in {normalize_command(w) for w in flow.entry_words}:
            return ENTRY_INTENTS.get(flow.name, "question")
    return None
