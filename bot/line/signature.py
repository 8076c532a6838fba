"""X-Line-Signature: base64(HMAC-SHA256(channel secret, raw request body))."""
from __future__ import annotations

import base64
import hashlib
import hmac


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def is_valid(secret: str, body: bytes, signature: str | None) -> bool:
    """Constant-time check of the header against the raw bytes, before anything parses them."""
    if not secret or not signature:
        return False
    try:
        given = signature.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(sign(secret, body).encode("ascii"), given)
