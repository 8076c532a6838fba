"""What the bot does with a free-text message: one table, one entry per intent.

The reader (bot/understanding/reader.py) decides what a message is for; this module decides
what to do about it. Every free-text message at the main menu comes here (`route`), and so
does text at a step that wants a button when the step cannot use it (`aside`), where a clear
request of another kind is answered without losing the flow: the person then chooses to go
back to the flow or leave it.

  intent           what the bot does                                           mid-flow
  question         the handbook's answer (or an honest "I don't know" and staff)     answered
  request_service  the service's card and a next step: send the request to staff    answered
  report_problem   the complaint form, filled in from the message: confirm, done      offered
  track            the person's tickets, or the one whose number was typed           offered
  human            the question-for-staff form (filled in when there is a question)  offered
  smalltalk        a short polite reply; annoyance gets an apology and a way on      answered
  corruption       the confidential channel, and how the reporter is protected       offered
  out_of_scope     where to go instead, or honestly: not the SAO's                    answered

A message with two requests is answered for the first; the other is offered as a quick reply.
A question or another agency's matter that may be a problem to fix after all (the
reader's `might_report`) is answered, and the complaint form, filled in from it, is a quick reply
away (bot/conversation/handbook.py).
Only questions (and what is not the SAO's) are recorded for the console's review of what the
bot could not answer: small talk, reports, tracking and the rest are never on that list.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from bot.conversation import handbook
from bot.conversation import messages as m
from bot.conversation import postback, texts
from bot.conversation.engine import ASIDE, MAIN, MISSES, Context, Effect, Flow, Input, State, Turn
from bot.conversation.replies import main_menu, with_menu
from bot.understanding import intents as i
from bot.understanding.reader import Understanding

# Text at a step that wants a button is answered aside only when the reader is this sure.
ASIDE_SURE = 0.6
RESUME, LEAVE, SWITCH, STAFF = (f"{ASIDE}resume", f"{ASIDE}leave", f"{ASIDE}switch", f"{ASIDE}staff")
ASIDE_TEXT = "_aside"  # in a flow's data: the message an offered switch would act on


@dataclass(frozen=True)
class IntentAction:
    does: str  # what the bot does, in Thai (the diagram in docs/conversation.md)
    run: Callable[[Context, State, Understanding], Turn]
    # Mid-flow: how to answer it without leaving the flow (messages only, no buttons of
    # its own); None: it has a conversation of its own, so it is offered instead (`offer`).
    aside: Callable[[Context, Understanding], list[dict]] | None = None
    offer: str = ""  # the button that offers it mid-flow (≤ 20 characters)


def _menu_button() -> dict:
    return m.postback_action(texts.MENU_BUTTON, postback.menu(MAIN))


# --- the actions ------------------------------------------------------------------------------


def answer_question(ctx: Context, state: State, u: Understanding) -> Turn:
    return handbook.answer(ctx, state, u)


def answer_request(ctx: Context, state: State, u: Understanding) -> Turn:
    """A service requested in words ("ขอรถน้ำหน่อย บ้านน้ำหมด"): its online request, filled in
    from the message, when it can be requested online; else how to get it, and staff."""
    if u.procedure and u.procedure in ctx.services and ctx.chat_kind == "user":
        from bot.eservice import flow as eservice

        return eservice.start_service(ctx, u.procedure, message=u.clause or u.text)
    return handbook.answer(ctx, state, u, request=True)


def start_report(ctx: Context, state: State, u: Understanding) -> Turn:
    from bot.feedback import tickets

    return tickets.start_from_message(ctx, State(session=ctx.new_session), u)


def show_tracking(ctx: Context, state: State, u: Understanding) -> Turn:
    from bot.feedback import track

    return track.start_for(ctx, u.ticket)


def to_staff(ctx: Context, state: State, u: Understanding) -> Turn:
    from bot.feedback import staff_questions

    return staff_questions.start_from_message(ctx, u)


def small_talk(ctx: Context, state: State, u: Understanding) -> Turn:
    p = ctx.profile
    if u.talk == "annoyed":
        buttons = [_menu_button(), m.postback_action(texts.TALK_TO_STAFF, postback.menu("ask_staff"))]
        return Turn(State(), [m.text(texts.SMALLTALK_ANNOYED, buttons)])
    if u.talk == "greeting":
        return Turn(State(), main_menu(ctx))
    body = texts.smalltalk_reply(u.talk or "ack", p)
    return Turn(State(), [with_menu(ctx, body)])


def offer_confidential(ctx: Context, state: State, u: Understanding) -> Turn:
    from bot.feedback import corruption

    return corruption.start_from_message(ctx, State(session=ctx.new_session), u.text)


def not_ours(ctx: Context, state: State, u: Understanding) -> Turn:
    topic = u.outside_topic
    if topic is not None:
        return handbook.answer(ctx, state, u)  # where to go instead, as the handbook says
    if u.might_report:
        return handbook.not_the_saos_or_a_report(ctx, state, u)
    # Kept for the console's review ("ไม่ใช่งานของ อบต."): if it is the SAO's after all, a clerk
    # adds it to the handbook and the bot answers it from then on.
    return Turn(State(), [with_menu(ctx, texts.not_the_saos(ctx.profile))],
                effects=(handbook.record_aside(ctx, u),))


def _small_talk_aside(ctx: Context, u: Understanding) -> list[dict]:
    if u.talk == "annoyed":
        return [m.text(texts.SMALLTALK_ANNOYED_ASIDE)]
    return [m.text(texts.smalltalk_reply(u.talk or "ack", ctx.profile))]


def _not_ours_aside(ctx: Context, u: Understanding) -> list[dict]:
    return handbook.answer_aside(ctx, u) if u.outside_topic is not None else [m.text(texts.not_the_saos(ctx.profile))]


ACTIONS: dict[str, IntentAction] = {
    i.QUESTION: IntentAction("คำตอบจากคู่มือ หรือบอกตรงๆ ว่าไม่ทราบแล้วเสนอส่งให้เจ้าหน้าที่",
                             answer_question, aside=handbook.answer_aside),
    i.REQUEST_SERVICE: IntentAction("วิธีขอรับบริการจากคู่มือ และปุ่มส่งคำขอถึงเจ้าหน้าที่",
                                    answer_request, aside=handbook.answer_aside),
    i.REPORT_PROBLEM: IntentAction("แบบฟอร์มแจ้งเรื่องที่กรอกจากข้อความแล้ว → ticket_guess",
                                   start_report, offer="📢 แจ้งเรื่องนี้"),
    i.TRACK: IntentAction("รายการเรื่องของท่าน หรือเรื่องตามเลขที่ที่พิมพ์", show_tracking, offer="🔎 ติดตามเรื่อง"),
    i.HUMAN: IntentAction("แบบฟอร์มถามเจ้าหน้าที่ → ask_staff", to_staff, offer="👩‍💼 ถามเจ้าหน้าที่"),
    i.SMALLTALK: IntentAction("ตอบสั้นๆ อย่างสุภาพ ถ้าไม่พอใจบอท ขออภัยและเสนอเมนูหรือเจ้าหน้าที่",
                              small_talk, aside=_small_talk_aside),
    i.CORRUPTION: IntentAction("ช่องทางลับและการคุ้มครองผู้แจ้ง → corruption_mode",
                               offer_confidential, offer="🛡️ แจ้งเบาะแส (ลับ)"),
    i.OUT_OF_SCOPE: IntentAction("หน่วยงานที่รับผิดชอบ หรือบอกตรงๆ ว่าไม่ใช่งานของ อบต.", not_ours, aside=_not_ours_aside),
}
assert set(ACTIONS) == set(i.INTENTS), "every intent needs an action"


# --- free text at the main menu ---------------------------------------------------------------


def route(ctx: Context, state: State, text: str) -> Turn:
    """A typed message at the main menu (or while browsing the handbook)."""
    if ctx.reader is None:
        return Turn(State(), [with_menu(ctx, texts.unknown_question(ctx.profile))])
    u = ctx.reader.understand(text)
    turn = ACTIONS[u.intent].run(ctx, state, u)
    if u.second is not None:
        turn = _offer_second(ctx, turn, u.second)
    return turn


def _second_button(ctx: Context, second: Understanding) -> dict | None:
    """A quick reply that asks the other request as if typed: a question about a service as
    its name and the section asked, anything else as the person wrote it."""
    if second.intent in i.WITH_PROCEDURE and second.procedure and ctx.handbook is not None:
        procedure = ctx.handbook.get(second.procedure)
        if procedure is None:
            return None
        typed = f"{procedure.short_title} {texts.SECTION_QUESTIONS[second.section or 'overview']}"
        return m.message_action(f"ถามต่อ: {procedure.short_title}", typed)
    label = texts.SECOND_REQUEST_LABELS.get(second.intent)
    if not label or not second.text.strip():
        return None
    return m.message_action(label, second.text[:300])


def _offer_second(ctx: Context, turn: Turn, second: Understanding) -> Turn:
    button = _second_button(ctx, second)
    if button is None or not turn.messages:
        return turn
    messages = list(turn.messages)
    last = dict(messages[-1])
    if last.get("type") == "text":
        items = [{"type": "action", "action": button}] + list((last.get("quickReply") or {}).get("items") or [])
        last["quickReply"] = {"items": items[:13]}
        messages[-1] = last
    else:
        messages.append(m.text(texts.SECOND_REQUEST_NOTE, [button]))
    return replace(turn, messages=messages[:5])


# --- text at a step that wants a button ---------------------------------------------------------


def aside(ctx: Context, state: State, event: Input, flow: Flow) -> Turn | None:
    """Text the current step cannot use: if it is clearly a request of its own, answer it
    and let the person choose to go back to the flow or leave it; otherwise None (the step
    asks again)."""
    if ctx.reader is None or not event.text.strip():
        return None
    u = ctx.reader.understand(event.text)
    if u.confidence < ASIDE_SURE or u.intent == i.SMALLTALK and u.talk in (None, "ack"):
        return None
    if u.intent == i.REPORT_PROBLEM and flow.name == "ticket":
        return None  # the complaint form itself: its step decides
    kept = _kept(state)
    if u.intent == i.SMALLTALK and u.talk == "annoyed":  # not going well: every way on, not just back
        return Turn(kept, [m.text(texts.SMALLTALK_ANNOYED_ASIDE)] + way_out(ctx, kept, flow))
    action = ACTIONS[u.intent]
    if action.aside is None:
        forget: tuple[Effect, ...] = ()
        if u.intent == i.CORRUPTION:
            # Told in confidence: not kept in the conversation, and the message itself is
            # redacted from the inbox as the confidential flow does; "แจ้งเบาะแส" starts it anew.
            from bot.feedback import corruption

            offered, forget = kept, (Effect(corruption.FORGET),)
        else:
            offered = replace(kept, data={**kept.data, ASIDE_TEXT: event.text[:2000]})
        buttons = [
            m.postback_action(action.offer, postback.button(state.flow, state.step, state.session, SWITCH)),
            m.postback_action(texts.RESUME_BUTTON, postback.button(state.flow, state.step, state.session, RESUME)),
            m.message_action(texts.CANCEL_BUTTON_LABEL, texts.CANCEL_WORDS[0]),
        ]
        return Turn(offered, [m.text(texts.aside_offer(action.offer, flow.title), buttons)], effects=forget)
    messages = action.aside(ctx, u)[:4]
    messages.append(m.text(texts.back_to_flow(flow.title), _resume_buttons(state, flow)))
    effects: tuple[Effect, ...] = ()
    if u.intent in i.WITH_PROCEDURE or u.intent == i.OUT_OF_SCOPE:
        effects = (handbook.record_aside(ctx, u),)  # asked mid-flow, kept for the review like any question
    if state.flow == "corruption":
        from bot.feedback import corruption

        effects += (Effect(corruption.FORGET),)  # nothing typed in that flow is kept in the inbox
    return Turn(kept, messages, effects=effects)


def _kept(state: State) -> State:
    """The flow as it was: its data untouched, the miss count cleared (the input was used)."""
    return replace(state, data={k: v for k, v in state.data.items() if k not in (MISSES, ASIDE_TEXT)})


def _resume_buttons(state: State, flow: Flow) -> list[dict]:
    return [
        m.postback_action(texts.RESUME_BUTTON, postback.button(state.flow, state.step, state.session, RESUME)),
        m.postback_action(texts.LEAVE_FLOW, postback.button(state.flow, state.step, state.session, LEAVE)),
    ]


def on_aside_button(ctx: Context, state: State, button: postback.Postback, flow: Flow) -> Turn:
    """The choices offered after an aside answer or an offer to switch, and the way out."""
    if button.arg == RESUME:
        prompt = flow.prompt(ctx, state) if flow.prompt else []
        return Turn(_kept(state), [m.text(texts.RESUMED)] + prompt)
    if button.arg == LEAVE:
        return Turn(State(), [with_menu(ctx, texts.left_flow(flow.title))])
    if button.arg == STAFF:
        from bot.feedback import staff_questions

        return staff_questions.start(ctx, State(session=ctx.new_session))
    if button.arg == SWITCH:
        if state.data.get(ASIDE_TEXT):
            return route(ctx, State(), str(state.data[ASIDE_TEXT]))
        from bot.feedback import corruption  # offered without keeping what was told

        return corruption.start(ctx, State(session=ctx.new_session))
    return Turn(state, [m.text(texts.STALE_BUTTON)])


def way_out(ctx: Context, state: State, flow: Flow) -> list[dict]:
    """After two inputs in a row the step could not use: not the same prompt a third time,
    but the ways on — back to the step, the menu, a person, or cancel."""
    buttons = [
        m.postback_action(texts.RESUME_BUTTON, postback.button(state.flow, state.step, state.session, RESUME)),
        _menu_button(),
        m.postback_action(texts.TALK_TO_STAFF, postback.button(state.flow, state.step, state.session, STAFF)),
        m.message_action(texts.CANCEL_BUTTON_LABEL, texts.CANCEL_WORDS[0]),
    ]
    return [m.text(texts.way_out(flow.title), buttons)]


def plain_text(turn: Turn) -> str:
    """A turn's reply as plain text (the `ask` command, the console's test box): each text
    message, each card's alternative text; effects that reply later are named."""
    parts = []
    for message in turn.messages:
        if message.get("type") == "text":
            parts.append(message["text"])
        elif message.get("altText"):
            parts.append(message["altText"])
    for effect in turn.effects:
        described = texts.EFFECT_REPLIES.get(effect.name)
        if described:
            parts.append(described)
    return "\n".join(parts)


def diagram() -> str:
    """A Mermaid flowchart of the table above, for docs/conversation.md (`python -m bot flows`)."""
    lines = [
        "flowchart LR",
        "    text([ข้อความที่พิมพ์ ที่เมนูหลัก]) --> reader{{bot/understanding: อ่านว่าเป็นเรื่องใด}}",
        "    step([ข้อความที่ขั้นตอนที่รอปุ่ม ใช้ไม่ได้]) --> reader",
    ]
    for intent, action in ACTIONS.items():
        mid = "ตอบระหว่างทาง แล้วให้เลือกทำต่อหรือออก" if action.aside else f"เสนอปุ่ม {action.offer}"
        lines.append(f"    reader -->|{intent}| {intent}[\"{action.does}<br/>ระหว่างทำเรื่องอื่น: {mid}\"]")
    lines.append("    reader -->|สองเรื่องในข้อความเดียว| second[\"ตอบเรื่องแรก เรื่องที่สองเป็นปุ่มตอบกลับด่วน\"]")
    lines.append(f"    reader -->|อาจเป็นปัญหาที่ต้องแจ้ง| might_report[\"ตอบตามที่อ่านได้ และมีปุ่ม {texts.REPORT_INSTEAD} "
                 "ที่เปิดแบบฟอร์มแจ้งเรื่องซึ่งกรอกจากข้อความแล้ว\"]")
    return "\n".join(lines) + "\n"
