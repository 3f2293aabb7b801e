"""Load and validate config.toml into frozen dataclasses.

Every mistake becomes one ConfigError line naming file, line, key, problem and fix, because the CLI
prints it as-is. tomllib reports no positions, so _Locator finds lines by scanning the text.
"""

import dataclasses
import difflib
import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from os.path import abspath
from pathlib import Path
from typing import Any, Literal, TypeVar, cast, get_args
from urllib.parse import urlsplit

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from crawler.errors import ConfigError

SourceKind = Literal["feed", "sitemap", "listing", "page"]
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)
DEFAULT_USER_AGENT = "labscope/0.1 (+https://github.com/labscope/labscope)"
DEFAULT_DB_URL = "sqlite:///labscope.db"

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_INTERVAL_RE = re.compile(r"([0-9]{1,6})([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_TOML_POS_RE = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
_HEADER_RE = re.compile(r"\s*\[\[?([^\[\]]+)\]\]?\s*(?:#.*)?$")
_KEY_RE = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")
_TYPE_WORDS = {str: "a string", bool: "true or false", int: "an integer", float: "a number"}
_TOML_TYPES = ((bool, "boolean"), (str, "string"), (int, "integer"), (float, "float"))
T = TypeVar("T")


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


@dataclass(frozen=True)
class Config:
    """A whole validated config.toml."""

    path: Path | None  # as the user gave it; None for a built-in config
    storage: StorageConfig
    crawl: CrawlConfig
    sources: tuple[SourceConfig, ...]

    def source(self, name: str) -> SourceConfig:
        """Look a source up by name; an unknown name lists the known ones so the user can fix it."""
        for source in self.sources:
            if source.name == name:
                return source
        names = [source.name for source in self.sources]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {_q(close[0])}? " if close else ""
        known = f"known sources: {', '.join(names)}" if names else "no [[sources]] are configured"
        where = "" if self.path is None else f"{self.path}: "
        raise ConfigError(f"{where}unknown source {_q(name)}; {hint}{known}")


def _keys(cls: type) -> tuple[str, ...]:
    """A section's allowed keys are its dataclass's fields, so the two cannot drift apart."""
    return tuple(field.name for field in dataclasses.fields(cls))


# Allowed keys per section; the top level allows exactly these sections. To add one (e.g. [digest],
# [entities]), add a dataclass, list it here and call a _parse_<section> in parse_config.
_SECTION_KEYS = {
    "storage": _keys(StorageConfig),
    "crawl": _keys(CrawlConfig),
    "sources": _keys(SourceConfig),
}


class _Locator:
    """Finds the line of a table header or key in the text, since tomllib reports no positions."""

    def __init__(self, text: str) -> None:
        self.headers: list[tuple[str, int]] = []
        self.keys: list[dict[str, int]] = [{}]  # keys[0]: root; keys[i + 1]: after headers[i]
        for number, line in enumerate(text.split("\n"), start=1):
            if header := _HEADER_RE.match(line):
                parts = header[1].split(".")
                self.headers.append((".".join(p.strip().strip("\"'") for p in parts), number))
                self.keys.append({})
            elif key := _KEY_RE.match(line):
                self.keys[-1].setdefault(next(g for g in key.groups() if g is not None), number)

    def line(self, section: str, index: int, key: str | None) -> int | None:
        """Line of key in the index-th [section] (else its header); None if written inline."""
        if not section:
            heads = (n for name, n in self.headers if name.split(".")[0] == key)
            return self.keys[0].get(key or "") or next(heads, None)
        blocks = [i for i, (name, _) in enumerate(self.headers) if name == section]
        if index >= len(blocks):
            return None
        return self.keys[blocks[index] + 1].get(key or "", self.headers[blocks[index]][1])


@dataclass(frozen=True)
class _Where:
    """Where a value sits (file, section, n-th table, scope label), so errors can point at it."""

    file: str
    locator: _Locator
    section: str = ""
    index: int = 0
    scope: str = ""

    def error(self, problem: str, key: str | None = None) -> ConfigError:
        line = self.locator.line(self.section, self.index, key)
        parts = [self.file if line is None else f"{self.file}:{line}", self.scope, problem]
        return ConfigError(": ".join(p for p in parts if p).replace("\n", " "))


def _q(value: object) -> str:
    """Quote a value the way TOML writes it, escaped so the message stays on one line."""
    return json.dumps(value, ensure_ascii=False)


def _show(value: object) -> str:
    """Describe a TOML value and its type for a '(got ...)' hint."""
    if isinstance(value, dict | list):
        return "a table" if isinstance(value, dict) else "an array"
    words = [f"{word} {_q(value)}" for kind, word in _TOML_TYPES if isinstance(value, kind)]
    return words[0] if words else f"date/time {value}"


def _opt(table: Mapping[str, Any], key: str, want: type[T], where: _Where) -> T | None:
    """table[key] if present, checked to be a want; a bool is never accepted as a number."""
    if key not in table:
        return None
    value = table[key]
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, want) or (isinstance(value, bool) and want is not bool):
        raise where.error(f"{key} must be {_TYPE_WORDS[want]} (got {_show(value)})", key)
    return value


def _get(table: Mapping[str, Any], key: str, want: type[T], where: _Where, default: T) -> T:
    """Like _opt, with a default for a missing key."""
    value = _opt(table, key, want, where)
    return default if value is None else value


def _check_keys(table: Mapping[str, Any], allowed: Sequence[str], where: _Where, noun: str) -> None:
    """Refuse unknown keys with the closest allowed one, since a typo would otherwise be ignored."""
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
            raise where.error(f"unknown {noun} '{key}'; {hint}", key)


def _table(data: Mapping[str, Any], section: str, where: _Where) -> dict[str, Any]:
    """The [section] table, or {} when absent, so every default applies."""
    value = data.get(section, {})
    if not isinstance(value, dict):
        raise where.error(f"{section} must be a table [{section}] (got {_show(value)})", section)
    return value


def parse_interval(text: str) -> timedelta:
    """Turn "30s", "15m", "2h" or "1d" into a timedelta; the error reads well after 'every '."""
    match = _INTERVAL_RE.fullmatch(text)
    if match is None or int(match[1]) == 0:
        raise ValueError(
            f"{_q(text)} is not a valid interval; use a positive whole number followed by"
            ' s, m, h or d, like "30s", "15m", "2h" or "1d"'
        )
    return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


def resolve_db_url(url: str, base_dir: Path) -> str:
    """Anchor a relative SQLite path at base_dir, so the database does not follow the cwd."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        fix = 'use a SQLAlchemy URL like "sqlite:///labscope.db"'
        raise ConfigError(f"{_q(url)} is not a database URL; {fix}") from None
    db = parsed.database
    if parsed.get_backend_name() != "sqlite" or not db or db == ":memory:":
        return url
    if db.startswith("file:") or Path(db).is_absolute():
        return url
    absolute = abspath(base_dir / Path(db).expanduser())
    return parsed.set(database=absolute).render_as_string(hide_password=False)


def _cron(table: Mapping[str, Any], where: _Where) -> str | None:
    """Validate a 5-field cron string now, so a typo fails at load time and not at 3 a.m."""
    text = _opt(table, "schedule", str, where)
    try:
        if text is not None:
            CronTrigger.from_crontab(text, timezone="UTC")
            # A weekday number would silently shift by one day, so only names are accepted.
            if any(c.isdigit() for c in re.sub(r"/\d+", "", text.split()[4])):
                raise ValueError("cron counts weekdays from Sunday = 0, APScheduler 3 from Monday")
    except ValueError as exc:
        fix = 'use "minute hour day month weekday" with weekday names, like "0 6 * * mon-fri"'
        raise where.error(f"schedule {_q(text)} is invalid ({exc}); {fix}", "schedule") from None
    return text


def _check_url(url: str, where: _Where) -> None:
    """Accept only http(s) URLs with a host: file:, ftp: or javascript: URLs are never fetched."""
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # .port raises ValueError on a bad port
    except ValueError:
        raise where.error(f"url is not a valid URL (got {_q(url)})", "url") from None
    if any(c.isspace() for c in url) or parts.scheme.lower() not in ("http", "https"):
        raise where.error(f"url must be an http:// or https:// URL (got {_q(url)})", "url")
    if not host:
        fix = 'write it like "https://example.com/news"'
        raise where.error(f"url has no host; {fix} (got {_q(url)})", "url")


def _follow(table: Mapping[str, Any], kind: str, where: _Where) -> re.Pattern[str] | None:
    """Compile follow, which only a listing source uses (to pick the article links)."""
    pattern = _opt(table, "follow", str, where)
    if kind == "listing" and pattern is None:
        raise where.error('kind "listing" needs follow = "<regex matching article URLs>"', "kind")
    if kind != "listing" and pattern is not None:
        problem = f'follow only applies to kind "listing", not {_q(kind)}'
        raise where.error(f"{problem}; remove it", "follow")
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise where.error(f"follow {_q(pattern)} is not a valid regex ({exc})", "follow") from None


def _parse_source(table: Mapping[str, Any], where: _Where) -> SourceConfig:
    """Validate one [[sources]] table; its scope label is its name once the name is usable."""
    raw_name = table.get("name")
    if isinstance(raw_name, str) and _NAME_RE.fullmatch(raw_name):
        where = dataclasses.replace(where, scope=f"source {_q(raw_name)}")
    _check_keys(table, _SECTION_KEYS["sources"], where, "key")
    for key, example in (("name", '"qwen-blog"'), ("kind", '"feed"'), ("url", '"https://..."')):
        if key not in table:
            raise where.error(f"missing {key}; add {key} = {example}")
    name = _get(table, "name", str, where, "")
    if not _NAME_RE.fullmatch(name):
        rule = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        raise where.error(f"name must be {rule} (got {_q(name)})", "name")
    kind = _get(table, "kind", str, where, "")
    if kind not in SOURCE_KINDS:
        raise where.error(f"kind must be one of {', '.join(SOURCE_KINDS)} (got {_q(kind)})", "kind")
    url = _get(table, "url", str, where, "")
    _check_url(url, where)
    follow = _follow(table, kind, where)
    schedule = _cron(table, where)
    every = _opt(table, "every", str, where)
    if every is not None:
        try:
            parse_interval(every)
        except ValueError as exc:
            raise where.error(f"every {exc}", "every") from None
    if schedule is not None and every is not None:
        raise where.error("set schedule or every, not both; remove one of them", "every")
    enabled = _get(table, "enabled", bool, where, True)
    return SourceConfig(name, cast(SourceKind, kind), url, follow, schedule, every, enabled)


def _parse_sources(data: Mapping[str, Any], top: _Where) -> tuple[SourceConfig, ...]:
    """Validate every [[sources]] table and refuse duplicate names."""
    raw = data.get("sources", [])
    if not isinstance(raw, list):
        fix = "write [[sources]] (two brackets) before each source"
        raise top.error(f"sources must be an array of tables; {fix} (got {_show(raw)})", "sources")
    sources: list[SourceConfig] = []
    first: dict[str, int] = {}
    for index, table in enumerate(raw):
        where = _Where(top.file, top.locator, "sources", index, f"source #{index + 1}")
        if not isinstance(table, dict):
            raise where.error(f"must be a table with name, kind and url (got {_show(table)})")
        source = _parse_source(table, where)
        if source.name in first:
            line = top.locator.line("sources", first[source.name], "name")
            other = f"source #{first[source.name] + 1}" if line is None else f"line {line}"
            where = dataclasses.replace(where, scope=f"source {_q(source.name)}")
            fix = "give each source a unique name"
            raise where.error(f"name already used at {other}; {fix}", "name")
        first[source.name] = index
        sources.append(source)
    return tuple(sources)


def _parse_storage(table: Mapping[str, Any], where: _Where, base_dir: Path) -> StorageConfig:
    """Validate [storage]; a relative SQLite path is anchored at the config's folder."""
    _check_keys(table, _SECTION_KEYS["storage"], where, "key")
    url = _get(table, "url", str, where, DEFAULT_DB_URL)
    try:
        return StorageConfig(resolve_db_url(url, base_dir))
    except ConfigError as exc:
        raise where.error(f"url {exc}", "url") from None


def _parse_crawl(table: Mapping[str, Any], where: _Where) -> CrawlConfig:
    """Validate [crawl] types, then ranges; a missing key keeps the dataclass default."""
    _check_keys(table, _SECTION_KEYS["crawl"], where, "key")
    d = CrawlConfig()
    crawl = CrawlConfig(
        user_agent=_get(table, "user_agent", str, where, d.user_agent),
        obey_robots=_get(table, "obey_robots", bool, where, d.obey_robots),
        delay=_get(table, "delay", float, where, d.delay),
        concurrency=_get(table, "concurrency", int, where, d.concurrency),
        timeout=_get(table, "timeout", float, where, d.timeout),
        max_page_bytes=_get(table, "max_page_bytes", int, where, d.max_page_bytes),
        schedule=_cron(table, where),
    )
    for key, ok, rule in (
        ("user_agent", crawl.user_agent.strip() != "", "must not be empty"),
        ("delay", 0 <= crawl.delay < math.inf, "must be 0 or more seconds"),
        ("concurrency", 1 <= crawl.concurrency <= 256, "must be between 1 and 256"),
        ("timeout", 0 < crawl.timeout < math.inf, "must be more than 0 seconds"),
        ("max_page_bytes", crawl.max_page_bytes >= 1024, "must be at least 1024"),
    ):
        if not ok:
            raise where.error(f"{key} {rule} (got {_q(table[key])})", key)
    return crawl


def parse_config(text: str, path: Path | None = None, base_dir: Path | None = None) -> Config:
    """Parse config TOML; base_dir (default: the file's folder, else the cwd) anchors SQLite."""
    file = "<config>" if path is None else str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if pos := _TOML_POS_RE.search(message):
            line = pos[1] or str(text.rstrip().count("\n") + 1)
            file, message = f"{file}:{line}", message[: pos.start()]
        raise ConfigError(f"{file}: invalid TOML: {message}") from None
    top = _Where(file, _Locator(text))
    _check_keys(data, list(_SECTION_KEYS), top, "section")
    where = {name: _Where(file, top.locator, name, 0, f"[{name}]") for name in _SECTION_KEYS}
    if base_dir is None:
        base_dir = Path.cwd() if path is None else path.parent
    storage = _parse_storage(_table(data, "storage", top), where["storage"], base_dir)
    crawl = _parse_crawl(_table(data, "crawl", top), where["crawl"])
    return Config(path, storage, crawl, _parse_sources(data, top))


def load_config(path: Path) -> Config:
    """Read and parse the file; I/O problems become ConfigError like any other config mistake."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        fix = "pass --config PATH or set LABSCOPE_CONFIG"
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
