"""The reports page (รายงานเผยแพร่): the SAO's published reports as PDF or XLSX, with a preview.

Who may produce what (the same rules as `python -m bot report`, see bot/reports/__init__.py):
- admins: satisfaction, service statistics, participation and measure follow-up, for the whole
  SAO or for one division;
- staff: the same four, for their own division only (whatever the form sends);
- auditors: the corruption-report counts only (counts by status, never a report's content).
Every file produced is written to the audit log (report.produce).
"""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from bot.console import add_nav_item, admin_bp, divisions
from bot.console.audit import record, register_action
from bot.console.auth import ADMIN, EVERY_ROLE, STAFF, current_user, require_role
from bot.reports import FORMATS, PeriodError, ReportContext, ReportNotAllowed, ReportPeriod, build, check_allowed, kinds_for, render
from bot.reports.document import format_value, is_number
from bot.reports.period import latest_ended_round
from bot.common.thaidate import fiscal_year, now
from db import transaction
from bot.handbook.store import content_of

add_nav_item("admin.reports", "รายงานเผยแพร่", roles=EVERY_ROLE, order=80)
register_action("report.produce", "ออกรายงานเผยแพร่")

ROUND_CHOICES = (("6", "รอบ 6 เดือน (1 ต.ค. – 31 มี.ค.)"), ("12", "รอบ 12 เดือน (1 ต.ค. – 30 ก.ย.)"), ("dates", "กำหนดวันที่เอง"))


def _db():
    return current_app.extensions["db_pool"].get()


class _Request:
    """The form's choices, checked. `error` is Thai, for the page."""

    def __init__(self, args, user, today: date):
        allowed = kinds_for(user.role)
        default_fy, months = latest_ended_round(today)
        default_round = str(months)
        self.kinds = allowed
        self.kind = args.get("kind") or (allowed[0].name if allowed else "")
        self.round = args.get("round") or default_round
        self.from_text = (args.get("from") or "").strip()
        self.to_text = (args.get("to") or "").strip()
        try:
            self.fy = int(args.get("fy") or default_fy)
        except ValueError:
            self.fy = default_fy
        self.fiscal_years = list(range(fiscal_year(today) - 4, fiscal_year(today) + 1))[::-1]
        # Staff: always their own division. Admins: the whole SAO or a division they pick.
        if user.role == STAFF:
            self.division = user.division_id
        elif user.role == ADMIN:
            chosen = args.get("division") or ""
            self.division = chosen if chosen in {d.id for d in divisions()} else None
        else:
            self.division = None
        self.error = ""
        self.period = None
        try:
            if self.round == "dates":
                if not self.from_text or not self.to_text:
                    raise PeriodError("กรุณากรอกวันที่เริ่มและวันที่สิ้นสุด (พ.ศ.) เช่น 1/10/2569", "dates")
                self.period = ReportPeriod.parse(None, None, self.from_text, self.to_text, today)
            else:
                self.period = ReportPeriod.of_round(self.fy, int(self.round) if self.round in ("6", "12") else 12)
        except PeriodError as exc:
            self.error = str(exc)

    def args(self, **extra) -> dict:
        out = {"kind": self.kind, "fy": self.fy, "round": self.round}
        if self.round == "dates":
            out.update({"from": self.from_text, "to": self.to_text})
        if self.division and current_user().role == ADMIN:
            out["division"] = self.division
        out.update(extra)
        return out


def _context(choice: _Request) -> ReportContext:
    settings = current_app.config["SETTINGS"]
    return ReportContext.of_snapshot(_db(), settings.content_dir, content_of(current_app), choice.period, now=now(),
                                     division_id=choice.division)


def _check(choice: _Request):
    user = current_user()
    try:
        return check_allowed(choice.kind, user.role, choice.division)
    except KeyError:
        abort(404)
    except ReportNotAllowed:
        abort(403)


@admin_bp.get("/reports")
@require_role(*EVERY_ROLE)
def reports():
    user = current_user()
    choice = _Request(request.args, user, now().date())
    preview = None
    if request.args.get("show") and not choice.error:
        _check(choice)
        preview = build(choice.kind, _context(choice))
    return render_template(
        "admin/reports.html",
        choice=choice,
        rounds=ROUND_CHOICES,
        division_choices=divisions() if user.role == ADMIN else (),
        preview=preview,
        block_type=lambda block: type(block).__name__,
        cell=format_value,
        is_number=is_number,
        formats=FORMATS,
    )


@admin_bp.get("/reports/file")
@require_role(*EVERY_ROLE)
def report_file():
    user = current_user()
    choice = _Request(request.args, user, now().date())
    fmt = request.args.get("format") or ""
    if choice.error or fmt not in FORMATS or not request.args.get("kind"):
        flash(choice.error or "กรุณาเลือกรายงานและรูปแบบไฟล์", "error")
        return redirect(url_for("admin.reports", **{k: v for k, v in choice.args().items() if v}))
    kind = _check(choice)
    ctx = _context(choice)
    document = build(kind.name, ctx)
    content = render(document, fmt)
    stem = document.file_stem + (f"_{choice.division}" if choice.division else "")
    db = _db()
    with transaction(db):
        record(db, "report.produce", f"report:{kind.name}", format=fmt, period=choice.period.label, division=choice.division)
    response = current_app.response_class(content, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
