"""A request's records after it is filed: its document photos, fetched from LINE by the
worker's sweeper (the same queue logic as ticket photos), and the person's data removed on
erasure or after the retention period (the request's service, dates, status and rating stay
for the statistics)."""
from __future__ import annotations

from bot.feedback.photos import PhotoQueue, fetch_photos
from bot.pipeline import effects
from db import outbox
from db import service_requests as store

DOCUMENTS = PhotoQueue(
    "request document", store.claim_document, store.store_document, store.document_retry, store.document_failed
)


@effects.background
def fetch_request_documents(db, sender) -> int:
    return fetch_photos(db, sender, DOCUMENTS)


def remove_personal_data(db, request_ids: list[int], why: str) -> None:
    store.remove_personal_data_of(db, request_ids, why)
    for request_id in request_ids:
        outbox.erase_purpose(db, f"request:{request_id}:")  # announcements quoting their answers


def purge_closed(db, cutoff: float) -> int:
    """Retention: requests closed before `cutoff` lose their personal data."""
    closed = store.closed_with_personal_data(db, cutoff)
    remove_personal_data(db, closed, "retention")
    return len(closed)


@effects.eraser
def _erase(db, chat_key: str, user_id: str | None) -> None:
    remove_personal_data(db, store.ids_of_chat(db, chat_key), "erasure")
