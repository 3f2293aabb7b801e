"""Load and validate config.toml into frozen dataclasses.

Every mistake becomes one ConfigError line naming file, line, key, problem and fix, because the CLI
prints it as-is; crawler/config/toml_checks.py finds the lines, since tomllib reports no positions.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import tomllib
from collections.abc import Mapping
from os.path import abspath
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from crawler.config.models import (
    _SECTION_KEYS,
    DEFAULT_DB_URL,
    MAX_PAGE_BYTES_LIMIT,
    BrowserConfig,
    ChangesConfig,
    Config,
    CrawlConfig,
    SourceConfig,
    StorageConfig,
)
from crawler.config.schedule import parse_digest, parse_recheck
from crawler.config.sources import _max_articles, _parse_source, _patterns, _tracking_params
from crawler.config.toml_checks import (
    TOML_POS_RE,
    Locator,
    Where,
    check_keys,
    cron,
    get,
    local_path,
    opt,
    parse_interval,
    q,
    section_table,
    show,
)
from crawler.entities.kb import ENTITY_TYPES, Entity, EntityType
from crawler.entities.kb import key as match_key
from crawler.errors import ConfigError
from crawler.files import read_config_text

logger = logging.getLogger(__name__)


def resolve_db_url(url: str, base_dir: Path) -> str:
    """Anchor a relative SQLite path at base_dir, so the database does not follow the cwd."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        fix = 'use a SQLAlchemy URL like "sqlite:///labscope.db"'
        raise ConfigError(f"{q(url)} is not a database URL; {fix}") from None
    db = parsed.database
    if parsed.get_backend_name() != "sqlite" or not db or db == ":memory:":
        return url
    if db.startswith("file:"):
        return url
    try:
        path = local_path(db)
    except ValueError as exc:
        raise ConfigError(f"{q(url)}: the database path {exc}") from None
    if Path(db).is_absolute():
        return url
    absolute = abspath(base_dir / path)
    return parsed.set(database=absolute).render_as_string(hide_password=False)


def _parse_changes(table: Mapping[str, Any], where: Where) -> ChangesConfig:
    """Validate [changes]: what the change tracker ignores and what it calls minor."""
    check_keys(table, _SECTION_KEYS["changes"], where, "key")
    min_change = get(table, "min_change", int, where, ChangesConfig.min_change)
    if min_change < 0:
        raise where.error(
            f"min_change must be 0 or more characters (got {min_change})", "min_change"
        )
    if "min_change" in table:
        _deprecated(where.error(MIN_CHANGE_DEPRECATED, "min_change"))
    return ChangesConfig(_patterns(table, "ignore", where), min_change)


MIN_CHANGE_DEPRECATED = (
    "min_change is no longer used and is ignored: an edit is minor only when it changes "
    "nothing but whitespace, punctuation, quotes or case, and one word or figure changed is an "
    "edit; remove the key (ignore patterns silence what changes on every visit)"
)
_warned: set[str] = set()


def _deprecated(notice: ConfigError) -> None:
    """Log a deprecation once per process: the CLI loads its config more than once."""
    if str(notice) not in _warned:
        _warned.add(str(notice))
        logger.warning("%s", notice)


def _parse_sources(data: Mapping[str, Any], top: Where) -> tuple[SourceConfig, ...]:
    """Validate every [[sources]] table and refuse duplicate names."""
    raw = data.get("sources", [])
    if not isinstance(raw, list):
        fix = "write [[sources]] (two brackets) before each source"
        raise top.error(f"sources must be an array of tables; {fix} (got {show(raw)})", "sources")
    sources: list[SourceConfig] = []
    first: dict[str, int] = {}
    for index, table in enumerate(raw):
        where = Where(top.file, top.locator, "sources", index, f"source #{index + 1}")
        if not isinstance(table, dict):
            raise where.error(f"must be a table with name, kind and url (got {show(table)})")
        source = _parse_source(table, where)
        if source.name in first:
            line = top.locator.line("sources", first[source.name], "name")
            other = f"source #{first[source.name] + 1}" if line is None else f"line {line}"
            where = dataclasses.replace(where, scope=f"source {q(source.name)}")
            fix = "give each source a unique name"
            raise where.error(f"name already used at {other}; {fix}", "name")
        first[source.name] = index
        sources.append(source)
    return tuple(sources)


def _parse_storage(table: Mapping[str, Any], where: Where, base_dir: Path) -> StorageConfig:
    """Validate [storage]; a relative SQLite path is anchored at the config's folder."""
    check_keys(table, _SECTION_KEYS["storage"], where, "key")
    url = get(table, "url", str, where, DEFAULT_DB_URL)
    try:
        return StorageConfig(resolve_db_url(url, base_dir))
    except ConfigError as exc:
        raise where.error(f"url {exc}", "url") from None


def _parse_crawl(table: Mapping[str, Any], where: Where) -> CrawlConfig:
    """Validate [crawl] types, then ranges; a missing key keeps the dataclass default."""
    check_keys(table, _SECTION_KEYS["crawl"], where, "key")
    d = CrawlConfig()
    crawl = CrawlConfig(
        user_agent=get(table, "user_agent", str, where, d.user_agent),
        obey_robots=get(table, "obey_robots", bool, where, d.obey_robots),
        delay=get(table, "delay", float, where, d.delay),
        concurrency=get(table, "concurrency", int, where, d.concurrency),
        timeout=get(table, "timeout", float, where, d.timeout),
        max_page_bytes=get(table, "max_page_bytes", int, where, d.max_page_bytes),
        schedule=cron(table, where),
        time_limit=get(table, "time_limit", str, where, d.time_limit),
        workers=opt(table, "workers", int, where),
        tracking_params=_tracking_params(table, where),
        allow_private=get(table, "allow_private", bool, where, d.allow_private),
        max_articles=_max_articles(table, where) or d.max_articles,
        frontier=_frontier(table, where),
    )
    try:
        parse_interval(crawl.time_limit)
    except ValueError as exc:
        raise where.error(f"time_limit {exc}", "time_limit") from None
    for key, ok, rule in (
        ("user_agent", crawl.user_agent.strip() != "", "must not be empty"),
        ("user_agent", crawl.user_agent.isprintable(), "must be printable text on one line"),
        ("delay", 0 <= crawl.delay < math.inf, "must be 0 or more seconds"),
        ("concurrency", 1 <= crawl.concurrency <= 256, "must be between 1 and 256"),
        ("timeout", 0 < crawl.timeout < math.inf, "must be more than 0 seconds"),
        ("max_page_bytes", crawl.max_page_bytes >= 1024, "must be at least 1024"),
        (
            "max_page_bytes",
            crawl.max_page_bytes <= MAX_PAGE_BYTES_LIMIT,
            f"must be at most {MAX_PAGE_BYTES_LIMIT} (1 GiB)",
        ),
        ("workers", crawl.workers is None or 0 <= crawl.workers <= 64, "must be 0 to 64"),
    ):
        if not ok:
            raise where.error(f"{key} {rule} (got {q(table[key])})", key)
    return crawl


FRONTIER_SCHEMES = ("redis", "rediss", "unix")
FRONTIER_EXAMPLE = 'write frontier = "redis://127.0.0.1:6379/0"'


def _frontier(table: Mapping[str, Any], where: Where) -> str | None:
    """[crawl] frontier: a Redis URL, checked here (redis-py is imported only by the crawl that
    uses it), so a typo is a config error at load, not a connection error mid-crawl."""
    url = opt(table, "frontier", str, where)
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        port, db = parts.port, parts.path.strip("/")  # a port that is not a number raises
    except ValueError as exc:
        why = f"frontier is not a URL ({exc}); {FRONTIER_EXAMPLE}"
        raise where.error(why, "frontier") from None
    problem: str | None = None
    if parts.scheme not in FRONTIER_SCHEMES:
        problem = f"must start with {', '.join(s + '://' for s in FRONTIER_SCHEMES)}"
    elif parts.scheme != "unix" and not parts.hostname:
        problem = "names no host"
    elif port == 0:
        problem = "port must be 1 to 65535"
    elif parts.scheme != "unix" and db and not db.isdigit():
        problem = "must end with a database number (/0)"
    elif parts.scheme == "unix" and not parts.path:
        problem = "names no socket path"
    if problem:
        raise where.error(f"frontier {problem}; {FRONTIER_EXAMPLE} (got {q(url)})", "frontier")
    return url


def _parse_browser(table: Mapping[str, Any], where: Where) -> BrowserConfig:
    """Validate [browser]; whether the executable exists is checked only when a crawl needs it."""
    check_keys(table, _SECTION_KEYS["browser"], where, "key")
    d = BrowserConfig()
    executable = get(table, "executable", str, where, d.executable)
    if not executable.strip() or not executable.isprintable():
        fix = 'write executable = "/usr/bin/chromium"'
        raise where.error(f"executable must be a path; {fix} (got {q(executable)})", "executable")
    pages = get(table, "pages", int, where, d.pages)
    if not 1 <= pages <= 16:
        raise where.error(f"pages must be between 1 and 16 (got {pages})", "pages")
    return BrowserConfig(executable, pages)


def parse_config(text: str, path: Path | None = None, base_dir: Path | None = None) -> Config:
    """Parse config TOML; base_dir (default: the file's folder, else the cwd) anchors SQLite."""
    file = "<config>" if path is None else str(path)
    try:
        data = tomllib.loads(text)
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise ConfigError(f"{file}: invalid TOML: arrays or tables nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if pos := TOML_POS_RE.search(message):
            line = pos[1] or str(text.rstrip().count("\n") + 1)
            file, message = f"{file}:{line}", message[: pos.start()]
        raise ConfigError(f"{file}: invalid TOML: {message}") from None
    top = Where(file, Locator(text))
    check_keys(data, list(_SECTION_KEYS), top, "section")
    where = {name: Where(file, top.locator, name, 0, f"[{name}]") for name in _SECTION_KEYS}
    if base_dir is None:
        base_dir = Path.cwd() if path is None else path.parent
    storage = _parse_storage(section_table(data, "storage", top), where["storage"], base_dir)
    crawl = _parse_crawl(section_table(data, "crawl", top), where["crawl"])
    changes = _parse_changes(section_table(data, "changes", top), where["changes"])
    entities = _parse_entities(data, top)
    recheck = parse_recheck(section_table(data, "recheck", top), where["recheck"])
    digest = parse_digest(section_table(data, "digest", top), where["digest"], base_dir)
    browser = _parse_browser(section_table(data, "browser", top), where["browser"])
    sources = _parse_sources(data, top)
    return Config(path, storage, crawl, sources, changes, entities, recheck, digest, browser)


def _parse_entities(data: Mapping[str, Any], top: Where) -> tuple[Entity, ...]:
    """Validate [[entities]]: the user's labs, models and people, with their aliases."""
    raw = data.get("entities", [])
    if not isinstance(raw, list):
        fix = "write [[entities]] (two brackets) before each entity"
        raise top.error(f"entities must be an array of tables; {fix} (got {show(raw)})", "entities")
    entities = []
    for index, entry in enumerate(raw):
        where = Where(top.file, top.locator, "entities", index, f"entity #{index + 1}")
        if not isinstance(entry, dict):
            raise where.error(f"must be a table with name and type (got {show(entry)})")
        check_keys(entry, _SECTION_KEYS["entities"], where, "key")
        for key, example in (("name", '"Manus"'), ("type", '"company"')):
            if key not in entry:
                raise where.error(f"missing {key}; add {key} = {example}")
        # A name or alias of only spaces and punctuation would match every such lookup ("", "-").
        name = get(entry, "name", str, where, "").strip()
        if not match_key(name):
            raise where.error("name must not be empty or only punctuation", "name")
        where = dataclasses.replace(where, scope=f"entity {q(name)}")
        kind = get(entry, "type", str, where, "")
        if kind not in ENTITY_TYPES:
            choices = ", ".join(ENTITY_TYPES)
            raise where.error(f"type must be one of {choices} (got {q(kind)})", "type")
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and match_key(a) for a in aliases
        ):
            fix = 'write aliases = ["...", ...], none empty or only punctuation'
            raise where.error(f"aliases must be an array of names; {fix}", "aliases")
        parent = opt(entry, "parent", str, where)
        entities.append(Entity(name, cast(EntityType, kind), tuple(aliases), parent))
    return tuple(entities)


def load_config(path: Path) -> Config:
    """Read and parse the file; I/O problems become ConfigError like any other config mistake."""
    return parse_config(read_config_text(path), path)
