"""Deliver a rendered digest: our JSON digest POSTed to webhooks, a text + HTML e-mail over SMTP.

Standard library only (urllib.request, smtplib, email): Apprise wraps a webhook body in its own
envelope and derives an e-mail's text part from the HTML, so it cannot send ours unchanged.

Each target gets its own `Delivery`; a failure is logged as one line and never raised, so one
dead webhook cannot stop the e-mail. Temporary failures (network errors, HTTP 5xx/408/429,
SMTP 4xx) are retried with exponential backoff; permanent ones (other HTTP 4xx, SMTP 5xx, a
refused login, an untrusted certificate) are not, because retrying cannot fix them.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import partial
from typing import Any, Literal, NamedTuple

__all__ = ["Delivery", "EmailTarget", "WebhookTarget", "deliver"]

log = logging.getLogger("storage.digest.notify")

USER_AGENT = "labscope/0.1"
MAX_RETRY_AFTER = 60.0  # seconds: a server asking for longer is not waited for past this
MAX_REDIRECTS = 5
_ERROR_CHARS = 300  # an error is one short line in a log and a run summary


@dataclass(frozen=True)
class WebhookTarget:
    """An http(s) URL to POST the JSON digest to; `headers` may carry a secret, so no repr."""

    url: str
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    timeout: float = 10.0
    label: str | None = None  # how to name it in logs when the URL itself is secret
    secrets: tuple[str, ...] = field(default=(), repr=False)  # scrubbed from every error

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"webhook URL {_public_url(self.url)!r} must be http(s)://host/...")


@dataclass(frozen=True)
class EmailTarget:
    """An SMTP server and who to send to. The password is kept out of repr and every message."""

    host: str
    port: int = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "labscope@localhost"
    recipients: tuple[str, ...] = ()
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in ("starttls", "ssl", "none"):
            raise ValueError(f"e-mail security {self.security!r} must be starttls, ssl or none")
        if not self.recipients:
            raise ValueError(
                f"e-mail target {self.host}: recipients must name at least one address"
            )
        for address in (self.sender, *self.recipients):
            if "@" not in address or email.utils.parseaddr(address)[1] != address:
                raise ValueError(f"e-mail address {address!r} must be a bare address like a@b.cn")
        if not f"{self.username or ''}{self.password or ''}".isascii():  # smtplib sends ASCII only
            raise ValueError(f"e-mail target {self.host}: user name and password must be ASCII")


@dataclass(frozen=True)
class Delivery:
    """What happened to one target: `target` and `error` are safe to log and show (no secrets)."""

    target: str
    ok: bool
    attempts: int
    error: str | None


class _Outcome(NamedTuple):
    """One attempt: failed attempts say whether a retry could help and how long to wait."""

    ok: bool
    error: str | None = None
    retry: bool = False
    wait: float | None = None  # the server's Retry-After; None means our own backoff


_OK = _Outcome(ok=True)


def deliver(
    payload: dict[str, Any],
    subject: str,
    text: str,
    html: str,
    webhooks: Sequence[WebhookTarget],
    emails: Sequence[EmailTarget],
    *,
    retries: int = 3,
    backoff: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Delivery]:
    """Send the digest to every target, webhooks first, and say how each went.

    A target is tried at most `1 + retries` times, waiting `backoff * 2**n` seconds after the
    n-th failure (from 0) or the server's Retry-After. `sleep` is injectable so tests and the
    scheduler's dry runs do not wait. Only a programming error (a payload json cannot encode)
    raises.
    """
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    retry = _Retry(retries, backoff, sleep)
    results = [
        retry.run(
            f"webhook {hook.label or _public_url(hook.url)}",
            partial(_post, hook, body),
            hook.secrets,
        )
        for hook in webhooks
    ]
    for mail in emails:
        message = _message(mail, subject, text, html)  # built once: retries keep its Message-ID
        name = f"email to {', '.join(mail.recipients)}"
        # The password is scrubbed from the error too, in case a server echoes what it was sent.
        secrets = (mail.password,) if mail.password else ()
        results.append(retry.run(name, partial(_send, mail, message), secrets))
    return results


@dataclass(frozen=True)
class _Retry:
    retries: int
    backoff: float
    sleep: Callable[[float], None]

    def run(
        self, name: str, once: Callable[[], _Outcome], secrets: tuple[str, ...] = ()
    ) -> Delivery:
        """Call `once` until it succeeds, fails for good, or the retries are spent."""
        attempts = 0
        while True:
            attempts += 1
            try:
                outcome = once()
            except Exception as exc:  # a bug must not stop the other targets from being tried
                outcome = _Outcome(ok=False, error=f"unexpected {type(exc).__name__}: {exc}")
            if outcome.ok:
                return Delivery(name, ok=True, attempts=attempts, error=None)
            error = _one_line(outcome.error or "failed", secrets)
            if not outcome.retry or attempts > self.retries:
                log.warning("%s failed after %d attempt(s): %s", name, attempts, error)
                return Delivery(name, ok=False, attempts=attempts, error=error)
            delay = self.backoff * 2 ** (attempts - 1) if outcome.wait is None else outcome.wait
            log.info("%s: attempt %d failed (%s); retry in %.1f s", name, attempts, error, delay)
            self.sleep(delay)


# --- webhooks ------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects surface as HTTPError so `_post` decides: urllib would turn a POST into a GET
    (losing the digest while reporting success) and would follow ftp:// URLs."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _post(hook: WebhookTarget, body: bytes) -> _Outcome:
    """One POST, following 307/308 redirects (which keep method and body) to http(s) only."""
    url = hook.url
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    headers.update(hook.headers)
    for _ in range(MAX_REDIRECTS + 1):
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with _OPENER.open(request, timeout=hook.timeout) as response:
                response.read()
            return _OK
        except urllib.error.HTTPError as exc:
            with exc:
                status, location = exc.code, exc.headers.get("Location")
                if status in (307, 308) and location:
                    target = urllib.parse.urljoin(url, location)
                    if urllib.parse.urlsplit(target).scheme not in ("http", "https"):
                        return _Outcome(False, f"HTTP {status} redirect to a non-http(s) URL")
                    if _origin(target) != _origin(url):  # credentials stay with their host
                        headers = {k: v for k, v in headers.items() if k not in dict(hook.headers)}
                    url = target
                    continue
                return _http_failure(exc)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            return _network_failure(exc)
    return _Outcome(False, f"more than {MAX_REDIRECTS} redirects")


def _http_failure(exc: urllib.error.HTTPError) -> _Outcome:
    status = exc.code
    try:
        detail = exc.read(_ERROR_CHARS).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        detail = ""
    error = f"HTTP {status} {exc.reason}" + (f": {detail}" if detail else "")
    if status in (301, 302, 303):
        return _Outcome(
            False,
            f"{error} (redirect to {exc.headers.get('Location')}: a POST "
            "would become a GET; configure the new URL)",
        )
    if status in (408, 429) or status >= 500:
        return _Outcome(False, error, retry=True, wait=_retry_after(exc.headers.get("Retry-After")))
    return _Outcome(False, error)


def _network_failure(exc: BaseException) -> _Outcome:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, ssl.SSLCertVerificationError):
        return _Outcome(False, f"TLS certificate not trusted: {reason.verify_message}")
    return _Outcome(False, f"network error: {reason}", retry=True)


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, capped. The rare HTTP-date form falls back to our backoff."""
    value = (value or "").strip()
    return min(float(value), MAX_RETRY_AFTER) if value.isdigit() else None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port


def _public_url(url: str) -> str:
    """The URL without user info, query or fragment, where webhook tokens usually live."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


# --- e-mail --------------------------------------------------------------------------------


def _message(mail: EmailTarget, subject: str, text: str, html: str) -> EmailMessage:
    """multipart/alternative, text first so clients that can show HTML prefer the last part."""
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())  # a newline would be a header injection
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.recipients)
    message["Date"] = email.utils.formatdate(usegmt=True)
    # The sender's domain, not socket.getfqdn(), which can block on a slow DNS lookup.
    message["Message-ID"] = email.utils.make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def _send(mail: EmailTarget, message: EmailMessage) -> _Outcome:
    """One SMTP session. Never sends in clear text when STARTTLS was asked for and is absent."""
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if mail.security == "ssl":
            client = smtplib.SMTP_SSL(mail.host, mail.port, timeout=mail.timeout, context=context)
        else:
            client = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout)
        try:
            if mail.security == "starttls":
                client.starttls(context=context)
            if mail.username:
                client.login(mail.username, mail.password or "")
            refused = client.send_message(
                message, from_addr=mail.sender, to_addrs=list(mail.recipients)
            )
        finally:
            _quit(client)
    except smtplib.SMTPRecipientsRefused as exc:
        return _refused(exc.recipients, every=True)
    except smtplib.SMTPResponseException as exc:  # login, sender, data, greeting: by code
        what = "login refused" if isinstance(exc, smtplib.SMTPAuthenticationError) else "SMTP"
        error = f"{what}: {exc.smtp_code} {_text(exc.smtp_error)}"
        return _Outcome(False, error, retry=400 <= exc.smtp_code < 500)
    except smtplib.SMTPServerDisconnected as exc:
        return _Outcome(False, f"SMTP server disconnected: {exc}", retry=True)
    except smtplib.SMTPException as exc:  # e.g. no STARTTLS or AUTH offered: a config problem
        return _Outcome(False, f"SMTP: {exc}")
    except ssl.SSLCertVerificationError as exc:
        return _Outcome(False, f"TLS certificate not trusted: {exc.verify_message}")
    except OSError as exc:
        return _Outcome(False, f"network error with {mail.host}:{mail.port}: {exc}", retry=True)
    if refused:  # some accepted: retrying would send them a second copy
        return _refused(refused, every=False)
    return _OK


def _refused(recipients: dict[str, tuple[int, bytes]], *, every: bool) -> _Outcome:
    listed = "; ".join(
        f"{address} ({code} {_text(reply)})" for address, (code, reply) in recipients.items()
    )
    temporary = every and all(400 <= code < 500 for code, _ in recipients.values())
    return _Outcome(False, f"recipients refused: {listed}", retry=temporary)


def _quit(client: smtplib.SMTP) -> None:
    """QUIT politely but ignore its failure: the message is already accepted or already lost."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _one_line(error: str, secrets: tuple[str, ...]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        error = error.replace(secret, "***")
    error = " ".join(error.split())
    return error if len(error) <= _ERROR_CHARS else error[: _ERROR_CHARS - 1] + "…"
