"""Typed, located reads from a parsed TOML document, for config errors that point at a line.

tomllib reports no positions, so Locator finds a table's or key's line by scanning the text, and
every error built by Where names the file, line, scope and problem on one line.
"""

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from apscheduler.triggers.cron import CronTrigger

from crawler.errors import ConfigError, printable

TOML_POS_RE = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
HEADER_RE = re.compile(r"\s*\[\[?([^\[\]]+)\]\]?\s*(?:#.*)?$")
KEY_RE = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")
TYPE_WORDS = {str: "a string", bool: "true or false", int: "an integer", float: "a number"}
TOML_TYPES = ((bool, "boolean"), (str, "string"), (int, "integer"), (float, "float"))
_INTERVAL_RE = re.compile(r"([0-9]{1,6})([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_INTERVAL_DAYS = 3650
T = TypeVar("T")


class Locator:
    """Finds the line of a table header or key in the text, since tomllib reports no positions."""

    def __init__(self, text: str) -> None:
        self.headers: list[tuple[str, int]] = []
        self.keys: list[dict[str, int]] = [{}]  # keys[0]: root; keys[i + 1]: after headers[i]
        for number, line in enumerate(text.split("\n"), start=1):
            if header := HEADER_RE.match(line):
                parts = header[1].split(".")
                self.headers.append((".".join(p.strip().strip("\"'") for p in parts), number))
                self.keys.append({})
            elif key := KEY_RE.match(line):
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
class Where:
    """Where a value sits (file, section, n-th table, scope label), so errors can point at it."""

    file: str
    locator: Locator
    section: str = ""
    index: int = 0
    scope: str = ""

    def error(self, problem: str, key: str | None = None) -> ConfigError:
        line = self.locator.line(self.section, self.index, key)
        parts = [self.file if line is None else f"{self.file}:{line}", self.scope, problem]
        return ConfigError(": ".join(p for p in parts if p))


def q(value: object) -> str:
    """Quote a value the way TOML writes it, escaped so the message stays on one line."""
    return printable(json.dumps(value, ensure_ascii=False))


def show(value: object) -> str:
    """Describe a TOML value and its type for a '(got ...)' hint."""
    if isinstance(value, dict | list):
        return "a table" if isinstance(value, dict) else "an array"
    words = [f"{word} {q(value)}" for kind, word in TOML_TYPES if isinstance(value, kind)]
    return words[0] if words else f"date/time {value}"


def opt(table: Mapping[str, Any], key: str, want: type[T], where: Where) -> T | None:
    """table[key] if present, checked to be a want; a bool is never accepted as a number."""
    if key not in table:
        return None
    value = table[key]
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, want) or (isinstance(value, bool) and want is not bool):
        raise where.error(f"{key} must be {TYPE_WORDS[want]} (got {show(value)})", key)
    return value


def get(table: Mapping[str, Any], key: str, want: type[T], where: Where, default: T) -> T:
    """Like _opt, with a default for a missing key."""
    value = opt(table, key, want, where)
    return default if value is None else value


def check_keys(table: Mapping[str, Any], allowed: Sequence[str], where: Where, noun: str) -> None:
    """Refuse unknown keys with the closest allowed one, since a typo would otherwise be ignored."""
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
            raise where.error(f"unknown {noun} '{printable(key)}'; {hint}", key)


def section_table(data: Mapping[str, Any], section: str, where: Where) -> dict[str, Any]:
    """The [section] table, or {} when absent, so every default applies."""
    value = data.get(section, {})
    if not isinstance(value, dict):
        raise where.error(f"{section} must be a table [{section}] (got {show(value)})", section)
    return value


def parse_interval(text: str) -> timedelta:
    """Turn "30s", "15m", "2h" or "1d" into a timedelta; the error reads well after 'every '."""
    match = _INTERVAL_RE.fullmatch(text)
    if match is None or int(match[1]) == 0:
        raise ValueError(
            f"{q(text)} is not a valid interval; use a positive whole number followed by"
            ' s, m, h or d, like "30s", "15m", "2h" or "1d"'
        )
    seconds = int(match[1]) * _UNIT_SECONDS[match[2]]
    # Timers and waits overflow past ~292 years (threading.TIMEOUT_MAX): refuse long before that.
    if seconds > MAX_INTERVAL_DAYS * 86400:
        raise ValueError(f"{q(text)} is too long; use at most {MAX_INTERVAL_DAYS}d")
    return timedelta(seconds=seconds)


def cron(table: Mapping[str, Any], where: Where, key: str = "schedule") -> str | None:
    """Validate a 5-field cron string now, so a typo fails at load time and not at 3 a.m."""
    text = opt(table, key, str, where)
    try:
        if text is not None:
            trigger = CronTrigger.from_crontab(text, timezone="UTC")
            # A weekday number would silently shift by one day, so only names are accepted.
            if any(c.isdigit() for c in re.sub(r"/\d+", "", text.split()[4])):
                raise ValueError("cron counts weekdays from Sunday = 0, APScheduler 3 from Monday")
            for field_text in text.split():
                entries = field_text.split(",")
                if len(entries) != len(set(entries)):
                    raise ValueError(f"{q(field_text)} lists a value more than once")
            if trigger.get_next_fire_time(None, datetime.now(UTC)) is None:
                raise ValueError("it never fires: no date has that day, month and weekday")
    except ValueError as exc:
        fix = 'use "minute hour day month weekday" with weekday names, like "0 6 * * mon-fri"'
        raise where.error(f"{key} {q(text)} is invalid ({exc}); {fix}", key) from None
    return text


def local_path(text: str) -> Path:
    """A path as written, "~" expanded. ValueError, worded to follow the path, for a NUL or a
    "~user" that cannot be expanded: either would fail at the first write, not at load."""
    if "\x00" in text:
        raise ValueError("contains a NUL character; remove it")
    try:
        return Path(text).expanduser()
    except RuntimeError:  # "~nobody/x", or no home directory at all
        raise ValueError('starts with a "~" that cannot be expanded; write the full path') from None
