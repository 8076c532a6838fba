"""/privacy: the full privacy notice (PDPA section 23), in Thai, linked from every short
notice in the chat. Built from the SAO's profile and the retention settings, so it says
what this installation actually does."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from bot.feedback.ticket_status import REOPEN_DAYS
from db.outbox import CONFIDENTIAL_KEEP_SECONDS
from db.retention import CHAT_HISTORY_DAYS
from bot.handbook.store import content_of

privacy_bp = Blueprint("privacy", __name__)


@privacy_bp.get("/privacy")
def notice():
    settings = current_app.config["SETTINGS"]
    profile = content_of(current_app).profile
    response = current_app.make_response(
        render_template(
            "privacy.html",
            sao_name=profile.short_name,
            profile=profile,
            chat_history_days=CHAT_HISTORY_DAYS,
            retention_days=settings.feedback_retention_days,
            reopen_days=REOPEN_DAYS,
            confidential_minutes=CONFIDENTIAL_KEEP_SECONDS // 60,
        )
    )
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
