"""Turn bench.crawl's raw results into the figures of its table, each with its target.

Ratios are taken within a repetition (crawl and baseline measured minutes apart on the same
machine), then summarised; a ratio of medians would mix repetitions with different noise.
"""

from __future__ import annotations

from typing import Any

from bench.crawl.report import Figure, Target

MB = 1_000_000
CRAWLS = ("first", "r304", "r200", "edit")  # the crawls of each repetition
MEMORY_MARK = 2000  # pages: the memory peak up to here is shown beside the whole crawl's


def figures(results: dict[str, Any]) -> list[Figure]:
    reps: list[dict[str, Any]] = results["reps"]
    return [
        *baseline_figures(reps, results["machine"]["cores"]),
        *crawl_figures(reps, results["edited"], results.get("big")),
        *memory_figures(results),
        *storage_figures(results["storage"]),
        *quality_figures(results["quality"]),
    ]


def _rate(rep: dict[str, Any], key: str) -> float:
    value = rep[key]
    return float(value["pages_per_s"] if isinstance(value, dict) else value)


def _per_rep(reps: list[dict[str, Any]], key: str, over: str | None = None) -> list[float]:
    """pages/s of `key` in each repetition, or its ratio to `over` in the same repetition."""
    return [_rate(rep, key) / (_rate(rep, over) if over else 1.0) for rep in reps]


def baseline_figures(reps: list[dict[str, Any]], cores: int) -> list[Figure]:
    return [
        Figure("(a) trafilatura loop, 1 process", _per_rep(reps, "a"), " p/s"),
        Figure(f"(b) trafilatura pool, {cores} processes", _per_rep(reps, "b"), " p/s"),
        Figure("(c) bare Scrapy fetch", _per_rep(reps, "c"), " p/s"),
        Figure("(c') bare Scrapy fetch, every page 304", _per_rep(reps, "c304"), " p/s"),
        Figure("(d) plain Scrapy spider calling trafilatura", _per_rep(reps, "d"), " p/s"),
    ]


def crawl_figures(
    reps: list[dict[str, Any]], edited: int, big: dict[str, Any] | None
) -> list[Figure]:
    def wall(key: str) -> list[float]:
        return [rep[key]["wall_pages_per_s"] for rep in reps]

    def cpu(key: str, which: str) -> list[float]:
        return [rep[key][f"cpu_ms_per_page_{which}"] for rep in reps]

    def worst_failed() -> list[float]:
        """Per repetition, the highest share of failed pages of its crawls and the big one's."""
        crawls = [[rep[k] for k in CRAWLS] + ([big] if big else []) for rep in reps]
        return [max(100 * c["failed"] / max(c["fetched"], 1) for c in group) for group in crawls]

    return [
        Figure("first crawl", _per_rep(reps, "first"), " p/s"),
        Figure("  wall time, start-up included", wall("first"), " p/s"),
        Figure("  ÷ (b)", _per_rep(reps, "first", "b"), "×", 2, Target(">=", 0.8)),
        Figure("  ÷ (a)", _per_rep(reps, "first", "a"), "×", 2, Target(">", 1.0)),
        Figure("  ÷ (d)", _per_rep(reps, "first", "d"), "×", 2, Target(">=", 1.2)),
        Figure("  CPU per page, crawl process", cpu("first", "main"), " ms"),
        Figure("  CPU per page, its child processes", cpu("first", "children"), " ms"),
        Figure("  (a), time per page for comparison", [1000 / rep["a"] for rep in reps], " ms"),
        Figure("recrawl, 304s (validators)", _per_rep(reps, "r304"), " p/s"),
        Figure("  wall time, start-up included", wall("r304"), " p/s"),
        Figure("  ÷ first crawl", _per_rep(reps, "r304", "first"), "×", 1, Target(">=", 10)),
        Figure("  ÷ (c')", _per_rep(reps, "r304", "c304"), "×", 2),
        Figure("  CPU per page, crawl process", cpu("r304", "main"), " ms"),
        Figure("recrawl, identical 200s", _per_rep(reps, "r200"), " p/s"),
        Figure("  wall time, start-up included", wall("r200"), " p/s"),
        Figure("  ÷ first crawl", _per_rep(reps, "r200", "first"), "×", 1, Target(">=", 5)),
        Figure("  ÷ (c)", _per_rep(reps, "r200", "c"), "×", 2),
        Figure(f"edit recrawl, {edited} pages changed", _per_rep(reps, "edit"), " p/s"),
        Figure("  ÷ first crawl", _per_rep(reps, "edit", "first"), "×", 1),
        Figure(
            "  new versions ÷ pages changed",
            [rep["edit"]["new_versions"] / edited for rep in reps],
            "",
            3,
            Target("==", 1.0),
        ),
        Figure("failed pages, worst crawl", worst_failed(), "%", 2, Target("<=", 1.0)),
    ]


def memory_figures(results: dict[str, Any]) -> list[Figure]:
    """The memory crawl's peaks; with --skip-big, the first crawl's, labelled as such."""
    big = results.get("big")
    crawl = big or results["reps"][0]["first"]
    pages = big["urls"] if big else results["urls"]
    peak = crawl["peak_rss"] / MB
    shown = [Figure(f"peak RSS, crawl of {pages:,} URLs", [peak], " MB", 0, Target("<", 500))]
    if pages > MEMORY_MARK:
        first = crawl[f"peak_rss_first_{MEMORY_MARK}"] / MB
        shown.append(Figure(f"  peak RSS over its first {MEMORY_MARK:,} pages", [first], " MB", 0))
    shown.append(Figure("  PSS (shared pages split)", [crawl["peak_pss"] / MB], " MB", 0))
    return shown


def storage_figures(storage: dict[str, Any]) -> list[Figure]:
    versions = max(storage["versions"], 1)
    archive, raw = storage["bytes"], storage["raw_html_bytes"]
    share = 100 * archive / max(raw, 1)
    return [
        Figure("archive ÷ raw HTML, first crawl", [share], "%", 2, Target("<", 30)),
        Figure("  archive bytes per version", [archive / versions / 1000], " kB", 1),
        Figure("  raw HTML bytes per version", [raw / versions / 1000], " kB", 1),
    ]


def quality_figures(quality: dict[str, Any]) -> list[Figure]:
    stored, plain = quality["stored"], quality["plain"]
    floor = Target(">=", plain["f1"])
    return [
        Figure("stored text F1 (181 corpus pages)", [stored["f1"]], "", 3, floor),
        Figure("  precision", [stored["precision"]], "", 3),
        Figure("  recall", [stored["recall"]], "", 3),
        Figure("plain trafilatura F1, same pages", [plain["f1"]], "", 3),
        Figure("  precision", [plain["precision"]], "", 3),
        Figure("  recall", [plain["recall"]], "", 3),
    ]
