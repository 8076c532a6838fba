"""`python -m bot chat`: talk to the bot in a terminal, as a citizen would on LINE.

It runs the real app (webhook, inbox worker, sender) against a fake LINE API on
127.0.0.1 and a local database, and prints the bot's replies. Buttons are numbered:
type the number to tap one.
"""
from __future__ import annotations

import secrets
import time

from bot.config import Settings

POLL_SECONDS = 10.0


def _texts_and_actions(message: dict) -> tuple[list[str], list[dict]]:
    """What a person would read in a message, and the buttons they could tap."""
    lines: list[str] = []
    actions: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "text" and isinstance(node.get("text"), str):
                lines.append(node["text"])
            if isinstance(node.get("action"), dict):
                actions.append(node["action"])
            for key in ("header", "hero", "body", "footer", "contents", "template"):
                if key in node:
                    walk(node[key])
            if node.get("type") in ("buttons", "confirm"):
                if node.get("title"):
                    lines.append(node["title"])
                lines.append(node.get("text", ""))
                actions.extend(node.get("actions") or [])
        elif isinstance(node, list):
            for child in node:
                walk(child)

    kind = message.get("type")
    if kind == "text":
        lines.append(message["text"])
    elif kind == "flex":
        walk(message.get("contents"))
    elif kind == "template":
        walk(message.get("template"))
    else:
        lines.append(f"[{kind}]")
    for item in (message.get("quickReply") or {}).get("items") or []:
        actions.append(item.get("action") or {})
    return lines, actions


def run_chat(settings: Settings) -> int:
    from bot import create_app
    from fakeline import FakeLineServer

    fake = FakeLineServer(access_token="terminal-chat").start()
    app = create_app(
        settings.with_(
            channel_access_token="terminal-chat",
            line_api_base_url=fake.url,
            line_data_api_base_url=fake.url,
            simulator_enabled=True,
        )
    )
    client = app.test_client()
    user_id = "U" + secrets.token_hex(16)
    last_id = 0
    buttons: list[dict] = []

    def send(body: dict) -> None:
        client.post("/simulator/api/send", json={"userId": user_id, **body})

    def show_replies() -> None:
        nonlocal last_id, buttons
        deadline = time.monotonic() + POLL_SECONDS
        got_any = False
        shown: list[dict] = []
        while time.monotonic() < deadline:
            data = client.get(f"/simulator/api/messages?userId={user_id}&after={last_id}").get_json()
            for item in data["messages"]:
                last_id = item["id"]
                got_any = True
                lines, actions = _texts_and_actions(item["message"])
                print("\n🤖 " + "\n   ".join(line for line in lines if line))
                shown.extend(a for a in actions if a.get("label"))
            if got_any and not data["loading"]:
                break
            time.sleep(0.1)
        if shown:
            buttons = shown
        for n, action in enumerate(buttons, 1):
            print(f"   [{n}] {action['label']}")

    print("คุยกับบอทได้เลย (พิมพ์ตัวเลขเพื่อกดปุ่ม, Ctrl+D เพื่อออก)\nChat with the bot (type a number to tap a button, Ctrl+D to quit)")
    try:
        send({"type": "follow"})
        show_replies()
        while True:
            try:
                typed = input("\n👤 ").strip()
            except EOFError:
                print()
                return 0
            if not typed:
                continue
            if typed.isdigit() and 1 <= int(typed) <= len(buttons):
                action = buttons[int(typed) - 1]
                if action.get("type") == "postback":
                    send({"type": "postback", "data": action["data"]})
                elif action.get("type") == "message":
                    send({"type": "text", "text": action["text"]})
                else:
                    print(f"   (ลิงก์ / link: {action.get('uri', '')})")
                    continue
            else:
                send({"type": "text", "text": typed})
            show_replies()
    finally:
        app.extensions["inbox_worker"].stop()
        fake.stop()
