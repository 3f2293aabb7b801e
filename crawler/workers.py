"""Extraction on every core: trafilatura and the entity matcher in worker processes.

Extraction is pure CPU and holds the GIL, so in the crawl's own process it would stall Scrapy's
reactor and use one core. A pool of worker processes (one per usable core by default) extracts
while the reactor keeps fetching and the crawl process stores what comes back, in order of
arrival. Workers are spawned, not forked: the crawl process runs threads (the reactor's DNS
pool) that fork does not copy safely. A fork server that preloads the extraction stack starts
workers faster, but measured by bench.crawl it adds a process of about 60 MB and
saves nothing on a long crawl (10,000 pages: 536 MB summed RSS against 473 MB spawned). Each
worker imports the stack and builds the knowledge base once.

A worker that dies (out of memory, a crash in lxml) breaks the pool: the page it held fails
with a reason, the pool is replaced, and the crawl goes on. A crawl that dies (SIGKILL) takes its
workers with it (crawler/lifelines.py); the pool is only ever started from the reactor's thread,
which lives as long as the crawl.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import replace
from types import ModuleType

from crawler.article import Built, build_page, same_text
from crawler.entities.kb import Entity, KnowledgeBase
from crawler.extract import ExtractionFailure
from crawler.items import PageFetched
from crawler.lifelines import exit_with_parent
from storage.records import FetchedPage

logger = logging.getLogger(__name__)

_knowledge: KnowledgeBase | None = None  # each worker's own, built by _start
_CONTEXT = multiprocessing.get_context("spawn")


def usable_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


IN_PROCESS_PAGES = 8
"""With workers chosen automatically, a crawl extracts this many pages before it starts them."""


def extraction_workers(configured: int | None) -> int:
    """How many worker processes: as configured, else one per usable core, and none on a
    single core (there the pool would only add copying between processes)."""
    if configured is not None:
        return configured
    cores = usable_cores()
    return cores if cores > 1 else 0


@contextmanager
def _main_left_behind() -> Iterator[None]:
    """Workers started meanwhile do not import this process's __main__.

    A spawned process re-imports its parent's main module, and ours is the CLI: SQLAlchemy,
    Click, Rich and Jinja, 38 MB and half a second in each worker, none of it used there. A
    main module without a file or a name (as in an interactive session) is not re-imported.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _start(entities: Sequence[Entity], parent: int) -> None:
    global _knowledge
    exit_with_parent(parent)
    _knowledge = KnowledgeBase.default().with_entities(entities)


def _build(item: PageFetched) -> Built:
    assert _knowledge is not None, "worker not started"
    page = build_page(item, _knowledge)
    return replace(page, body=b"") if isinstance(page, FetchedPage) else page


class Extractor:
    """Turns fetched pages into storable ones, in `workers` processes (0: in this process).

    The first `start_after` pages are extracted here: starting the workers costs about a
    second of CPU each (they import the extraction stack), more than a crawl of a few
    pages saves. "Here" is one thread beside the reactor, not the reactor itself: a page's
    extraction (or jieba's one-second load) run on the reactor would hold every response that
    arrived meanwhile, and AutoThrottle would read that wait as a slow site and slow down.
    """

    def __init__(self, entities: Sequence[Entity], workers: int, start_after: int = 0) -> None:
        self.entities = tuple(entities)
        self.workers = workers
        self.start_after = start_after
        self.knowledge = KnowledgeBase.default().with_entities(self.entities)
        self._pool: ProcessPoolExecutor | None = None
        self._thread: ThreadPoolExecutor | None = None  # one: pages are extracted one at a time
        self._seen = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        logger.info("started %d extraction workers", self.workers)
        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=_CONTEXT,
            initializer=_start,
            initargs=(self.entities, os.getpid()),
        )
        with _main_left_behind():
            for _ in range(self.workers):  # each submit starts a worker while none is idle
                pool.submit(int)
        return pool

    def build(self, item: PageFetched) -> Built:
        """In this process: for callers without an event loop (tests, rechecks of one page)."""
        return build_page(item, self.knowledge)

    async def build_async(self, item: PageFetched) -> Built:
        """In a worker when there are workers; the reactor keeps running meanwhile.

        A page fetched before is first tried on the fast path (crawler.visible), in this
        process's thread: a recrawl of churned pages then starts no worker at all (a second
        of CPU each) and sends no page across."""
        if item.known_visible is not None:
            same = await asyncio.wrap_future(self._in_thread().submit(same_text, item))
            if same is not None:
                return same
        self._seen += 1
        if self._pool is None and self.workers and self._seen > self.start_after:
            self._pool = self._new_pool()
        pool = self._pool
        if pool is None:
            return await asyncio.wrap_future(self._in_thread().submit(self.build, item))
        try:
            # Only the decoded text crosses to the worker, and only the extraction comes back:
            # the raw bytes stay here, where they are stored.
            page = await asyncio.wrap_future(pool.submit(_build, replace(item, body=b"")))
        except BrokenProcessPool:
            if self._pool is pool:  # the first page to notice replaces the pool
                logger.error("an extraction worker died on %s; starting new workers", item.url)
                pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
            return ExtractionFailure("extraction worker died (out of memory or a crash)")
        return replace(page, body=item.body) if isinstance(page, FetchedPage) else page

    def _in_thread(self) -> ThreadPoolExecutor:
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")
        return self._thread

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True, cancel_futures=True)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
