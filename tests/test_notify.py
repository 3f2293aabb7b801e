"""Delivering a digest to real servers on 127.0.0.1: an HTTP server in a thread, aiosmtpd.

Nothing of ours or of the standard library is mocked; only `sleep` is injected, so retries
record their delays instead of waiting. The digest is a real one rendered by our formats, with
a Chinese title, so the tests also show that CJK text survives JSON, MIME and SMTP.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from crawler.config import load_config
from crawler.errors import ConfigError
from storage.digest.build import Digest, NewArticle
from storage.digest.formats import digest_json, render_digest
from storage.digest.notify import Delivery, EmailTarget, WebhookTarget, deliver

TITLE = "阿里巴巴发布通义千问 Qwen2.5-Max"
SUBJECT = "labscope digest 2025-01-27 09:00 – 2025-01-28 09:00 UTC: 1 new, 0 edited · 千问"
PASSWORD = "s3cret-pa55word"


def digest() -> Digest:
    seen = datetime(2025, 1, 28, 6, 30, tzinfo=UTC)
    article = NewArticle(1, "https://news.example.cn/qwen", TITLE, "example-cn", None, seen, [])
    since, until = datetime(2025, 1, 27, 9, tzinfo=UTC), datetime(2025, 1, 28, 9, tzinfo=UTC)
    return Digest(since, until, [article], [], [], [])


def send(
    webhooks: list[WebhookTarget] = [],  # noqa: B006 (never mutated)
    emails: list[EmailTarget] = [],  # noqa: B006 (never mutated)
) -> tuple[list[Delivery], list[float]]:
    """Deliver the sample digest; return the results and the delays retries asked to sleep."""
    delays: list[float] = []
    d = digest()
    results = deliver(
        digest_json(d),
        SUBJECT,
        render_digest(d, "text"),
        render_digest(d, "html"),
        webhooks,
        emails,
        sleep=delays.append,
    )
    return results, delays


def closed_port() -> int:
    """A port nothing listens on: bound, then released, so connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- webhooks ------------------------------------------------------------------------------


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Hook:
    """A scripted webhook: answers come from `script` in order (then 200); every POST recorded."""

    server: ThreadingHTTPServer
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    echo: bool = False  # errors repeat the request's path and headers, as careless servers do

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def hook() -> Iterator[Hook]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.posts.append(Post(self.path, dict(self.headers.items()), body))
            status, headers = state.script.pop(0) if state.script else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            reply = b"" if status < 400 else b"go away\nplease"
            if state.echo and status >= 400:
                reply += f" {self.path} {dict(self.headers.items())}".encode()
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    state = Hook(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
    thread = threading.Thread(target=state.server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state
    state.server.shutdown()
    state.server.server_close()


def test_webhook_posts_the_json_digest_with_our_headers(hook: Hook) -> None:
    target = WebhookTarget(hook.url("/hook?token=abc"), headers=(("Authorization", "Bearer t0k"),))
    [result], delays = send(webhooks=[target])
    assert result == Delivery(f"webhook {hook.url()}", ok=True, attempts=1, error=None)
    assert "token" not in result.target  # a query string often carries the webhook's secret
    [post] = hook.posts
    assert json.loads(post.body.decode("utf-8")) == digest_json(digest())
    assert TITLE.encode("utf-8") in post.body  # raw UTF-8, not \\u escapes
    assert post.headers["Content-Type"] == "application/json; charset=utf-8"
    assert post.headers["User-Agent"] == "labscope/0.1"
    assert post.headers["Authorization"] == "Bearer t0k"
    assert delays == []


def test_webhook_5xx_is_retried_with_exponential_backoff(hook: Hook) -> None:
    hook.script = [(503, {}), (503, {})]
    [result], delays = send(webhooks=[WebhookTarget(hook.url())])
    assert (result.ok, result.attempts, result.error) == (True, 3, None)
    assert delays == [2.0, 4.0]
    assert len(hook.posts) == 3


def test_webhook_429_waits_as_long_as_retry_after_says_up_to_a_minute(hook: Hook) -> None:
    hook.script = [(429, {"Retry-After": "1"}), (503, {"Retry-After": "3600"})]
    [result], delays = send(webhooks=[WebhookTarget(hook.url())])
    assert (result.ok, result.attempts) == (True, 3)
    assert delays == [1.0, 60.0]


def test_webhook_4xx_is_permanent(hook: Hook, caplog: pytest.LogCaptureFixture) -> None:
    hook.script = [(400, {})]
    [result], delays = send(webhooks=[WebhookTarget(hook.url())])
    assert (result.ok, result.attempts) == (False, 1)
    assert result.error == "HTTP 400 Bad Request: go away please"
    assert delays == []
    [record] = [r for r in caplog.records if r.name == "storage.digest.notify"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == f"webhook {hook.url()} failed after 1 attempt(s): {result.error}"


def test_webhook_connection_refused_is_retried_then_fails() -> None:
    [result], delays = send(webhooks=[WebhookTarget(f"http://127.0.0.1:{closed_port()}/")])
    assert (result.ok, result.attempts) == (False, 4)
    assert result.error is not None and "Connection refused" in result.error
    assert "\n" not in result.error
    assert delays == [2.0, 4.0, 8.0]


def test_webhook_307_is_followed_with_the_body_but_not_to_other_schemes(hook: Hook) -> None:
    hook.script = [(307, {"Location": "/moved"}), (200, {}), (308, {"Location": "file:///x"})]
    [moved, refused], _ = send(webhooks=[WebhookTarget(hook.url()), WebhookTarget(hook.url())])
    assert (moved.ok, moved.attempts) == (True, 1)
    assert [p.path for p in hook.posts] == ["/hook", "/moved", "/hook"]
    assert hook.posts[0].body == hook.posts[1].body
    assert (refused.ok, refused.attempts) == (False, 1)
    assert refused.error == "HTTP 308 redirect to a non-http(s) URL"


def test_webhook_302_fails_rather_than_turning_the_post_into_a_get(hook: Hook) -> None:
    hook.script = [(302, {"Location": "/elsewhere"})]
    [result], _ = send(webhooks=[WebhookTarget(hook.url())])
    assert (result.ok, result.attempts) == (False, 1)
    assert result.error is not None and "HTTP 302" in result.error and "/elsewhere" in result.error
    assert len(hook.posts) == 1


def test_targets_refuse_bad_configuration() -> None:
    with pytest.raises(ValueError, match="must be http"):
        WebhookTarget("ftp://example.com/hook")
    with pytest.raises(ValueError, match="recipients"):
        EmailTarget("127.0.0.1")
    with pytest.raises(ValueError, match="ASCII") as refused:  # smtplib's limit
        EmailTarget("127.0.0.1", username="u", password="Pässword", recipients=("a@b.cn",))
    assert "Pässword" not in str(refused.value)
    target = EmailTarget("127.0.0.1", username="u", password=PASSWORD, recipients=("a@b.cn",))
    assert PASSWORD not in repr(target)
    assert "Bearer" not in repr(WebhookTarget("https://x.cn/", (("Authorization", "Bearer t"),)))


# --- e-mail --------------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"digest",
        PASSWORD.encode("utf-8"),
    )
    # handled=False: aiosmtpd then answers 535 itself; its default (True) means "I replied".
    return AuthResult(success=ok, handled=False)


def start_smtp(inbox: Inbox, **kwargs: Any) -> tuple[Controller, int]:
    """An aiosmtpd server on 127.0.0.1 checking logins with `authenticate`."""
    for _ in range(5):  # Controller cannot bind port 0: pick a free port, retry on a race
        port = closed_port()
        controller = Controller(
            inbox, hostname="127.0.0.1", port=port, authenticator=authenticate, **kwargs
        )
        try:
            controller.start()
        except OSError:
            continue
        return controller, port
    pytest.fail("no free port for the SMTP server")


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A plain-text SMTP server offering AUTH without TLS (aiosmtpd's auth_require_tls=False)."""
    inbox = Inbox()
    controller, port = start_smtp(inbox, auth_require_tls=False)
    yield inbox, port
    controller.stop()


@dataclass
class TLSServers:
    inbox: Inbox
    starttls: int  # requires STARTTLS before anything else, AUTH only over TLS
    ssl: int  # TLS from the first byte (SMTPS)
    ca_file: Path


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[TLSServers]:
    """Two servers with a certificate for 127.0.0.1 from a throwaway CA nobody trusts yet."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    inbox = Inbox()
    starttls, starttls_port = start_smtp(inbox, tls_context=context, require_starttls=True)
    # aiosmtpd counts only STARTTLS as TLS for AUTH, so SMTPS must allow AUTH "without" it.
    implicit, ssl_port = start_smtp(inbox, ssl_context=context, auth_require_tls=False)
    yield TLSServers(inbox, starttls_port, ssl_port, tmp_path / "ca.pem")
    starttls.stop()
    implicit.stop()


def target(port: int, **kwargs: Any) -> EmailTarget:
    defaults: dict[str, Any] = {
        "security": "none",
        "sender": "labscope@example.cn",
        "recipients": ("alice@example.cn", "bob@example.org"),
    }
    return EmailTarget("127.0.0.1", port, **(defaults | kwargs))


def test_email_is_multipart_alternative_in_utf8_to_every_recipient(
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    [result], delays = send(emails=[target(port)])
    assert result == Delivery(
        "email to alice@example.cn, bob@example.org", ok=True, attempts=1, error=None
    )
    [(sender, recipients, message)] = inbox.messages
    assert sender == "labscope@example.cn"
    assert recipients == ["alice@example.cn", "bob@example.org"]
    assert message["Subject"] == SUBJECT
    assert message["To"] == "alice@example.cn, bob@example.org"
    assert message["Date"] and message["Message-ID"].endswith("@example.cn>")
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    assert TITLE in text.get_content()
    assert TITLE in html.get_content() and "<html" in html.get_content().lower()
    assert delays == []


def test_email_logs_in(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    [result], _ = send(emails=[target(port, username="digest", password=PASSWORD)])
    assert (result.ok, result.attempts) == (True, 1)
    assert len(inbox.messages) == 1


def test_email_wrong_password_is_permanent_and_never_shown(
    smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    inbox, port = smtp
    [result], delays = send(emails=[target(port, username="digest", password=PASSWORD + "x")])
    assert (result.ok, result.attempts) == (False, 1)
    assert result.error is not None and result.error.startswith("login refused: 535")
    assert delays == [] and inbox.messages == []
    assert PASSWORD not in result.error and PASSWORD not in caplog.text
    assert PASSWORD not in repr(result)


def test_email_never_falls_back_to_clear_text_when_starttls_is_missing(
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    [result], delays = send(emails=[target(port, security="starttls")])
    assert (result.ok, result.attempts) == (False, 1)
    assert result.error == "SMTP: STARTTLS extension not supported by server."
    assert inbox.messages == [] and delays == []


def test_email_starttls_and_ssl_verify_the_certificate_and_log_in(
    tls_smtp: TLSServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_smtp.ca_file))  # OpenSSL's default trust store
    login = {"username": "digest", "password": PASSWORD}
    results, _ = send(
        emails=[
            target(tls_smtp.starttls, security="starttls", **login),
            target(tls_smtp.ssl, security="ssl", **login),
        ]
    )
    assert [(r.ok, r.attempts) for r in results] == [(True, 1), (True, 1)]
    assert len(tls_smtp.inbox.messages) == 2


def test_email_untrusted_certificate_is_permanent(tls_smtp: TLSServers) -> None:
    results, delays = send(
        emails=[
            target(tls_smtp.starttls, security="starttls"),
            target(tls_smtp.ssl, security="ssl"),
        ]
    )
    for result in results:
        assert (result.ok, result.attempts) == (False, 1)
        assert result.error is not None
        assert result.error.startswith("TLS certificate not trusted: ")
    assert delays == [] and tls_smtp.inbox.messages == []


def test_email_server_down_is_retried_then_fails(caplog: pytest.LogCaptureFixture) -> None:
    [result], delays = send(emails=[target(closed_port())])
    assert (result.ok, result.attempts) == (False, 4)
    assert result.error is not None and "Connection refused" in result.error
    assert delays == [2.0, 4.0, 8.0]
    failures = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(failures) == 1 and "\n" not in failures[0].getMessage()


def test_one_failing_target_does_not_stop_the_others(hook: Hook, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    hook.script = [(404, {})]
    results, _ = send([WebhookTarget(hook.url()), WebhookTarget(hook.url())], [target(port)])
    assert [r.ok for r in results] == [False, True, True]
    assert len(hook.posts) == 2 and len(inbox.messages) == 1


# --- secrets -------------------------------------------------------------------------------


def config_with(tmp_path: Path, digest: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[digest]\n{digest}", encoding="utf-8")
    return path


def test_secrets_come_from_the_environment_or_a_file_and_are_never_shown(
    hook: Hook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("HOOK_URL", hook.url("/services/T0/B0/s3cr3t-path"))
    monkeypatch.setenv("HOOK_TOKEN", "Bearer tok-123")
    (tmp_path / "smtp-password").write_text("pw-from-file\n", encoding="utf-8")
    config = load_config(
        config_with(
            tmp_path,
            '[[digest.webhooks]]\nurl_env = "HOOK_URL"\n'
            'headers_env = { Authorization = "HOOK_TOKEN" }\n'
            '[[digest.email]]\nhost = "127.0.0.1"\nto = ["a@b.cn"]\n'
            'password_file = "smtp-password"\n',
        )
    )
    [email_target] = config.digest.emails
    assert email_target.password == "pw-from-file"
    assert "pw-from-file" not in repr(config)
    hook.echo = True
    hook.script = [(400, {})]
    [result], _ = send(webhooks=list(config.digest.webhooks))
    [post] = hook.posts  # the secrets were used...
    assert post.path == "/services/T0/B0/s3cr3t-path"
    assert post.headers["Authorization"] == "Bearer tok-123"
    shown = [result.target, result.error or "", *(r.getMessage() for r in caplog.records)]
    for text in shown:  # ...and shown nowhere
        assert "s3cr3t" not in text and "tok-123" not in text, text
    assert result.target == "webhook http://127.0.0.1/... (url from $HOOK_URL)"
    assert "***" in (result.error or "")


@pytest.mark.parametrize(
    ("digest", "message"),
    [
        (
            '[[digest.webhooks]]\nurl_env = "NO_SUCH_VAR_X"\n',
            "url_env names NO_SUCH_VAR_X, which is not set; export NO_SUCH_VAR_X=... before "
            "starting labscope",
        ),
        (
            '[[digest.webhooks]]\nurl = "https://a.cn/"\nurl_file = "f"\n',
            "set url or url_env/url_file, not both; remove one",
        ),
        (
            '[[digest.email]]\nhost = "h"\nto = ["a@b.cn"]\npassword_file = "missing"\n',
            'password_file "missing" cannot be read (No such file or directory); create it or '
            "fix the path",
        ),
        (
            '[[digest.email]]\nhost = "h"\nto = ["a@b.cn"]\npassword_file = "two-lines"\n',
            'password_file "two-lines" must hold the secret alone, on one line',
        ),
        (
            '[[digest.email]]\nhost = "h"\nto = ["a@b.cn"]\npassword_env = "X"\n'
            'password_file = "two-lines"\n',
            "set password_env or password_file, not both; remove one",
        ),
    ],
)
def test_a_secret_that_cannot_be_read_is_one_line_naming_the_fix(
    tmp_path: Path, digest: str, message: str
) -> None:
    (tmp_path / "two-lines").write_text("a\nb\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_with(tmp_path, digest))
    assert str(caught.value).endswith(message), str(caught.value)
    assert "\n" not in str(caught.value)
