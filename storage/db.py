"""Opening a database: engine settings, SQLite pragmas, and migrations applied on open."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import DatabaseError, Unwritable
from storage.revision import BUSY_TIMEOUT_MS, CURRENT_REVISION, HEAD_REVISION, MIGRATIONS

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# The pip package that provides each DBAPI module SQLAlchemy may ask for, where the names differ
# (a user who reads "No module named 'MySQLdb'" cannot guess "mysqlclient").
_DRIVER_PACKAGES = {
    "MySQLdb": "mysqlclient",
    "pymysql": "PyMySQL",
    "psycopg2": "psycopg2-binary",
    "psycopg": "'psycopg[binary]'",
    "cx_Oracle": "cx-Oracle",
}
WRITE_OPTION = "labscope_write"
T = TypeVar("T")


class Database:
    """An engine plus session factory; every write happens in `transaction()`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _create_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writes = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed whole on success, rolled back whole on any error.

        On SQLite it takes the write lock up front (BEGIN IMMEDIATE): a transaction that read
        first and another writer committed meanwhile would fail at once, busy timeout or not.
        """
        try:
            with self._writes.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            problem = unwritable(exc)
            if problem is None:
                raise
            raise Unwritable(
                f"cannot write to {_display(self.url)}: {problem}; free space (or fix the "
                "file), then try again: everything stored before is intact",
                problem,
            ) from exc

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries; nothing it does is committed."""
        with self._sessions() as session:
            yield session

    def refresh_statistics(self) -> bool:
        """On SQLite, ANALYZE when the query planner has no statistics or the versions have
        doubled since it got them; True when it ran. Without them SQLite guesses, and an index
        a user adds (say for Datasette) can lead it to walk every mention of an entity for each
        article: 1 s instead of 5 ms for an entity list at 100,000 articles. PostgreSQL's
        autovacuum keeps its own statistics."""
        if self.engine.dialect.name != "sqlite":
            return False
        with self.engine.connect() as connection:
            analyzed = None
            if connection.exec_driver_sql(_HAS_STATISTICS).scalar():
                analyzed = connection.exec_driver_sql(_ANALYZED_VERSIONS).scalar()
            versions = connection.exec_driver_sql("SELECT max(id) FROM versions").scalar() or 0
            if not versions or (analyzed and versions < 2 * int(str(analyzed).split()[0])):
                return False
            connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
        return True

    def close(self) -> None:
        self.engine.dispose()


def write_retrying(db: Database, work: Callable[[Session], T]) -> T:
    """`work` in a transaction, run once more if another writer stored the same row first.

    On PostgreSQL two crawls (two hosts sharing the archive, or a manual crawl beside the
    scheduler) can both find an article missing and both insert it: the unique constraints let
    one commit and fail the other with an IntegrityError. The retry, in a new transaction, finds
    the row there and records the page against it (usually: unchanged), so the page is neither
    lost nor stored twice. SQLite's up-front write lock never lets the race happen."""
    try:
        with db.transaction() as session:
            return work(session)
    except IntegrityError:
        with db.transaction() as session:
            return work(session)


ANALYSIS_LIMIT = 400
"""Rows ANALYZE samples per index, as SQLite's documentation advises (100 to 1,000): half a
second on a 4 GB archive of 100,000 articles, and the plans of bench.query_speed unchanged."""
_HAS_STATISTICS = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"  # once ANALYZE ran
_ANALYZED_VERSIONS = "SELECT stat FROM sqlite_stat1 WHERE tbl = 'versions' LIMIT 1"  # "rows ..."


def open_database(url: str, create: bool = True) -> Database:
    """Open (and create or upgrade) the database at `url`, or raise DatabaseError saying why.

    create=False is for the commands that only read: a SQLite file that does not exist is then
    an error (a mistyped --db), and no empty archive is left behind to mislead the next run."""
    db = Database(url)
    file = _sqlite_file(url)
    if not create and file is not None and not file.exists():
        db.close()
        raise DatabaseError(
            f"no database at {file}: nothing is stored there yet; check --db, or fill it "
            "with `labscope crawl` (or `labscope demo`)"
        )
    try:
        _refuse_foreign(db.engine)  # first: our own connections would switch its file to WAL
        if not _at_head(db.engine):
            _upgrade(db.engine)
    except SQLAlchemyError as exc:
        db.close()
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise DatabaseError(
            f"cannot open database {_display(url)}: {reason}; "
            "check the path or URL, or point --db at a new file"
        ) from exc
    except BaseException:
        db.close()  # e.g. a database from a newer labscope: don't leave its connection open
        raise
    return db


def _create_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(
            f"invalid database URL {url!r}: expected e.g. sqlite:///labscope.db "
            "or postgresql://user@host/dbname"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).parent
            if not folder.is_dir():
                raise DatabaseError(
                    f"cannot open database {_display(url)}: folder {folder} does not exist; "
                    "create it or choose another path"
                )
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        package = _DRIVER_PACKAGES.get(exc.name or "", exc.name)
        raise DatabaseError(
            f"cannot use database {_display(url)}: its driver ({exc.name}) is not installed; "
            f"install it with `pip install {package}`, or use a sqlite:/// or postgresql:// URL"
        ) from exc
    except (ArgumentError, ImportError) as exc:
        raise DatabaseError(f"cannot use database {_display(url)}: {exc}") from exc


def _sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for another database or an in-memory one."""
    parsed = make_url(url)  # valid: Database() parsed it already
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else Path(database)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets queries read while a crawl writes; the busy timeout waits out short locks."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # The sqlite3 module would start transactions only before DML, leaving schema changes of a
    # failed migration half applied; SQLAlchemy's documented recipe: BEGIN ourselves.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _refuse_foreign(engine: Engine) -> None:
    """Refuse a database that holds tables but no labscope schema: migrating it would add our
    tables to another application's data. An SQLite file is read through a read-only connection
    of its own, because our connections switch it to WAL, which rewrites its header."""
    if engine.url.get_backend_name() == "sqlite":
        database = engine.url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return
        path = Path(database)
        if not path.is_file() or path.stat().st_size == 0:
            return
        try:
            with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as raw:
                tables = {row[0] for row in raw.execute(_TABLES)}
        except sqlite3.Error:
            return  # not a database at all: the open that follows says so
    else:
        tables = set(inspect(engine).get_table_names())
    if tables and "alembic_version" not in tables:
        shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        raise DatabaseError(
            f"database {_display(str(engine.url))} is not labscope's (it holds the tables "
            f"{shown}); left untouched: point --db at a labscope database or a new file"
        )


_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


def _at_head(engine: Engine) -> bool:
    """The archive's schema is the newest: nothing to check or migrate (the common case)."""
    file = _sqlite_file(engine.url.render_as_string(hide_password=False))
    if file is not None and not file.exists():
        return False  # a new file: migrated below, not created empty by this query
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(CURRENT_REVISION)] == [
                (HEAD_REVISION,)
            ]
    except SQLAlchemyError:  # no alembic_version table: a new or foreign database
        return False


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _upgrade(engine: Engine) -> None:
    """Migrate to the newest schema; alembic is imported here, when there is work for it."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = _alembic_config()
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    with engine.begin() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
        unknown = current - {r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()}
        if unknown:
            raise DatabaseError(
                f"database {_display(str(engine.url))} was written by a newer labscope "
                f"(schema {', '.join(sorted(unknown))}); upgrade labscope to read it"
            )
        if current != heads:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")


# SQLite's result codes and PostgreSQL's SQLSTATE classes after which no write can succeed.
_SQLITE_FATAL = {
    "SQLITE_FULL": "the disk is full",
    "SQLITE_IOERR": "the disk refused a write (I/O error: full, removed or failing)",
    "SQLITE_READONLY": "the database file is read-only",
    "SQLITE_CORRUPT": "the database file is damaged",
}
_SQLSTATE_FATAL = {
    "53": "the database server is out of resources (disk full or out of memory)",
    "58": "the database server could not write (I/O error)",
}


def unwritable(exc: SQLAlchemyError) -> str | None:
    """Why no later write can succeed either (disk full, I/O error, read-only file), or None
    when the error belongs to this write alone."""
    orig = getattr(exc, "orig", None)
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str):
        for prefix, reason in _SQLITE_FATAL.items():
            if name.startswith(prefix):
                return reason
    state = getattr(orig, "sqlstate", None)
    if isinstance(state, str):
        return _SQLSTATE_FATAL.get(state[:2])
    return None


def _display(url: str) -> str:
    """The URL as it is safe to print: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
