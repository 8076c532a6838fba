"""The tenants of a hosted install: who they are and how to reach their LINE channel.

    registry = TenantRegistry.for_settings(settings)     # <DATA_DIR>/tenants/tenants.sqlite3, or PostgreSQL's schema hosting
    registry.add(Tenant("khonchim", "อบต.คอนฉิม", secret, token))
    settings_for(settings, registry.get("khonchim"))        # that SAO's own Settings

The registry holds channel secrets and tokens, so its file is readable by the install's user
only (0600), like the .env it replaces for these values.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import shutil
import threading
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


# On PostgreSQL the province console's accounts are a schema of their own, sao__province,
# made like an SAO's: no slug can name it (a slug never starts with "_").
PROVINCE = "_province"


def province_settings(host: Settings) -> Settings:
    """The province console's own folder and database: a file inside the host's data folder, or
    the schema PROVINCE on the host's PostgreSQL."""
    from db import is_postgres_url

    database = province_database(host)
    return host.with_(tenant=PROVINCE if is_postgres_url(host.database_url) else "", data_dir=database.parent,
                      database_path=database, secret_key=derived_secret(host, PROVINCE))


def ensure_province(host: Settings) -> None:
    """The province's schema on PostgreSQL, made if it is not yet (with DATABASE_ADMIN_URL)."""
    from db import is_postgres_url, postgres

    if is_postgres_url(host.database_url) and PROVINCE not in postgres.tenants(host.database_url, every=True):
        postgres.create_tenant(host.database_admin_url or host.database_url, host.database_url, PROVINCE)


def derived_secret(host: Settings, name: str) -> str:
    """A console's key for signing its sessions, from the host's SECRET_KEY when it has one: every
    machine of the install signs and checks the same. Without it each console keeps a key of its
    own in its folder (bot._local_secret), which one machine alone shares."""
    if not host.secret_key:
        return ""
    return hmac.new(host.secret_key.encode(), f"console:{name}".encode(), hashlib.sha256).hexdigest()


def _as_dicts(cursor) -> list[dict]:
    """A query's rows by column name, from either engine's cursor."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


class TenantRegistry:
    """The tenants and which SAOs each provincial account sees: a file in the host's data folder,
    or, when the host's DATABASE_URL is PostgreSQL, the schema `hosting` there, so that every
    machine of the install reads the same list (PostgresRegistry)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.path = self.root / REGISTRY_FILE

    @classmethod
    def for_settings(cls, settings: Settings) -> "TenantRegistry":
        from db import is_postgres_url

        if is_postgres_url(settings.database_url):
            return PostgresRegistry(tenants_root(settings), settings.database_url,
                                    settings.database_admin_url or settings.database_url)
        return cls(tenants_root(settings))

    def exists(self) -> bool:
        """Whether the registry has been made (its first tenant added): the host backup copies it then."""
        return self.path.exists()

    def _db(self):
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

    def _changed(self, db) -> None:
        """A tenant added or removed (the file's time tells the web app: version)."""

    def _query(self, sql: str, params=()) -> list[dict]:
        if not self.exists():
            return []
        db = self._db()
        try:
            return _as_dicts(db.execute(sql, params))
        finally:
            db.close()

    def _write(self, *statements: tuple[str, tuple]) -> None:
        from db import transaction

        db = self._db()
        try:
            with transaction(db):
                for sql, params in statements:
                    db.execute(sql, params)
                self._changed(db)
        finally:
            db.close()

    def add(self, tenant: Tenant) -> Tenant:
        from db import transaction

        check_slug(tenant.slug)
        if not tenant.name.strip():
            raise TenantError("ต้องมีชื่อ อบต. / a tenant needs a name")
        if bool(tenant.channel_secret) != bool(tenant.channel_access_token):
            raise TenantError("ใส่ทั้ง channel secret และ channel access token / both the channel secret and the "
                              "channel access token are needed")
        row = {"slug": tenant.slug, "name": tenant.name.strip(), "channel_secret": tenant.channel_secret,
               "channel_access_token": tenant.channel_access_token, "created_at": tenant.created_at or time.time(),
               "bot_user_id": tenant.bot_user_id, "bot_basic_id": tenant.bot_basic_id}
        db = self._db()
        try:
            with transaction(db):
                def taken(column: str, value: str) -> bool:
                    return db.execute(f"SELECT count(*) FROM tenants WHERE {column} = ?", (value,)).fetchone()[0] > 0

                if taken("slug", tenant.slug):
                    raise TenantError(f"มี {tenant.slug} อยู่แล้ว / a tenant {tenant.slug!r} already exists")
                if tenant.channel_secret and taken("channel_secret", tenant.channel_secret):
                    # Two SAOs on one channel would each take the other's citizens' messages.
                    raise TenantError("ช่องทาง LINE นี้เป็นของ อบต. อื่นในระบบแล้ว / another tenant already uses this channel")
                if tenant.bot_user_id and taken("bot_user_id", tenant.bot_user_id):
                    raise TenantError("access token นี้เป็นของบัญชี LINE ของ อบต. อื่นในระบบแล้ว / this access token is of "
                                      "another tenant's LINE account")
                db.execute(f"INSERT INTO tenants ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
                self._changed(db)
        finally:
            db.close()
        return Tenant(**row)

    def get(self, slug: str) -> Tenant | None:
        if not SLUG.match(slug or ""):
            return None
        rows = self._query("SELECT * FROM tenants WHERE slug = ?", (slug,))
        return Tenant(**rows[0]) if rows else None

    def all(self) -> list[Tenant]:
        return [Tenant(**row) for row in self._query("SELECT * FROM tenants ORDER BY slug")]

    def remove(self, slug: str) -> bool:
        """Forget the tenant (its data folder is the caller's: cli.py removes it after confirmation)."""
        if self.get(slug) is None:
            return False
        self._write(("DELETE FROM tenants WHERE slug = ?", (slug,)), ("DELETE FROM province_grants WHERE slug = ?", (slug,)))
        return True

    # --- which SAOs a provincial account sees ----------------------------------------------

    def grant(self, username: str, slugs: list[str]) -> None:
        unknown = [s for s in slugs if self.get(s) is None]
        if unknown:
            raise TenantError(f"ไม่พบ {', '.join(unknown)} (ดู python -m bot tenant list) / no tenant {', '.join(unknown)}")
        self._write(*(("INSERT INTO province_grants (username, slug) VALUES (?, ?) ON CONFLICT DO NOTHING", (username, s))
                      for s in slugs))

    def revoke(self, username: str, slugs: list[str] | None = None) -> None:
        """Take these SAOs (None: all of them) away from the account."""
        if not self.exists():
            return
        if slugs is None:
            self._write(("DELETE FROM province_grants WHERE username = ?", (username,)))
        else:
            self._write(*(("DELETE FROM province_grants WHERE username = ? AND slug = ?", (username, s)) for s in slugs))

    def granted(self, username: str) -> list[Tenant]:
        """The SAOs the account sees, by slug: only tenants that still exist."""
        return [Tenant(**row) for row in self._query(
            "SELECT t.* FROM tenants t JOIN province_grants g ON g.slug = t.slug WHERE g.username = ? ORDER BY t.slug",
            (username,))]

    def version(self):
        """Changes when a tenant is added or removed: the web app reloads its list then."""
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def data_dir(self, slug: str) -> Path:
        return self.root / check_slug(slug)


class PostgresRegistry(TenantRegistry):
    """The registry in the schema `hosting` of the install's PostgreSQL database, owned by the
    login role (it holds the channels' secrets, as the file is readable by the install's user
    only); no SAO's role can read it. Made by the first `tenant add`, with the admin role."""

    SCHEMA = "hosting"

    def __init__(self, root: Path, url: str, admin_url: str):
        super().__init__(root)
        self.url, self.admin_url = url, admin_url
        # The web app asks at every request whether the list changed (version): each thread
        # asks on a connection of its own, kept open, so asking costs a round trip, not a login.
        self._readers = threading.local()

    def _connect(self):
        import psycopg
        from psycopg import sql

        from db.postgres import PostgresDatabase

        conn = psycopg.connect(self.url, autocommit=True)
        try:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.SCHEMA)))
        except BaseException:
            conn.close()
            raise
        return PostgresDatabase(conn, "")

    def _reader(self):
        db = getattr(self._readers, "db", None)
        if db is None or db.conn.closed:
            db = self._readers.db = self._connect()
        return db

    @staticmethod
    def _made(db) -> bool:
        return db.execute("SELECT to_regclass('tenants') IS NOT NULL").fetchone()[0]

    def exists(self) -> bool:
        return self._made(self._reader())

    def _query(self, sql: str, params=()) -> list[dict]:
        db = self._reader()  # and no schema made by a reader: the web app has no admin role
        try:
            if not self._made(db):
                return []
            cursor = db.execute(sql, params)
        except BaseException:
            db.close()  # its state is unknown: the thread's next query opens anew
            raise
        return _as_dicts(cursor)

    def _db(self):
        """A connection for a change, the schema made first if it is not yet (with the admin role)."""
        import psycopg
        from psycopg import sql

        db = self._connect()
        if self._made(db):
            return db
        login = psycopg.conninfo.conninfo_to_dict(self.url)["user"]
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(
                sql.Identifier(self.SCHEMA), sql.Identifier(login)))
        db.execute(
            "CREATE TABLE IF NOT EXISTS tenants (slug text PRIMARY KEY, name text NOT NULL, channel_secret text NOT NULL,"
            " channel_access_token text NOT NULL, created_at double precision NOT NULL,"
            " bot_user_id text NOT NULL DEFAULT '', bot_basic_id text NOT NULL DEFAULT '');"
            "CREATE TABLE IF NOT EXISTS province_grants (username text, slug text, PRIMARY KEY (username, slug));"
            "CREATE TABLE IF NOT EXISTS registry_version (one integer PRIMARY KEY CHECK (one = 1), version bigint NOT NULL);"
            "INSERT INTO registry_version VALUES (1, 0) ON CONFLICT DO NOTHING")
        return db

    def _changed(self, db) -> None:
        db.execute("UPDATE registry_version SET version = version + 1")

    def version(self):
        rows = self._query("SELECT version FROM registry_version")
        return rows[0]["version"] if rows else 0

    def backup(self, target: Path, _content=None) -> dict:
        """The registry as the file a host on SQLite keeps (tenants.sqlite3): its
        nightly backup (db.backup.nightly), which either engine's host reads back."""
        from db.backup import backup

        target = Path(target)
        scratch = TenantRegistry(target.parent / f".{target.name}.registry")
        try:
            db = scratch._db()
            try:
                with db.conn:
                    db["tenants"].insert_all(self._query("SELECT * FROM tenants ORDER BY slug"))
                    db["province_grants"].insert_all(self._query("SELECT * FROM province_grants ORDER BY username, slug"))
            finally:
                db.close()
            return backup(scratch.path, target)
        finally:
            shutil.rmtree(scratch.root, ignore_errors=True)


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
        secret_key=derived_secret(host, tenant.slug),  # each SAO's console signs its sessions with its own key
        simulator_enabled=False,
        backup_dir="",  # backups in the tenant's own folder
        backup_copy_to=f"{host.backup_copy_to.rstrip('/')}/{tenant.slug}" if host.backup_copy_to else "",
    )
