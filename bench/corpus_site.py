"""A fast news site on 127.0.0.1 made of the benchmark corpus, for bench.crawl.

URL /a/{i}.html serves corpus page i % len(pages) with ``<!-- labscope-bench {i} -->`` after
<head>, so that no two URLs are byte-identical (the archive deduplicates HTML by hash, and a
benchmark that stored one blob per corpus page would flatter it). /sitemap.xml lists every URL
(an index over several sitemaps beyond 50,000, the protocol's limit) and robots.txt allows all.

The benchmark process switches modes between crawls, by setting attributes:

* ``validators``: ETag and Last-Modified, answering 304 to a matching If-None-Match (or, without
  one, If-Modified-Since); off, every request gets 200 and the same body, like many real sites.
* ``served``: a body per URL served instead of the above (bench.recrawl_churn's churned and
  edited pages, made before the crawl so that the server's own work stays small).
* ``edited``: URLs whose article gained a paragraph of two new sentences after its first
  paragraph of article text (found through the ground truth, so the edit is in the text an
  extractor keeps, not in a teaser or a cookie banner); they get a new ETag and Last-Modified.

It is http.server on threads with keep-alive (HTTP/1.1), Nagle off and a listen backlog of 128:
8 client processes on keep-alive connections got about 5,400 pages (of 174 kB on average) per
CPU-second of the server, 1,900 pages/s of wall time on 2 shared cores; a bare Scrapy fetch
asks it for 250 to 400 pages/s.
"""

from __future__ import annotations

import html
import itertools
import re
import threading
from collections.abc import Sequence
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)
ORIGINAL_DATE = 1_735_689_600  # 2025-01-01: Last-Modified of every original page
EDITED_DATE = ORIGINAL_DATE + 86_400
# The corpus is all UTF-8 (extraction_quality.load decodes it strictly) and no page declares
# another charset.
HTML_TYPE = "text/html; charset=utf-8"
_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
_BODY = re.compile(r"<body(?:\s[^>]*)?>", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
_BLOCK_END = re.compile(r"</p\s*>|<br\s*/?>|</(?:div|li|td|blockquote|section|article)\s*>", re.I)
_GAP = r"(?:[^\w<&]|<[^>]*>|&#?\w+;)+"  # what may separate two words in HTML
_WORDS = re.compile(r"\w+")


class Template(NamedTuple):
    """One corpus page cut where the per-URL comment and the edit paragraph go."""

    html: bytes
    head_end: int  # byte offset just after <head ...>
    edit_at: int  # byte offset just after the first paragraph of article text


def template(page: str, truth: str) -> Template:
    head = _HEAD.search(page)
    head_end = head.end() if head else 0
    edit_at = edit_offset(page, truth)
    return Template(page.encode(), len(page[:head_end].encode()), len(page[:edit_at].encode()))


def edit_offset(page: str, truth: str) -> int:
    """Where a new paragraph lands in the extracted text: after the first article paragraph.

    The first <p> of the body is often a menu or a cookie notice that extractors drop, and some
    sites write paragraphs as <br>-separated text; an edit there would not change the stored
    text and the edit-heavy recrawl would count no new versions. So the paragraph is the first
    ground-truth paragraph whose first eight words (tags and entities may sit between them)
    occur exactly once in the page's text, outside tags, scripts and comments (a teaser of the
    same article elsewhere on the page makes two); the new one goes after the block holding it.
    """
    start = next((m.end() for m in _BODY.finditer(page) if _in_text(page, m.start())), 0)
    repeated: int | None = None  # where the first paragraph is, if the article is there twice
    for line in truth.splitlines():
        words = _WORDS.findall(line)
        if len(words) < 8:
            continue
        pattern = re.compile(_GAP.join(re.escape(word) for word in words[:8]))
        found = [m for m in pattern.finditer(page, start) if _in_text(page, m.start())]
        if len(found) == 1:
            return _block_end(page, found[0].end())
        if found and repeated is None:
            repeated = _block_end(page, found[0].end())
    if repeated is not None:
        return repeated
    end = _BODY_END.search(page, start)
    return end.start() if end else len(page)


def _in_text(page: str, at: int) -> bool:
    """Whether `at` is in the page's text: not inside a tag, a script, a style or a comment."""
    for opening, closing in (("<", ">"), ("<script", "</script"), ("<style", "</style")):
        if page.rfind(opening, 0, at) > page.rfind(closing, 0, at):
            return False
    return page.rfind("<!--", 0, at) <= page.rfind("-->", 0, at)


def _block_end(page: str, at: int) -> int:
    """After the </p> or <br> that ends the block at `at`, or before its </div>, </li> ..."""
    end = _BLOCK_END.search(page, at)
    if end is None:
        return at
    return end.end() if end[0].lower().startswith(("</p", "<br")) else end.start()


def edit_marker(i: int) -> str:
    """Text that is in the extracted text of URL i's edited article if the edit landed there."""
    return f"Update {i}: the company said"


def edit_paragraph(i: int) -> bytes:
    """Two new sentences, different for every URL so that no two edits look alike."""
    return (
        f"<p>{edit_marker(i)} on Tuesday that its newest model had been retrained "
        f"on {1000 + i} additional chips and would reach researchers within {2 + i % 9} weeks. "
        f"Analysts contacted after the announcement called revision {i} a significant change "
        "to the original report.</p>"
    ).encode()


class CorpusSite:
    """Serves `count` article URLs made of `templates` until stop(); modes are plain attributes."""

    def __init__(self, templates: Sequence[Template], count: int) -> None:
        self.templates = templates
        self.count = count
        self.validators = True
        self.edited: frozenset[int] = frozenset()
        self.served: dict[int, bytes] = {}  # URL i -> the body to serve instead (bench.churn)
        self._served = itertools.count()  # next() is atomic in CPython: a thread-safe counter
        self.article_requests = 0
        self._httpd: ThreadingHTTPServer | None = None

    def start(self) -> CorpusSite:
        self._httpd = _Server(("127.0.0.1", 0), _handler(self))
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def base(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def body(self, i: int) -> bytes:
        """The HTML of URL i, as it is now (edited or not, or as `served` says)."""
        if i in self.served:
            return self.served[i]
        page, head_end, edit_at = self.templates[i % len(self.templates)]
        mark = f"\n<!-- labscope-bench {i} -->\n".encode()
        if i not in self.edited:
            return page[:head_end] + mark + page[head_end:]
        paragraph = edit_paragraph(i)
        return page[:head_end] + mark + page[head_end:edit_at] + paragraph + page[edit_at:]

    def validators_of(self, i: int) -> tuple[str, str]:
        """(ETag, Last-Modified) of URL i in its current state."""
        if i in self.edited:
            return f'"{i}-edited"', formatdate(EDITED_DATE, usegmt=True)
        return f'"{i}"', formatdate(ORIGINAL_DATE, usegmt=True)

    def sitemaps(self) -> dict[str, bytes]:
        """Path -> XML: one urlset, or an index over urlsets of SITEMAP_LIMIT URLs each."""
        urls = [f"{self.base}/a/{i}.html" for i in range(self.count)]
        chunks = [urls[k : k + SITEMAP_LIMIT] for k in range(0, len(urls), SITEMAP_LIMIT)]
        if len(chunks) <= 1:
            return {"/sitemap.xml": _xml("urlset", "url", urls)}
        files = {f"/sitemap-{n}.xml": _xml("urlset", "url", c) for n, c in enumerate(chunks)}
        index = _xml("sitemapindex", "sitemap", [self.base + path for path in files])
        return {"/sitemap.xml": index, **files}

    def count_request(self) -> None:
        self.article_requests = next(self._served) + 1

    def not_modified(self, i: int, none_match: str | None, modified_since: str | None) -> bool:
        """RFC 9110: If-None-Match wins when present; else compare If-Modified-Since."""
        etag, last_modified = self.validators_of(i)
        if none_match is not None:
            tags = {tag.strip() for tag in none_match.split(",")}
            return "*" in tags or etag in tags or f"W/{etag}" in tags
        if modified_since is None:
            return False
        try:
            since = parsedate_to_datetime(modified_since)
        except (TypeError, ValueError):
            return False
        return since >= parsedate_to_datetime(last_modified)


def _xml(root: str, item: str, urls: list[str]) -> bytes:
    namespace = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    entries = "".join(f"<{item}><loc>{html.escape(url)}</loc></{item}>\n" for url in urls)
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} {namespace}>\n{entries}</{root}>\n'
    return xml.encode()


_ARTICLE = re.compile(r"/a/(\d+)\.html")


def _handler(site: CorpusSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy's connection pool expects
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if match := _ARTICLE.fullmatch(path):
                self._article(int(match[1]))
            elif path == "/robots.txt":
                self._send(200, b"User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")
            elif path.startswith("/sitemap") and (xml := site.sitemaps().get(path)):
                self._send(200, xml, "application/xml")
            else:
                self._send(404, b"<html><body>Not found</body></html>", HTML_TYPE)

        def _article(self, i: int) -> None:
            site.count_request()
            if i >= site.count:
                self._send(404, b"<html><body>Not found</body></html>", HTML_TYPE)
                return
            if not site.validators:
                self._send(200, site.body(i), HTML_TYPE)
                return
            etag, last_modified = site.validators_of(i)
            headers = {"ETag": etag, "Last-Modified": last_modified}
            inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            if site.not_modified(i, inm, ims):
                self._send(304, b"", None, headers)
            else:
                self._send(200, site.body(i), HTML_TYPE, headers)

        def _send(
            self, status: int, body: bytes, kind: str | None, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            if kind:
                self.send_header("Content-Type", kind)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: thousands of lines a second would cost more than serving."""

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 drops connections at 16 at once

    def handle_error(self, request: object, client_address: object) -> None:
        """A client hanging up mid-answer (a stopped crawl) is normal here."""
