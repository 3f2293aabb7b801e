"""Pages that are HTML with text but not articles, each named in one line for the run summary.

Feeds and listings link to more than articles: a magazine's home page, a section front, an
app's welcome page, an error page served with status 200, a stub that only sends readers on.
Stored, each would be versioned like an article on every visit. Every check reads what the
page says about itself (its canonical link, og:type, title, refresh) and how much text it has
of its own; ``crawler.extract`` skips the kind-of-page guesses for a source's own ``page``,
which the user declared an article.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.extraction.listing import headline_mass, own_text
from crawler.extraction.refresh import MetaRefresh
from crawler.extraction.text import norm, visible_text, weight

_ERROR = re.compile(
    r"^(?:error\s*)?(?:404|410)\b|^not found$|\b(?:page|article|story|content|file)\s+"
    r"(?:was\s+|is\s+)?(?:not found|cannot be found|could not be found"
    r"|no longer (?:exists|available))"
    r"|\bpage (?:you (?:are|were|'re) looking for|doesn'?t exist|does not exist)"
    r"|页面不存在|页面未找到|找不到(?:该|此|您)?(?:页面|网页)|您(?:所)?访问的页面|404\s*错误"
    r"|该内容已被(?:发布者)?删除|内容已删除|文章不存在",
    re.IGNORECASE,
)
_WALLS = (
    (
        "a maintenance page",
        re.compile(
            r"\b(?:under|down for|undergoing|closed for) (?:scheduled )?maintenance\b"
            r"|\bmaintenance mode\b|\btemporarily unavailable\b|系统维护|维护中|网站维护",
            re.IGNORECASE,
        ),
    ),
    (
        "a cookie wall",
        re.compile(
            r"\b(?:we use|accept|enable|allow|consent to) (?:all )?cookies\b"
            r"|\bcookies? (?:consent|settings|preferences|policy|wall)\b|\bcookies are disabled\b",
            re.IGNORECASE,
        ),
    ),
)
"""What a page served instead of the article says in its title, first heading or (short) text."""
_WEBSITE_TYPES = re.compile(
    r"^(?:website|product|profile|app|software|book|music|place|business|video)\b", re.I
)
_NON_ARTICLE_LD = frozenset(
    {"WebSite", "WebPage", "SoftwareApplication", "WebApplication", "MobileApplication", "Product"}
)
_HOME_PATHS = frozenset({"", "index.html", "index.htm", "index.php", "index.shtml", "default.aspx"})
ERROR_MAX_WEIGHT = 1500
"""An error page's own text is a few lines; a longer text under such a title is an article
about errors (or a page with a title bug) and is kept."""
STUB_MAX_WEIGHT = 500
"""A page with less text than this outside its links, and a refresh, only sends readers on."""
FRONT_MIN_LINKS = 10
FRONT_MASS = 2
"""A page that declares no article and carries at least FRONT_MIN_LINKS headline links to
other pages of the site, weighing FRONT_MASS times its extracted text, is a section front.
WIRED's home page kept 547 characters of three teasers against 60 headline links."""


def error_page(title: str, tree: HtmlElement, text: str) -> str | None:
    """An error page served with status 200: its title or first heading says so; a maintenance
    page or cookie wall says so there or in its few lines of text. Each is a failed fetch, never
    a version: stored, the article would "change" into it and "revert" when it came back."""
    headings = [norm(h.text_content()) for h in tree.iter("h1")][:1]
    if weight(text) >= ERROR_MAX_WEIGHT:
        return None
    for label in (norm(title), *headings):
        if label and _ERROR.search(label):
            return f"an error page served as a page ({label[:80]!r})"
    for kind, pattern in _WALLS:
        for label in (norm(title), *headings, norm(text)):
            if label and (found := pattern.search(label)):
                return f"{kind} served instead of the article ({found.group(0)!r})"
    return None


def refresh_stub(refresh: MetaRefresh | None, text: str) -> str | None:
    """A stub whose refresh sends readers to another page (one on this site was followed)."""
    if refresh is None or refresh.url is None or weight(text) >= STUB_MAX_WEIGHT:
        return None
    return (
        f"a redirect stub: the page sends readers on to {refresh.url[:200]} "
        f"(meta refresh after {refresh.delay:g} s)"
    )


def is_stub(tree: HtmlElement) -> bool:
    """Little text outside links: a page that exists to send its reader elsewhere."""
    body = tree.find("body")
    if body is None:
        return True
    links = sum(weight(visible_text(a)) for a in body.iter("a"))
    return weight(visible_text(body)) - links < STUB_MAX_WEIGHT


def home_page(declared_url: str | None, url: str, article: bool) -> str | None:
    """The site's front page, by the page's own canonical URL (else the URL it came from)."""
    address = declared_url or url
    parts = urlsplit(address)
    if article or parts.query or parts.path.strip("/").lower() not in _HOME_PATHS:
        return None
    return f"a site's home page ({address[:200]}), not an article"


def section_front(links: set[str], text: str, article: bool) -> str | None:
    """Dozens of headline links and little text of the page's own."""
    mass = headline_mass(links)
    own = own_text(text)
    if article or len(links) < FRONT_MIN_LINKS or mass < FRONT_MASS * weight(own):
        return None
    return (
        f"a section front: {len(links)} headline links to other stories and "
        f"{len(own)} characters of text of its own"
    )


def website_page(
    og_type: str | None, entities: list[dict[str, Any]], dated: bool, bylined: bool
) -> str | None:
    """A page that calls itself a website, app or product page and carries no date or byline:
    an app's welcome page, a product tour. News carries a date."""
    if dated or bylined:
        return None
    ld_types = {str(t) for e in entities for t in _types(e)}
    if og_type and _WEBSITE_TYPES.match(og_type.strip()):
        declared = f"og:type {og_type.strip()!r}"
    elif ld_types and ld_types <= _NON_ARTICLE_LD:
        declared = f"JSON-LD {', '.join(sorted(ld_types))}"
    else:
        return None
    return (
        f"not an article: the page calls itself a website page ({declared}) "
        "and has no date or byline"
    )


def _types(entity: dict[str, Any]) -> list[Any]:
    kind = entity.get("@type")
    return kind if isinstance(kind, list) else [kind]
