"""The [recheck] and [digest] tables: when known articles are fetched again, and when digests are
written and sent. Validated like the rest of config.toml, one located line per mistake."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, cast, get_args
from urllib.parse import parse_qsl, urlsplit

from crawler.config.secrets import env_table, read_secret
from crawler.config.toml_checks import (
    Where,
    check_keys,
    cron,
    get,
    local_path,
    opt,
    parse_interval,
    q,
    show,
)
from storage.digest.notify import EmailTarget, WebhookTarget

DigestFormat = Literal["text", "md", "html", "json", "atom"]
DIGEST_FORMATS: tuple[str, ...] = get_args(DigestFormat)
Security = Literal["starttls", "ssl", "none"]

# Young articles change most: check often at first, then less, then stop (as NewsDiffs does).
DEFAULT_STEPS = ("15m until 3h", "1h until 1d", "3h until 7d", "1d until 30d")


@dataclass(frozen=True)
class RecheckStep:
    interval: timedelta  # how often to check ...
    until: timedelta  # ... while the article (or its last edit) is younger than this


@dataclass(frozen=True)
class RecheckConfig:
    """How known articles are fetched again to catch edits."""

    steps: tuple[RecheckStep, ...]
    every: str = "5m"  # how often the recheck job looks for articles that are due
    batch: int = 500  # at most this many articles per recheck run
    enabled: bool = True


@dataclass(frozen=True)
class DigestConfig:
    """When digests are written, in which formats, where, and who is told."""

    schedule: str | None = None  # cron; None (and no every): no scheduled digest
    every: str | None = None  # or an interval, like "12h"
    formats: tuple[DigestFormat, ...] = ("html", "md", "json")
    output: Path = Path("digests")
    webhooks: tuple[WebhookTarget, ...] = ()
    emails: tuple[EmailTarget, ...] = ()


RECHECK_KEYS = ("steps", "every", "batch", "enabled")
DIGEST_KEYS = ("schedule", "every", "formats", "output", "webhooks", "email")
MIN_TOKEN = 6  # a URL path segment or query value this long may be a token: never shown
WEBHOOK_KEYS = ("url", "url_env", "url_file", "headers", "headers_env", "timeout")
EMAIL_KEYS = (
    "host", "port", "security", "username", "password_env", "password_file", "sender", "to",
    "timeout",
)  # fmt: skip


def parse_steps(texts: list[str]) -> tuple[RecheckStep, ...]:
    """["15m until 3h", ...] -> steps; ValueError saying what is wrong with which one."""
    steps: list[RecheckStep] = []
    for text in texts:
        interval, sep, until = text.partition(" until ")
        if not sep:
            raise ValueError(f'{q(text)} is not "<interval> until <age>", like "15m until 3h"')
        step = RecheckStep(parse_interval(interval.strip()), parse_interval(until.strip()))
        if steps and step.until <= steps[-1].until:
            raise ValueError(f"{q(text)}: each step must last longer than the one before")
        steps.append(step)
    return tuple(steps)


def default_recheck() -> RecheckConfig:
    return RecheckConfig(parse_steps(list(DEFAULT_STEPS)))


def parse_recheck(table: Mapping[str, Any], where: Where) -> RecheckConfig:
    check_keys(table, RECHECK_KEYS, where, "key")
    raw = table.get("steps", list(DEFAULT_STEPS))
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw) or not raw:
        fix = 'write steps = ["15m until 3h", "1h until 1d", ...]'
        raise where.error(f"steps must be a non-empty array of strings; {fix}", "steps")
    try:
        steps = parse_steps(raw)
    except ValueError as exc:
        raise where.error(f"steps: {exc}", "steps") from None
    every = get(table, "every", str, where, RecheckConfig.every)
    try:
        parse_interval(every)
    except ValueError as exc:
        raise where.error(f"every {exc}", "every") from None
    batch = get(table, "batch", int, where, RecheckConfig.batch)
    if not 1 <= batch <= 100_000:
        raise where.error(f"batch must be between 1 and 100000 (got {batch})", "batch")
    return RecheckConfig(steps, every, batch, get(table, "enabled", bool, where, True))


def parse_digest(table: Mapping[str, Any], where: Where, base_dir: Path) -> DigestConfig:
    check_keys(table, DIGEST_KEYS, where, "key")
    formats = table.get("formats", list(DigestConfig.formats))
    if (
        not isinstance(formats, list)
        or not formats
        or not all(f in DIGEST_FORMATS for f in formats)
    ):
        choices = ", ".join(DIGEST_FORMATS)
        problem = f"formats must be a non-empty array of {choices} (got {show(formats)})"
        raise where.error(problem, "formats")
    raw_output = get(table, "output", str, where, str(DigestConfig.output))
    try:
        output = local_path(raw_output)
    except ValueError as exc:
        raise where.error(f"output {q(raw_output)} {exc}", "output") from None
    webhooks = tuple(
        _webhook(
            entry,
            replace(where, section="digest.webhooks", index=i, scope=f"webhook #{i + 1}"),
            base_dir,
        )
        for i, entry in enumerate(_tables(table, "webhooks", where))
    )
    emails = tuple(
        _email(
            entry,
            replace(where, section="digest.email", index=i, scope=f"email #{i + 1}"),
            base_dir,
        )
        for i, entry in enumerate(_tables(table, "email", where))
    )
    every = opt(table, "every", str, where)
    if every is not None:
        try:
            parse_interval(every)
        except ValueError as exc:
            raise where.error(f"every {exc}", "every") from None
    schedule = cron(table, where)
    if schedule and every:
        raise where.error("set schedule or every, not both; remove one of them", "every")
    return DigestConfig(
        schedule=schedule,
        every=every,
        formats=tuple(cast(DigestFormat, f) for f in dict.fromkeys(formats)),
        output=output if output.is_absolute() else base_dir / output,
        webhooks=webhooks,
        emails=emails,
    )


def _tables(table: Mapping[str, Any], key: str, where: Where) -> list[dict[str, Any]]:
    raw = table.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        fix = f"write [[digest.{key}]] before each one"
        raise where.error(f"{key} must be an array of tables; {fix}", key)
    return raw


def _webhook(entry: Mapping[str, Any], where: Where, base_dir: Path) -> WebhookTarget:
    """A webhook; its URL (which often holds the token) may come from the environment or a
    file, and then is never shown beyond its host."""
    check_keys(entry, WEBHOOK_KEYS, where, "key")
    if "url" in entry and ("url_env" in entry or "url_file" in entry):
        raise where.error("set url or url_env/url_file, not both; remove one", "url")
    secret_url = read_secret(entry, "url", where, base_dir)
    url = secret_url.value if secret_url else get(entry, "url", str, where, "")
    if not url.lower().startswith(("http://", "https://")):
        got = f"from {secret_url.origin}" if secret_url else f"got {q(url)}"
        raise where.error(f"url must be an http:// or https:// URL ({got})", "url")
    headers = entry.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        fix = 'write headers = { Accept = "application/json" }, or headers_env for secrets'
        raise where.error(f"headers must be a table of strings; {fix}", "headers")
    secret_headers = env_table(entry, "headers_env", where)
    secrets = [s.value for s in secret_headers.values()]
    label = None
    if secret_url:
        parts = urlsplit(url)
        secrets += _url_secrets(url)
        label = f"{parts.scheme}://{parts.hostname}/... (url from {secret_url.origin})"
    timeout = get(entry, "timeout", float, where, WebhookTarget.timeout)
    return WebhookTarget(
        url,
        tuple(headers.items()) + tuple((k, s.value) for k, s in secret_headers.items()),
        timeout,
        label=label,
        secrets=tuple(secrets),
    )


def _url_secrets(url: str) -> list[str]:
    """The parts of a secret URL a server might echo back: itself, its path and query, and
    every long path segment or query value (where tokens live)."""
    parts = urlsplit(url)
    pieces = [url, parts.path, parts.query]
    pieces += [s for s in parts.path.split("/") if len(s) >= MIN_TOKEN]
    pieces += [v for _, v in parse_qsl(parts.query) if len(v) >= MIN_TOKEN]
    return [piece for piece in pieces if len(piece) > 1]


def _email(entry: Mapping[str, Any], where: Where, base_dir: Path) -> EmailTarget:
    check_keys(entry, EMAIL_KEYS, where, "key")
    host = get(entry, "host", str, where, "")
    if not host:
        raise where.error('missing host; add host = "smtp.example.org"', "host")
    recipients = entry.get("to", [])
    if (
        not isinstance(recipients, list)
        or not recipients
        or not all(isinstance(r, str) and "@" in r for r in recipients)
    ):
        raise where.error('to must list the recipients, like to = ["you@example.org"]', "to")
    security = get(entry, "security", str, where, "starttls")
    if security not in get_args(Security):
        problem = f'security must be "starttls", "ssl" or "none" (got {q(security)})'
        raise where.error(problem, "security")
    password = read_secret(entry, "password", where, base_dir)
    default_port = 465 if security == "ssl" else 587
    port = get(entry, "port", int, where, default_port)
    if not 1 <= port <= 65535:
        raise where.error(f"port must be between 1 and 65535 (got {port})", "port")
    return EmailTarget(
        host=host,
        port=port,
        security=cast(Security, security),
        username=opt(entry, "username", str, where),
        password=password.value if password else None,
        sender=get(entry, "sender", str, where, EmailTarget.sender),
        recipients=tuple(recipients),
        timeout=get(entry, "timeout", float, where, EmailTarget.timeout),
    )
