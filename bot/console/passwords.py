"""Password hashing (Argon2id via argon2-cffi) and the console's password rules.

argon2-cffi's defaults follow RFC 9106's recommended low-memory profile; a hash made
with older parameters is upgraded at the next successful sign-in (needs_rehash).
"""
from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 128
# Temporary passwords: no look-alike characters (0/o, 1/l/i), easy to read out on the phone.
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the username does not exist, so that case takes as long as a wrong password."""
    return _hasher.hash(secrets.token_hex(16))


class PasswordRuleError(ValueError):
    """A new password breaks a rule; str() is the Thai message, .english for the command line."""

    def __init__(self, thai: str, english: str):
        super().__init__(thai)
        self.english = english


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; False for a mismatch, a missing account or a broken hash."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def check_new_password(password: str, username: str = "") -> None:
    """Raise PasswordRuleError when a new password is too weak to accept."""
    if len(password) < MIN_LENGTH:
        raise PasswordRuleError(
            f"รหัสผ่านต้องยาวอย่างน้อย {MIN_LENGTH} ตัวอักษร", f"the password must be at least {MIN_LENGTH} characters long"
        )
    if len(password) > MAX_LENGTH:
        raise PasswordRuleError(
            f"รหัสผ่านยาวได้ไม่เกิน {MAX_LENGTH} ตัวอักษร", f"the password must be at most {MAX_LENGTH} characters long"
        )
    if password.strip() != password:
        raise PasswordRuleError("รหัสผ่านต้องไม่ขึ้นต้นหรือลงท้ายด้วยช่องว่าง", "the password must not start or end with a space")
    if len(set(password)) < 4:
        raise PasswordRuleError("รหัสผ่านเดาง่ายเกินไป กรุณาใช้ตัวอักษรที่หลากหลายกว่านี้", "the password is too easy to guess")
    if username and username.lower() in password.lower():
        raise PasswordRuleError("รหัสผ่านต้องไม่มีชื่อผู้ใช้อยู่ในนั้น", "the password must not contain the username")


def temporary_password() -> str:
    """A random one-time password an admin reads out to a colleague, e.g. "k7mp-2xqa-9trv" (~64 bits)."""
    return "-".join("".join(secrets.choice(_TEMP_ALPHABET) for _ in range(4)) for _ in range(4))
