"""Load and validate config.toml into frozen dataclasses.

Every mistake becomes one ConfigError line naming file, line, key, problem and fix, because the CLI
prints it as-is; crawler/toml_checks.py finds the lines, since tomllib reports no positions.
"""

import dataclasses
import difflib
import logging
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from os.path import abspath
from pathlib import Path
from typing import Any, Literal, cast, get_args
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from crawler.entity_kb import ENTITY_TYPES, Entity, EntityType
from crawler.entity_kb import key as match_key
from crawler.errors import ConfigError
from crawler.schedule_config import (
    DIGEST_KEYS,
    RECHECK_KEYS,
    DigestConfig,
    RecheckConfig,
    default_recheck,
    parse_digest,
    parse_recheck,
)
from crawler.toml_checks import (
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
from crawler.urls import Tracking, tracking_rules
from storage.changes import ChangeRules

SourceKind = Literal["feed", "sitemap", "listing", "page", "json"]
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)
Relevance = Literal["all", "entities"]
RELEVANCES: tuple[str, ...] = get_args(Relevance)
Render = Literal["plain", "browser"]
RENDERS: tuple[str, ...] = get_args(Render)
DEFAULT_USER_AGENT = "labscope/0.1 (+https://github.com/labscope/labscope)"
DEFAULT_DB_URL = "sqlite:///labscope.db"

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
logger = logging.getLogger(__name__)


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

    def change_rules(self) -> dict[str, ChangeRules]:
        """Each source's noise rules: the global ignore patterns, then its own."""
        return {source.name: self.rules_for(source.name) for source in self.sources}

    def rules_for(self, name: str) -> ChangeRules:
        """One source's noise rules (only the global ones for a source no longer configured)."""
        own = next((source.ignore for source in self.sources if source.name == name), ())
        return ChangeRules(self.changes.ignore + own)

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


def _check_url(url: str, where: Where) -> None:
    """Accept only http(s) URLs with a host: file:, ftp: or javascript: URLs are never fetched."""
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # .port raises ValueError on a bad port
    except ValueError:
        raise where.error(f"url is not a valid URL (got {q(url)})", "url") from None
    if any(c.isspace() for c in url) or parts.scheme.lower() not in ("http", "https"):
        raise where.error(f"url must be an http:// or https:// URL (got {q(url)})", "url")
    if not host:
        fix = 'write it like "https://example.com/news"'
        raise where.error(f"url has no host; {fix} (got {q(url)})", "url")


def _follow(table: Mapping[str, Any], kind: str, where: Where) -> re.Pattern[str] | None:
    """Compile follow, which only a listing source uses (to pick the article links)."""
    pattern = opt(table, "follow", str, where)
    if kind == "listing" and pattern is None:
        raise where.error('kind "listing" needs follow = "<regex matching article URLs>"', "kind")
    if kind != "listing" and pattern is not None:
        problem = f'follow only applies to kind "listing", not {q(kind)}'
        raise where.error(f"{problem}; remove it", "follow")
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise where.error(f"follow {q(pattern)} is not a valid regex ({exc})", "follow") from None


def _json_keys(table: Mapping[str, Any], kind: str, where: Where) -> tuple[str | None, str | None]:
    """Check links (JMESPath) and script (CSS), which only a json source uses."""
    links = opt(table, "links", str, where)
    script = opt(table, "script", str, where)
    if kind == "json" and links is None:
        fix = 'links = "<JMESPath yielding URLs or objects with a url>"'
        raise where.error(f'kind "json" needs {fix}', "kind")
    for key, value in (("links", links), ("script", script)):
        if kind != "json" and value is not None:
            raise where.error(f'{key} only applies to kind "json", not {q(kind)}; remove it', key)
    if links is None and script is None:
        return links, script
    # Imported here: it loads Scrapy's selectors, which a config without json sources never needs.
    from crawler.json_links import check_script, compile_links

    try:
        if links is not None:
            compile_links(links)
    except ValueError as exc:
        raise where.error(f"links {q(links)} {exc}", "links") from None
    try:
        if script is not None:
            check_script(script)
    except ValueError as exc:
        raise where.error(f"script {q(script)} {exc}", "script") from None
    return links, script


def _parse_source(table: Mapping[str, Any], where: Where) -> SourceConfig:
    """Validate one [[sources]] table; its scope label is its name once the name is usable."""
    raw_name = table.get("name")
    if isinstance(raw_name, str) and _NAME_RE.fullmatch(raw_name):
        where = dataclasses.replace(where, scope=f"source {q(raw_name)}")
    check_keys(table, _SECTION_KEYS["sources"], where, "key")
    for key, example in (("name", '"qwen-blog"'), ("kind", '"feed"'), ("url", '"https://..."')):
        if key not in table:
            raise where.error(f"missing {key}; add {key} = {example}")
    name = get(table, "name", str, where, "")
    if not _NAME_RE.fullmatch(name):
        rule = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        raise where.error(f"name must be {rule} (got {q(name)})", "name")
    kind = get(table, "kind", str, where, "")
    if kind not in SOURCE_KINDS:
        raise where.error(f"kind must be one of {', '.join(SOURCE_KINDS)} (got {q(kind)})", "kind")
    url = get(table, "url", str, where, "")
    _check_url(url, where)
    follow = _follow(table, kind, where)
    links, script = _json_keys(table, kind, where)
    schedule = cron(table, where)
    every = opt(table, "every", str, where)
    if every is not None:
        try:
            parse_interval(every)
        except ValueError as exc:
            raise where.error(f"every {exc}", "every") from None
    if schedule is not None and every is not None:
        raise where.error("set schedule or every, not both; remove one of them", "every")
    enabled = get(table, "enabled", bool, where, True)
    ignore = _patterns(table, "ignore", where)
    relevance = _get_relevance(table, where)
    render = get(table, "render", str, where, "plain")
    if render not in RENDERS:
        choices = " or ".join(q(r) for r in RENDERS)
        raise where.error(f"render must be {choices} (got {q(render)})", "render")
    return SourceConfig(
        name,
        cast(SourceKind, kind),
        url,
        follow,
        schedule,
        every,
        enabled,
        ignore,
        relevance,
        links=links,
        script=script,
        render=cast(Render, render),
    )


def parse_source(table: Mapping[str, Any], origin: str) -> SourceConfig:
    """One source given outside a file (`labscope try`'s options), checked as a [[sources]]
    table is, so a bad value is the same one-line error; `origin` starts the message."""
    return _parse_source(table, Where(origin, Locator("")))


def _patterns(table: Mapping[str, Any], key: str, where: Where) -> tuple[re.Pattern[str], ...]:
    """A list of regexes, each compiled now so a typo fails at load time."""
    raw = table.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        fix = f"write {key} = ['regex', ...]"
        raise where.error(f"{key} must be an array of strings; {fix} (got {show(raw)})", key)
    compiled = []
    for pattern in raw:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise where.error(f"{key} {q(pattern)} is not a valid regex ({exc})", key) from None
    return tuple(compiled)


_TRACKING_ENTRY = re.compile(r"[A-Za-z0-9_.\-\[\]*]+(=[^=&#\s]+)?")


def _tracking_params(table: Mapping[str, Any], where: Where) -> tuple[str, ...]:
    """Extra query parameters to drop: `name`, `prefix_*` or `name=value`."""
    raw = table.get("tracking_params", [])
    fix = "write tracking_params = ['ref', 'ktm_*', 'f=rss']"
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise where.error(
            f"tracking_params must be an array of strings; {fix} (got {show(raw)})",
            "tracking_params",
        )
    for entry in raw:
        if not _TRACKING_ENTRY.fullmatch(entry):
            raise where.error(
                f"tracking_params entry {q(entry)} is not a parameter name, prefix_* or "
                f"name=value; {fix}",
                "tracking_params",
            )
    return tuple(raw)


def _get_relevance(table: Mapping[str, Any], where: Where) -> Relevance:
    relevance = get(table, "relevance", str, where, "all")
    if relevance not in RELEVANCES:
        choices = " or ".join(q(r) for r in RELEVANCES)
        raise where.error(f"relevance must be {choices} (got {q(relevance)})", "relevance")
    return cast(Relevance, relevance)


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
        ("workers", crawl.workers is None or 0 <= crawl.workers <= 64, "must be 0 to 64"),
    ):
        if not ok:
            raise where.error(f"{key} {rule} (got {q(table[key])})", key)
    return crawl


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
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        fix = "write one with `labscope init`, try `labscope demo`, or pass --config PATH"
        raise ConfigError(f"{path}: no such file; {fix}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory; pass the path of a .toml file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror}); check its permissions") from None
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM, as some Windows editors write
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problem = f"not valid UTF-8 (byte 0x{data[exc.start]:02x})"
        raise ConfigError(f"{path}:{line}: {problem}; save the file as UTF-8") from None
    return parse_config(text, path)
