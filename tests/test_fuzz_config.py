"""Fuzzing (hypothesis) of config.toml loading: raw text and bytes, and TOML documents built for
the known sections and keys with wrong types and values. Every mistake is one ConfigError line
that names the file and a line or key; every valid value comes back as written.
"""

from __future__ import annotations

import math
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_fuzz import messy_text

from crawler.config import Config, load_config, parse_config
from crawler.entities.kb import KnowledgeBase
from crawler.errors import ConfigError

FILE = Path("config.toml")
SECTIONS = {
    "storage": ["url"],
    "crawl": [
        "user_agent", "obey_robots", "delay", "concurrency", "timeout", "max_page_bytes",
        "schedule", "time_limit", "workers",
    ],
    "sources": [
        "name", "kind", "url", "follow", "schedule", "every", "enabled", "ignore", "relevance",
    ],
    "changes": ["ignore", "min_change"],
    "entities": ["name", "type", "aliases", "parent"],
    "recheck": ["steps", "every", "batch", "enabled"],
    "digest": ["schedule", "every", "formats", "output", "webhooks", "email"],
}  # fmt: skip
ARRAYS_OF_TABLES = ("sources", "entities")
NESTED_KEYS = [
    "url", "url_env", "url_file", "headers", "headers_env", "timeout", "host", "port",
    "security", "username", "password_env", "password_file", "sender", "to",
]  # fmt: skip
# Values that pass the first check of some key, so documents get past it to the next one.
PLAUSIBLE = [
    "a", "feed", "listing", "https://a.com/", "lab", "15m until 3h", "15m", "0 6 * * mon",
    "html", ["html"], "smtp.example.org", ["a@b"], "sqlite:///x.db", "~no-such-user-x/x",
    "sqlite:///~no-such-user-x/x.db", "[", "(?P<", "entities", "starttls", "-", "", 0, 1, -1,
    300, 2.5,
]  # fmt: skip


def _string(text: str) -> str:
    """A TOML basic string: quotes, backslashes, controls and DEL escaped, the rest as is."""
    escaped = "".join(
        "\\" + char
        if char in '"\\'
        else (f"\\u{ord(char):04x}" if ord(char) < 0x20 or ord(char) == 0x7F else char)
        for char in text
    )
    return f'"{escaped}"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{_string(k)} = {_value(v)}" for k, v in value.items()) + "}"


def toml_text(document: dict[str, Any]) -> str:
    """The document as TOML: [section] and [[array]] headers, one key per line."""
    lines: list[str] = []
    for name, section in document.items():
        for table in section if name in ARRAYS_OF_TABLES else [section]:
            lines.append(f"[[{name}]]" if name in ARRAYS_OF_TABLES else f"[{name}]")
            lines += [f"{_string(key)} = {_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


words = messy_text(
    ["~", "http://", "*/5", "until", "[", "\\", "%", "@"], max_pieces=4, surrogates=False
)
scalars = st.one_of(
    words,
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.datetimes(),
    st.dates(),
    st.times(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(words, inner, max_size=3)),
    max_leaves=4,
)
nested_tables = st.lists(
    st.dictionaries(st.sampled_from(NESTED_KEYS), st.one_of(values, st.sampled_from(PLAUSIBLE))),
    max_size=1,
)


def _table(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(
        st.one_of(st.sampled_from(keys), words),
        st.one_of(values, st.sampled_from(PLAUSIBLE), nested_tables),
        max_size=5,
    )


documents = st.fixed_dictionaries(
    {},
    optional={
        name: st.lists(_table(keys), max_size=2) if name in ARRAYS_OF_TABLES else _table(keys)
        for name, keys in SECTIONS.items()
    },
)


def _assert_one_located_line(message: str, text: str) -> None:
    assert len(message.splitlines()) == 1 and message.isprintable(), message
    located = re.match(r"config\.toml(?::(\d+))?: ", message)
    assert located, message
    if located[1]:
        assert 1 <= int(located[1]) <= text.count("\n") + 1, message
    else:  # no line (an inline table): the message names a section, table or key instead
        assert re.search(r"\[\w+\]|#\d|\w+ must|unknown|missing|\w+ \"", message), message


def _parse(text: str) -> Config | None:
    try:
        return parse_config(text, FILE, Path("/srv/labscope"))
    except ConfigError as exc:
        _assert_one_located_line(str(exc), text)
        return None


@settings(max_examples=500, deadline=None)
@given(documents)
@example({"storage": {"\x85": 1}})  # was "unknown key '\x85'", which splitlines() cuts in two
@example({"storage": {"url": "sqlite:///~no-such-user-x/x.db"}})  # was RuntimeError from expanduser
@example({"digest": {"output": "~\x00x"}})  # was ValueError: embedded null byte
@example({"crawl": {"user_agent": "a\r\nX-Injected: 1"}})  # was accepted into the HTTP header
@example({"crawl": {"schedule": "0 0 31 2 *"}})  # was accepted: February 31 never comes
@example({"entities": [{"name": "X", "type": "lab", "aliases": ["-"]}]})  # lookup("") found X
def test_any_document_is_a_config_or_one_located_error(document: dict[str, Any]) -> None:
    text = toml_text(document)
    assert toml_text(tomllib.loads(text)) == text  # the test's own TOML writer is right
    _parse(text)


TOML_PIECES = [
    "\n", "[storage]", "[[sources]]", "[crawl", "]]", "=", " = ", '"', "'", "'''", "#", "{", "}",
    "url", "name", "delay", "1e400", "0x10", "nan", "true", "1979-05-27", ",", ".", "\r\n",
]  # fmt: skip


@settings(max_examples=700, deadline=None)
@given(messy_text(TOML_PIECES, max_pieces=25))
def test_any_text_is_a_config_or_one_located_error(text: str) -> None:
    _parse(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60), st.sampled_from([b"", b"\xef\xbb\xbf", b"[crawl]\n"]))
def test_any_bytes_are_a_config_or_one_located_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, prefix: bytes
) -> None:
    path = tmp_path_factory.mktemp("config") / "config.toml"
    path.write_bytes(prefix + data)
    try:
        load_config(path)
    except ConfigError as exc:
        message = str(exc)
        assert len(message.splitlines()) == 1 and message.startswith(str(path)), message


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1).filter(
        lambda agent: agent.strip() and agent.isprintable()
    ),
    st.floats(0, 1e9),
    st.integers(1, 256),
    st.floats(1e-3, 1e9),
    st.integers(1024, 2**30),
    st.one_of(st.none(), st.integers(0, 64)),
    st.integers(1, 100_000),
    st.lists(st.sampled_from(["text", "md", "html", "json", "atom"]), min_size=1),
)
def test_valid_values_come_back_as_written(
    agent: str,
    delay: float,
    concurrency: int,
    timeout: float,
    max_bytes: int,
    workers: int | None,
    batch: int,
    formats: list[str],
) -> None:
    crawl = {"user_agent": agent, "delay": delay, "concurrency": concurrency, "timeout": timeout}
    crawl |= {"max_page_bytes": max_bytes} | ({} if workers is None else {"workers": workers})
    document = {"crawl": crawl, "recheck": {"batch": batch}, "digest": {"formats": formats}}
    config = _parse(toml_text(document))
    assert config is not None
    got = config.crawl
    assert (got.user_agent, got.delay, got.concurrency, got.timeout) == (
        agent,
        delay,
        concurrency,
        timeout,
    )
    assert (got.max_page_bytes, got.workers, config.recheck.batch) == (max_bytes, workers, batch)
    assert config.digest.formats == tuple(dict.fromkeys(formats))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["name", "type", "aliases", "parent", "exact", "families", "x"]),
            st.one_of(values, st.sampled_from(["Kimi", "lab", ["Kimi"], "Moonshot AI"])),
        ),
        max_size=3,
    )
)
@example([{"name": "\n"}])  # a line break in the name split the message
def test_knowledge_base_files_load_or_raise_value_error(entities: list[dict[str, Any]]) -> None:
    try:
        KnowledgeBase.from_toml(
            toml_text({"entities": entities}).replace("[[entities]]", "[[entity]]")
        )
    except ValueError as exc:
        assert len(str(exc).splitlines()) == 1, str(exc)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"storage": {"\x85": 1}}, "config.toml:2: [storage]: unknown key '\\u0085'; allowed: url"),
        (
            {"storage": {"url": "sqlite:///~no-such-user-x/x.db"}},
            'config.toml:2: [storage]: url "sqlite:///~no-such-user-x/x.db": the database path'
            ' starts with a "~" that cannot be expanded; write the full path',
        ),
        (
            {"digest": {"output": "~\x00x"}},
            'config.toml:2: [digest]: output "~\\u0000x" contains a NUL character; remove it',
        ),
        (
            {"crawl": {"user_agent": "a\r\nX-Injected: 1"}},
            "config.toml:2: [crawl]: user_agent must be printable text on one line"
            ' (got "a\\r\\nX-Injected: 1")',
        ),
        (
            {"crawl": {"schedule": "0 0 31 2 *"}},
            'config.toml:2: [crawl]: schedule "0 0 31 2 *" is invalid (it never fires: no date'
            ' has that day, month and weekday); use "minute hour day month weekday" with weekday'
            ' names, like "0 6 * * mon-fri"',
        ),
        (
            {"entities": [{"name": "X", "type": "lab", "aliases": ["-"]}]},
            'config.toml:4: entity "X": aliases must be an array of names; write aliases ='
            ' ["...", ...], none empty or only punctuation',
        ),
        (
            {"entities": [{"name": " . ", "type": "lab"}]},
            "config.toml:2: entity #1: name must not be empty or only punctuation",
        ),
    ],
    ids=["control-key", "tilde-user", "nul-path", "agent-crlf", "never-fires", "alias", "name"],
)
def test_mistakes_the_fuzzing_found_are_located_errors(
    document: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(toml_text(document), FILE, Path("/srv/labscope"))
    assert str(raised.value) == message


_SOURCE = '[[sources]]\nname = "a"\nkind = "{kind}"\nurl = {url}\n'
_LISTING = '[[sources]]\nname = "a"\nkind = "listing"\nurl = "https://a.com/"\nfollow = {follow}\n'
_EMAIL = '[digest]\nevery = "1d"\n[[digest.email]]\nhost = "smtp.example.org"\nto = ["a@b"]\n'


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("x = " + "[" * 5000 + "]" * 5000, "invalid TOML: arrays or tables nested too deeply"),
        ("x = " + "{a = " * 5000 + "1" + "}" * 5000, "nested too deeply"),
        (_LISTING.format(follow="'a{99999999999}'"), "the repetition number is too large"),
        (_LISTING.format(follow="'\\q'"), "is not a valid regex (bad escape"),
        ('[crawl]\ntime_limit = "999999d"', 'time_limit "999999d" is too long; use at most 3650d'),
        ('[recheck]\nevery = "999999d"', "is too long; use at most 3650d"),
        ("[crawl]\nmax_page_bytes = 99999999999999999999", "must be at most 1073741824 (1 GiB)"),
        ('[crawl]\nschedule = "1,1,1,1,1,1,1,1,1,1 * * * *"', "lists a value more than once"),
        (_SOURCE.format(kind="feed", url='"https://a.com/\\u0000x"'), "contains a NUL"),
        (_SOURCE.format(kind="feed", url="'https://a.com\\evil.com/'"), "or a backslash"),
        (_SOURCE.format(kind="feed", url='"https://user:pass@a.com/"'), "url holds credentials"),
        (_SOURCE.format(kind="feed", url=f'"https://a.com/{"a" * 10_000}"'), "longer than 2048"),
        (_EMAIL + "port = 70000", "port must be between 1 and 65535 (got 70000)"),
        ("[crawl]\nmax_articles = 0", "max_articles must be between 1 and 1000000 (got 0)"),
        (_SOURCE.format(kind="feed", url='"https://a.com/"') + "max_articles = 10000000", "(got"),
    ],
    ids=[
        "nested-arrays", "nested-tables", "huge-repeat", "bad-escape", "time-limit",
        "recheck-every", "max-page-bytes", "repeated-cron", "url-nul", "url-backslash",
        "url-userinfo", "url-10k", "smtp-port", "max-articles", "source-max-articles",
    ],
)  # fmt: skip
def test_hostile_values_are_one_located_line(text: str, needle: str) -> None:
    """Values that used to load silently, or to end in RecursionError / OverflowError."""
    with pytest.raises(ConfigError) as raised:
        parse_config(text, FILE, Path("/srv/labscope"))
    message = str(raised.value)
    assert needle in message and message.startswith("config.toml")
    assert len(message.splitlines()) == 1
