"""PostgreSQL for hosted installs of many SAOs: the same storage modules as SQLite, on psycopg 3.

    db = postgres.connect("postgresql://sao_app@db/sao", tenant="khonchim")
    outbox.enqueue(db, ...)          # the storage modules take it like a SQLite database

Isolation. Each SAO (tenant) has its own schema, owned by its own role (named after the
database and the schema, as roles belong to the whole server). The install logs in
as one role with no rights of its own (NOINHERIT) that is a member of every tenant's role;
a connection for a tenant runs SET ROLE to that tenant with search_path at its schema. The
storage modules' SQL, written once for both engines, then reaches that SAO's tables only,
and a statement that names another SAO's schema is refused by PostgreSQL's permissions:
isolation does not depend on every query remembering a filter. Ids count per SAO, as in
SQLite, and a tenant's data is exported or dropped as one schema.

The storage modules write SQLite's `?` and `:name` parameters; `execute` turns them into
psycopg's. Where the engines' SQL differs (claiming with SKIP LOCKED, a few functions),
a module asks `dialect(db)` (db/__init__.py).
"""
from __future__ import annotations

import functools
import re
import threading
from typing import Any, Sequence

import psycopg
from psycopg import sql

DIALECT = "postgresql"

# One alternation, so that a ? or % inside a string literal, a quoted name or a comment
# is seen as part of it: literals first, then PostgreSQL's :: casts, then the parameters.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|::|\?|(?<![\w:]):([A-Za-z_]\w*)|%")


@functools.lru_cache(maxsize=2048)
def to_psycopg(statement: str, named: bool) -> str:
    """SQLite's parameter style (`?`, or `:name` when the parameters are a dict) in psycopg's
    (`%s`, `%(name)s`), with every literal `%` doubled as psycopg then expects."""

    def convert(match: re.Match) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if match.group(1) is not None:
            return f"%({match.group(1)})s" if named else token
        return token.replace("%", "%%")  # a literal, a quoted name or a comment

    return _TOKEN.sub(convert, statement)


def schema_name(tenant: str) -> str:
    """One SAO's schema: "sao_" + its slug."""
    return "sao_" + tenant


def role_name(database: str, tenant: str) -> str:
    """The role that owns one SAO's schema. Roles belong to the whole server, schemas to one
    database: the database's name keeps two installs on one server apart."""
    name = f"{database}.{schema_name(tenant)}"
    if len(name.encode()) > 63:  # PostgreSQL would cut it short, and two SAOs could share one
        raise ValueError(f"database and slug too long for a role name (63 bytes): {name!r}")
    return name


class _Shared:
    """A thread's connection that serves several SAOs in turn (thread_database), and which SAO it acts as now."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.acting_as: str | None = None


class PostgresDatabase:
    """One connection, for one SAO, used like the sqlite_utils.Database the storage modules expect.

    Autocommit, like the SQLite connections (isolation_level=None): a statement outside
    db.transaction() is its own transaction. On a connection shared by the SAOs a thread
    serves (thread_database), each statement first makes sure it acts as this SAO.
    """

    dialect = DIALECT

    def __init__(self, conn: psycopg.Connection, tenant: str, shared: _Shared | None = None):
        self.conn = conn
        self.tenant = tenant
        self._shared = shared

    def act(self) -> None:
        """Make a shared connection act as this SAO. Never inside a transaction: its rollback
        would undo the switch, and one transaction must not span two SAOs."""
        shared = self._shared
        if shared is None or shared.acting_as == self.tenant:
            return
        if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            raise RuntimeError(f"a transaction of {shared.acting_as!r} is open on this thread: "
                               f"{self.tenant!r} cannot use its connection now")
        shared.acting_as = None  # unknown until the switch has gone through
        _act_as(self.conn, self.tenant)
        shared.acting_as = self.tenant

    def begin(self, **options) -> "psycopg.Transaction":
        """A transaction (or a savepoint inside one) acting as this SAO."""
        self.act()
        return self.conn.transaction(**options)

    def execute(self, statement: str, params: Sequence[Any] | dict[str, Any] | None = ()) -> psycopg.Cursor:
        self.act()
        if not params:  # no parameters: psycopg reads the text as it is, % included
            return self.conn.execute(statement)
        return self.conn.execute(to_psycopg(statement, isinstance(params, dict)), params)

    def close(self) -> None:
        self.conn.close()  # shared too: it is closed after an error, and the thread's next use opens anew


def connect(url: str, tenant: str) -> PostgresDatabase:
    """A connection acting as one SAO: its role, its schema, nothing else."""
    conn = psycopg.connect(url, autocommit=True)
    try:
        _act_as(conn, tenant)
    except BaseException:
        conn.close()
        raise
    return PostgresDatabase(conn, tenant)


_threads = threading.local()


def thread_database(url: str, tenant: str) -> PostgresDatabase:
    """This thread's connection to `url`, shared by every SAO the thread serves, acting as
    `tenant` whenever it is used through the returned view.

    A hosted install's threads serve many SAOs: a connection per SAO and thread would open
    SAOs × threads connections (20 SAOs used up a server's 200 in bench/tenants_bench.py),
    one per thread opens only as many as there are threads."""
    shared_by_url = getattr(_threads, "shared", None)
    if shared_by_url is None:
        shared_by_url = _threads.shared = {}
    shared = shared_by_url.get(url)
    if shared is None or shared.conn.closed:
        shared = shared_by_url[url] = _Shared(psycopg.connect(url, autocommit=True))
    return PostgresDatabase(shared.conn, tenant, shared)


def _act_as(conn: psycopg.Connection, tenant: str) -> None:
    role, schema = sql.Identifier(role_name(conn.info.dbname, tenant)), sql.Identifier(schema_name(tenant))
    conn.execute(sql.SQL("SET ROLE {}; SET search_path TO {}").format(role, schema))  # one round trip


def create_tenant(admin_url: str, url: str, tenant: str) -> None:
    """Create one SAO's role and schema, let the install's login role (the user of `url`)
    act as it, and bring the schema up to date (db/postgres_schema.py).

    `admin_url` is a role that may create roles (the database's administrator). The login
    role is made NOINHERIT: being a member of every SAO's role gives it no rights until
    a connection sets one.
    """
    from db.postgres_schema import migrate

    app_role = psycopg.conninfo.conninfo_to_dict(url)["user"]
    schema = sql.Identifier(schema_name(tenant))
    with psycopg.connect(admin_url, autocommit=True) as conn, conn.transaction():
        role = sql.Identifier(role_name(conn.info.dbname, tenant))
        conn.execute(sql.SQL("ALTER ROLE {} NOINHERIT").format(sql.Identifier(app_role)))
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(role))
        conn.execute(sql.SQL("GRANT {} TO {}").format(role, sql.Identifier(app_role)))
        conn.execute(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(schema, role))
    db = connect(url, tenant)
    try:
        migrate(db)
    finally:
        db.close()


def drop_tenant(admin_url: str, tenant: str) -> None:
    """Remove one SAO's schema, with all its data, and its role."""
    with psycopg.connect(admin_url, autocommit=True) as conn, conn.transaction():
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema_name(tenant))))
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role_name(conn.info.dbname, tenant))))


def tenants(url: str, every: bool = False) -> list[str]:
    """The SAOs whose schema exists in this database; every=True: also the host's own schemas
    of the same make, named by a "_" no slug starts with (the province console's accounts)."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sao\\_%' ORDER BY nspname").fetchall()
    names = [name[len("sao_"):] for (name,) in rows]
    return names if every else [name for name in names if not name.startswith("_")]

