"""A small HTTP server for a folder of site files on 127.0.0.1: the demo site and test fixtures.

It behaves like a real news site where it matters to a crawler: content types and charsets,
ETag and Last-Modified with 304 answers, gzip files, and absolute links. Files hold the
placeholder `{{BASE}}`, replaced by `127.0.0.1:PORT`, since the port is only known at start.

It can also misbehave as hostile sites do (tests/test_hostile_web.py): a page set by hand may
answer late (`delay`), trickle its body (`trickle`), reset the connection mid-body (`cut`),
carry any headers (a redirect's Location, Retry-After), or answer differently the first times
it is asked (`queue_page`).
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

PLACEHOLDER = b"{{BASE}}"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".json": "application/feed+json",
    ".txt": "text/plain; charset=utf-8",
    ".gz": "application/gzip",
}
# One fixed date, so Last-Modified validators stay stable across restarts.
LAST_MODIFIED = formatdate(1_735_689_600, usegmt=True)


@dataclass
class Page:
    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering: a slow or hanging site
    validators: bool = True  # False: no ETag/Last-Modified and never 304, like many real sites
    trickle: float = 0.0  # seconds between 100-byte chunks of the body: a stalling site
    cut: int | None = None  # send this many bytes of the body, then reset the connection


@dataclass(frozen=True)
class Hit:
    """One request the server saw: tests check politeness and conditional requests with these."""

    path: str
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


@dataclass
class SiteServer:
    """Serves `root` (and any pages set by hand) until `stop()`; records every request."""

    root: Path
    port: int = 0
    overrides: dict[str, Page] = field(default_factory=dict)
    queued: dict[str, list[Page]] = field(default_factory=dict)  # answers served once, first
    requests: list[Hit] = field(default_factory=list)
    # Requests being answered at once, and the most seen, of paths that do not start with
    # `peak_ignores` (a test of how many pages a crawl renders at once leaves out their API).
    in_flight: int = 0
    peak_in_flight: int = 0
    peak_ignores: tuple[str, ...] = ()
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return f"http://{self.base}{path}"

    def start(self) -> SiteServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                counted = not self.path.startswith(server.peak_ignores)
                with server._lock:
                    server.in_flight += counted
                    server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                try:
                    self._answer()
                finally:
                    with server._lock:
                        server.in_flight -= counted

            def _answer(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append(Hit(self.path, headers, time.monotonic()))
                path = urlsplit(self.path).path
                queue = server.queued.get(path)
                page = queue.pop(0) if queue else server.page(path)
                if page is None:
                    page = Page(
                        b"<html><body><h1>Not found</h1></body></html>", CONTENT_TYPES[".html"], 404
                    )
                if page.delay:
                    time.sleep(page.delay)
                etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
                fresh = self.headers.get("If-None-Match") == etag
                if page.validators and page.status == 200 and fresh:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                if page.validators and page.status == 200:
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", LAST_MODIFIED)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self._write_body(page)

            def _write_body(self, page: Page) -> None:
                body = page.body if page.cut is None else page.body[: page.cut]
                chunk = 100 if page.trickle else len(body) or 1
                for start in range(0, len(body), chunk):
                    self.wfile.write(body[start : start + chunk])
                    if page.trickle:
                        self.wfile.flush()
                        time.sleep(page.trickle)
                if page.cut is not None:  # close with a TCP reset instead of a clean FIN
                    self.wfile.flush()
                    linger = struct.pack("ii", 1, 0)
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    self.connection.close()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the crawl's own summary is what the user reads."""

        self._httpd = _QuietServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def page(self, path: str) -> Page | None:
        """The page served at `path`: a hand-set override, else the file under `root`."""
        if path in self.overrides:
            return self.overrides[path]
        if path.endswith("/"):
            path += "index.html"
        file = (self.root / path.lstrip("/")).resolve()
        if not file.is_file() or not file.is_relative_to(self.root.resolve()):
            return None
        return Page(self._substitute(file.read_bytes(), file.suffix), _content_type(file))

    def set_page(
        self,
        path: str,
        body: bytes,
        content_type: str = CONTENT_TYPES[".html"],
        status: int = 200,
        delay: float = 0.0,
        validators: bool = True,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve `body` at `path` from now on (placeholders substituted), e.g. an edited article."""
        body = self._substitute(body, Path(path).suffix)
        self.overrides[path] = Page(
            body, content_type, status, headers or {}, delay=delay, validators=validators
        )

    def queue_page(self, path: str, page: Page) -> None:
        """Answer the next request for `path` with `page` (once), e.g. a 429 before the 200."""
        self.queued.setdefault(path, []).append(page)

    def _substitute(self, body: bytes, suffix: str) -> bytes:
        base = self.base.encode()
        if suffix == ".gz":
            return gzip.compress(gzip.decompress(body).replace(PLACEHOLDER, base), mtime=0)
        return body.replace(PLACEHOLDER, base)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up early (a crawler's timeout) is normal here, not an error."""


def _content_type(file: Path) -> str:
    if file.name.endswith(".gbk.html"):
        return "text/html; charset=gbk"
    return CONTENT_TYPES.get(file.suffix, "application/octet-stream")
