"""What a spider and the item pipeline are given by the crawl they run in, as small typed
interfaces, so neither holds the other's objects.

A spider claims each article URL (one fetch per URL across the run's spiders) and looks up what
the archive knows of URLs (their validators, for conditional requests); it is handed a `Claims`
and a `ValidatorLookup`. The item pipeline hands items to an `ItemSink`, which it finds on its
Scrapy crawler (`attach_sink`, `crawler_sink`), not on the spider. The crawl's PageSink
(crawler/pipelines.py) and `labscope try`'s PreviewSink (crawler/preview.py) are both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler

from crawler.config import Config
from storage.fetch_states import Validators
from storage.runs import RunCounts

# URLs -> what the archive knows of each (absent: never fetched); called for a batch of URLs.
ValidatorLookup = Callable[[list[str]], dict[str, Validators]]


class Claims(Protocol):
    """What a spider asks of its crawl: the config, the run's tallies and URL claiming."""

    config: Config
    counts: RunCounts

    def claim(self, url: str, source: str) -> bool:
        """True the first time `url` is claimed in this run."""
        ...


class ItemSink(Protocol):
    """Where the item pipeline sends a crawler's items."""

    async def handle_async(self, item: Any) -> None: ...

    def flush_checks(self) -> None: ...


_SINKS: WeakKeyDictionary[Crawler, ItemSink] = WeakKeyDictionary()


def attach_sink(crawler: Crawler, sink: ItemSink) -> None:
    """Give `crawler`'s item pipeline its sink; call before the crawler starts."""
    _SINKS[crawler] = sink


def crawler_sink(crawler: Crawler) -> ItemSink:
    """The sink `attach_sink` gave this crawler."""
    return _SINKS[crawler]
