"""The table of bench.scaling: one row per archive size, then largest ÷ smallest.

A flat cost shows as a ratio near 1.0x. The crawl figures are single runs on a shared machine,
so a ratio within about 0.8x to 1.25x is noise, not growth; a step that read the whole archive
per page would show as a ratio near the size ratio (100x from 1,000 to 100,000 articles).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from bench.scaling.queries import KINDS


class Column(NamedTuple):
    title: str
    value: Callable[[dict[str, Any]], float]


def _query(kind: str) -> Callable[[dict[str, Any]], float]:
    return lambda size: float(next(q["median_ms"] for q in size["queries"] if q["kind"] == kind))


COLUMNS = (
    Column("first crawl", lambda size: size["first"]["ms_per_page"]),
    Column("304 recrawl", lambda size: size["r304"]["ms_per_page"]),
    Column("CPU crawl", lambda size: size["first"]["cpu_ms_per_page_main"]),
    Column("CPU workers", lambda size: size["first"]["cpu_ms_per_page_children"]),
    Column("search", _query(KINDS[0])),
    Column("all-versions", _query(KINDS[1])),
    Column("entity list", _query(KINDS[2])),
)
WIDTH = 13


def table(sizes: Sequence[dict[str, Any]]) -> str:
    """Sizes (as bench.scaling records them, smallest first) as a table with a ratio row."""
    head = f"{'articles':>10} " + "".join(f"{c.title:>{WIDTH}}" for c in COLUMNS)
    lines = [
        f"{'':>10} {'ms/page':>{WIDTH * 2}}{'CPU ms/page, first crawl':>{WIDTH * 2}}"
        f"{'query median, ms':>{WIDTH * 3}}",
        head,
    ]
    for size in sizes:
        cells = "".join(f"{c.value(size):>{WIDTH},.1f}" for c in COLUMNS)
        lines.append(f"{size['articles']:>10,} {cells}")
    if len(sizes) > 1:
        lines.append(
            f"{ratio_label(sizes):>10} "
            + "".join(f"{r:>{WIDTH - 1}.2f}x" for r in ratios(sizes).values())
        )
    return "\n".join(lines)


def ratio_label(sizes: Sequence[dict[str, Any]]) -> str:
    return f"{sizes[-1]['articles'] / sizes[0]['articles']:,.0f}x size"


def ratios(sizes: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Each column's value at the largest size divided by its value at the smallest."""
    return {c.title: c.value(sizes[-1]) / c.value(sizes[0]) for c in COLUMNS}
