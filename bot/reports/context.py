"""What every report needs besides its own figures: the database, the SAO, the period, whose figures."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.content.divisions import Division, division_name
from bot.handbook.model import Handbook
from bot.content.profile import SaoProfile
from bot.reports.document import Document
from bot.reports.period import ReportPeriod
from bot.common.thaidate import BANGKOK, day_start


@dataclass(frozen=True)
class ReportContext:
    db: sqlite_utils.Database
    profile: SaoProfile
    divisions: tuple[Division, ...]
    handbook: Handbook | None  # service names and their divisions; None if the content is broken
    content_dir: Path
    period: ReportPeriod
    today: date  # statuses (deadlines, open tickets) are as of this day
    generated_at: datetime  # Asia/Bangkok
    division_id: str | None = None  # only this division's figures (a staff member's report)
    # The measures plans and working days of the same content version (the console's snapshot);
    # None: read from content_dir when a report needs them.
    plans: Any = None  # bot.reminders.plan.PlanLibrary
    calendar: Any = None  # bot.content.workdays.WorkCalendar
    ticket_deadlines: Any = None  # bot.feedback.ticket_deadlines.DeadlineRules

    @classmethod
    def load(
        cls,
        db: sqlite_utils.Database,
        content_dir: Path,
        period: ReportPeriod,
        *,
        now: datetime | None = None,
        division_id: str | None = None,
        profile: SaoProfile | None = None,
        divisions: tuple[Division, ...] | None = None,
        handbook: Handbook | None = None,
        plans: Any = None,
        calendar: Any = None,
        ticket_deadlines: Any = None,
    ) -> "ReportContext":
        """Read the content files not given (the console passes what it already holds)."""
        from bot.content.divisions import load_divisions
        from bot.handbook import load_handbook
        from bot.content.profile import ContentError, load_profile

        now = (now or datetime.now(BANGKOK)).astimezone(BANGKOK)
        profile = profile or load_profile(content_dir / "profile.yaml")
        divisions = divisions or load_divisions(content_dir / "divisions.yaml")
        if handbook is None:
            try:
                handbook = load_handbook(content_dir, profile)
            except ContentError:
                handbook = None  # services are then named by their ids
        return cls(db, profile, tuple(divisions), handbook, Path(content_dir), period, now.date(), now, division_id,
                   plans, calendar, ticket_deadlines)

    @classmethod
    def of_snapshot(cls, db: sqlite_utils.Database, content_dir: Path, content: Any, period: ReportPeriod, *,
                    now: datetime | None = None, division_id: str | None = None) -> "ReportContext":
        """From a running app's content snapshot (bot.handbook.store.content_of): one content
        version for the whole report, and nothing read again from disk (a part the snapshot lacks is)."""
        parts = getattr(content, "parts", None) or {}
        return cls.load(
            db, content_dir, period, now=now, division_id=division_id,
            profile=content.profile, divisions=content.divisions, handbook=content.handbook,
            plans=parts.get("plans"), calendar=parts.get("calendar"), ticket_deadlines=parts.get("ticket_deadlines"),
        )

    def document(self, kind: str, title: str, file_name: str, sections, *, scope: str | None = None) -> Document:
        """A report of this SAO for this period: its heading, scope and file name."""
        return Document(
            kind=kind,
            title=title,
            organisation=self.profile.name,
            address=self.profile.address,
            period_label=self.period.label,
            subtitle=self.period.heading,
            generated_at=self.generated_at,
            sections=tuple(sections),
            scope=self.scope if scope is None else scope,
            file_stem=f"{file_name}_{self.period.slug}",
        )

    # --- names ---------------------------------------------------------------------------

    def division_name(self, division_id: str | None) -> str:
        return division_name(self.divisions, division_id)

    def service_title(self, service_id: str | None) -> str:
        if not service_id:
            return ""
        procedure = self.handbook.get(service_id) if self.handbook else None
        return procedure.short_title if procedure else service_id

    def service_division(self, service_id: str | None) -> str | None:
        procedure = self.handbook.get(service_id) if self.handbook and service_id else None
        return procedure.division if procedure else None

    def service_order(self, service_id: str) -> tuple:
        """Services in the handbook's order; unknown ones after, by id."""
        if self.handbook:
            for index, procedure in enumerate(self.handbook.procedures):
                if procedure.id == service_id:
                    return (0, index, "")
        return (1, 0, service_id)

    @property
    def scope(self) -> str:
        return f"เฉพาะ{self.division_name(self.division_id)}" if self.division_id else ""

    # --- the period as the database stores it ----------------------------------------------

    @property
    def first_day(self) -> str:
        return self.period.first.isoformat()

    @property
    def last_day(self) -> str:
        return self.period.last.isoformat()

    @property
    def start(self) -> float:
        return day_start(self.period.first)

    @property
    def end(self) -> float:
        from datetime import timedelta

        return day_start(self.period.last + timedelta(days=1))
