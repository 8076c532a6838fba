"""A throwaway PostgreSQL server for the tests: Debian's `postgresql` package, started by
the suite in a temporary folder and removed afterwards.

    with PostgresServer() as server:
        server.admin_url        # the cluster's superuser, to create databases and roles
        server.create_database("t1")   # an empty database owned by the unprivileged app role

initdb refuses to run as root, so as root the cluster is initialised and run as the
`postgres` user the package creates. The server listens on 127.0.0.1 and a socket in its
own folder, with fsync off: the tests need a real server, not a durable one.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

APP_ROLE = "sao_app"  # what the bot connects as: no superuser, so it cannot bypass grants


def binaries() -> Path | None:
    """The newest installed server's bin folder, or None when the package is missing."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self):
        bindir = binaries()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.bindir = bindir
        self.port = _free_port()
        # Under /tmp and owned by the server's user: pytest's own temporary folders are
        # private to root, and the postgres user could not reach a cluster inside them.
        self.root = Path(tempfile.mkdtemp(prefix="sao-pg-"))
        self.data = self.root / "data"
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._databases = 0

    @property
    def admin_url(self) -> str:
        return self.url("postgres", user="postgres")

    def url(self, database: str, user: str = APP_ROLE) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, user=self.user, cwd=self.root, capture_output=True, timeout=120)

    def start(self) -> "PostgresServer":
        # C.UTF-8 exists on every Debian; trust is for 127.0.0.1 and the private socket only.
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.root / "server.log"), "-w", "start")
        self.admin(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        return self

    def admin(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database, user="postgres"), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str | None = None) -> str:
        """A new empty database owned by the app role; its URL (as the app role)."""
        self._databases += 1
        name = name or f"test_{self._databases}"
        self.admin(f"CREATE DATABASE {name} OWNER {APP_ROLE}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "PostgresServer":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
