"""Lines of an extraction that are the site's chrome, not the article: they go before storing.

trafilatura keeps some of what sits inside an article's container: "Related:" and "Read more:"
teasers, boxes of links to the site's other stories, newsletter and comment prompts, the
author's contact line. They change from one visit to the next (another story is "related"
tomorrow), so each visit would otherwise be a false edit and a false new entity. A line goes
when the page itself shows it is chrome: its text is a link to another page of the same site,
it opens with a "more stories" label, it is a prompt to subscribe, share or comment, or it is
the author's bio at the foot, or it lies outside a body container that holds all of its
platform's article (OWN_BODY). Article sentences that merely contain a link stay. The list-page
checks read the text from before this, so a list whose teasers all go is still a list.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from crawler.extraction.text import norm, visible_text

# A box of links to other stories: its heading alone, or the label before one story's link.
_LABEL = re.compile(
    r"^(?:related(?: stor(?:y|ies)| articles?| content| coverage| reading| posts?| links?"
    r"| news| videos?)?|read more|see more|read next|read also|also read|more from [^:：]{1,40}"
    r"|more on this(?: story)?|more stories|recommended(?: for you| stories| reading)?"
    r"|also on \S+|you may also like|you might also like|don'?t miss|most read(?: in [^:：]{1,30})?"
    r"|most popular|trending(?: now)?|top stories|editor'?s picks"
    r"|相关阅读|相关文章|相关新闻|相关推荐|相关报道|推荐阅读|延伸阅读|热点推荐|热门推荐|热门文章"
    r"|猜你喜欢|往期回顾|往期推荐|阅读更多|更多阅读|更多精彩|精彩推荐)"
    r"(?P<sep>\s*[:：|\-–—»>]+\s*|\s+|$)",
    re.IGNORECASE,
)
# Prompts to subscribe, share or comment, and the author's contact line: a whole short line.
_PROMPT = re.compile(
    r"^(?:(?:sign up|subscribe)\b.{0,120}\b(?:newsletters?|inbox|updates|alerts)\b"
    r"|get the [^.]{0,80}\bin your inbox"
    r"|(?:get|have) [^.]{0,60}delivered to your inbox"
    r"|like this (?:story|article)\?|share (?:this|it) with (?:a friend|friends)"
    r"|share this (?:article|story)\b|tell us what you think|leave a comment|post a comment"
    r"|join the (?:conversation|discussion)|have your say|comments? \(\d+\)$"
    r"|have a (?:news )?tip\?|(?:email|contact|reach) [^.@]{0,80}\bat \S+@\S+"
    r"|write to [^.@]{0,80}\bat \S+@\S+|.{0,80}\bmay be reached at\b"
    r"|follow (?:us|him|her|them|@\w+|[\w .]{0,40}) on (?:twitter|facebook|instagram|x\b)"
    r"|(?:点击|长按)[^。]{0,12}(?:关注|二维码|阅读原文)|(?:欢迎|敬请)?关注我们"
    r"|(?:扫码|扫描二维码)[^。]{0,12}关注)",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"^(?:[-*•·]|\d{1,3}[.)])\s+")
_RANK = re.compile(r"^\d[\d,.]*(?:万|k|K)?\s*")  # "1 63675" before a most-read story: rank, views
_TAG_SUFFIX = re.compile(r"\s*[\[【(（][^\]】)）]{1,20}[\]】)）]\s*\|?$")  # "[INSIGHT]", "【图】"
_BIO_VERBS = re.compile(r"^(?:'s?\s|\s+(?:is|was|has|covers|writes|reports|edits|joined)\b)")
MAX_PROMPT_LENGTH = 300
"""A prompt is a short line; a longer one is a paragraph that happens to start like one."""
MAX_TEASER_LENGTH = 150
"""A teaser's title inside a box of related stories is headline-length."""
MAX_BIO_LENGTH = 500
BIO_LINES = 3
"""An author's bio or contact line is among the last lines of the text."""
LINK_SHARE = 0.85
"""A line is a link's when the link's text is this much of it."""
OWN_BODY = etree.XPath('//*[@id="js_content"]')
"""A platform's body container that holds the whole of its article (WeChat's, mp.weixin.qq.com):
a line found outside it is the platform's chrome, the account card ("微信号 ...", "功能介绍 ..."),
the tip jar ("赞赏") and the follow prompt ("微信扫一扫 关注该公众号"). A long article's body
outweighs trafilatura's text and is read alone (crawler.extract); a short one's does not, and
trafilatura's text kept that chrome (WechatSogou's real capture of a video post, 2018)."""


def strip_chrome(text: str, tree: HtmlElement, links: set[str], authors: tuple[str, ...]) -> str:
    """``text`` without the lines the page shows to be chrome (see the module docstring);
    ``links`` are the page's story links (crawler.extraction.listing.story_links)."""
    lines = text.split("\n")
    keep = [True] * len(lines)
    own = _own_body_text(tree)
    in_box = False  # after a box's heading, its teasers follow
    for i, line in enumerate(lines):
        bare = _LIST_MARKER.sub("", norm(line))
        if not bare:
            continue
        if own is not None and "".join(bare.split()) not in own:
            keep[i] = False
            continue
        label = _LABEL.match(bare)
        rest = bare[label.end() :] if label else bare
        if label and (not rest or (label.group("sep").strip() and len(rest) <= MAX_PROMPT_LENGTH)):
            keep[i], in_box = False, not rest
            continue
        if _is_link_line(rest, links):
            keep[i] = False
            continue
        if len(bare) <= MAX_PROMPT_LENGTH and _PROMPT.match(bare):
            keep[i] = in_box = False
            continue
        if in_box and len(bare) <= MAX_TEASER_LENGTH and not _sentence(bare):
            keep[i] = False  # an unlinked teaser title inside the box
            continue
        in_box = False
    for i in _bio_lines(lines, authors):
        keep[i] = False
    return "\n".join(line for line, wanted in zip(lines, keep, strict=True) if wanted).strip()


def _own_body_text(tree: HtmlElement) -> str | None:
    """The visible text of the page's OWN_BODY without any whitespace (trafilatura breaks and
    joins lines its own way), or None when the page has no single such container."""
    found = [e for e in OWN_BODY(tree) if isinstance(e, HtmlElement)]
    return "".join(visible_text(found[0]).split()) if len(found) == 1 else None


def _is_link_line(line: str, links: set[str]) -> bool:
    line = _TAG_SUFFIX.sub("", line).strip().lower()
    for bare in {line, _RANK.sub("", line)}:
        if bare in links or any(len(k) >= LINK_SHARE * len(bare) and k in bare for k in links):
            return bool(bare)
    return False


def _sentence(line: str) -> bool:
    """A line that reads as prose: it ends as a sentence does."""
    return line.rstrip().endswith((".", "!", "?", "。", "！", "？", "…", '"', "”", "’"))


def _bio_lines(lines: list[str], authors: tuple[str, ...]) -> list[int]:
    """Indexes of the last lines that open with an author's name and a bio's verb."""
    names = [name for name in authors if len(name.split()) >= 2]
    found: list[int] = []
    tail = [i for i, line in enumerate(lines) if line.strip()][-BIO_LINES:]
    for i in tail:
        line = norm(lines[i])
        if len(line) > MAX_BIO_LENGTH:
            continue
        for name in names:
            if line.startswith(name) and _BIO_VERBS.match(line[len(name) :]):
                found.append(i)
                break
    return found
