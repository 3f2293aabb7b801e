"""A throwaway PostgreSQL server for the tests: unix socket only, gone when the session ends.

`postgres_cluster()` is the body of a session-scoped fixture (tests/test_postgres.py wraps it):
it runs `initdb` in a temporary folder, starts the server listening on a unix socket in that
folder and on no TCP port at all, yields a `Cluster`, and always stops the server and removes
the folder. `Cluster.create_database()` makes a fresh database and returns its SQLAlchemy URL.

When this machine cannot run PostgreSQL the tests skip, saying why: no server binaries (on PATH
or in /usr/lib/postgresql/*/bin), no psycopg, or running as root (initdb refuses root) without a
`postgres` user to run the server as. `LABSCOPE_TEST_NO_PG=1` skips them on purpose. A server
that is there but fails to start is a failure, with its log, not a skip.

The server runs with the Asia/Shanghai time zone, so a time that is only right when the server
happens to be on UTC shows up as a test failure.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import URL

NO_PG_ENV = "LABSCOPE_TEST_NO_PG"
SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin")
SERVER_OPTIONS = (
    "-c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c timezone=Asia/Shanghai"
)
TIMEOUT = 60


@dataclass
class Cluster:
    """A running server: its binaries, its folder (data, socket and log) and how to reach it."""

    bin: Path
    folder: Path
    run_as: list[str]
    _databases: int = field(default=0, init=False)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of `database`, reached through the unix socket."""
        return URL.create(
            "postgresql+psycopg",
            username="postgres",
            database=database,
            query={"host": str(self.folder)},
        ).render_as_string(hide_password=False)

    def create_database(self, hint: str = "db") -> str:
        """A new empty database (named after `hint`) and its URL."""
        import psycopg

        self._databases += 1
        name = f"t{self._databases}_" + re.sub(r"[^a-z0-9_]", "_", hint.lower())[:40]
        with psycopg.connect(
            host=str(self.folder), user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run("pg_ctl", "-D", str(self.data), *args)

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.run_as, str(self.bin / tool), *args],
            cwd=self.folder,  # the server's user may not be allowed into the current folder
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )


def find_bin() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: from PATH, else the newest installed."""
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    versions: list[tuple[int, Path]] = []
    for pattern in SEARCH:
        for folder in Path("/").glob(pattern.lstrip("/")):
            number = re.search(r"\d+", folder.parent.name)
            versions.append((int(number.group()) if number else 0, folder))
    candidates += [folder for _, folder in sorted(versions, reverse=True)]
    for folder in candidates:
        if all(os.access(folder / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _run_as() -> tuple[list[str], pwd.struct_passwd | None]:
    """The command prefix that runs the server as a user initdb accepts (never root)."""
    if os.geteuid() != 0:
        return [], None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("PostgreSQL tests need a `postgres` user to run the server as (we are root)")
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("PostgreSQL tests need `runuser` to start the server as `postgres`")
    return [runuser, "-u", "postgres", "--"], user


def postgres_cluster() -> Iterator[Cluster]:
    """Start a throwaway cluster, yield it, and always stop it; skip if PostgreSQL is absent."""
    if os.environ.get(NO_PG_ENV):
        pytest.skip(f"PostgreSQL tests skipped: {NO_PG_ENV} is set")
    pytest.importorskip("psycopg", reason="PostgreSQL tests need psycopg: pip install -e '.[dev]'")
    bin_folder = find_bin()
    if bin_folder is None:
        pytest.skip(
            "PostgreSQL tests need the server binaries (initdb, pg_ctl) on PATH or in "
            "/usr/lib/postgresql/*/bin; e.g. apt-get install postgresql"
        )
    run_as, user = _run_as()
    # /tmp keeps the socket path short (unix socket paths are limited to ~100 bytes).
    folder = Path(
        tempfile.mkdtemp(prefix="labscope-pg-", dir="/tmp" if Path("/tmp").is_dir() else None)
    )
    try:
        if user is not None:
            os.chown(folder, user.pw_uid, user.pw_gid)
        cluster = Cluster(bin_folder, folder, run_as)
        _start(cluster)
        try:
            yield cluster
        finally:
            cluster.pg_ctl("stop", "-m", "immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _start(cluster: Cluster) -> None:
    init = cluster._run(
        "initdb",
        "-D",
        str(cluster.data),
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    )
    if init.returncode != 0:
        _fail("initdb", init.stdout + init.stderr)
    options = f"-k {cluster.folder} {SERVER_OPTIONS}"
    start = cluster.pg_ctl("-l", str(cluster.log), "-o", options, "-w", "-t", str(TIMEOUT), "start")
    if start.returncode != 0:
        log = cluster.log.read_text(errors="replace") if cluster.log.exists() else ""
        cluster.pg_ctl("stop", "-m", "immediate")
        _fail("pg_ctl start", start.stdout + start.stderr + log)


def _fail(step: str, output: str) -> None:
    tail = "\n".join(output.strip().splitlines()[-15:])
    pytest.fail(
        f"PostgreSQL is installed but {step} failed (set {NO_PG_ENV}=1 to skip these tests):\n"
        f"{tail}",
        pytrace=False,
    )
