"""Public handbook pages: /handbook (the list, searchable with the bot's own Thai search)
and /handbook/<id> (one procedure, readable on a phone and printable)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, render_template, request

from bot.handbook.model import SECTION_TITLES, SECTIONS
from bot.handbook.schema import SECTION_TABLE

handbook_bp = Blueprint(
    "handbook", __name__, url_prefix="/handbook", template_folder="templates",
    static_folder="static", static_url_path="/static",
)
THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
MAX_QUERY = 300


def thai_date(d: date) -> str:
    """20 พฤศจิกายน พ.ศ. 2569"""
    return f"{d.day} {THAI_MONTHS[d.month - 1]} พ.ศ. {d.year + 543}"


def _loaded():
    store = current_app.extensions.get("handbook_store")
    if store is None:
        abort(404)
    return store.current()


def _common():
    profile = _loaded().profile  # the snapshot's: a profile edit shows with no restart
    return {"profile": profile, "sao_name": profile.name, "thai_date": thai_date,
            "section_titles": SECTION_TITLES, "sections": SECTIONS, "page_sections": SECTION_TABLE}


@handbook_bp.get("")
def index():
    loaded = _loaded()
    query = (request.args.get("q") or "").strip()[:MAX_QUERY]
    result = loaded.index.search(query) if query and loaded.index else None
    newest = max((p.updated for p in loaded.handbook.procedures), default=None)
    return render_template(
        "handbook/list.html", handbook=loaded.handbook, query=query, result=result, newest=newest, **_common()
    )


@handbook_bp.get("/<procedure_id>")
def page(procedure_id: str):
    procedure = _loaded().handbook.get(procedure_id)
    if procedure is None:
        return render_template("handbook/missing.html", procedure_id=procedure_id, **_common()), 404
    return render_template("handbook/page.html", p=procedure, **_common())
