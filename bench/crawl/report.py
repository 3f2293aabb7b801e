"""Figures of bench.crawl: median, min and max over the repetitions, targets, the table.

A target is judged on the median; min and max show how far the noise of a shared machine
could move it.
"""

from __future__ import annotations

import operator
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

_OPS = {">=": operator.ge, ">": operator.gt, "<": operator.lt, "<=": operator.le, "==": operator.eq}
_SHOW = {">=": "≥", ">": ">", "<": "<", "<=": "≤", "==": "="}


@dataclass(frozen=True)
class Target:
    op: str  # a key of _OPS
    bound: float

    def met(self, value: float) -> bool:
        return bool(_OPS[self.op](value, self.bound))


@dataclass(frozen=True)
class Figure:
    label: str
    values: Sequence[float]  # one per repetition (or a single measurement)
    unit: str = ""
    digits: int = 1
    target: Target | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def passed(self) -> bool | None:
        return None if self.target is None or not self.values else self.target.met(self.median)

    def show(self, value: float, unit: bool = True) -> str:
        return f"{value:,.{self.digits}f}{self.unit if unit else ''}"

    def as_json(self) -> dict[str, Any]:
        target = None if self.target is None else f"{self.target.op} {self.target.bound}"
        stats = {"median": self.median, "min": min(self.values), "max": max(self.values)}
        return {
            "label": self.label,
            "unit": self.unit.strip(),
            "values": list(self.values),
            **(stats if self.values else {}),
            "target": target,
            "passed": self.passed,
            **self.notes,
        }


def table(figures: Sequence[Figure]) -> str:
    """One line per figure: median, [min – max] when repeated, target and PASS/FAIL."""
    width = max(len(f.label) for f in figures) + 2
    lines = [f"{'':<{width}}{'median':>12}  {'[min – max]':<18}target"]
    for figure in figures:
        if not figure.values:
            lines.append(f"{figure.label:<{width}}{'not measured':>12}")
            continue
        spread = ""
        if len(figure.values) > 1:
            low, high = (figure.show(f(figure.values), unit=False) for f in (min, max))
            spread = f"[{low} – {high}]"
        target = ""
        if figure.target is not None:
            verdict = "PASS" if figure.passed else "FAIL"
            target = f"{_SHOW[figure.target.op]} {figure.show(figure.target.bound)}  {verdict}"
        median = figure.show(figure.median)
        lines.append(f"{figure.label:<{width}}{median:>12}  {spread:<18}{target}".rstrip())
    return "\n".join(lines)
