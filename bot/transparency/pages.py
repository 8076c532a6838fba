"""The public /transparency pages: the reports per fiscal year, the corruption-complaint
guideline and the village problem board. Thai, readable on a phone, printable; no login, no
script, and nothing personal (see catalogue.py and problems.py for what is left out).

    /transparency                               the fiscal years, the guideline, the board
    /transparency/<fy>                          the year's reports and their rounds
    /transparency/<fy>/<report>[.pdf|.xlsx]     the latest round (the running one, live)
    /transparency/<fy>/<report>/<round>[.pdf|.xlsx][?v=N]   one round; ?v=N an earlier version
    /transparency/corruption-guideline
    /transparency/problems[?fy=2570&status=open|closed]
"""
from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, render_template, request
from markupsafe import Markup

from bot.common.thaidate import fiscal_year, fiscal_year_bounds, now, thai_date, thai_datetime
from bot.handbook.store import content_of
from bot.reports import FORMATS
from bot.reports import texts as report_texts
from bot.transparency import problems as problem_board
from bot.transparency import publish, rounds
from bot.transparency.blueprint import transparency_bp
from bot.transparency.catalogue import HANDBOOK, REPORTS
from db import transparency as snapshots

YEARS_SHOWN = 5  # the current fiscal year and the four before it (older: by URL, if published)


def _db():
    return current_app.extensions["db_pool"].get()


def _content():
    return content_of(current_app)


def _now() -> datetime:
    return now()


def _common(**extra) -> dict:
    profile = _content().profile
    return {"profile": profile, "thai_date": thai_date, "thai_datetime": thai_datetime,
            "labels": rounds.LABELS, "reports": REPORTS, **extra}


def _page(template: str, status: int = 200, max_age: int = 300, **context):
    response = current_app.make_response((render_template(template, **_common(**context)), status))
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response


def _check_year(fy: int) -> None:
    if not 2400 < fy <= fiscal_year(_now().date()):
        abort(404)


def _split(name: str) -> tuple[str, str | None]:
    """("satisfaction", "pdf") from "satisfaction.pdf"; ("satisfaction", None) from "satisfaction"."""
    stem, dot, suffix = name.rpartition(".")
    if dot and suffix in FORMATS:
        return stem, suffix
    return name, None


@transparency_bp.errorhandler(404)
def _missing(_error):
    return _page("transparency/missing.html", status=404, max_age=60)


@transparency_bp.get("")
def index():
    today = _now().date()
    current = fiscal_year(today)
    years = sorted(set(range(current - YEARS_SHOWN + 1, current + 1)) | set(snapshots.years(_db())), reverse=True)
    return _page("transparency/index.html", years=[y for y in years if y <= current], current=current)


def _round_states(report: str, fy: int, today) -> list[dict]:
    """Each round of a report in a year: published (its versions), live, or not yet."""
    states = []
    for key in REPORTS[report].rounds:
        period = rounds.period_of(fy, key)
        versions = snapshots.versions(_db(), report, fy, key)
        if versions:
            state = "published"
        elif period.first <= today:
            state = "live" if today <= period.last else "pending"
        else:
            state = "future"
        states.append({"key": key, "label": rounds.LABELS[key], "state": state, "versions": versions, "period": period})
    return states


@transparency_bp.get("/<int:fy>")
def year(fy: int):
    _check_year(fy)
    today = _now().date()
    first, last = fiscal_year_bounds(fy)
    return _page("transparency/year.html", fy=fy, first=first, last=last,
                 states={slug: _round_states(slug, fy, today) for slug, r in REPORTS.items() if r.rounds})


def _default_round(report: str, fy: int) -> str:
    today = _now().date()
    report_rounds = REPORTS[report].rounds
    if today > fiscal_year_bounds(fy)[1]:
        return "r12"
    return rounds.open_round(report_rounds, fy, today) or "r12"


@transparency_bp.get("/<int:fy>/<name>")
def report_latest(fy: int, name: str):
    _check_year(fy)
    slug, fmt = _split(name)
    if slug not in REPORTS:
        abort(404)
    if not REPORTS[slug].rounds:
        return _handbook(fy, fmt)
    return _show(fy, slug, _default_round(slug, fy), fmt, is_default=True)


@transparency_bp.get("/<int:fy>/<report>/<name>")
def report_round(fy: int, report: str, name: str):
    _check_year(fy)
    key, fmt = _split(name)
    if report not in REPORTS or key not in REPORTS[report].rounds:
        abort(404)
    return _show(fy, report, key, fmt)


def _file(content: bytes, fmt: str, filename: str, max_age: int):
    response = current_app.response_class(content, mimetype=FORMATS[fmt])
    disposition = "inline" if fmt == "pdf" else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response


def _show(fy: int, report: str, key: str, fmt: str | None, is_default: bool = False):
    db, at = _db(), _now()
    period = rounds.period_of(fy, key)
    if period.first > at.date():
        abort(404)  # the round has not begun
    versions = snapshots.versions(db, report, fy, key)
    shown = None
    if versions:
        wanted = request.args.get("v")
        if wanted is None:
            shown = versions[-1]
        else:
            shown = next((s for s in versions if str(s.version) == wanted), None)
            if shown is None:
                abort(404)
    elif request.args.get("v"):
        abort(404)
    stem = f"{report}_fy{fy}-{key}" + (f"_v{shown.version}" if shown else "_live")
    if fmt:
        if shown:
            return _file(snapshots.content(db, shown.id, fmt), fmt, f"{stem}.{fmt}", 3600)
        content = publish.live_file(db, _content(), current_app.config["SETTINGS"].content_dir, report, fy, key, fmt, at)
        return _file(content, fmt, f"{stem}.{fmt}", 300)
    if shown:
        built = publish.Built(report, fy, key, shown.title, shown.period_label, shown.as_of,
                              snapshots.content(db, shown.id, "html"), shown)
    else:
        built = publish.live(db, _content(), current_app.config["SETTINGS"].content_dir, report, fy, key, at)
    base = f"{request.script_root}/transparency/{fy}/{report}" + ("" if is_default else f"/{key}")
    query = f"?v={shown.version}" if shown and request.args.get("v") else ""
    return _page(
        "transparency/report.html", max_age=3600 if shown else 300,
        fy=fy, report=REPORTS[report], key=key, built=built, body=Markup(built.html), versions=versions, shown=shown,
        latest=versions[-1] if versions else None, closed=rounds.is_closed(fy, key, at.date()),
        states=_round_states(report, fy, at.date()),
        pdf_url=f"{base}.pdf{query}", xlsx_url=f"{base}.xlsx{query}",
    )


def _handbook(fy: int, fmt: str | None):
    db, at = _db(), _now()
    content_dir = current_app.config["SETTINGS"].content_dir
    if fmt:
        return _file(publish.live_file(db, _content(), content_dir, HANDBOOK, fy, "live", fmt, at), fmt,
                     f"handbook.{fmt}", 300)
    built = publish.live(db, _content(), content_dir, HANDBOOK, fy, "live", at)
    handbook = _content().handbook
    return _page("transparency/handbook.html", fy=fy, report=REPORTS[HANDBOOK], built=built,
                 procedures=handbook.procedures if handbook else (),
                 pdf_url=f"{request.script_root}/transparency/{fy}/{HANDBOOK}.pdf",
                 xlsx_url=f"{request.script_root}/transparency/{fy}/{HANDBOOK}.xlsx")


@transparency_bp.get("/corruption-guideline")
def corruption_guideline():
    from bot.reports import corruption_counts

    content, at = _content(), _now()
    fy = fiscal_year(at.date())
    ctx = publish.context(_db(), content, current_app.config["SETTINGS"].content_dir, rounds.period_of(fy, "r12"), at)
    counts = corruption_counts.compute(ctx)
    finished = sum(counts.by_status.get(s, 0) for s in ("closed", "not_pursued", "referred"))
    audit = next((d for d in content.divisions if d.id == "audit"), None)
    return _page(
        "transparency/guideline.html", fy=fy, as_of=at, received=counts.total, finished=finished,
        audit_name=audit.name if audit else "หน่วยตรวจสอบภายใน", statuses=report_texts.CORRUPTION_STATUS,
        line_channel=report_texts.LINE_CHANNEL,
    )


@transparency_bp.get("/problems")
def problems():
    at = _now()
    current = fiscal_year(at.date())
    try:
        fy = int(request.args.get("fy") or current)
    except ValueError:
        fy = current
    if not 2400 < fy <= current:
        fy = current
    status = request.args.get("status") or "all"
    if status not in dict(problem_board.FILTERS):
        status = "all"
    items = problem_board.board(_db(), fy, at.date(), status)
    years = sorted(set(snapshots.village_problem_years(_db())) | {current}, reverse=True)
    return _page("transparency/problems.html", max_age=120, fy=fy, years=years, chosen=status,
                 filters=problem_board.FILTERS, items=items, as_of=at)
