"""The recrawl's fast path (crawler.visible): churned markup over the same text is a check with
no extraction; any edit of what is stored (body, title, dates, authors) is still a version."""

from __future__ import annotations

import functools
import gzip
import random
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, Labscope, source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.churn import churn, edit_word
from crawler.extract import Extraction, extract
from crawler.site_server import SiteServer
from crawler.visible import visible_fingerprint

DEEPSEEK = "/news/2025/deepseek-emerges.html"
PLAIN = "/plain.html"  # served without validators: every recrawl is a 200 with the whole page


def deepseek(site: SiteServer) -> str:
    return (site.root / DEEPSEEK.lstrip("/")).read_text(encoding="utf-8")


def crawl_twice(site: SiteServer, labscope: Labscope, second: str) -> dict[str, Any]:
    """Crawl the DeepSeek page, serve `second` in its place, crawl again: the second summary."""
    site.set_page(PLAIN, deepseek(site).encode(), validators=False)
    labscope.write_config(source("plain", "page", site.url(PLAIN)))
    first = labscope("crawl", "--json")
    assert first.code == 0, first.stderr
    assert first.json()["new_versions"] == 1
    site.set_page(PLAIN, second.encode(), validators=False)
    run = labscope("crawl", "--json")
    assert run.code == 0, run.stderr
    summary: dict[str, Any] = run.json()
    return summary


def test_churned_markup_is_a_check_without_extraction(site: SiteServer, labscope: Labscope) -> None:
    churned = churn(deepseek(site), random.Random(1))
    assert churned != deepseek(site)
    run = crawl_twice(site, labscope, churned)
    assert (run["new_versions"], run["unchanged"], run["not_modified"]) == (0, 1, 0)
    assert run["by_source"]["plain"]["same_text"] == 1
    with sqlite3.connect(labscope.db) as db:
        (last_checked,) = db.execute("SELECT last_checked FROM articles").fetchone()
        (started,) = db.execute("SELECT started FROM crawl_runs ORDER BY id DESC").fetchone()
    assert last_checked >= started  # recorded as a check, like a 304


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("founder Liang Wenfeng has", "founder Liang Wenfeng had"),  # one word of the body
        ("Emerged as a Major Player", "Became a Major Player"),  # the title, wherever it is
    ],
)
def test_an_edit_under_churned_markup_is_a_new_version(
    site: SiteServer, labscope: Labscope, old: str, new: str
) -> None:
    page = deepseek(site)
    assert old in page
    edited = churn(page.replace(old, new), random.Random(2))
    run = crawl_twice(site, labscope, edited)
    assert (run["new_versions"], run["unchanged"]) == (1, 0)
    assert "same_text" not in run["by_source"]["plain"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            '<meta name="author" content="Asia Tech Ledger Staff">',
            '<meta name="author" content="Li Wei">',
        ),
        (
            '"article:published_time" content="2025-01-28',
            '"article:published_time" content="2025-01-27',
        ),
        ('"datePublished": "2025-01-28', '"datePublished": "2025-01-27'),
        ("| Asia Tech Ledger</title>", "| Asia Tech Daily</title>"),
        ('<html lang="en"', '<html lang="fr"'),
        ('<link rel="canonical" href="', '<link rel="canonical" href="/moved'),
        ('published" datetime="2025-01-28', 'published" datetime="2025-01-26'),
    ],
)
def test_metadata_edits_change_the_fingerprint(site: SiteServer, old: str, new: str) -> None:
    """What the metadata readers take from <head> and attributes (authors, dates, the title,
    the language, the canonical link) sends the page to a full extraction when it changes."""
    page = deepseek(site)
    assert page.count(old) == 1, old
    url = site.url(DEEPSEEK)
    churned = churn(page.replace(old, new), random.Random(3))
    assert visible_fingerprint(churned, url, {}) != visible_fingerprint(page, url, {})


def test_the_edited_fixtures_change_the_fingerprint(site: SiteServer) -> None:
    url = site.url(DEEPSEEK)
    original = visible_fingerprint(deepseek(site), url, {})
    for name in ("deepseek-emerges-v2.html", "deepseek-emerges-cosmetic.html"):
        edited = (FIXTURES / "edited" / name).read_text(encoding="utf-8")
        assert visible_fingerprint(edited, url, {}) != original, name
    assert visible_fingerprint(deepseek(site), url, {"title": "From the feed"}) != original
    assert visible_fingerprint(deepseek(site), url + "?moved", {}) != original


# The property over real pages: an edit of a word of the article text is never missed, and
# markup churn (scripts, attributes, ad slots, tokens) mostly keeps the fingerprint.
CORPUS = ROOT.parent / "shared" / "corpus" / "article-extraction-benchmark" / "html"
PAGE_URL = "https://news.example/2025/01/story.html"


@dataclass(frozen=True)
class Extracted:
    name: str
    html: str
    paragraphs: tuple[str, ...]
    text: str


def _read(path: Path) -> str | None:
    data = path.read_bytes()
    data = gzip.decompress(data) if path.suffix == ".gz" else data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # the charset fixtures: decoding is not what is tested here
        return None


@functools.cache
def extracted(kind: str) -> tuple[Extracted, ...]:
    """The pages of `kind` ("corpus" or "fixtures") that give an article, with its paragraphs
    of 40 characters or more (shorter lines are often bylines written twice)."""
    if kind == "corpus":
        paths = sorted(CORPUS.glob("*.html.gz"))
    else:
        paths = sorted(
            [
                *(FIXTURES / "real").rglob("*.htm*"),
                *(FIXTURES / "edited").glob("*.html"),
                *(ROOT / "crawler" / "demo_site" / "news").rglob("*.html"),
            ]
        )
    pages = []
    for path in paths:
        html = _read(path)
        result = extract(html, PAGE_URL, declared=True) if html else None
        if html and isinstance(result, Extraction):
            lines = tuple(line for line in result.text.split("\n") if len(line) >= 40)
            if lines:
                pages.append(Extracted(path.name, html, lines, result.text))
    return tuple(pages)


def pages_of(kind: str) -> tuple[Extracted, ...]:
    if kind == "corpus" and not CORPUS.is_dir():
        pytest.skip(f"the benchmark corpus is absent ({CORPUS}): only the fixtures are tested")
    return extracted(kind)


def an_edit(page: Extracted, rnd: random.Random, *, seen: bool = False) -> str | None:
    """`page` with a word of one of its paragraphs replaced where the HTML writes it (once,
    outside tags); None when no paragraph has such a word. `seen`: extract the edited page
    and check that the stored text would change (30 ms a page, so not on every sweep)."""
    for paragraph in rnd.sample(page.paragraphs, len(page.paragraphs)):
        edited = edit_word(page.html, paragraph, rnd)
        if edited is None:
            continue
        if seen:
            result = extract(edited, PAGE_URL, declared=True)
            assert isinstance(result, Extraction) and result.text != page.text, page.name
        return edited
    return None


@pytest.mark.parametrize("kind", ["corpus", "fixtures"])
def test_every_page_edited_in_its_text_changes_the_fingerprint(kind: str) -> None:
    pages = pages_of(kind)
    edits = missed = 0
    for number, page in enumerate(pages):
        edited = an_edit(page, random.Random(number))
        if edited is None:
            continue
        edits += 1
        if visible_fingerprint(edited, PAGE_URL, {}) == visible_fingerprint(
            page.html, PAGE_URL, {}
        ):
            missed += 1
    print(f"{kind}: {edits} of {len(pages)} pages edited, {missed} edits missed")
    assert edits >= 0.6 * len(pages)
    assert missed == 0


@pytest.mark.parametrize("kind", ["corpus", "fixtures"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rnd=st.randoms(use_true_random=False), data=st.data())
def test_random_edits_are_never_missed(kind: str, rnd: random.Random, data: st.DataObject) -> None:
    pages = pages_of(kind)
    page = pages[data.draw(st.integers(0, len(pages) - 1), label="page")]
    edited = an_edit(page, rnd, seen=True)
    if edited is not None:
        fingerprint = visible_fingerprint(edited, PAGE_URL, {})
        assert fingerprint != visible_fingerprint(page.html, PAGE_URL, {}), page.name


@pytest.mark.parametrize("kind", ["corpus", "fixtures"])
def test_markup_churn_mostly_keeps_the_fingerprint(kind: str) -> None:
    pages = pages_of(kind)
    kept = sum(
        visible_fingerprint(churn(page.html, random.Random(number)), PAGE_URL, {})
        == visible_fingerprint(page.html, PAGE_URL, {})
        for number, page in enumerate(pages)
    )
    print(f"{kind}: churn kept the fingerprint of {kept} of {len(pages)} pages")
    assert kept >= 0.9 * len(pages)


def test_recorded_recrawls_that_changed_the_text_change_the_fingerprint() -> None:
    """The real recrawls (fixtures/real/recrawls: two captures of one article): wherever the
    extraction of the second differs from the first's, so does the fingerprint."""
    folder = FIXTURES / "real" / "recrawls"
    differing = 0
    for first in sorted(folder.glob("*.1.html.gz")):
        second = first.with_name(first.name.replace(".1.", ".2."))
        if not second.exists():
            continue
        old, new = _read(first), _read(second)
        assert old is not None and new is not None
        if extract(old, PAGE_URL) != extract(new, PAGE_URL):
            differing += 1
            old_print = visible_fingerprint(old, PAGE_URL, {})
            assert visible_fingerprint(new, PAGE_URL, {}) != old_print, first.name
    assert differing >= 5
