"""A sentence diff laid out for reading: inline (one column) or side by side (two).

`storage.diffs.TextDiff` lists every sentence of both versions in reading order; here each
becomes a row of marked-up pieces, and long runs of unchanged sentences fold into one row that
opens on demand (an HTML <details>, so no JavaScript), keeping one sentence of context at
each end. Changes the verdict set aside as the site's template are marked so, not as edits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from storage.diffs import RedlineOp, SentenceChange, TextDiff

Pieces = tuple[tuple[RedlineOp, str], ...]
CONTEXT = 1  # unchanged sentences kept visible beside a change
FOLD_AT = 2 * CONTEXT + 2  # shorter unchanged runs are shown whole


@dataclass(frozen=True)
class Row:
    """One sentence: its kind, and what each side shows (empty where the side has nothing)."""

    kind: str  # unchanged | added | removed | edited | moved
    old: Pieces
    new: Pieces
    inline: Pieces
    template: bool = False  # a change the pages' template explains, not an edit


@dataclass(frozen=True)
class Fold:
    """Unchanged sentences folded away."""

    rows: tuple[Row, ...]


def diff_rows(diff: TextDiff, template: frozenset[int] = frozenset()) -> list[Row | Fold]:
    """The rows of `diff`, with long unchanged runs folded; `template` holds the positions of
    the changes the recorded verdict set aside as the site's template."""
    rows = [replace(_row(c), template=i in template) for i, c in enumerate(diff.changes)]
    laid_out: list[Row | Fold] = []
    run: list[Row] = []
    for row in [*rows, None]:
        if row is not None and row.kind == "unchanged":
            run.append(row)
            continue
        head = CONTEXT if laid_out else 0  # no context needed before the first change
        tail = CONTEXT if row is not None else 0
        if len(run) >= FOLD_AT:
            laid_out.extend(run[:head])
            laid_out.append(Fold(tuple(run[head : len(run) - tail])))
            laid_out.extend(run[len(run) - tail :])
        else:
            laid_out.extend(run)
        run = []
        if row is not None:
            laid_out.append(row)
    return laid_out


def _row(change: SentenceChange) -> Row:
    old, new = change.old or "", change.new or ""
    if change.kind == "edited":
        ops = change.redline or (("delete", old), ("insert", new))
        return Row(
            "edited",
            old=tuple(op for op in ops if op[0] != "insert"),
            new=tuple(op for op in ops if op[0] != "delete"),
            inline=ops,
        )
    if change.kind == "added":
        return Row("added", (), (("insert", new),), (("insert", new),))
    if change.kind == "removed":
        return Row("removed", (("delete", old),), (), (("delete", old),))
    if change.kind == "moved":
        return Row("moved", (), (("equal", new),), (("equal", new),))
    return Row("unchanged", (("equal", old),), (("equal", new),), (("equal", new),))
