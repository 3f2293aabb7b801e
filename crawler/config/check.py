"""Every mistake in a config file at once, for `labscope check`.

`load_config` stops at the first mistake, which is right for a crawl (it must not start on a
half-valid config) but slow to fix by: one run per typo. Here each section and each [[sources]]
table is validated on its own with the loader's own section parsers, so the messages are exactly
the loader's and cannot drift from it. Mistakes that stop the whole file from being read
(unreadable, not UTF-8, invalid TOML) are the one error there is.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawler.config.load import (
    _parse_browser,
    _parse_changes,
    _parse_crawl,
    _parse_entities,
    _parse_storage,
    load_config,
)
from crawler.config.models import _SECTION_KEYS, Config
from crawler.config.schedule import parse_digest, parse_recheck
from crawler.config.sources import _parse_source
from crawler.config.toml_checks import Locator, Where, check_keys, q, section_table
from crawler.errors import ConfigError
from crawler.files import read_config_text


def check_config(path: Path) -> tuple[Config | None, list[ConfigError]]:
    """The loaded config and no errors, or None and every error found (at least one)."""
    try:
        return load_config(path), []
    except ConfigError as first:
        unique = {str(error): error for error in _every_error(path)}
        if str(first) not in unique:  # a mistake only the whole file shows: it comes first
            return None, [first, *unique.values()]
        return None, list(unique.values())


def _every_error(path: Path) -> list[ConfigError]:
    """Each section's and each source's first mistake; [] when the file cannot be parsed."""
    try:
        text = read_config_text(path)
        data = tomllib.loads(text)
    except (ConfigError, tomllib.TOMLDecodeError, RecursionError):
        return []  # load_config's own message says it best
    file = str(path)
    top = Where(file, Locator(text))
    errors: list[ConfigError] = []

    def attempt(step: Callable[[], Any]) -> None:
        try:
            step()
        except ConfigError as exc:
            errors.append(exc)

    attempt(lambda: check_keys(data, list(_SECTION_KEYS), top, "section"))
    sections: dict[str, Callable[[dict[str, Any], Where], Any]] = {
        "storage": lambda table, where: _parse_storage(table, where, path.parent),
        "crawl": _parse_crawl,
        "changes": _parse_changes,
        "recheck": parse_recheck,
        "digest": lambda table, where: parse_digest(table, where, path.parent),
        "browser": _parse_browser,
    }
    for name, parse in sections.items():
        where = Where(file, top.locator, name, 0, f"[{name}]")
        attempt(lambda: parse(section_table(data, name, top), where))  # noqa: B023 (called now)
    attempt(lambda: _parse_entities(data, top))
    raw = data.get("sources", [])
    if isinstance(raw, list):
        errors.extend(_source_errors(raw, top))
    return errors


def _source_errors(raw: list[Any], top: Where) -> list[ConfigError]:
    """Each [[sources]] table's first mistake, and every name used twice."""
    errors: list[ConfigError] = []
    first: dict[str, int] = {}
    for index, table in enumerate(raw):
        where = Where(top.file, top.locator, "sources", index, f"source #{index + 1}")
        if not isinstance(table, dict):
            continue  # not a table: the loader's message is the one error for it
        try:
            name = _parse_source(table, where).name
        except ConfigError as exc:
            errors.append(exc)
            continue
        if name in first:
            line = top.locator.line("sources", first[name], "name")
            other = f"source #{first[name] + 1}" if line is None else f"line {line}"
            named = Where(top.file, top.locator, "sources", index, f"source {q(name)}")
            errors.append(
                named.error(f"name already used at {other}; give each source a unique name", "name")
            )
        first.setdefault(name, index)
    return errors
