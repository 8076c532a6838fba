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
from dataclasses import dataclass
from typing import Callable

import urllib3
from linebot.v3.messaging.exceptions import ApiException

from bot.pipeline import effects
from bot.line.sender import ContentUnavailable
from db import ticket_photos

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_ATTEMPTS = 6
PER_SWEEP = 5


@dataclass(frozen=True)
class PhotoQueue:
    """Where photos wait to be fetched: a ticket's (db/ticket_photos.py) or a service request's
    documents (db/service_requests.py); each row has an id, a message_id and its attempts."""

    name: str
    claim: Callable  # (db, lease_seconds) -> row | None
    store: Callable  # (db, row id, content, content type) -> bool
    retry: Callable  # (db, row id, delay seconds, error)
    failed: Callable  # (db, row id, status, error)
    settled: Callable | None = None  # (db, row): once a row is stored or given up on, what follows from it


def _settle(db, queue: PhotoQueue, photo) -> None:
    if queue.settled is not None:
        queue.settled(db, photo)


def fetch_photos(db, sender, queue: PhotoQueue) -> int:
    """Fetch up to PER_SWEEP due photos of one queue; return how many were stored."""
    stored = 0
    for _ in range(PER_SWEEP):
        photo = queue.claim(db, lease_seconds=sender.settings.line_timeout_seconds * 3)
        if photo is None:
            break
        try:
            content = sender.download_content(photo.message_id, MAX_PHOTO_BYTES)
        except ContentUnavailable as exc:
            queue.failed(db, photo.id, "unavailable", str(exc))
            log.info("%s %s unavailable: %s", queue.name, photo.id, exc)
            _settle(db, queue, photo)
            continue
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            if photo.attempts >= MAX_ATTEMPTS:
                queue.failed(db, photo.id, "failed", error)
                log.error("%s %s not fetched after %s attempts: %s", queue.name, photo.id, photo.attempts, error)
                _settle(db, queue, photo)
            else:
                queue.retry(db, photo.id, min(300.0, 2.0 ** photo.attempts), error)
            continue
        if not content.content_type.startswith("image/"):
            queue.failed(db, photo.id, "unavailable", f"not an image: {content.content_type}")
            _settle(db, queue, photo)
            continue
        if queue.store(db, photo.id, content.data, content.content_type):
            stored += 1
            _settle(db, queue, photo)
    return stored


def _release_closure(db, photo) -> None:
    from bot.feedback.ticket_followup import release_closure_of_photo  # it builds on ticket_status

    release_closure_of_photo(db, photo.id)


TICKET_PHOTOS = PhotoQueue(
    "ticket photo", ticket_photos.claim_photo, ticket_photos.store_photo, ticket_photos.photo_retry, ticket_photos.photo_failed,
    settled=_release_closure,  # an after-photo stored: its closure's message may go to the citizen now
)


@effects.background
def fetch_ticket_photos(db, sender) -> int:
    return fetch_photos(db, sender, TICKET_PHOTOS)
