"""The ITA map (แผนที่ ITA): each fiscal year's open-data item numbers and the address of the page
this installation publishes for it, as a table the clerk copies into the ITA system. The map
is content (content/ita-map.yaml), edited like the rest of the SAO's content; item numbers
change every year, so the page says where the year's list came from.
"""
from __future__ import annotations

from flask import current_app, render_template, request

from bot.common.thaidate import fiscal_year, now as bangkok_now
from bot.console import add_nav_item, admin_bp
from bot.console.auth import ADMIN, AUDITOR, STAFF, require_role
from bot.content.ita_map import url_of
from bot.handbook.store import content_of

add_nav_item("admin.ita_map", "แผนที่ ITA", roles=(ADMIN,), order=62)


@admin_bp.get("/ita-map")
@require_role(ADMIN, STAFF, AUDITOR)
def ita_map():
    content = content_of(current_app)
    maps = content.part("ita_map") or {}
    current = fiscal_year(bangkok_now())
    asked = request.args.get("fy", "")
    year = int(asked) if asked.isdigit() and int(asked) in maps else (current if current in maps else max(maps, default=current))
    settings = current_app.config["SETTINGS"]
    chosen = maps.get(year)
    rows = [
        {"item": i.item, "title": i.title, "url": url_of(i, year, settings.public_url, content.profile.line_basic_id)}
        for i in (chosen.items if chosen else ())
    ]
    return render_template(
        "admin/ita_map.html", years=sorted(maps), year=year, chosen=chosen, rows=rows,
        https=settings.public_url.startswith("https://"),
    )
