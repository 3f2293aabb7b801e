"""Measure crawler.extract on the article-extraction-benchmark corpus (181 real news pages).

    python -m bench.extraction_quality [--corpus PATH]

The corpus folder comes from --corpus, else $LABSCOPE_CORPUS, else
/work/shared/corpus/article-extraction-benchmark. When it is absent the script says so and exits
0, so a check script can run it on machines without the corpus.

For our ``extract()`` and for plain ``trafilatura.extract(html)`` with its defaults (the baseline
our options must not hurt) it prints the refusals with their reasons (every page in the corpus is
a real article, so each refusal is a false refusal), precision, recall and F1 against the ground
truth, and pages per second.

The metric is the benchmark's own (scrapinghub/article-extraction-benchmark, evaluate.py), and
the script checks it against the benchmark's published trafilatura 2.0.0 figures. Tokens are the
``\\w+`` matches, grouped into 4-token shingles compared as multisets; tp/fp/fn are normalised
per document; precision is averaged over the documents with a prediction (tp + fp > 0), recall
over those with a ground truth (all here), and F1 is computed from the two averages. Accuracy
is the share of documents whose token sequence is exactly right. A refusal (no text) costs
recall, not precision.

How crawler.extract's trafilatura options were chosen (trafilatura 2.3.1, same metric; every
variant but the defaults leaves comments out; speed of a warm pass, where measured):

    options                                     P      R      F1     no text  speed
    trafilatura.extract(html) defaults          0.928  0.978  0.953  0
    metadata                                    0.942  0.978  0.960  0
    metadata, favor_precision                   0.958  0.971  0.964  0      ~42 pages/s
    metadata, no tables                         0.942  0.972  0.957  0
    metadata, favor_precision, no tables        0.956  0.958  0.957  1
    metadata, favor_precision, fast             0.947  0.946  0.946  1      ~60 pages/s
    metadata, fast                              0.946  0.979  0.962  0      ~53 pages/s
    metadata, favor_recall, no tables           0.939  0.971  0.955  0
    favor_precision, no metadata                0.958  0.971  0.964  0      ~57 pages/s
    metadata, favor_precision, fast, and the    0.962  0.971  0.966  0      ~60 pages/s
      fallbacks below 500 characters
    the same, and the default mode when still   0.966  0.976  0.971  0      ~57 pages/s
      under 500 and it finds twice as much
    the same, and the page's marked article     0.971  0.977  0.974  0      14.6 ms a page
      element, chrome lines stripped, empty                                 (11.8 before)
      inline elements dropped (chosen)

The last row runs trafilatura's fallback extractors (readability and jusText, half its time)
only on the 8 pages where the main extractor kept under 500 characters (crawler.extract's
FALLBACK_BELOW_WEIGHT): they rescue 2 of them, and on longer texts they changed 3 pages, one
for the worse. The speeds above these rows were measured before crawler.page_metadata. The
chosen row changes one page, Barron's (F1 0 -> 0.85): precision mode deletes <header> elements,
which left trafilatura a reprint notice, and the fallbacks did no better; the notice was stored
as the article (crawler.extract's RETRY_MIN_GROWTH).

Metadata costs about a quarter of the time (trafilatura's own; crawler/page_metadata.py skips
its categories, tags and licence, 2 of its 5 ms a page). Parsing the HTML once and handing
trafilatura the tree (it copies it) rather than parsing twice saves 2 to 7% (a parse is about
2 ms a page).

Speed is timed on a second pass over the corpus, after both extractors have run once:
trafilatura and htmldate keep caches, and a cold first pass would favour whichever runs second.
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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import trafilatura

from crawler.extract import Extraction, extract

DEFAULT_CORPUS = Path("/work/shared/corpus/article-extraction-benchmark")


def find_corpus(given: Path | None) -> Path | None:
    """--corpus, else $LABSCOPE_CORPUS, else the default; None (said on stdout) when absent."""
    corpus = given or Path(os.environ.get("LABSCOPE_CORPUS") or DEFAULT_CORPUS)
    if not (corpus / "ground-truth.json").is_file():
        print(f"skipping: no corpus at {corpus} (pass --corpus or set LABSCOPE_CORPUS)")
        return None
    return corpus


SHINGLE_SIZE = 4
_TOKEN = re.compile(r"\w+")

Counts = tuple[float, float, float]
Outcome = tuple[str | None, str | None]
"""(text, None) for an article, (None, reason) for a refusal."""


class Page(NamedTuple):
    key: str
    url: str
    html: str
    truth: str


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """4-token shingles of the \\w+ tokens; a text of 1 to 3 tokens is a single shingle."""
    tokens = _TOKEN.findall(text)
    spans = (tokens[i : i + SHINGLE_SIZE] for i in range(max(1, len(tokens) - SHINGLE_SIZE + 1)))
    return Counter(tuple(span) for span in spans if span)


def tp_fp_fn(true: str, pred: str) -> Counts:
    """Shingle matches, normalised to sum to 1 so that long documents do not weigh more."""
    t, p = shingles(true), shingles(pred)
    counts = (sum((t & p).values()), sum((p - t).values()), sum((t - p).values()))
    total = sum(counts)
    return (counts[0] / total, counts[1] / total, counts[2] / total) if total else (0.0, 0.0, 0.0)


def scores(counts: Sequence[Counts]) -> tuple[float, float, float]:
    """Macro-averaged precision and recall, and the F1 of those averages."""

    def ratio(tp: float, miss: float, other: float) -> float:
        if miss == other == 0:
            return 1.0
        return 0.0 if tp == miss == 0 else tp / (tp + miss)

    precision = statistics.mean(ratio(tp, fp, fn) for tp, fp, fn in counts if tp + fp > 0)
    recall = statistics.mean(ratio(tp, fn, fp) for tp, fp, fn in counts if tp + fn > 0)
    return precision, recall, 2 * precision * recall / (precision + recall)


def ours(html: str, url: str) -> Outcome:
    result = extract(html, url)
    return (result.text, None) if isinstance(result, Extraction) else (None, result.reason)


def baseline(html: str, url: str) -> Outcome:
    text = trafilatura.extract(html)
    return (text, None) if text else (None, "trafilatura returned nothing")


EXTRACTORS: dict[str, Callable[[str, str], Outcome]] = {
    "labscope: crawler.extract.extract(html, url)": ours,
    "baseline: trafilatura.extract(html), defaults": baseline,
}


def load(corpus: Path) -> list[Page]:
    """Every page with its ground truth, decompressed up front so that timing is extraction only."""
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, item in sorted(truth.items()):
        with gzip.open(corpus / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as f:
            pages.append(Page(key, item["url"], f.read(), item["articleBody"]))
    return pages


def check_metric(corpus: Path, pages: list[Page]) -> None:
    """Score the benchmark's published trafilatura 2.0.0 output: it should read F1 0.958."""
    path = corpus / "output-trafilatura-2.0.0.json"
    if not path.is_file():
        return
    published = json.loads(path.read_text(encoding="utf-8"))["output"]
    counts = [tp_fp_fn(p.truth, published[p.key].get("articleBody") or "") for p in pages]
    precision, recall, f1 = scores(counts)
    print(
        f"metric check, published trafilatura 2.0.0 output: P {precision:.3f} R {recall:.3f} "
        f"F1 {f1:.3f} (the benchmark publishes P 0.938 R 0.978 F1 0.958)\n"
    )


def report(name: str, pages: list[Page], outcomes: list[Outcome], seconds: float) -> None:
    pairs = list(zip(pages, outcomes, strict=True))
    counts = [tp_fp_fn(page.truth, text or "") for page, (text, _) in pairs]
    exact = sum(
        _TOKEN.findall(page.truth) == _TOKEN.findall(text or "") for page, (text, _) in pairs
    )
    refusals = [(page, reason) for page, (text, reason) in pairs if text is None]
    precision, recall, f1 = scores(counts)
    print(name)
    print(f"  refused    {len(refusals)} of {len(pages)} (each one a false refusal)")
    for page, reason in refusals:
        print(f"    {page.key[:12]} {page.url}\n      {reason}")
    print(f"  precision  {precision:.3f}")
    print(f"  recall     {recall:.3f}")
    print(f"  F1         {f1:.3f}")
    print(f"  accuracy   {exact / len(pages):.3f}")
    print(f"  speed      {len(pages) / seconds:.1f} pages/s ({seconds:.1f} s, warm pass)\n")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.extraction_quality", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--corpus", type=Path, help="the article-extraction-benchmark folder")
    args = parser.parse_args()
    corpus = find_corpus(args.corpus)
    if corpus is None:
        return 0
    pages = load(corpus)
    print(f"{len(pages)} pages from {corpus}\n")
    check_metric(corpus, pages)
    outcomes = {name: [run(p.html, p.url) for p in pages] for name, run in EXTRACTORS.items()}
    seconds = {}
    for name, run in EXTRACTORS.items():
        start = time.perf_counter()
        for page in pages:
            run(page.html, page.url)
        seconds[name] = time.perf_counter() - start
    for name in EXTRACTORS:
        report(name, pages, outcomes[name], seconds[name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
