"""A diff bomb (issue 20): an edit that rewrites 40,000 sentences of one page.

The page is generated here, not recorded: it is a fault case. Aligned sentence by sentence it
cost 260 s of crawl, 180 s of `diff` and minutes for each request of the web article page; the
alignment is now bounded (the stretch is a whole-text replacement) and long diffs come in pages.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import Labscope, source
from test_web import Served

from crawler.site_server import SiteServer
from storage.diff_pages import PAGE_SENTENCES

SENTENCES = 40_000
PER_PARAGRAPH = 10


def big_page(version: int) -> bytes:
    """An article of SENTENCES distinct sentences; each version words every one differently."""
    words = ["grew", "shrank"][version - 1]
    paragraphs = "".join(
        "<p>"
        + " ".join(
            f"In quarter {n} the lab numbered {n * 7 + version} {words} by {n % 97} points."
            for n in range(start, start + PER_PARAGRAPH)
        )
        + "</p>"
        for start in range(0, SENTENCES, PER_PARAGRAPH)
    )
    return (
        "<html><head><title>A very long ledger of a lab</title></head><body><article>"
        f"<h1>A very long ledger of a lab</h1>{paragraphs}</article></body></html>"
    ).encode()


@pytest.mark.timeout(600)  # two crawls of a 2.5 MB page, three diffs and a web page: about 80 s
def test_a_rewrite_of_40000_sentences_is_one_replacement_shown_in_pages(
    site: SiteServer, labscope: Labscope
) -> None:
    site.set_page("/ledger.html", big_page(1))
    labscope.write_config(
        source("ledger", "page", site.url("/ledger.html")), "delay = 0\ntimeout = 30"
    )
    first = labscope("crawl", "--json", timeout=600)
    assert first.code == 0 and first.json()["new_articles"] == 1, first.stderr
    site.set_page("/ledger.html", big_page(2))
    second = labscope("crawl", "--json", timeout=600)
    assert second.code == 0, second.stderr
    assert (second.json()["new_versions"], second.json()["failed"]) == (1, 0)
    [article] = labscope("articles", "--json").json()
    ref = str(article["id"])

    pages = -(-2 * SENTENCES // PAGE_SENTENCES)
    shown = labscope("diff", ref, timeout=300)
    assert shown.code == 0, shown.stderr
    assert shown.stdout.rstrip().splitlines()[-1] == (
        f"page 1 of {pages} ({SENTENCES} added, {SENTENCES} removed); --page 2 for the next"
    )
    assert shown.stdout.count("\n  + ") + shown.stdout.count("\n  - ") == PAGE_SENTENCES
    last = labscope("diff", ref, "--page", str(pages), "--json", timeout=300).json()
    assert (last["page"], last["pages"]) == (pages, pages)
    assert len(last["added"]) + len(last["removed"]) == PAGE_SENTENCES
    assert last["removed"][-1].startswith(f"In quarter {SENTENCES - 1} the lab numbered")
    beyond = labscope("diff", ref, "--page", str(pages + 1), timeout=300)
    assert beyond.code == 2
    assert f"this diff has {pages} (1 to {pages})" in beyond.stderr
    assert "Traceback" not in beyond.stderr

    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(labscope.config), "serve", "--port", "0"],
        cwd=labscope.config.parent,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stderr is not None
    try:
        found = re.search(r"http://127\.0\.0\.1:\d+", server.stderr.readline())
        assert found
        web = Served(found.group(0), labscope, site)
        status, _, body = web.get(f"/articles/{ref}?page=2")
        assert status == 200, body
        rows = -(-(2 * SENTENCES + 1) // PAGE_SENTENCES)  # and the title, unchanged
        assert f"page 2 of {rows}" in body
        assert web.get(f"/articles/{ref}?page={rows + 1}")[0] == 400
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.stderr.close()
