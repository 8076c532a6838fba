"""/photos/<token>: a ticket's after-photo, the proof of a fix shown in the citizen's LINE.

LINE shows an image message by fetching its URL, so the photo is public to whoever has the
address; the address carries a random 32-character token (db/ticket_photos.py `add`), and
only after-photos have one. It goes with the ticket's personal data (erasure, retention).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app

from db import ticket_photos

photos_bp = Blueprint("photos", __name__)


@photos_bp.get("/photos/<token>")
def after_photo(token: str):
    if len(token) > 64:
        abort(404)
    found = ticket_photos.by_token(current_app.extensions["db_pool"].get(), token)
    if found is None:
        abort(404)
    content, content_type = found
    response = current_app.make_response(content)
    response.headers["Content-Type"] = content_type if content_type.startswith("image/") else "application/octet-stream"
    response.cache_control.private = True
    response.cache_control.max_age = 86400
    response.headers["X-Robots-Tag"] = "noindex"
    return response
