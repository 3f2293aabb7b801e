"""One scheduler per archive: with several `labscope schedule` running, one runs the jobs.

Two schedulers on one archive would crawl every source twice and send every digest twice, so a
scheduler first takes a lock that the operating system or the database server drops when its
holder dies, however it dies (SIGKILL, a power cut of its host):

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection held open
  for the scheduler's life; the server releases it when that connection ends.
- SQLite: an exclusive `flock` on `<archive>.scheduler-lock` beside the file; the kernel
  releases it when the process ends.

The others wait, trying again every TAKEOVER_SECONDS, and take over when the lock is free.
Other databases have no lock here: the scheduler runs, and says that it cannot check.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

logger = logging.getLogger("labscope.scheduler")

TAKEOVER_SECONDS = 2.0
"""How often a waiting scheduler tries the lock: the longest the jobs go unrun after a death."""
LOCK_KEY = zlib.crc32(b"labscope scheduler")  # one advisory lock number for every labscope


@contextmanager
def leadership(db_url: str, stopping: threading.Event) -> Iterator[bool]:
    """Hold the archive's scheduler lock for the block; True once held, False when `stopping`
    was set while waiting (the block then has nothing to run)."""
    url = make_url(db_url)
    backend = url.get_backend_name()
    if backend == "postgresql":
        with _advisory_lock(db_url) as attempt:
            yield _wait(attempt, stopping, "the archive's advisory lock")
    elif backend == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database.removeprefix("file:").split("?", 1)[0])
        lock = path.with_name(path.name + ".scheduler-lock")
        with lock.open("a") as handle:
            yield _wait(lambda: _try_flock(handle), stopping, str(lock))
    else:
        logger.warning("no scheduler lock on %s: run one scheduler only", backend)
        yield True


def _wait(attempt: Callable[[], bool], stopping: threading.Event, what: str) -> bool:
    if attempt():
        return True
    logger.info("another scheduler runs the jobs (it holds %s): waiting to take over", what)
    while not stopping.wait(TAKEOVER_SECONDS):
        if attempt():
            logger.info("took over: the scheduler that ran the jobs is gone")
            return True
    return False


def _try_flock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def _advisory_lock(db_url: str) -> Iterator[Callable[[], bool]]:
    """A try-lock on one connection kept open for the block (the lock lives as long as it)."""
    engine = create_engine(db_url, poolclass=NullPool)  # closing the connection ends the session
    connection: Connection = engine.connect()
    try:

        def attempt() -> bool:
            query = text("SELECT pg_try_advisory_lock(:key)")
            held = bool(connection.execute(query, {"key": LOCK_KEY}).scalar_one())
            connection.commit()  # the lock is the session's; no transaction left open
            return held

        yield attempt
    finally:
        connection.close()
        engine.dispose()
