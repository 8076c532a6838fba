"""/simulator: chat with the bot without a LINE channel.

The page (templates/simulator.html) posts what the person types or taps here; this
blueprint turns it into a LINE webhook event exactly as LINE would send it, signs it
and passes it through the real /callback, then shows what the bot sent from the outbox.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, current_app, jsonify, render_template, request

from bot.conversation.flows import menu_entries
from bot.line import signature
from bot.line.local import LOCAL_LINE_PREFIX, LOCAL_LINE_TOKEN, local_line_settings
from db import conversations, inbox, outbox, transaction
from bot.handbook.store import content_of

simulator_bp = Blueprint("simulator", __name__, url_prefix="/simulator")
BANGKOK = ZoneInfo("Asia/Bangkok")
USER_ID = re.compile(r"^U[0-9a-f]{32}$")
GROUP_ID = re.compile(r"^C[0-9a-f]{32}$")


def create_local_app(settings=None) -> Flask:
    """`make run`'s app: the production app and, when no LINE channel is configured, the fake
    LINE API under /fake-line, so the simulator exercises the whole path a real reply takes.
    The production factory (bot.create_app) never serves it."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from bot import create_app
    from bot.config import load_settings

    settings = settings or load_settings()
    local = local_line_settings(settings, settings.port)
    app = create_app(local)
    if local is not settings:
        from fakeline import FakeLineState, create_fake_line_app

        logging.getLogger(__name__).warning("no LINE channel configured: replies go to the built-in fake LINE API at %s",
                                local.line_api_base_url)
        fake = create_fake_line_app(FakeLineState(), access_token=LOCAL_LINE_TOKEN)
        app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {LOCAL_LINE_PREFIX: fake})
    return app


def build_event(user_id: str, body: dict, group_id: str | None = None) -> dict:
    """A webhook event shaped like LINE's (see LINE's webhook OpenAPI description).

    With group_id the person speaks in a LINE group with the bot (a division's staff group).
    """
    kind = body.get("type")
    source = {"type": "group", "groupId": group_id, "userId": user_id} if group_id else {"type": "user", "userId": user_id}
    event: dict = {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": source,
        "webhookEventId": "SIM" + secrets.token_hex(12).upper(),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": secrets.token_hex(16),
    }
    message_id = str(secrets.randbelow(10**17))
    if kind == "text":
        text = str(body.get("text") or "").strip()
        if not text:
            raise ValueError("พิมพ์ข้อความก่อนกดส่งค่ะ")
        if len(text) > 5000:
            raise ValueError("ข้อความยาวเกิน 5,000 ตัวอักษร")
        event["message"] = {"id": message_id, "type": "text", "text": text, "quoteToken": secrets.token_hex(8)}
    elif kind == "postback":
        data = str(body.get("data") or "")
        if not data or len(data) > 300:
            raise ValueError("ข้อมูลของปุ่มไม่ถูกต้อง")
        event["type"] = "postback"
        event["postback"] = {"data": data}
        if isinstance(body.get("params"), dict):
            event["postback"]["params"] = {str(k): str(v) for k, v in body["params"].items()}
    elif kind == "follow" and not group_id:
        event["type"] = "follow"
        event["follow"] = {"isUnblocked": False}
    elif kind == "join" and group_id:
        event["type"] = "join"  # the bot was added to the group
        event["source"] = {"type": "group", "groupId": group_id}
    elif kind == "location":
        event["message"] = {
            "id": message_id,
            "type": "location",
            "title": str(body.get("title") or "ตำแหน่งที่ส่ง"),
            "address": str(body.get("address") or ""),
            "latitude": float(body.get("latitude") or 0),
            "longitude": float(body.get("longitude") or 0),
        }
    elif kind == "image":
        # A sample photo: LINE's content endpoint (the built-in fake) serves a small JPEG for it.
        event["message"] = {"id": message_id, "type": "image", "contentProvider": {"type": "line"}}
    elif kind == "sticker":
        event["message"] = {"id": message_id, "type": "sticker", "packageId": "446", "stickerId": "1988", "stickerResourceType": "STATIC"}
    else:
        raise ValueError("ประเภทข้อความนี้ยังส่งจากหน้าทดสอบไม่ได้")
    return event


def _user_id(value) -> str:
    if not isinstance(value, str) or not USER_ID.match(value):
        raise ValueError("รหัสผู้ใช้ทดสอบไม่ถูกต้อง")
    return value


def _group_id(value) -> str | None:
    """The simulated group, or None for a 1:1 chat."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not GROUP_ID.match(value):
        raise ValueError("รหัสกลุ่มทดสอบไม่ถูกต้อง")
    return value


def _chat_key(user_id: str, group_id: str | None) -> str:
    return f"group:{group_id}" if group_id else f"user:{user_id}"


@simulator_bp.get("")
def page():
    profile = content_of(current_app).profile
    group_mode = request.args.get("group") == "1"
    return render_template(
        "simulator.html",
        sao_name=profile.short_name,
        bot_name=profile.bot_name or profile.short_name,
        menu_entries=[] if group_mode else menu_entries(),
        api_base="/simulator/api",
        group_mode=group_mode,
    )


@simulator_bp.post("/api/send")
def send():
    body = request.get_json(silent=True) or {}
    try:
        user_id = _user_id(body.get("userId"))
        event = build_event(user_id, body, _group_id(body.get("groupId")))
    except (ValueError, TypeError) as exc:
        return jsonify({"ok": False, "error": str(exc)}), 400
    raw = json.dumps({"destination": "Usimulator", "events": [event]}, ensure_ascii=False).encode("utf-8")
    # Through the real webhook, signature and all, as LINE would deliver it.
    response = current_app.test_client().post(
        "/callback",
        data=raw,
        headers={"X-Line-Signature": signature.sign(current_app.config["WEBHOOK_SECRET"], raw), "Content-Type": "application/json"},
    )
    if response.status_code != 200:
        return jsonify({"ok": False, "error": "ระบบรับข้อความไม่ได้ในขณะนี้ ลองอีกครั้งค่ะ"}), 502
    return jsonify({"ok": True, "webhookEventId": event["webhookEventId"]})


@simulator_bp.get("/api/messages")
def messages():
    try:
        user_id = _user_id(request.args.get("userId"))
        group_id = _group_id(request.args.get("groupId"))
        after = int(request.args.get("after") or 0)
    except ValueError as exc:
        return jsonify({"ok": False, "error": str(exc)}), 400
    db = current_app.extensions["db_pool"].get()
    chat_key = _chat_key(user_id, group_id)
    shown = []
    # A row holds up to 5 messages: message n of row r is shown as r*10+n.
    for row in outbox.messages_for_chat(db, chat_key, after_id=after // 10):
        sent_at = datetime.fromtimestamp(row["sent_at"] or row["created_at"], BANGKOK).isoformat(timespec="seconds")
        for n, message in enumerate(json.loads(row["messages"])):
            shown_id = row["id"] * 10 + n
            if shown_id > after:
                shown.append({"id": shown_id, "sentAt": sent_at, "status": row["status"], "message": message})
    return jsonify({"messages": shown, "loading": inbox.chat_busy(db, chat_key)})


@simulator_bp.post("/api/reset")
def reset():
    body = request.get_json(silent=True) or {}
    try:
        chat_key = _chat_key(_user_id(body.get("userId")), _group_id(body.get("groupId")))
    except ValueError as exc:
        return jsonify({"ok": False, "error": str(exc)}), 400
    db = current_app.extensions["db_pool"].get()
    with transaction(db):
        inbox.erase_chat(db, chat_key)
        outbox.erase_chat(db, chat_key)
        conversations.delete(db, chat_key)
    return jsonify({"ok": True})
