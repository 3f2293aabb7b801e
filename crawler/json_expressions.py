"""The two expressions a `kind = "json"` source names, checked: `links` must be JMESPath and
`script` a CSS selector parsel can use. Apart from crawler.json_links, which applies them to
fetched pages, so that reading a config (which every command does) imports neither Scrapy nor
the feed and charset readers."""

from __future__ import annotations

import jmespath
from jmespath.exceptions import (
    IncompleteExpressionError,
    JMESPathError,
    LexerError,
    ParseError,
)
from jmespath.parser import ParsedResult
from parsel.csstranslator import css2xpath


def compile_links(expression: str) -> ParsedResult:
    """The compiled `links` expression; ValueError says why it is not JMESPath."""
    if not expression.strip():
        raise ValueError("is empty")
    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        raise ValueError(f"is not a valid JMESPath expression ({_jmespath_problem(exc)})") from None


def _jmespath_problem(exc: JMESPathError) -> str:
    """jmespath's own message repeats the expression over lines with a caret; this is its gist."""
    if isinstance(exc, IncompleteExpressionError):
        return f"it ends too early, at character {exc.lex_position}"
    if isinstance(exc, LexerError):
        return f"{exc.message} at character {exc.lexer_position}"
    if isinstance(exc, ParseError):
        return f"{exc.msg} at character {exc.lex_position}"
    return one_line(exc)


def check_script(selector: str) -> None:
    """ValueError when `selector` is not a CSS selector parsel can use."""
    if not selector.strip():
        raise ValueError("is empty")
    try:
        css2xpath(selector)  # what parsel's Selector.css does first, with ::text and ::attr()
    # cssselect's SelectorSyntaxError is a SyntaxError, its ExpressionError a RuntimeError.
    except (SyntaxError, RuntimeError, ValueError) as exc:
        raise ValueError(f"is not a valid CSS selector ({one_line(exc)})") from None


def one_line(value: object) -> str:
    """An exception's message on one line, and short enough for an error line."""
    return " ".join(str(value).split())[:200]
