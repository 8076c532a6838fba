"""Fetching ticket photos from LINE, after the ticket is saved.

A citizen's photo arrives as an image message whose content LINE keeps for a limited
time. The ticket flow only remembers the message id; once the ticket is confirmed, its
photo rows wait as 'pending' and this background job (run by the worker's sweeper, see
bot/pipeline/effects.py `background`) downloads each through the one sender's content call,
outside any transaction, and stores it in SQLite (table ticket_photos). A failed
download is retried with backoff; content LINE no longer has is marked 'unavailable'.
"""
from __future__ import annotations

import logging

import urllib3
from linebot.v3.messaging.exceptions import ApiException

from bot.pipeline import effects
from bot.line.sender import ContentUnavailable
from db import ticket_photos

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_ATTEMPTS = 6
PER_SWEEP = 5


@effects.background
def fetch_ticket_photos(db, sender) -> int:
    """Fetch up to PER_SWEEP due photos; return how many were stored."""
    stored = 0
    for _ in range(PER_SWEEP):
        photo = ticket_photos.claim_photo(db, lease_seconds=sender.settings.line_timeout_seconds * 3)
        if photo is None:
            break
        try:
            content = sender.download_content(photo.message_id, MAX_PHOTO_BYTES)
        except ContentUnavailable as exc:
            ticket_photos.photo_failed(db, photo.id, "unavailable", str(exc))
            log.info("ticket photo %s unavailable: %s", photo.id, exc)
            continue
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            if photo.attempts >= MAX_ATTEMPTS:
                ticket_photos.photo_failed(db, photo.id, "failed", error)
                log.error("ticket photo %s not fetched after %s attempts: %s", photo.id, photo.attempts, error)
            else:
                ticket_photos.photo_retry(db, photo.id, min(300.0, 2.0 ** photo.attempts), error)
            continue
        if not content.content_type.startswith("image/"):
            ticket_photos.photo_failed(db, photo.id, "unavailable", f"not an image: {content.content_type}")
            continue
        if ticket_photos.store_photo(db, photo.id, content.data, content.content_type):
            stored += 1
    return stored
