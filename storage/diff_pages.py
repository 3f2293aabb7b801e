"""Long diffs in pages: a rewrite of 40,000 sentences is not read, or rendered, in one piece.

`diff --page N` and the web article page's `?page=N` show one page of the changed sentences
(in the order they are rendered: edited, added, removed, moved) and say "page N of M"; the
counts of the whole edit stay on every page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # the diff engine: `labscope diff`'s help reads PAGE_SENTENCES without it
    from storage.digest.build import EditedArticle

PAGE_SENTENCES = 500  # changed sentences (CLI) or rows (web) on one page
_Item = TypeVar("_Item")


@dataclass(frozen=True)
class Paged:
    """One page of an edit; `change` holds only that page's sentences."""

    change: EditedArticle
    page: int
    pages: int
    counts: str  # the whole edit's: "40000 removed, 40000 added"

    @property
    def line(self) -> str:
        """What the CLI prints under a page of a long diff."""
        more = f"; --page {self.page + 1} for the next" if self.page < self.pages else ""
        return f"page {self.page} of {self.pages} ({self.counts}){more}"


class PageError(ValueError):
    """A page number past the last page; the message says how many there are."""


def page_count(total: int, size: int = PAGE_SENTENCES) -> int:
    return max(1, -(-total // size))


def check_page(page: int, pages: int) -> None:
    if not 1 <= page <= pages:
        raise PageError(f"page {page} does not exist: this diff has {pages} (1 to {pages})")


def page_slice(items: list[_Item], page: int, size: int = PAGE_SENTENCES) -> list[_Item]:
    """Page `page` (from 1) of `items`; PageError past the last."""
    check_page(page, page_count(len(items), size))
    return items[(page - 1) * size : page * size]


def paged(change: EditedArticle, page: int) -> Paged:
    """Page `page` (from 1) of `change`'s sentences; PageError past the last page."""
    sizes = [len(change.edited), len(change.added), len(change.removed), len(change.moved)]
    pages = page_count(sum(sizes))
    check_page(page, pages)
    start, end = (page - 1) * PAGE_SENTENCES, page * PAGE_SENTENCES
    offsets = [sum(sizes[:k]) for k in range(4)]

    def window(items: list[_Item], offset: int) -> list[_Item]:
        return items[max(start - offset, 0) : max(end - offset, 0)]

    page_change = replace(
        change,
        edited=window(change.edited, offsets[0]),
        added=window(change.added, offsets[1]),
        removed=window(change.removed, offsets[2]),
        moved=window(change.moved, offsets[3]),
    )
    names = ("edited", "added", "removed", "moved")
    counts = ", ".join(f"{n} {name}" for name, n in zip(names, sizes, strict=True) if n)
    return Paged(page_change, page, pages, counts or "no sentence changed")
