"""JSON post lists: the article links a JMESPath expression (`links`) picks out of a JSON answer,
or out of the JSON a page carries in a script element (`script`, e.g. Next.js's
`script#__NEXT_DATA__`).

The expression yields URLs, or objects with `url` and optional `title`, `published` and
`language`, kept as hints as a feed's are. JMESPath only selects and reshapes data: nothing in
the document is ever evaluated, and a scraped document cannot make it do more.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

from jmespath.exceptions import JMESPathError
from parsel import Selector

from crawler.charsets import decode_html
from crawler.feeds import feed_date, unmojibake
from crawler.json_expressions import compile_links, one_line

# Epoch numbers above this are milliseconds (it is 5138 AD in seconds, 1973 in milliseconds).
_MILLISECONDS = 100_000_000_000
_MAX_TEXT = 1_000  # a hint longer than this is not a title or a language code


@dataclass(frozen=True)
class JsonLink:
    """One post the JSON lists: its URL and what the JSON says about it."""

    url: str
    title: str | None = None
    published: datetime | None = None
    language: str | None = None


@dataclass(frozen=True)
class JsonLinks:
    links: list[JsonLink]
    error: str | None = None  # why there are none


@lru_cache(maxsize=64)
def read_links(
    body: bytes, url: str, links: str, script: str | None = None, content_type: str = ""
) -> JsonLinks:
    """The links `links` picks from `body` (fetched from `url`): the JSON itself, or with
    `script` the text of the first element of the HTML page matching it."""
    if script is None:
        text = body.decode("utf-8-sig", "replace")  # RFC 8259: JSON on the wire is UTF-8
    else:
        page = decode_html(body, content_type).text
        scripts = Selector(text=page).css(script)
        if not scripts:
            return JsonLinks([], f"no element matches script {json.dumps(script)}")
        root = scripts[0].root  # a string when the selector ends in ::text or ::attr()
        text = root if isinstance(root, str) else "".join(scripts[0].xpath(".//text()").getall())
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = "the answer" if script is None else f"the text of {json.dumps(script)}"
        return JsonLinks([], f"{where} is not JSON ({one_line(exc)[:120]})")
    try:
        found = compile_links(links).search(document)
    except (JMESPathError, RecursionError) as exc:  # e.g. a function given the wrong type
        return JsonLinks([], f"links {json.dumps(links)} failed on this JSON ({one_line(exc)})")
    values = found if isinstance(found, list) else [] if found is None else [found]
    result = [link for value in values if (link := _link(value, url)) is not None]
    if not result:
        shape = f"{len(values)} values, none a URL or an object with a url" if values else "nothing"
        return JsonLinks([], f"links {json.dumps(links)} found no links in the JSON ({shape})")
    return JsonLinks(result)


def _link(value: Any, base: str) -> JsonLink | None:
    if isinstance(value, str):
        return JsonLink(urljoin(base, value.strip())) if value.strip() else None
    if not isinstance(value, dict):
        return None
    url = value.get("url")
    if not isinstance(url, str) or not url.strip():
        return None
    return JsonLink(
        url=urljoin(base, url.strip()),
        title=_text(value.get("title")),
        published=_moment(value.get("published")),
        language=_text(value.get("language")),
    )


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return unmojibake(text) if text and len(text) <= _MAX_TEXT else None


def _moment(value: Any) -> datetime | None:
    """A date as JSON APIs write it: a string in any form a feed may use, or epoch seconds
    or milliseconds; None when it is no date."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _MILLISECONDS else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and len(value) <= 100:
        return feed_date(value)
    return None
