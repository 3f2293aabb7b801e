"""Measure crawler.extract on the article-extraction-benchmark corpus (181 real news pages).

    python bench/extraction_quality.py [--corpus PATH]

The corpus folder comes from --corpus, else $LABSCOPE_CORPUS, else
/work/shared/corpus/article-extraction-benchmark; when it is absent the script says so and exits 0,
so it can sit in a check script on machines without the corpus.

It prints, for our ``extract()`` and for plain ``trafilatura.extract(html)`` with its defaults
(the baseline our options must not hurt): refusals with their reasons (every page in the corpus is
a real article, so each refusal is a false refusal), precision/recall/F1 against the ground truth,
and pages per second.

The metric is the benchmark's own (scrapinghub/article-extraction-benchmark, evaluate.py):
tokens are the ``\\w+`` matches, grouped into 4-token shingles compared as multisets; tp/fp/fn
are normalised per document; precision is averaged over documents with a prediction
(tp + fp > 0), recall over documents with a ground truth, F1 is computed from the two averages;
accuracy is the share of documents whose token sequence is exactly right. An empty prediction
(a refusal) therefore costs recall but not precision, which is why refusals are listed apart.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.extract import Extraction, extract  # noqa: E402 -- needs the sys.path line above

DEFAULT_CORPUS = Path("/work/shared/corpus/article-extraction-benchmark")
SHINGLE = 4
_TOKEN = re.compile(r"\w+")

# An extractor answers (text, None) or (None, reason for refusing).
Extractor = Callable[[str, str], tuple[str | None, str | None]]


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """4-token shingles of the \\w+ tokens; a text shorter than 4 tokens is one shingle."""
    tokens = _TOKEN.findall(text)
    grams = (tuple(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1)))
    return Counter(gram for gram in grams if gram)


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    """Shingle matches normalised so that long documents do not weigh more."""
    t, p = shingles(true), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def scores(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Macro precision, recall and F1, with the benchmark's edge cases."""

    def ratio(hit: float, miss: float, other: float) -> float:
        if miss == other == 0:
            return 1.0
        return 0.0 if hit == miss == 0 else hit / (hit + miss)

    precision = statistics.mean(ratio(tp, fp, fn) for tp, fp, fn in counts if tp + fp > 0)
    recall = statistics.mean(ratio(tp, fn, fp) for tp, fp, fn in counts if tp + fn > 0)
    return precision, recall, 2 * precision * recall / (precision + recall)


def ours(html: str, url: str) -> tuple[str | None, str | None]:
    result = extract(html, url)
    return (result.text, None) if isinstance(result, Extraction) else (None, result.reason)


def baseline(html: str, url: str) -> tuple[str | None, str | None]:
    text = trafilatura.extract(html)
    return (text, None) if text else (None, "trafilatura returned nothing")


def load(corpus: Path) -> list[tuple[str, str, str, str]]:
    """(id, url, html, ground-truth body) for every page, decompressed up front."""
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, item in sorted(truth.items()):
        with gzip.open(corpus / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as f:
            pages.append((key, item["url"], f.read(), item["articleBody"]))
    return pages


def run(name: str, extractor: Extractor, pages: list[tuple[str, str, str, str]]) -> None:
    counts, exact, refusals = [], 0, []
    start = time.perf_counter()
    outputs = [extractor(html, url) for _, url, html, _ in pages]
    elapsed = time.perf_counter() - start
    for (key, url, _, true), (text, reason) in zip(pages, outputs, strict=True):
        counts.append(tp_fp_fn(true, text or ""))
        exact += _TOKEN.findall(true) == _TOKEN.findall(text or "")
        if text is None:
            refusals.append(f"    {key[:12]} {url}\n        {reason}")
    precision, recall, f1 = scores(counts)
    print(f"{name}")
    print(f"  refused      {len(refusals)} of {len(pages)} (all false refusals: every page is an article)")
    print("\n".join(refusals) if refusals else "", end="\n" if refusals else "")
    print(f"  precision    {precision:.3f}")
    print(f"  recall       {recall:.3f}")
    print(f"  F1           {f1:.3f}")
    print(f"  accuracy     {exact / len(pages):.3f}")
    print(f"  speed        {len(pages) / elapsed:.1f} pages/s ({elapsed:.1f} s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="the article-extraction-benchmark folder")
    args = parser.parse_args()
    corpus = args.corpus or Path(os.environ.get("LABSCOPE_CORPUS") or DEFAULT_CORPUS)
    if not (corpus / "ground-truth.json").is_file():
        print(f"skipping: no corpus at {corpus} (set --corpus or LABSCOPE_CORPUS)")
        return 0
    pages = load(corpus)
    print(f"{len(pages)} pages from {corpus}\n")
    run("labscope crawler.extract.extract(html, url)", ours, pages)
    print()
    run("baseline trafilatura.extract(html), defaults", baseline, pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
