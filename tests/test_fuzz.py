"""Fuzzing (hypothesis) of the small parsers that read untrusted text: URLs, dates, queries.

Rule: nothing escapes but our named errors (crawler/errors.py, storage/errors.py; ValueError is
parse_moment's documented error), every message is one line, and each result keeps a property
a caller relies on. ``messy_text`` is shared with the other tests/test_fuzz_*.py files.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, String, column, create_engine, insert, select, table, text

from crawler.dates import parse_moment
from crawler.errors import InvalidURLError
from crawler.urls import canonicalize, is_http_url
from storage.search_query import Node, QueryError, parse, spaced, terms, to_fts, to_like

# Pieces that break naive text code: controls and NUL, separators, RTL and bidi overrides,
# combining marks, BOM, lone surrogates, CJK and its punctuation, case-changing and
# compatibility characters (İ lowers to two, ﬁ is NFKC "fi", ² is a digit but not decimal).
NASTY = [
    "\x00", "\t", "\n", "\r", "\x0b", "\x1f", "\x7f", "\x85", "\xa0", "\u200b", "\u200f",
    "\u202e", "\u2028", "\u3000", "\u0301", "\ufeff", "\ud800", "\udfff", "深度求索", "月之暗面",
    "。", "！", "」", "ا", "ש", "İ", "ß", "ﬁ", "²", "７", "٣", "😀", "\U0002a6d6", " ", ".", '"',
]  # fmt: skip


def messy_text(
    pieces: list[str] | None = None, *, max_pieces: int = 12, surrogates: bool = True
) -> st.SearchStrategy[str]:
    """Text glued from NASTY (plus ``pieces``) and arbitrary code points."""
    chars = st.characters(exclude_categories=()) if surrogates else st.characters()
    nasty = [p for p in [*NASTY, *(pieces or [])] if surrogates or not _has_surrogate(p)]
    piece = st.one_of(st.sampled_from(nasty), st.text(chars, max_size=3))
    return st.lists(piece, max_size=max_pieces).map("".join)


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


# ------------------------------------------------------------------------------------ URLs

_HOSTS = ["a.com", "Ä.com", "例子.中国", "127.0.0.1", "[::1]", "[FE80::1]", "xn--fsq.com", "ﬁ.com"]
_URL_PIECES = ["%", "%zz", "%e4%b8", "%2F", "/", "..", "?", "#", "&", "=", "@", ":", "\\", "[", "]"]
urls = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(["http://", "https://", "HTTPS://", " http://", "http:", "ftp://", "//"]),
        st.sampled_from(["", "user@", "u:p@", "a@b@"]),
        st.one_of(st.sampled_from(_HOSTS), messy_text(_URL_PIECES, max_pieces=4)),
        st.one_of(
            st.sampled_from(["", ":", ":80", ":443", ":８０", ": 80", ":65536", ":-1"]),
            st.integers(0, 70_000).map(lambda port: f":{port}"),
        ),
        messy_text([*_URL_PIECES, "utm_source=x", "a=1", "spm=2"], max_pieces=8),
    ),
)


@settings(max_examples=1500, deadline=None)
@given(urls)
@example("http://[::1]:8080/x")  # was "http://::1:8080/x": the brackets were lost
@example("http://a.com:99999/")  # was an escaping ValueError (port out of range)
@example("http://\ud800.com/")  # was an escaping UnicodeEncodeError
@example("http://u:p@\\\n/%#/")  # was "http:////%": w3lib reads "\" as "/", so not idempotent
@example("HTTPS://@¸9c/")  # was "https://xn-- 9c-whc/": IDNA turns "¸" into a space
def test_canonicalize_is_idempotent_http_or_refused(url: str) -> None:
    if not is_http_url(url):
        with pytest.raises(InvalidURLError):
            canonicalize(url)
        return
    canonical = canonicalize(url)
    parts = urlsplit(canonical)
    assert parts.scheme in ("http", "https")
    assert is_http_url(canonical)
    assert canonicalize(canonical) == canonical
    assert parts.fragment == ""
    assert not {key.lower() for key, _ in parse_qsl(parts.query)} & {"utm_source", "spm"}


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["http", "https"]),
    st.sampled_from(_HOSTS),
    st.lists(st.text(st.characters(codec="utf-8"), min_size=1, max_size=6), max_size=3),
    st.dictionaries(st.sampled_from(["id", "page", "q", "中"]), st.text(max_size=4), max_size=3),
)
def test_canonicalize_ignores_case_port_tracking_and_fragment(
    scheme: str, host: str, path: list[str], query: dict[str, str]
) -> None:
    base = f"{scheme}://{host}/" + "/".join(quote(p, safe="") for p in path)
    plain = f"{base}?{urlencode(query)}" if query else base
    noisy = (
        f"{scheme.upper()}://{host.upper()}:{80 if scheme == 'http' else 443}/"
        + "/".join(quote(p, safe="") for p in path)
        + "?"
        + urlencode([("utm_campaign", "x"), *reversed(query.items()), ("fbclid", "1")])
        + "#section"
    )
    assert canonicalize(noisy) == canonicalize(plain)


# ----------------------------------------------------------------------------------- dates

NOW = datetime(2025, 1, 28, 9, 0, tzinfo=UTC)
_DATE_PIECES = ["2025", "-01", "-28", "T09", ":00", "Z", "+08:00", "+24:00", "9999", "0001", "d"]


@settings(max_examples=1500, deadline=None)
@given(messy_text([*_DATE_PIECES, "h", "m", "7", "99999999999"]))
@example("²d")  # was "out of range": "²".isdigit() but int("²") fails
@example("9999-12-31T23:59-01:00")  # beyond year 9999 in UTC
def test_parse_moment_is_utc_or_a_one_line_value_error(text: str) -> None:
    try:
        moment = parse_moment(text, NOW)
    except ValueError as exc:
        message = str(exc)
        assert message.isprintable(), message
        assert repr(text.strip()) in message
        assert "out of range" not in message or any(c.isdecimal() for c in text)
        return
    assert moment.utcoffset() == timedelta(0)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(["d", "h", "m"]), st.booleans())
def test_parse_moment_ages(number: int, unit: str, fullwidth: bool) -> None:
    digits = str(number).translate(
        {ord("0") + i: 0xFF10 + i for i in range(10)} if fullwidth else {}
    )
    step = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}[unit]
    try:
        expected = NOW - number * step
    except OverflowError:
        with pytest.raises(ValueError, match="out of range"):
            parse_moment(f" {digits}{unit}\n", NOW)
        return
    assert parse_moment(f" {digits}{unit}\n", NOW) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(),
    st.one_of(
        st.none(),
        st.timedeltas(timedelta(hours=-23, minutes=-59), timedelta(hours=23, minutes=59)).map(
            lambda offset: timezone(timedelta(minutes=offset // timedelta(minutes=1)))
        ),
    ),
)
def test_parse_moment_reads_iso_back(moment: datetime, zone: timezone | None) -> None:
    written = moment.replace(tzinfo=zone)
    try:
        parsed = parse_moment(written.isoformat(), NOW)
    except ValueError as exc:
        assert "out of range" in str(exc)  # the UTC time is before year 1 or after 9999
        return
    assert parsed == (written if zone else written.replace(tzinfo=UTC))


# -------------------------------------------------------------------------- search queries

_QUERY_PIECES = ['"', "(", ")", " AND ", " OR ", " NOT ", "*", "Kimi", "NEAR", "^", ":", "%", "_"]
_DOC = table("doc", column("text", String))


def _search_db(document: str) -> tuple[sqlite3.Connection, Engine]:
    """One document in an FTS5 index (tokenised as the migration does) and in a plain table."""
    fts = sqlite3.connect(":memory:")
    fts.execute(
        "CREATE VIRTUAL TABLE doc USING fts5(text, tokenize='unicode61 remove_diacritics 2')"
    )
    fts.execute("INSERT INTO doc VALUES (?)", (spaced(document),))
    plain = create_engine("sqlite://")
    with plain.begin() as db:
        db.execute(text("CREATE TABLE doc (text TEXT)"))
        db.execute(insert(_DOC).values(text=document))
    return fts, plain


_FTS, _PLAIN = _search_db("Kimi 深度求索 model ٣ Ünïcode 100%_")


def _matches(node: Node, fts: sqlite3.Connection, plain: Engine) -> tuple[bool, bool]:
    """Whether the FTS5 MATCH and the LIKE conditions each find the one document."""
    found = fts.execute("SELECT 1 FROM doc WHERE doc MATCH ?", (to_fts(node),)).fetchall()
    with plain.connect() as db:
        liked = db.execute(select(_DOC.c.text).where(to_like(node, _DOC.c.text))).fetchall()
    return bool(found), bool(liked)


@settings(max_examples=1500, deadline=None)
@given(messy_text(_QUERY_PIECES, max_pieces=14))
@example("a\ud800")  # was UnicodeEncodeError out of the SQLite driver
@example("a\x00b")  # was sqlite3.OperationalError "unterminated string"
def test_any_query_is_a_tree_both_backends_run_or_a_query_error(query: str) -> None:
    try:
        node = parse(query)
        _matches(node, _FTS, _PLAIN)
    except QueryError as exc:
        assert str(exc).isprintable(), str(exc)
        return
    assert all(term.strip() for term in terms(node))


WORDS = ["kimi", "qwen", "model", "open", "深度求索", "月之暗面", "百度", "v3"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=8),
    st.sampled_from(WORDS),
    st.sampled_from(WORDS),
)
def test_both_backends_find_exactly_the_documents_with_the_words(
    document: list[str], first: str, second: str
) -> None:
    written = " ".join(document)
    fts, plain = _search_db(written)
    for query, expected in (
        (first, first in document),
        (f"{first} OR {second}", first in document or second in document),
        (f"{first} NOT {second}", first in document and second not in document),
        (f'"{first} {second}"', f"{first} {second}" in written),
        (f"({first.upper()} AND {second}*)", first in document and second in document),
    ):
        assert _matches(parse(query), fts, plain) == (expected, expected), query
