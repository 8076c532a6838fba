"""Suggestions and complaints (measure 7): category, (service or village topic), text,
up to three photos, an optional location pin, a confirmation, then a ticket number.

The conversation's steps, pure: everything is collected in the conversation state, and
the confirmation's effect (ticket_effects.py) writes the ticket, its photos (fetched from
LINE afterwards, see photos.py) and its first event in one transaction. A report typed as
a message (the router's report_problem) enters here too, at the guess step.
"""
from __future__ import annotations

from bot.conversation import messages as m
from bot.conversation import postback
from bot.conversation.engine import MAIN, Context, Effect, Input, State, Step, Turn
from bot.conversation.text import normalize_command
from bot.feedback import common as c
from bot.feedback import ticket_texts as t
from bot.feedback.announce import Office
from bot.feedback.texts import NEED_TEXT, SERVICE_NOT_FOUND, choose_service, privacy_line, service_chosen
from bot.feedback.ticket_effects import CREATE, MAX_PHOTOS, route
from bot.understanding.intents import REPORT_PROBLEM

FLOW = "ticket"
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 1000
_DONE_WORDS = frozenset(normalize_command(w) for w in ("เสร็จ", "เสร็จแล้ว", "ไม่มี", "ไม่มีรูป", "ข้าม", "ต่อไป", "ไปต่อ", "ok", "โอเค"))
_YES_WORDS = frozenset(normalize_command(w) for w in ("ยืนยัน", "ยืนยันส่ง", "ยืนยันส่งเรื่อง", "ส่ง", "ส่งเลย", "ตกลง", "ใช่"))


# --- asking ----------------------------------------------------------------------------------


def _ask_category(state: State) -> list[dict]:
    buttons = [c.button(state, label, key, label) for key, (label, _) in t.TICKET_CATEGORIES.items()]
    buttons.append(m.postback_action(t.CORRUPTION_SHORTCUT, postback.menu("corruption")))
    buttons.append(c.cancel_button())
    return [m.text(f"{t.CHOOSE_TICKET_CATEGORY}\n{t.CORRUPTION_HINT}", buttons)]


def _ask_topic(state: State) -> list[dict]:
    buttons = [c.button(state, label, key, label) for key, (label, _) in t.VILLAGE_TOPICS.items()]
    return [m.text(t.CHOOSE_VILLAGE_TOPIC, buttons + [c.cancel_button()])]


def _ask_service_category(ctx: Context, state: State) -> list[dict]:
    extra = [c.button(state, t.NO_SERVICE_BUTTON, "none")]
    return [m.text(t.TICKET_SERVICE_PROMPT, c.category_buttons(ctx, state, extra)[:12] + [c.cancel_button()])]


def _ask_service(ctx: Context, state: State) -> list[dict]:
    index = state.data.get("service_category", 0)
    return [m.text(choose_service(c.categories(ctx)[index][0]), c.service_buttons(ctx, state, index))]


def _ask_description(state: State) -> list[dict]:
    return [m.text(t.ticket_description_prompt(state.data.get("category", "")), [c.cancel_button()])]


def _ask_photos(state: State, prefix: str = "") -> list[dict]:
    count = len(state.data.get("photos") or [])
    buttons = [
        {"type": "camera", "label": t.TAKE_PHOTO},
        {"type": "cameraRoll", "label": t.PICK_PHOTO},
        c.button(state, t.PHOTOS_DONE_BUTTON if count else t.NO_PHOTO_BUTTON, "done"),
        c.cancel_button(),
    ]
    body = prefix or t.photos_prompt(MAX_PHOTOS)
    return [m.text(body, buttons)]


def _ask_location(state: State, prefix: str = "") -> list[dict]:
    buttons = [{"type": "location", "label": t.SEND_LOCATION}, c.button(state, t.SKIP_BUTTON, "skip"), c.cancel_button()]
    return [m.text((prefix + "\n" if prefix else "") + t.LOCATION_PROMPT, buttons)]


def _location_text(location: dict | None) -> str:
    if not location:
        return ""
    words = " ".join(str(location.get(k) or "") for k in ("title", "address")).strip()
    return words or f"{location.get('latitude'):.5f}, {location.get('longitude'):.5f}"


def _ask_confirm(ctx: Context, state: State) -> list[dict]:
    data = state.data
    category = t.TICKET_CATEGORIES[data["category"]][1]
    topic = t.VILLAGE_TOPICS[data["topic"]][1] if data.get("topic") else ""
    summary = t.ticket_summary(
        category, topic, data.get("service_title", ""), data["description"], len(data.get("photos") or []), _location_text(data.get("location"))
    )
    buttons = [c.button(state, t.CONFIRM_TICKET, "yes"), c.button(state, t.EDIT_TICKET, "edit"), c.cancel_button()]
    return [m.text(summary), m.text(t.CONFIRM_ASK, buttons)]


def prompt(ctx: Context, state: State) -> list[dict]:
    """The current step's question again (after an aside answer, "ทำต่อ")."""
    return _ask_again(ctx, state)


def _ask_again(ctx: Context, state: State) -> list[dict]:
    return {
        "guess": lambda: _ask_guess(ctx, state),
        "category": lambda: _ask_category(state),
        "topic": lambda: _ask_topic(state),
        "service_category": lambda: _ask_service_category(ctx, state),
        "service": lambda: _ask_service(ctx, state),
        "description": lambda: _ask_description(state),
        "photos": lambda: _ask_photos(state),
        "location": lambda: _ask_location(state),
        "confirm": lambda: _ask_confirm(ctx, state),
    }[state.step]()


def _other_input(ctx: Context, state: State, event: Input, note: str = "") -> Turn:
    if c.is_earlier_button(state, event):
        return c.earlier_button(state, _ask_again(ctx, state))
    return c.not_usable(state, ([m.text(note)] if note else []) + _ask_again(ctx, state))


# --- steps ---------------------------------------------------------------------------------------


def start(ctx: Context, state: State) -> Turn:
    refused = c.private_only(ctx)
    if refused:
        return refused
    asking = State(FLOW, "category", state.session, {})
    intro = m.text(f"{t.ticket_intro(ctx.profile)}\n\n{privacy_line(ctx.public_base_url)}")
    return Turn(asking, [intro] + _ask_category(asking))


def category_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = c.step_arg(state, event) or _typed_choice(event, _CATEGORY_WORDS)
    if arg not in t.TICKET_CATEGORIES:
        if event.kind == "text" and not state.data.get("from_message") and ctx.reader is not None:
            u = ctx.reader.understand(event.text)
            if u.intent == REPORT_PROBLEM:  # the problem itself, typed instead of a category
                return start_from_message(ctx, state, u)
        return _other_input(ctx, state, event, t.CATEGORY_NOT_UNDERSTOOD if event.kind == "text" else "")
    if arg == "village":
        nxt = c.with_data(state, "topic", category=arg)
        return Turn(nxt, _ask_topic(nxt))
    if arg in ("suggestion", "complaint_service") and c.categories(ctx):
        nxt = c.with_data(state, "service_category", category=arg)
        return Turn(nxt, _ask_service_category(ctx, nxt))
    return _to_description(state, category=arg, topic=None)


def topic_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = c.step_arg(state, event) or _typed_choice(event, _TOPIC_WORDS)
    if arg not in t.VILLAGE_TOPICS:
        return _other_input(ctx, state, event)
    return _to_description(state, topic=arg)


def _typed_choice(event: Input, words: dict[str, str]) -> str | None:
    """A choice typed instead of tapped ("ปัญหาในหมู่บ้าน", "ไฟ", "อื่นๆ")."""
    return words.get(event.command) if event.kind == "text" else None


def _choice_words(choices: dict[str, tuple[str, str]], extra: dict[str, tuple[str, ...]]) -> dict[str, str]:
    words = {}
    for key, (label, title) in choices.items():
        for word in (label, title, *extra.get(key, ())):
            words[normalize_command(word)] = key
    return words


_CATEGORY_WORDS = _choice_words(t.TICKET_CATEGORIES, {
    "suggestion": ("เสนอแนะ", "ข้อเสนอแนะ", "แนะนำ"), "complaint_service": ("ร้องเรียนบริการ", "บริการ"),
    "complaint_official": ("ร้องเรียนเจ้าหน้าที่", "เจ้าหน้าที่"), "village": ("หมู่บ้าน", "ปัญหาหมู่บ้าน", "ปัญหาในหมู่บ้าน"),
    "other": ("อื่นๆ", "อื่น ๆ", "อื่น", "เรื่องอื่น"),
})
_TOPIC_WORDS = _choice_words(t.VILLAGE_TOPICS, {
    "road": ("ถนน", "ทาง", "ถนนพัง"), "light": ("ไฟ", "ไฟถนน", "ไฟทาง", "ไฟส่องสว่าง", "ไฟดับ"),
    "water": ("น้ำ", "ประปา", "น้ำประปา"), "waste": ("ขยะ",), "other": ("อื่นๆ", "อื่น ๆ", "อื่น", "เรื่องอื่น"),
})


def _to_description(state: State, prefix: list[dict] = (), **changes) -> Turn:
    """On to the description — or, when the person's own message is the description (a report
    typed as a story), straight on to the photos."""
    if state.data.get("from_message"):
        nxt = c.with_data(state, "photos", **changes)
        return Turn(nxt, list(prefix) + _ask_photos(nxt))
    nxt = c.with_data(state, "description", **changes)
    return Turn(nxt, list(prefix) + _ask_description(nxt))


def _service_chosen(state: State, procedure) -> Turn:
    return _to_description(state, [m.text(service_chosen(procedure.short_title))], service=procedure.id,
                           service_title=procedure.short_title, service_division=procedure.division)


def service_category_step(ctx: Context, state: State, event: Input) -> Turn:
    if c.step_arg(state, event) == "none":
        return _to_description(state)
    index = c.chosen_category(state, event)
    if index is not None and index < len(c.categories(ctx)):
        nxt = c.with_data(state, "service", service_category=index)
        return Turn(nxt, _ask_service(ctx, nxt))
    if event.kind == "text":
        procedure = c.match_service(ctx, event.text)
        if procedure is not None:
            return _service_chosen(state, procedure)
        return _other_input(ctx, state, event, SERVICE_NOT_FOUND)
    return _other_input(ctx, state, event)


def service_step(ctx: Context, state: State, event: Input) -> Turn:
    procedure, back = c.chosen_service(ctx, state, event)
    if back:
        nxt = c.with_data(state, "service_category")
        return Turn(nxt, _ask_service_category(ctx, nxt))
    if procedure is not None:
        return _service_chosen(state, procedure)
    return _other_input(ctx, state, event, SERVICE_NOT_FOUND if event.kind == "text" else "")


def description_step(ctx: Context, state: State, event: Input) -> Turn:
    if event.kind != "text":
        return _other_input(ctx, state, event, NEED_TEXT)
    text = c.clean_text(event.text)
    problem = c.check_length(text, DESCRIPTION_MIN, DESCRIPTION_MAX)
    if problem:
        return c.not_usable(state, [m.text(problem)] + _ask_description(state))
    if state.data.get("confirming"):  # "แก้รายละเอียด" from the confirmation: straight back to it
        nxt = c.with_data(state, "confirm", description=text)
        return Turn(nxt, _ask_confirm(ctx, nxt))
    nxt = c.with_data(state, "photos", description=text, photos=[])
    return Turn(nxt, _ask_photos(nxt))


def photos_step(ctx: Context, state: State, event: Input) -> Turn:
    photos = list(state.data.get("photos") or [])
    done = c.step_arg(state, event) == "done" or (event.kind == "text" and normalize_command(event.text) in _DONE_WORDS)
    if event.kind == "media":
        if event.media_type != "image" or not event.message_id:
            return c.not_usable(state, [m.text(t.ONLY_PHOTOS)] + _ask_photos(state))
        if event.message_id in photos:
            return Turn(state, [])  # the same photo again (a redelivery): nothing new to say
        photos.append(event.message_id)
        if len(photos) >= MAX_PHOTOS:
            nxt = c.with_data(state, "location", photos=photos)
            return Turn(nxt, _ask_location(nxt, t.photo_received(len(photos), MAX_PHOTOS)))
        nxt = c.with_data(state, "photos", photos=photos)
        return Turn(nxt, _ask_photos(nxt, t.photo_received(len(photos), MAX_PHOTOS)))
    if done:
        nxt = c.with_data(state, "location", photos=photos)
        return Turn(nxt, _ask_location(nxt))
    return _other_input(ctx, state, event, t.ONLY_PHOTOS)


def location_step(ctx: Context, state: State, event: Input) -> Turn:
    if event.kind == "media" and event.media_type == "image":
        return Turn(state, [m.text(t.photos_full(MAX_PHOTOS))] + _ask_location(state))
    if event.kind == "location":
        where = event.location
        try:
            location = {
                "latitude": float(where["latitude"]),
                "longitude": float(where["longitude"]),
                "title": c.clean_text(str(where.get("title") or ""))[:200],
                "address": c.clean_text(str(where.get("address") or ""))[:300],
            }
        except (KeyError, TypeError, ValueError):
            return c.not_usable(state, [m.text(t.LOCATION_ONLY)] + _ask_location(state))
        nxt = c.with_data(state, "confirm", location=location)
        return Turn(nxt, _ask_confirm(ctx, nxt))
    skip = c.step_arg(state, event) == "skip" or (event.kind == "text" and normalize_command(event.text) in _DONE_WORDS)
    if skip:
        nxt = c.with_data(state, "confirm", location=None)
        return Turn(nxt, _ask_confirm(ctx, nxt))
    return _other_input(ctx, state, event, t.LOCATION_ONLY)


def confirm_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = c.step_arg(state, event)
    if arg == "edit":
        nxt = c.with_data(state, "description", confirming=True)
        return Turn(nxt, _ask_description(nxt))
    if arg == "yes" or (event.kind == "text" and normalize_command(event.text) in _YES_WORDS):
        data = state.data
        args = {
            "session": state.session,
            "category": data["category"],
            "topic": data.get("topic"),
            "service": data.get("service"),
            "service_division": data.get("service_division"),
            "description": data["description"],
            "photos": list(data.get("photos") or []),
            "location": data.get("location"),
            "division_hint": data.get("division_hint"),
        }
        # The ticket number must reach the citizen: pushed if the reply token is refused.
        return Turn(State(), [], must_arrive=True, effects=(Effect(CREATE, args),))
    return _other_input(ctx, state, event)


# --- a report typed as a message (the router's report_problem) ---------------------------------

# The reader's guess of what kind of problem it is → the form's category and village topic.
PROBLEM_KINDS = {
    "road": ("village", "road"), "light": ("village", "light"), "water": ("village", "water"),
    "waste": ("village", "waste"), "other": ("village", "other"), "service": ("complaint_service", None),
    "official": ("complaint_official", None), "suggestion": ("suggestion", None),
}


def start_from_message(ctx: Context, state: State, u) -> Turn:
    """A problem told in the person's own words: the message is the description (never typed
    again), the category, topic and division are guessed and confirmed with one tap; then only
    a photo and the place are asked (both may be skipped), then the summary and the ticket:
    four taps from the first message to a ticket number."""
    refused = c.private_only(ctx)
    if refused:
        return refused
    text = c.clean_text(u.text)[:DESCRIPTION_MAX]
    category, topic = PROBLEM_KINDS.get(u.topic or "other", ("village", "other"))
    data = {"from_message": True, "description": text, "photos": [], "category": category, "topic": topic,
            "division_hint": u.division_hint}
    guessing = State(FLOW, "guess", state.session, data)
    return Turn(guessing, _ask_guess(ctx, guessing))


def _guessed_division(ctx: Context, state: State) -> str:
    office = Office(ctx.profile, tuple(ctx.divisions), ctx.public_base_url)
    data = state.data
    return office.division_name(route(office, data["category"], data.get("topic"), None, data.get("division_hint")))


def _ask_guess(ctx: Context, state: State) -> list[dict]:
    data = state.data
    category = t.TICKET_CATEGORIES[data["category"]][1]
    topic = t.VILLAGE_TOPICS[data["topic"]][1] if data.get("topic") else ""
    body = t.report_guess(c.excerpt(data["description"], 300), category, topic, _guessed_division(ctx, state))
    buttons = [c.button(state, t.GUESS_RIGHT, "yes"), c.button(state, t.GUESS_CHANGE, "change"), c.cancel_button()]
    return [m.text(f"{body}\n\n{privacy_line(ctx.public_base_url)}", buttons)]


_GUESS_YES = frozenset(normalize_command(w) for w in ("ใช่", "ถูกต้อง", "ถูก", "ใช่แล้ว", "แจ้งเลย", "ok", "โอเค", "ตกลง"))


def guess_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = c.step_arg(state, event)
    if arg == "yes" or (event.kind == "text" and event.command in _GUESS_YES):
        nxt = c.with_data(state, "photos")
        return Turn(nxt, _ask_photos(nxt))
    if arg == "change":
        nxt = c.with_data(state, "category", topic=None)
        return Turn(nxt, _ask_category(nxt))
    typed = _typed_choice(event, _TOPIC_WORDS)
    if typed:  # "ไม่ใช่ไฟ เป็นเรื่องถนน" is read elsewhere; a bare topic word is taken as the topic
        nxt = c.with_data(state, "photos", category="village", topic=typed)
        return Turn(nxt, _ask_photos(nxt))
    if event.kind == "media" and event.media_type == "image" and event.message_id:
        return photos_step(ctx, c.with_data(state, "photos"), event)  # a photo first: the guess stands
    return _other_input(ctx, state, event)


STEPS = {
    "guess": Step(guess_step, goes_to=("photos", "category"), note="เรื่องที่พิมพ์มา: ยืนยันประเภทที่บอทเดา"),
    "category": Step(category_step, goes_to=("guess", "topic", "service_category", "description", "photos"), note="ประเภทเรื่อง"),
    "topic": Step(topic_step, goes_to=("description", "photos"), note="ปัญหาในหมู่บ้านเรื่องใด"),
    "service_category": Step(service_category_step, goes_to=("service", "description", "photos"), note="บริการที่เกี่ยวข้อง (หมวด)"),
    "service": Step(service_step, goes_to=("service_category", "description", "photos"), note="บริการที่เกี่ยวข้อง"),
    "description": Step(description_step, goes_to=("photos", "confirm"), note="รายละเอียด", takes_text=True),
    "photos": Step(photos_step, goes_to=("photos", "location"), note="รูปประกอบ (ไม่บังคับ)"),
    "location": Step(location_step, goes_to=("confirm",), note="ตำแหน่ง (ไม่บังคับ)"),
    "confirm": Step(confirm_step, goes_to=("description", MAIN), note="ยืนยัน แล้วได้เลขที่เรื่อง"),
}
