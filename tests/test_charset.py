"""Charsets (issue 17): a page's text is what its bytes say, whatever its declarations claim.

The recorded real pages in tests/fixtures/real/charsets/ (tests/fixtures/README.md says where
each comes from) are served on 127.0.0.1 with the Content-Type header each case needs, crawled by
the real CLI, and the SQLite file must hold each page's title and sentences with no U+FFFD; the
run summary and `labscope runs --json` must name the charset used where it was not the declared
one. Unit tests pin the sniffing order and the HTML standard's `<meta>` prescan; a property test
round-trips text through every encoding labscope decodes.
"""

from __future__ import annotations

import codecs
import functools
import gzip
import json
import sqlite3
from typing import Any

import pytest
from conftest import FIXTURES, TEMPLATE, Labscope, source
from hypothesis import assume, given
from hypothesis import strategies as st

from crawler.charsets import Declaration, decode_html
from crawler.charsets.labels import CODECS, encoding_for_label
from crawler.charsets.sniff import declarations, meta_charset
from crawler.site_server import SiteServer

REAL = FIXTURES / "real" / "charsets"
EXPECTED = {
    path.name.removesuffix(".expected.json"): json.loads(path.read_text(encoding="utf-8"))
    for path in sorted(REAL.glob("*.expected.json"))
}
CASES = [
    (name, content_type)
    for name, expected in EXPECTED.items()
    for content_type in expected["served_as"]
]
REPLACEMENT = "\ufffd"


def recorded(name: str) -> bytes:
    """The recorded page's bytes, as its origin holds them (gzip only stores them smaller)."""
    (file,) = [f for f in REAL.glob(f"{name}.*") if not f.name.endswith(".expected.json")]
    data = file.read_bytes()
    return gzip.decompress(data) if file.suffix == ".gz" else data


# The sniffing order and the prescan.


def test_a_byte_order_mark_beats_the_header_and_the_meta() -> None:
    """Xinhua's page, its text re-encoded as UTF-16LE behind a byte-order mark, still says
    GB2312 in its <meta>: the mark decides, then neither declaration."""
    page = decode_html(recorded("xinhua-he-2012-gb2312"), "text/html").text
    body = codecs.BOM_UTF16_LE + page.encode("utf-16-le")
    decoded = decode_html(body, "text/html; charset=Shift_JIS")
    assert (decoded.encoding, decoded.how) == ("UTF-16LE", "byte-order mark")
    assert decoded.text == page


def test_declarations_come_in_sniffing_order_header_meta_xml() -> None:
    body = b'<?xml version="1.0" encoding="iso-8859-2"?>\n<html><head><meta charset="gb2312">'
    assert declarations(body, 'text/html; charset="ISO-8859-1"') == [
        Declaration("windows-1252", "HTTP header"),
        Declaration("GBK", "<meta>"),
        Declaration("ISO-8859-2", "XML declaration"),
    ]
    assert declarations(body, "text/html; charset=no-such-charset")[0].where == "<meta>"


def test_the_header_wins_over_the_meta_when_the_bytes_cannot_tell() -> None:
    """ISO-2022-JP is all ASCII bytes: any ASCII-compatible declaration decodes it too."""
    text = "<html><head><meta charset=windows-1252></head><p>日本語のニュース</p>"
    body = text.encode("iso-2022-jp")
    assert decode_html(body, "text/html; charset=ISO-2022-JP").text == text
    assert decode_html(body, "text/html").encoding == "windows-1252"


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        (b'<meta charset="gb2312">', "GBK"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=Big5">', "Big5"),
        (b"<META HTTP-EQUIV=content-type CONTENT=\"text/html;CHARSET='euc-jp'\">", "EUC-JP"),
        (b'<meta content="text/html; charset=gb2312">', None),  # no http-equiv: no pragma
        (b'<!-- <meta charset="utf-8"> --><meta charset=big5>', "Big5"),
        (b'<script charset="utf-8"></script><meta charset=shift_jis>', "Shift_JIS"),
        (b'<div title="<meta charset=gbk>"><meta charset="latin1">', "windows-1252"),
        (b'<meta name="x" content="a>b" charset="euc-kr">', "EUC-KR"),
        (b'<meta charset="bogus"><meta charset="koi8-r">', "KOI8-R"),
        (b'<meta charset="utf-16le">', "UTF-8"),  # a <meta> readable as ASCII is not UTF-16
        (b'<meta charset="x-user-defined">', "windows-1252"),
        (b'<meta charset="gbk"', None),  # the tag never ends
        (b"<body><p>text</p>" + b"x" * 2000 + b'<meta charset="gbk">', None),  # in the body
    ],
)
def test_the_meta_prescan_reads_markup_as_browsers_do(head: bytes, encoding: str | None) -> None:
    assert meta_charset(head) == encoding


def test_a_meta_past_the_first_1024_bytes_is_still_found_in_the_head() -> None:
    """The Wayback Machine's scripts push Xinhua's GB2312 <meta> to byte 1180."""
    body = recorded("xinhua-he-2012-gb2312")
    assert body.find(b"charset=gb2312") > 1024
    assert meta_charset(body) == "GBK"


@pytest.mark.parametrize(
    ("label", "encoding"),
    [
        ("gb2312", "GBK"),
        ("GBK", "GBK"),
        ("gb18030", "gb18030"),
        (" ISO-8859-1 ", "windows-1252"),
        ("latin1", "windows-1252"),
        ("us-ascii", "windows-1252"),
        ("x-sjis", "Shift_JIS"),
        ("ks_c_5601-1987", "EUC-KR"),
        ("big5-hkscs", "Big5"),
        ("hz-gb-2312", "replacement"),
        ("utf-7", None),
    ],
)
def test_labels_mean_what_the_whatwg_table_says(label: str, encoding: str | None) -> None:
    assert encoding_for_label(label) == encoding


def test_gbk_and_gb2312_decode_characters_gb2312_lacks() -> None:
    """The demo site's Baidu story: 王喆's 喆 is GBK, not GB2312, and the page says gbk."""
    from crawler.demo import DEMO_SITE

    body = (DEMO_SITE / "news/2025/baidu-ernie.gbk.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    decoded = decode_html(body, "text/html; charset=gb2312")
    assert (decoded.encoding, decoded.note) == ("GBK", None)
    assert "王喆" in decoded.text


def test_a_declaration_browsers_refuse_is_skipped() -> None:
    """HZ and ISO-2022-KR can smuggle markup; browsers decode them to one U+FFFD, labscope
    as if nothing were declared."""
    body = "<p>Café</p>".encode("cp1252")
    decoded = decode_html(body, "text/html; charset=hz-gb-2312")
    assert decoded.text == "<p>Café</p>"
    assert decoded.declared is None


# The recorded real pages, one decode at a time: precise failures before the crawl below.


@pytest.mark.parametrize(("name", "content_type"), CASES)
def test_recorded_page_decodes_as_expected(name: str, content_type: str) -> None:
    expected = EXPECTED[name]
    outcome = expected["served_as"][content_type]
    decoded = decode_html(recorded(name), content_type)
    if "refused" in outcome:
        assert REPLACEMENT in decoded.text  # no charset decodes a JPEG: extraction refuses it
        return
    assert (decoded.encoding, decoded.note) == (outcome["encoding"], outcome["note"])
    for snippet in expected.get("html_contains", []):
        assert snippet in decoded.text
    for garbage in expected["must_not_contain"]:
        assert garbage not in decoded.text


# The same pages through a real crawl: what the SQLite file holds, what the summary says.


def serve(site: SiteServer) -> dict[str, tuple[str, str]]:
    """Every crawlable case at its own path, and a listing linking them; path -> case."""
    cases = {}
    for name, content_type in CASES:
        if EXPECTED[name].get("decode_only"):
            continue
        path = f"/charsets/{name}-{len(cases)}.html"
        site.set_page(path, recorded(name), content_type, validators=False)
        cases[path] = (name, content_type)
    links = "".join(f'<li><a href="{path}">Story {path}</a></li>' for path in cases)
    site.set_page("/charsets/index.html", f"<ul>{links}</ul>".encode())
    return cases


def stored(labscope: Labscope, site: SiteServer) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(labscope.db) as db:
        rows = db.execute("SELECT fetched_url, title, text FROM versions").fetchall()
    return {url.removeprefix(site.url("")): (title, text) for url, title, text in rows}


def test_real_pages_are_stored_in_the_charset_their_bytes_are_in(
    site: SiteServer, labscope: Labscope
) -> None:
    cases = serve(site)
    labscope.write_config(
        source("charsets", "listing", site.url("/charsets/index.html"), r"/charsets/[\w-]+\.html"),
        "delay = 0\ntimeout = 5\nworkers = 0",
    )
    crawl = labscope("crawl")
    assert crawl.code == 0 and "Traceback" not in crawl.stderr, crawl.stderr
    runs = labscope("runs", "--json")
    assert runs.code == 0, runs.stderr
    run: dict[str, Any] = runs.json()[0]

    outcomes = {path: EXPECTED[name]["served_as"][ct] for path, (name, ct) in cases.items()}
    failures = {e["url"].removeprefix(site.url("")): e["reason"] for e in run["errors"]}
    assert failures == {p: o["refused"] for p, o in outcomes.items() if "refused" in o}
    notes = {n["url"].removeprefix(site.url("")): n["note"] for n in run["notes"]}
    expected_notes = {p: o["note"] for p, o in outcomes.items() if o.get("note")}
    assert notes == expected_notes
    shown = [line for line in crawl.stdout.splitlines() if line.startswith("  note ")]
    assert len(shown) == min(10, len(notes))
    assert {line.removeprefix(f"  note {site.url('')}") for line in shown} <= {
        f"{path}: {note}" for path, note in expected_notes.items()
    }

    versions = stored(labscope, site)
    assert set(versions) == {p for p, o in outcomes.items() if "refused" not in o}
    for path, (title, text) in versions.items():
        expected = EXPECTED[cases[path][0]]
        assert title == expected["title"], path
        for paragraph in expected["paragraphs"]:
            assert paragraph in text, (path, paragraph)
        for garbage in expected["must_not_contain"]:
            assert garbage not in title and garbage not in text, (path, garbage)


def test_a_page_declared_utf8_in_windows_1252_bytes_is_stored_as_windows_1252(
    site: SiteServer, labscope: Labscope
) -> None:
    """A hostile page (generated: a fault, not a recorded page): the demo article in windows-1252
    bytes, smart quotes, dashes and an ï, behind a UTF-8 header. charset_normalizer alone picked
    windows-1250, which stores "naïve" as "naďve"."""
    html = (site.root / TEMPLATE.lstrip("/")).read_text(encoding="utf-8")
    sentence = "The lab’s “naïve” model – cheap, and open – drew praise from Zürich to Besançon."
    html = html.replace("<p>", f"<p>{sentence} ", 1).replace(TEMPLATE, "/cp1252.html")
    site.set_page("/cp1252.html", html.encode("cp1252"), "text/html; charset=utf-8")
    labscope.write_config(source("lie", "page", site.url("/cp1252.html")))
    crawl = labscope("crawl", "--json")
    assert crawl.code == 0, crawl.stderr
    [note] = [n["note"] for n in crawl.json()["notes"]]
    assert note == "decoded as windows-1252 (detected), not the declared UTF-8 (HTTP header)"
    [(_, text)] = stored(labscope, site).values()
    assert sentence in text
    assert REPLACEMENT not in text and "ď" not in text


# Any text, in any encoding labscope decodes, declared as such, comes back; any bytes decode.


@given(
    st.binary(max_size=3000),
    st.sampled_from(["", "text/html", "text/html; charset=", 'text/html; charset="gbk"']),
    st.sampled_from(["", '<meta charset="big5">', "<meta http-equiv=content-type content="]),
)
def test_any_bytes_decode_without_an_error(body: bytes, content_type: str, head: str) -> None:
    decoded = decode_html(head.encode() + body, content_type or None)
    assert isinstance(decoded.text, str) and decoded.encoding in CODECS


# Where each script's characters live: Latin, Greek, Cyrillic, Hebrew, Arabic, Thai, symbols,
# kana, CJK ideographs, Hangul, fullwidth forms; each encoding holds some of them.
_REPERTOIRE = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x600),
    *range(0xE00, 0xE60),
    *range(0x2000, 0x2700),
    *range(0x3000, 0x3100),
    *range(0x4E00, 0x9FA6, 7),
    *range(0xAC00, 0xD7A4, 11),
    *range(0xFF01, 0xFF5F),
]


@functools.cache
def characters_of(encoding: str) -> str:
    """The characters of _REPERTOIRE that `encoding` holds, markup's "<" and "&" aside."""
    codec = CODECS[encoding]
    held = []
    for code in _REPERTOIRE:
        char = chr(code)
        try:
            if char.encode(codec).decode(codec) == char and char not in "<&":
                held.append(char)
        except UnicodeError:
            continue
    return "".join(held)


@given(st.data(), st.sampled_from(sorted(CODECS)))
def test_text_in_its_declared_charset_round_trips(data: st.DataObject, encoding: str) -> None:
    """Rule 2 of crawler.charsets.decode aside (bytes that are, or are mostly, valid UTF-8
    are read as UTF-8), a page comes back exactly as written."""
    text = data.draw(st.text(st.sampled_from(characters_of(encoding)), min_size=1, max_size=80))
    codec, label = CODECS[encoding], encoding.lower()
    meta = "" if encoding.startswith("UTF-16") else f'<meta charset="{label}">'
    html = f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"
    body = html.encode(codec)
    assume(body.decode(codec) == html)  # Big5-HKSCS composes some pairs into one character
    decoded = decode_html(body, f"text/html; charset={label}")
    if decoded.text != html:
        assert decoded.text == body.decode("utf-8", "labscope-windows-1252")
        assert decoded.how in ("valid UTF-8", "mostly UTF-8")
    else:
        assert codecs.lookup(CODECS[decoded.encoding]) == codecs.lookup(codec) or body.isascii()
