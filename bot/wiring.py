"""What the product is made of, in one list: the app factory, the inbox worker, the clock and
the console load these modules and nothing else registers anything.

A feature module registers, when loaded, its effects and record-action buttons
(`@effects.effect`, `@effects.action`), its PDPA eraser (`@effects.eraser`) and its
background jobs (`@effects.background`); a console page registers its routes, its menu
entry and its dashboard cards. A module that is not listed here is never loaded by the
product, and tests/test_wiring.py fails when a module that registers something is missing
from these lists, or when a table that holds a person's LINE identity has no eraser or no
retention rule. The clock's schedule is its own table: scheduler/clock.py `build_scheduler`.

Adding a feature: write its module, add it to FEATURES (with the tables it keeps a person's
data in and the rule that ages each out), and its flow to bot/conversation/flows.py `FLOWS`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Feature:
    module: str  # imported once: registers effects, buttons, erasers, background jobs
    # The tables in which it keeps a person's chat or user key (its eraser clears them), each
    # with how long: the retention function the clock runs ("module:function"), or for what
    # the rows are kept ("while …").
    personal_tables: dict[str, str] = field(default_factory=dict)


_PURGE = "db.retention:purge"  # the spine's and the handbook questions' rules (90 days, 7 days)
_FEEDBACK = "bot.feedback.retention:purge"  # FEEDBACK_RETENTION_DAYS after a case is closed

FEATURES: tuple[Feature, ...] = (
    # The event pipeline's own records: the webhook's inbox, the outbox, conversation state, chats.
    Feature("bot.pipeline.effects", {"inbox": _PURGE, "outbox": _PURGE, "conversations": _PURGE,
                            "chats": "while the person follows the account (unfollow or erasure removes it)"}),
    Feature("bot.handbook.effects", {"handbook_questions": "db.questions:purge"}),
    Feature("bot.feedback.satisfaction", {"service_ratings": _FEEDBACK}),
    Feature("bot.feedback.ticket_effects", {"tickets": _FEEDBACK}),  # the complaint flow's writes (steps: tickets.py)
    Feature("bot.feedback.photos"),  # fetches a ticket's photos from LINE after the commit
    Feature("bot.eservice.flow"),  # the citizen's online request (e-Service)
    Feature("bot.eservice.records", {"service_requests": _FEEDBACK}),  # its documents, erasure, retention
    Feature("bot.eservice.appointments"),  # appointments at the office: booking, reminders, "นัดหมายวันนี้"
    Feature("bot.feedback.ticket_followup"),  # the citizen answering staff, ✓/✗ on a closure
    Feature("bot.staff.ticket_actions"),  # staff acting on tickets from LINE
    Feature("bot.eservice.request_actions"),  # staff acting on service requests from LINE; the citizen's rating
    Feature("bot.staff.my_work"),  # "งานของฉัน" and the morning digest
    Feature("bot.feedback.track"),
    Feature("bot.feedback.staff_questions", {"staff_questions": _FEEDBACK}),
    Feature("bot.feedback.corruption", {"corruption_reports": _FEEDBACK}),
    # Consultations on LINE: answers keep no chat key (a salted one-way key, its salt deleted at closing).
    Feature("bot.feedback.consultation", {"consultation_optins": "while the person wants to hear of new consultations "
                                          "(เลิกรับข่าว, unfollowing or erasure removes it)"}),
    Feature("bot.staff.registration", {"staff_recipients": "while the chat is a division's registered staff (staff unregister, the console removes)",
                          "staff_code_failures": "db.staff:purge_failures",
                          "staff_people": "while the person is the SAO's staff (erasure removes the name and position)"}),
    Feature("bot.observability"),  # the sweeper's stopped-clock alert to the admins (also /metrics, /healthz)
    Feature("bot.staff.names"),  # staff's names and group names; LINE display names fetched after the commit
    Feature("bot.reminders.buttons", {"reminders": "while the plan's fiscal year is reported on (the measure follow-up record); "
                                           "a staff chat that unregisters or asks for erasure is cleared"}),
)

# Tables with a key column that is not a citizen's LINE identity.
NOT_PERSONAL = {
    "admin_sessions": "user_id is a console account's id (staff), ended by sign-out and expiry",
}

# The admin console's pages, in menu order of loading (each adds its own menu entry).
CONSOLE_PAGES: tuple[str, ...] = (
    "bot.console.pages.dashboard",
    "bot.console.pages.login",
    "bot.console.pages.users",
    "bot.console.pages.audit_log",
    "bot.console.pages.questions",
    "bot.console.pages.handbook",
    "bot.console.pages.profile",
    "bot.console.pages.reminders",
    "bot.console.pages.staff",
    "bot.console.pages.tickets",
    "bot.console.pages.requests",
    "bot.console.pages.counter",
    "bot.console.pages.staff_questions",
    "bot.console.pages.participation",
    "bot.console.pages.appointments",
    "bot.console.pages.ratings",
    "bot.console.pages.integrity",
    "bot.console.pages.auditor",
    "bot.console.pages.reports",
    "bot.console.pages.ita_map",
)


def _plans(folder, divisions):
    from bot.reminders.plan import PlanLibrary

    return PlanLibrary(folder, tuple(divisions))


def _days_off(folder, divisions):
    from bot.content.workdays import WorkCalendar

    return WorkCalendar.from_content(folder)


# The content snapshot's parts besides the handbook, profile and divisions (bot/handbook/store.py):
# read from the same version of the files, checked and reloaded by the same rule, kept in the same
# last good copy. The bot, the console, the clock and the reports read them from the snapshot.
def _agencies(folder, divisions):
    from bot.content.agencies import load_agencies

    return load_agencies(folder)


def _ticket_deadlines(folder, divisions):
    from bot.feedback.ticket_deadlines import from_content

    return from_content(folder)


def _ita_map(folder, divisions):
    from bot.content.ita_map import load_ita_map

    return load_ita_map(folder)


def _services(folder, divisions):
    from bot.eservice.catalog import load_services

    return load_services(folder, divisions)


CONTENT_PARTS = {"plans": _plans, "calendar": _days_off, "agencies": _agencies, "ticket_deadlines": _ticket_deadlines,
                 "services": _services, "ita_map": _ita_map}


def load_features() -> None:
    """Import every feature module (idempotent: Python imports a module once)."""
    for feature in FEATURES:
        importlib.import_module(feature.module)


def load_console_pages() -> None:
    for module in CONSOLE_PAGES:
        importlib.import_module(module)


def retention_function(rule: str):
    """The function a "module:function" rule names, or None for a "while …" rule."""
    if rule.startswith("while "):
        return None
    module, _, function = rule.partition(":")
    return getattr(importlib.import_module(module), function)
