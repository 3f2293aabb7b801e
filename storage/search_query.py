"""The search language: words, "phrases", prefix*, AND / OR / NOT and parentheses.

A query is parsed once into a small tree, then written out for the backend: an FTS5 MATCH
string on SQLite, or SQL LIKE conditions elsewhere. Chinese has no spaces, so the index keeps
each CJK character as its own token (`spaced`) and a Chinese word becomes a phrase of
characters: "月之暗面" is found inside any Chinese sentence, and a two-character name like
百度 is found too (FTS5's trigram tokenizer would miss it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, not_, or_
from sqlalchemy.orm import InstrumentedAttribute

from storage.errors import StorageError

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_CJK_CHAR = re.compile(f"([{CJK}])")
# Control characters separate words like spaces; NUL would also end SQLite's string early.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TOKEN = re.compile(r'\s*(?:(")((?:[^"])*)("?)|(\()|(\))|([^\s()"]+))')
OPERATORS = ("AND", "OR", "NOT")
# Caps on one query: the parser recurses once per parenthesis, and each term is one more FTS5
# clause or LIKE scan, so a 100 kB query or 3,000 ORed terms cost seconds a request.
MAX_QUERY_CHARS = 1000
MAX_QUERY_TERMS = 64
MAX_QUERY_DEPTH = 16


class QueryError(StorageError):
    """The search query cannot be parsed; the message says where and how to fix it."""


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False
    phrase: bool = False


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class Op:
    kind: str  # AND | OR
    nodes: tuple[Node, ...]


Node = Term | Not | Op


def spaced(text: str) -> str:
    """`text` with every CJK character set apart: how the index tokenises Chinese."""
    return _CJK_CHAR.sub(r" \1 ", text)


def parse(query: str) -> Node:
    """The query's tree; QueryError for an empty or malformed query."""
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, as from undecodable argv bytes
        position = exc.start + 1
        raise QueryError(
            f"the search query is not valid text at character {position}; retype it"
        ) from None
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the search query is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}"
        )
    tokens = _tokens(_CONTROL.sub(" ", query))
    if not tokens:
        raise QueryError('empty search query; give words, "a phrase", prefix* or AND/OR/NOT')
    _check_size(tokens)
    node, rest = _or(tokens)
    if rest:
        raise QueryError(f"unexpected {rest[0]!r} in the search query; check the parentheses")
    return node


def _check_size(tokens: list[str | Term]) -> None:
    """Refuse a query over the term or nesting caps before the recursive parser sees it."""
    words = sum(1 for token in tokens if token not in ("(", ")", *OPERATORS))
    if words > MAX_QUERY_TERMS:
        raise QueryError(
            f"the search query has {words} terms; the limit is {MAX_QUERY_TERMS}: search for fewer"
        )
    depth = deepest = 0
    for token in tokens:
        depth += 1 if token == "(" else -1 if token == ")" else 0
        deepest = max(deepest, depth)
    if deepest > MAX_QUERY_DEPTH:
        raise QueryError(
            f"the search query nests parentheses {deepest} deep; the limit is {MAX_QUERY_DEPTH}"
        )


def to_fts(node: Node) -> str:
    """The node as an FTS5 MATCH expression (every term quoted, so no user text is syntax)."""
    if isinstance(node, Term):
        words = [w for w in spaced(node.text).replace('"', " ").split() if _searchable(w)]
        if not words:
            raise QueryError(f"nothing to search for in {node.text!r}; use letters or digits")
        return '"' + " ".join(words) + '"' + ("*" if node.prefix else "")
    if isinstance(node, Not):
        raise QueryError("NOT needs something before it, like: DeepSeek NOT OpenAI")
    parts: list[str] = []
    for child in node.nodes:
        if isinstance(child, Not):
            if not parts:
                raise QueryError("a query cannot start with NOT; put a word before it")
            parts[-1] = f"({parts[-1]} NOT {to_fts(child.node)})"
        else:
            parts.append(to_fts(child))
    return parts[0] if len(parts) == 1 else "(" + f" {node.kind} ".join(parts) + ")"


def to_like(
    node: Node, *columns: ColumnElement[str] | InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    """The node as SQL conditions on `columns`: for databases without FTS5 (slower, no ranking)."""
    if isinstance(node, Term):
        pattern = (
            "%" + node.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        return or_(*(column.ilike(pattern, escape="\\") for column in columns))
    if isinstance(node, Not):
        return not_(to_like(node.node, *columns))
    joined = [to_like(child, *columns) for child in node.nodes]
    return and_(*joined) if node.kind == "AND" else or_(*joined)


def terms(node: Node) -> list[str]:
    """The positive words and phrases, for highlighting a snippet."""
    if isinstance(node, Term):
        return [node.text]
    if isinstance(node, Not):
        return []
    return [text for child in node.nodes for text in terms(child)]


def _tokens(query: str) -> list[str | Term]:
    tokens: list[str | Term] = []
    position = 0
    query = query.strip()
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None or match.end() == position:
            break
        position = match.end()
        quote, phrase, closing, opening, closing_paren, word = match.groups()
        if quote:
            if not closing:
                raise QueryError('unbalanced quote in the search query; close the "phrase"')
            if phrase.strip():
                tokens.append(Term(phrase.strip(), phrase=True))
        elif opening or closing_paren:
            tokens.append(opening or closing_paren)
        elif word in OPERATORS:
            tokens.append(word)
        elif word:
            prefix = word.endswith("*") and len(word) > 1
            text = word.rstrip("*")
            if text:
                tokens.append(Term(text, prefix=prefix))
    return tokens


def _or(tokens: list[str | Term]) -> tuple[Node, list[str | Term]]:
    node, rest = _and(tokens)
    nodes = [node]
    while rest and rest[0] == "OR":
        node, rest = _and(rest[1:])
        nodes.append(node)
    return (nodes[0] if len(nodes) == 1 else Op("OR", tuple(nodes))), rest


def _and(tokens: list[str | Term]) -> tuple[Node, list[str | Term]]:
    nodes: list[Node] = []
    rest = tokens
    while rest and rest[0] not in ("OR", ")"):
        if rest[0] == "AND":
            rest = rest[1:]
            continue
        negate = rest[0] == "NOT"
        if negate:
            rest = rest[1:]
        node, rest = _atom(rest)
        nodes.append(Not(node) if negate else node)
    if not nodes:
        raise QueryError("AND, OR or NOT without a word beside it; e.g. DeepSeek OR Qwen")
    return (nodes[0] if len(nodes) == 1 else Op("AND", tuple(nodes))), rest


def _atom(tokens: list[str | Term]) -> tuple[Node, list[str | Term]]:
    if not tokens:
        raise QueryError("the search query ends with an operator; add a word after it")
    head = tokens[0]
    if isinstance(head, Term):
        return head, tokens[1:]
    if head == "(":
        node, rest = _or(tokens[1:])
        if not rest or rest[0] != ")":
            raise QueryError("unbalanced parenthesis in the search query; close it with )")
        return node, rest[1:]
    raise QueryError(f"unexpected {head!r} in the search query")


def _searchable(word: str) -> bool:
    """The index keeps letters and digits only: a word without any matches nothing."""
    return any(char.isalnum() for char in word)
