"""[[sources]] tables: each one checked key by key into a SourceConfig."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import urlsplit

from crawler.config.models import (
    _NAME_RE,
    _SECTION_KEYS,
    MAX_ARTICLES_LIMIT,
    MAX_URL_CHARS,
    RELEVANCES,
    RENDERS,
    SOURCE_KINDS,
    Relevance,
    Render,
    SourceConfig,
    SourceKind,
)
from crawler.config.toml_checks import (
    Locator,
    Where,
    check_keys,
    cron,
    get,
    opt,
    parse_interval,
    q,
    show,
)


def _check_url(url: str, where: Where) -> None:
    """Accept only http(s) URLs with a host: file:, ftp: or javascript: URLs are never fetched."""
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # .port raises ValueError on a bad port
    except ValueError:
        raise where.error(f"url is not a valid URL (got {q(url)})", "url") from None
    if len(url) > MAX_URL_CHARS:
        problem = f"url is longer than {MAX_URL_CHARS} characters (got {len(url)})"
        raise where.error(f"{problem}; use the site's short URL", "url")
    if "\x00" in url or "\\" in url:
        problem = "url contains a NUL or a backslash, which browsers and servers read differently"
        raise where.error(f"{problem}; write / for paths (got {q(url)})", "url")
    if parts.username is not None or parts.password is not None:
        fix = "remove the user:password@ part: credentials are never sent from config.toml"
        raise where.error(f"url holds credentials; {fix}", "url")
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
    except (re.error, OverflowError, RecursionError) as exc:  # a{99999999999}; ((((...
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
    # Imported here: parsel and jmespath, which a config without json sources never needs.
    from crawler.json_expressions import check_script, compile_links

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
        max_articles=_max_articles(table, where),
    )


def parse_source(table: Mapping[str, Any], origin: str) -> SourceConfig:
    """One source given outside a file (`labscope try`'s options), checked as a [[sources]]
    table is, so a bad value is the same one-line error; `origin` starts the message."""
    return _parse_source(table, Where(origin, Locator("")))


def _max_articles(table: Mapping[str, Any], where: Where) -> int | None:
    """The per-run article cap if set, 1 to MAX_ARTICLES_LIMIT: 0 would never fetch one."""
    value = opt(table, "max_articles", int, where)
    if value is not None and not 1 <= value <= MAX_ARTICLES_LIMIT:
        rule = f"must be between 1 and {MAX_ARTICLES_LIMIT}"
        raise where.error(f"max_articles {rule} (got {value})", "max_articles")
    return value


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
        except (re.error, OverflowError, RecursionError) as exc:
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
