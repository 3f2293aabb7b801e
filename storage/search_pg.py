"""Full-text search on PostgreSQL: a tsvector per version in `search_documents`, GIN-indexed.

The words are cut in Python the way SQLite's FTS5 (unicode61, remove_diacritics 2) cuts them:
runs of letters and digits, case and accents folded, and every CJK character a word of its
own (`spaced`). PostgreSQL's 'simple' configuration then stores exactly those words with their
positions, so a Chinese word is a phrase of characters (月 <-> 之 <-> 暗 <-> 面) found inside
unspaced running text, two-character names like 百度 included (pg_trgm would need three), and
no server extension is needed. The same query tree as on SQLite becomes a tsquery of the same
words, so both archives give the same answers; ts_rank weighs the title (A) above the body.
PostgreSQL's limits apply: positions stop at 16,383 (a phrase past that point of a very long
article may be missed) and one tsvector holds at most 1 MB.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storage.models import Version
from storage.search_query import Node, Not, QueryError, Term, spaced

_WORD = re.compile(r"[^\W_]+")  # letters and digits, as FTS5's unicode61 tokenizer keeps
_DOCUMENT = (
    "setweight(to_tsvector('simple', :title), 'A') || setweight(to_tsvector('simple', :text), 'B')"
)
_INSERT = text(f"INSERT INTO search_documents (version_id, doc) VALUES (:id, {_DOCUMENT})")
# ts_rank over the GIN index's matches; the LIMIT keeps only the best (as bm25 on SQLite).
_RANKED = (
    "SELECT d.version_id FROM search_documents d {join} "
    "WHERE d.doc @@ to_tsquery('simple', :query) "
    "ORDER BY ts_rank(d.doc, to_tsquery('simple', :query)) DESC, d.version_id DESC LIMIT :window"
)
_LATEST = "JOIN articles a ON a.latest_version_id = d.version_id"


def words(value: str) -> list[str]:
    """The index's words of `value`: folded letters and digits, each CJK character alone."""
    folded = unicodedata.normalize("NFKD", spaced(value).casefold())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    return _WORD.findall(plain)


def to_tsquery(node: Node) -> str:
    """The node as a tsquery: a term is a phrase of its words (<->), prefix* its last word :*.

    Every operand is one of `words()`, letters and digits only, so no user text is syntax."""
    if isinstance(node, Term):
        found = words(node.text)
        if not found:
            raise QueryError(f"nothing to search for in {node.text!r}; use letters or digits")
        if node.prefix:
            found[-1] += ":*"
        return "(" + " <-> ".join(found) + ")"
    if isinstance(node, Not):
        raise QueryError("NOT needs something before it, like: DeepSeek NOT OpenAI")
    parts: list[str] = []
    for child in node.nodes:
        if isinstance(child, Not):
            if not parts:
                raise QueryError("a query cannot start with NOT; put a word before it")
            parts[-1] = f"({parts[-1]} & !{to_tsquery(child.node)})"
        else:
            parts.append(to_tsquery(child))
    joiner = " & " if node.kind == "AND" else " | "
    return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"


def _document(version_id: int, title: str, body: str) -> dict[str, object]:
    return {"id": version_id, "title": " ".join(words(title)), "text": " ".join(words(body))}


def index_version(session: Session, version_id: int, title: str, body: str) -> None:
    """Add one stored version's words, in the caller's transaction."""
    session.connection().execute(_INSERT, _document(version_id, title, body))


def rebuild_index(session: Session, batch: int = 2000) -> int:
    """Index every stored version again; the number indexed."""
    session.execute(text("DELETE FROM search_documents"))
    count = 0
    every = select(Version.id, Version.title, Version.text)
    for chunk in session.execute(
        every.order_by(Version.id).execution_options(yield_per=batch)
    ).partitions():
        session.connection().execute(_INSERT, [_document(i, t, b) for i, t, b in chunk])
        count += len(chunk)
    return count


def ranked(session: Session, node: Node, window: int, all_versions: bool) -> list[int]:
    """Ids of the `window` best-matching versions (latest versions only unless all_versions)."""
    sql = text(_RANKED.format(join="" if all_versions else _LATEST))
    params = {"query": to_tsquery(node), "window": window}
    return [version_id for (version_id,) in session.execute(sql, params)]


def matching(session: Session, node: Node, version_ids: Iterable[int]) -> set[int]:
    """Which of `version_ids` match `node`."""
    ids = sorted(set(version_ids))
    if not ids:
        return set()
    sql = text(
        "SELECT version_id FROM search_documents "
        "WHERE version_id = ANY(:ids) AND doc @@ to_tsquery('simple', :query)"
    )
    return {vid for (vid,) in session.execute(sql, {"ids": ids, "query": to_tsquery(node)})}
