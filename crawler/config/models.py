"""The frozen dataclasses a validated config.toml becomes, and the limits it is checked against."""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal, get_args

from crawler.config.schedule import (
    DIGEST_KEYS,
    RECHECK_KEYS,
    DigestConfig,
    RecheckConfig,
    default_recheck,
)
from crawler.config.toml_checks import q
from crawler.entities.kb import Entity
from crawler.errors import ConfigError
from crawler.urls import Tracking, tracking_rules
from storage.changes import NoiseRules

SourceKind = Literal["feed", "sitemap", "listing", "page", "json"]
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)
Relevance = Literal["all", "entities"]
RELEVANCES: tuple[str, ...] = get_args(Relevance)
Render = Literal["plain", "browser"]
RENDERS: tuple[str, ...] = get_args(Render)
DEFAULT_USER_AGENT = "labscope/0.1 (+https://github.com/labscope/labscope)"
DEFAULT_DB_URL = "sqlite:///labscope.db"
MAX_URL_CHARS = 2048  # the limit most browsers and servers keep to (RFC 9110 asks for 8000 at most)
MAX_PAGE_BYTES_LIMIT = 2**30  # 1 GiB, Scrapy's own default DOWNLOAD_MAXSIZE
MAX_ARTICLES_LIMIT = 1_000_000

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class StorageConfig:
    """Where the database lives."""

    url: str  # SQLAlchemy URL; a relative SQLite path is already made absolute


@dataclass(frozen=True)
class CrawlConfig:
    """How politely and how hard to crawl; [crawl] may leave out any key."""

    user_agent: str = DEFAULT_USER_AGENT
    obey_robots: bool = True
    delay: float = 1.0  # seconds, >= 0
    concurrency: int = 16  # 1..256
    timeout: float = 30.0  # seconds, > 0
    max_page_bytes: int = 10_000_000  # >= 1024
    schedule: str | None = None  # default 5-field cron for sources without their own
    time_limit: str = "1h"  # a scheduled crawl running longer is stopped and recorded as failed
    workers: int | None = None  # extraction processes; None: one per usable core; 0: in-process
    tracking_params: tuple[str, ...] = ()  # dropped from URLs beside crawler.urls.TRACKING_PARAMS
    allow_private: bool = False  # any source may reach internal addresses (crawler.addresses)
    max_articles: int = 500  # article URLs fetched per source per run (the rest: next run)
    frontier: str | None = None  # redis://HOST:PORT/DB: crawls enqueue, `labscope worker` fetches

    @cached_property
    def tracking(self) -> Tracking:
        return tracking_rules(self.tracking_params)


@dataclass(frozen=True)
class SourceConfig:
    """One site to watch: a discovery strategy (kind) and its start URL."""

    name: str  # unique, _NAME_RE
    kind: SourceKind
    url: str  # http(s) with a host
    follow: re.Pattern[str] | None = None  # listing only: which links are articles
    schedule: str | None = None  # 5-field cron; exclusive with every
    every: str | None = None  # interval for parse_interval, like "15m"
    enabled: bool = True
    ignore: tuple[re.Pattern[str], ...] = ()  # text this source changes on every visit
    relevance: Relevance = "all"  # "entities": keep only articles naming a known entity
    links: str | None = None  # json only: JMESPath picking the article links (crawler.json_links)
    script: str | None = None  # json only: CSS selector of the script element holding the JSON
    render: Render = "plain"  # "browser": listing and articles loaded in headless Chromium
    max_articles: int | None = None  # overrides [crawl] max_articles for this source


@dataclass(frozen=True)
class BrowserConfig:
    """The headless Chromium that render = "browser" sources are loaded in (crawler.browser)."""

    executable: str = "/usr/bin/chromium"  # Debian's; labscope never downloads a browser
    pages: int = 2  # pages rendered at once, 1..16: each is a renderer process and ~100 MB


@dataclass(frozen=True)
class ChangesConfig:
    """What counts as an edit: [changes] ignore patterns (minor means cosmetic: storage.words)."""

    ignore: tuple[re.Pattern[str], ...] = ()  # regexes for timestamps, view counters, ...
    min_change: int = 20  # deprecated and unused: accepted so old configs still load


@dataclass(frozen=True)
class Config:
    """A whole validated config.toml."""

    path: Path | None  # as the user gave it; None for a built-in config
    storage: StorageConfig
    crawl: CrawlConfig
    sources: tuple[SourceConfig, ...]
    changes: ChangesConfig = ChangesConfig()
    entities: tuple[Entity, ...] = ()  # the user's own, added to the bundled knowledge base
    recheck: RecheckConfig = field(default_factory=default_recheck)
    digest: DigestConfig = field(default_factory=DigestConfig)
    browser: BrowserConfig = BrowserConfig()

    def noise_rules(self) -> NoiseRules:
        """The [changes] and per-source ignore patterns, as storage applies them."""
        return NoiseRules(
            self.changes.ignore, {source.name: source.ignore for source in self.sources}
        )

    def source(self, name: str) -> SourceConfig:
        """Look a source up by name; an unknown name lists the known ones so the user can fix it."""
        for source in self.sources:
            if source.name == name:
                return source
        names = [source.name for source in self.sources]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {q(close[0])}? " if close else ""
        known = f"known sources: {', '.join(names)}" if names else "no [[sources]] are configured"
        where = "" if self.path is None else f"{self.path}: "
        raise ConfigError(f"{where}unknown source {q(name)}; {hint}{known}")


def _keys(cls: type) -> tuple[str, ...]:
    """A section's allowed keys are its dataclass's fields, so the two cannot drift apart."""
    return tuple(field.name for field in dataclasses.fields(cls))


# Allowed keys per section; the top level allows exactly these sections. To add one (e.g. [digest],
# [entities]), add a dataclass, list it here and call a _parse_<section> in parse_config.
_SECTION_KEYS = {
    "storage": _keys(StorageConfig),
    "crawl": _keys(CrawlConfig),
    "sources": _keys(SourceConfig),
    "changes": _keys(ChangesConfig),
    "entities": ("name", "type", "aliases", "parent"),
    "recheck": RECHECK_KEYS,
    "digest": DIGEST_KEYS,
    "browser": _keys(BrowserConfig),
}
