"""python -m bot setup-line: connect the bot to its LINE channel in one step.

Sets the webhook URL to <PUBLIC_BASE_URL>/callback (a hosted SAO's: /callback/<slug>), has LINE
test it, installs the rich menu, and prints what is left to do by hand in LINE Official Account
Manager.
"""
from __future__ import annotations

import sys

from bot.config import ConfigError, Settings

BY_HAND = (
    ("ตั้งค่าที่เหลือใน LINE Official Account Manager (manager.line.biz) → ตั้งค่า → การตอบกลับ:",
     "Left to do by hand in LINE Official Account Manager (manager.line.biz) → Settings → Response settings:"),
    ("  - ปิด 'ข้อความตอบกลับอัตโนมัติ' (Auto-reply messages) มิฉะนั้นประชาชนจะได้คำตอบซ้ำสองชุด",
     "  - turn Auto-reply messages off, or citizens get two answers to every message"),
    ("  - เปิด 'Webhook'", "  - turn Webhooks on"),
    ("  - 'ข้อความทักทาย' (Greeting message): ปิด หรือเขียนตามต้องการ (บอทส่งคำทักทายของตัวเองเมื่อเพิ่มเพื่อน)",
     "  - Greeting message: off, or as you wish (the bot greets new friends itself)"),
    ("  - โหมดแชต (Chat): ปิด หากไม่มีเจ้าหน้าที่ตอบแชตเอง", "  - Chat: off unless staff answer chats by hand"),
)


def _say(thai: str, english: str, file=None) -> None:
    print(f"{thai}\n  {english}", file=file or sys.stdout)


def cmd_setup_line(args, settings: Settings) -> int:
    from bot.content.profile import load_profile
    from bot.conversation.flows import menu_entries
    from bot.line.richmenu import MenuEntry
    from bot.line.richmenu_install import install_rich_menu
    from bot.line.sender import LineSender

    try:
        settings.check_line_channel()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not settings.has_channel:
        _say("ยังไม่ได้ตั้ง LINE_CHANNEL_SECRET และ LINE_CHANNEL_ACCESS_TOKEN (จาก LINE Developers Console)",
             "set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN (from the LINE Developers Console) first",
             sys.stderr)
        return 2
    if not settings.public_base_url.startswith("https://"):
        _say("ตั้ง PUBLIC_BASE_URL เป็นที่อยู่ https ของบอทก่อน (LINE เรียก webhook ผ่าน https เท่านั้น)",
             "set PUBLIC_BASE_URL to the bot's https address first (LINE calls webhooks only over https)", sys.stderr)
        return 2
    sender = LineSender(settings)
    url = settings.line_webhook_url
    try:
        sender.set_webhook_endpoint(url)
    except Exception as exc:  # LINE's refusal or a network error: say which and stop
        _say(f"ตั้ง URL ของ webhook ไม่สำเร็จ: {exc}", f"setting the webhook URL failed: {exc}", sys.stderr)
        return 2
    _say(f"ตั้ง URL ของ webhook แล้ว: {url}", f"webhook URL set: {url}")
    failed = False
    try:
        result = sender.test_webhook(url)
    except Exception as exc:
        result = {"success": False, "status_code": None, "reason": type(exc).__name__, "detail": str(exc)}
    if result["success"]:
        _say("LINE ทดสอบเรียก webhook สำเร็จ", "LINE's test call reached the webhook")
    else:
        failed = True
        detail = f"{result['reason']} ({result['status_code']}): {result['detail']}"
        _say(f"LINE เรียก webhook ไม่สำเร็จ: {detail} — ตรวจว่าแอปทำงานอยู่และเข้าถึงได้จากอินเทอร์เน็ต",
             f"LINE's test call failed: {detail} — check that the app is running and reachable from the internet",
             sys.stderr)
    profile = load_profile(settings.content_dir / "profile.yaml")
    entries = [MenuEntry(**entry) for entry in menu_entries()]
    try:
        menu_id = install_rich_menu(sender.api, sender.blob_api, entries, profile.short_name)
    except Exception as exc:
        _say(f"ติดตั้งริชเมนูไม่สำเร็จ: {exc}", f"installing the rich menu failed: {exc}", sys.stderr)
        return 2
    _say(f"ติดตั้งริชเมนูเป็นค่าเริ่มต้นแล้ว: {menu_id}", f"rich menu installed as the default: {menu_id}")
    print()
    for thai, english in BY_HAND:
        _say(thai, english)
    print("\nตรวจทั้งหมดอีกครั้งด้วย python -m bot doctor / check everything again with: python -m bot doctor")
    return 1 if failed else 0
