"""Is the text labscope stores as good as plain trafilatura's? (bench.crawl --check)

The crawl's own output is judged, read back from the database, so every step between fetch and
storage counts: extraction options, refusals, and anything that changes the text on its way in.
The metric is the article-extraction-benchmark's, imported from bench.extraction_quality.
The quick check crawls the 181 corpus pages once and exits 1 when the stored text's F1 is below
plain ``trafilatura.extract(html, include_comments=False)`` on the same served HTML.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from bench.corpus_site import CorpusSite, template
from bench.crawl.baselines import plain_extract
from bench.crawl.cli import run_crawl, write_config
from bench.crawl.db import first_texts
from bench.extraction_quality import Page, scores, tp_fp_fn

_ARTICLE = re.compile(r"/a/(\d+)\.html$")


class Quality(NamedTuple):
    precision: float
    recall: float
    f1: float


def quality(pages: Sequence[Page], texts: Sequence[str]) -> Quality:
    """The benchmark's P/R/F1 of `texts` against the ground truth of the pages they came from.

    With no text at all (a crawl that stored nothing) precision is undefined; it counts as 0.
    """
    if not any(texts):
        return Quality(0.0, 0.0, 0.0)
    return Quality(*scores([tp_fp_fn(p.truth, t) for p, t in zip(pages, texts, strict=True)]))


def stored_texts(db: Path, count: int) -> list[str]:
    """The first stored text of URLs /a/0.html ... /a/{count - 1}.html; "" where none was."""
    texts = [""] * count
    for url, text in first_texts(db).items():
        match = _ARTICLE.search(url)
        if match and int(match[1]) < count:
            texts[int(match[1])] = text
    return texts


def check(pages: Sequence[Page]) -> int:
    """Crawl the corpus once; 0 when the stored text's F1 reaches plain trafilatura's, else 1."""
    site = CorpusSite([template(p.html, p.truth) for p in pages], len(pages)).start()
    try:
        with tempfile.TemporaryDirectory(prefix="crawl-check-") as folder:
            config = write_config(Path(folder), f"{site.base}/sitemap.xml", concurrency=16)
            try:
                outcome = run_crawl(config, lambda: site.article_requests)
            except (RuntimeError, TimeoutError) as exc:
                print(f"FAIL: the crawl did not finish: {exc}")
                return 1
            stored = quality(pages, stored_texts(config.parent / "bench.db", len(pages)))
        plain = quality(pages, [plain_extract(site.body(i).decode()) for i in range(len(pages))])
    finally:
        site.stop()
    summary = outcome.summary
    print(f"crawled {summary['fetched']} pages, {summary['failed']} failed")
    for name, q in (("stored text", stored), ("plain trafilatura", plain)):
        print(f"{name:<20} P {q.precision:.3f}  R {q.recall:.3f}  F1 {q.f1:.3f}")
    passed = stored.f1 >= plain.f1
    print(f"stored-text F1 >= plain trafilatura F1: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1
