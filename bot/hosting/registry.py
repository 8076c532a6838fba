"""The tenants of a hosted install: who they are and how to reach their LINE channel.

    registry = TenantRegistry.for_settings(settings)     # <DATA_DIR>/tenants/tenants.sqlite3
    registry.add(Tenant("khonchim", "อบต.คอนฉิม", secret, token))
    settings_for(settings, registry.get("khonchim"))        # that SAO's own Settings

The registry holds channel secrets and tokens, so its file is readable by the install's user
only (0600), like the .env it replaces for these values.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from bot.config import Settings

# A slug is part of two URLs (/callback/<slug>, /t/<slug>/) and a folder name.
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
REGISTRY_FILE = "tenants.sqlite3"


class TenantError(ValueError):
    """A tenant that cannot be added or found: the message says why, in Thai and English."""


@dataclass(frozen=True)
class Tenant:
    slug: str
    name: str
    channel_secret: str = field(default="", repr=False)
    channel_access_token: str = field(default="", repr=False)
    created_at: float = 0.0
    # The channel's bot, as LINE's bot info gives it for the token (cli.py asks at add and
    # import): the webhook's "destination", and the "@…" id citizens add as a friend.
    bot_user_id: str = ""
    bot_basic_id: str = ""


def check_slug(slug: str) -> str:
    if not SLUG.match(slug or ""):
        raise TenantError(
            f"ชื่อย่อ {slug!r} ใช้ไม่ได้: ใช้ตัวอักษรอังกฤษพิมพ์เล็ก ตัวเลข และขีด (-) ยาว 1–40 ตัว เช่น khonchim / "
            f"the slug {slug!r} is not valid: lower-case letters, digits and hyphens, 1–40 long, e.g. khonchim"
        )
    return slug


def tenants_root(settings: Settings) -> Path:
    """Where the tenants' registry and data live: the host's data folder."""
    return settings.data_path / "tenants"


def province_database(settings: Settings) -> Path:
    """The province console's accounts (bot/hosting/province.py), beside the tenants' folder."""
    return settings.data_path / "province" / "province.sqlite3"


class TenantRegistry:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.path = self.root / REGISTRY_FILE

    @classmethod
    def for_settings(cls, settings: Settings) -> "TenantRegistry":
        return cls(tenants_root(settings))

    def _db(self) -> sqlite_utils.Database:
        self.root.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        db = sqlite_utils.Database(self.path)
        if new:
            os.chmod(self.path, 0o600)  # channel secrets and tokens
        if "tenants" not in db.table_names():
            db["tenants"].create({"slug": str, "name": str, "channel_secret": str, "channel_access_token": str,
                                  "created_at": float}, pk="slug", if_not_exists=True)
        for column in ("bot_user_id", "bot_basic_id"):  # a registry made before they were kept
            if column not in db["tenants"].columns_dict:
                db["tenants"].add_column(column, str, not_null_default="")
        if "province_grants" not in db.table_names():
            # Which SAOs' figures each provincial account sees (bot/hosting/province.py).
            db["province_grants"].create({"username": str, "slug": str}, pk=("username", "slug"), if_not_exists=True)
        return db

    def add(self, tenant: Tenant) -> Tenant:
        check_slug(tenant.slug)
        if not tenant.name.strip():
            raise TenantError("ต้องมีชื่อ อบต. / a tenant needs a name")
        if bool(tenant.channel_secret) != bool(tenant.channel_access_token):
            raise TenantError("ใส่ทั้ง channel secret และ channel access token / both the channel secret and the "
                              "channel access token are needed")
        db = self._db()
        try:
            if db["tenants"].count_where("slug = ?", [tenant.slug]):
                raise TenantError(f"มี {tenant.slug} อยู่แล้ว / a tenant {tenant.slug!r} already exists")
            if tenant.channel_secret and db["tenants"].count_where("channel_secret = ?", [tenant.channel_secret]):
                # Two SAOs on one channel would each take the other's citizens' messages.
                raise TenantError("ช่องทาง LINE นี้เป็นของ อบต. อื่นในระบบแล้ว / another tenant already uses this channel")
            if tenant.bot_user_id and db["tenants"].count_where("bot_user_id = ?", [tenant.bot_user_id]):
                raise TenantError("access token นี้เป็นของบัญชี LINE ของ อบต. อื่นในระบบแล้ว / this access token is of "
                                  "another tenant's LINE account")
            row = {"slug": tenant.slug, "name": tenant.name.strip(), "channel_secret": tenant.channel_secret,
                   "channel_access_token": tenant.channel_access_token, "created_at": tenant.created_at or time.time(),
                   "bot_user_id": tenant.bot_user_id, "bot_basic_id": tenant.bot_basic_id}
            db["tenants"].insert(row)
        finally:
            db.close()
        return Tenant(**row)

    def get(self, slug: str) -> Tenant | None:
        if not self.path.exists() or not SLUG.match(slug or ""):
            return None
        db = self._db()
        try:
            rows = list(db["tenants"].rows_where("slug = ?", [slug]))
        finally:
            db.close()
        return Tenant(**rows[0]) if rows else None

    def all(self) -> list[Tenant]:
        if not self.path.exists():
            return []
        db = self._db()
        try:
            return [Tenant(**row) for row in db["tenants"].rows_where(order_by="slug")]
        finally:
            db.close()

    def remove(self, slug: str) -> bool:
        """Forget the tenant (its data folder is the caller's: cli.py removes it after confirmation)."""
        if self.get(slug) is None:
            return False
        db = self._db()
        try:
            with db.conn:
                db["tenants"].delete_where("slug = ?", [slug])
                db["province_grants"].delete_where("slug = ?", [slug])
        finally:
            db.close()
        return True

    # --- which SAOs a provincial account sees ----------------------------------------------

    def grant(self, username: str, slugs: list[str]) -> None:
        unknown = [s for s in slugs if self.get(s) is None]
        if unknown:
            raise TenantError(f"ไม่พบ {', '.join(unknown)} (ดู python -m bot tenant list) / no tenant {', '.join(unknown)}")
        db = self._db()
        try:
            with db.conn:
                db["province_grants"].insert_all(({"username": username, "slug": s} for s in slugs), ignore=True)
        finally:
            db.close()

    def revoke(self, username: str, slugs: list[str] | None = None) -> None:
        """Take these SAOs (None: all of them) away from the account."""
        if not self.path.exists():
            return
        db = self._db()
        try:
            with db.conn:
                if slugs is None:
                    db["province_grants"].delete_where("username = ?", [username])
                for slug in slugs or ():
                    db["province_grants"].delete_where("username = ? AND slug = ?", [username, slug])
        finally:
            db.close()

    def granted(self, username: str) -> list[Tenant]:
        """The SAOs the account sees, by slug: only tenants that still exist."""
        if not self.path.exists():
            return []
        db = self._db()
        try:
            return [Tenant(**row) for row in db.query(
                "SELECT t.* FROM tenants t JOIN province_grants g ON g.slug = t.slug WHERE g.username = ? ORDER BY t.slug",
                [username])]
        finally:
            db.close()

    def version(self) -> float:
        """Changes when a tenant is added or removed: the web app reloads its list then."""
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def data_dir(self, slug: str) -> Path:
        return self.root / check_slug(slug)


def settings_for(host: Settings, tenant: Tenant) -> Settings:
    """The SAO's own settings: the host's, with the tenant's channel, data folder (database,
    content edits, backups, keys) and public address. Its content overlays the shipped defaults,
    as a single install's does (bot/content/overlay.py)."""
    data = tenants_root(host) / tenant.slug  # the registry's folder: TenantRegistry.for_settings(host)
    defaults = host.default_content_dir or host.content_dir
    return host.with_(
        tenant=tenant.slug,
        hosted=True,
        line_bot_user_id=tenant.bot_user_id,
        channel_secret=tenant.channel_secret,
        channel_access_token=tenant.channel_access_token,
        data_dir=data,
        database_path=data / "sao-bot.sqlite3",
        content_dir=data / "content",
        default_content_dir=defaults,
        public_base_url=f"{host.public_url}/t/{tenant.slug}",
        webhook_url=f"{host.public_url}/callback/{tenant.slug}",
        secret_key="",  # each SAO's console signs its sessions with its own key, kept in its folder
        simulator_enabled=False,
        backup_dir="",  # backups in the tenant's own folder
        backup_copy_to=f"{host.backup_copy_to.rstrip('/')}/{tenant.slug}" if host.backup_copy_to else "",
    )
