"""Errors the crawler raises; the CLI turns each into one line on stderr.

    CrawlerError            anything the crawler refuses to do
    ├── ConfigError         config.toml is missing, unreadable or invalid (exit 2)
    ├── CrawlRunError       a crawl could not run at all (exit 1)
    │   └── FrontierUnavailable  [crawl] frontier's Redis does not answer
    └── InvalidURLError     a URL is not http(s) with a valid host and port (also ValueError)

Per-page problems are never raised: they are counted in the run summary.
"""


def printable(text: str) -> str:
    """``text`` with every unprintable character (controls, line separators, unassigned code
    points, lone surrogates) written as a TOML-style escape: it cannot break a line or drive a
    terminal."""
    return "".join(
        char
        if char.isprintable()
        else (f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        for char in text
    )


class CrawlerError(Exception):
    """Base of every error the crawler package raises on purpose."""


class ConfigError(CrawlerError):
    """The configuration is invalid; the message names file, line or key, and the fix.

    Always one printable line, whatever a key, value or library message in it holds."""

    def __init__(self, message: str) -> None:
        super().__init__(printable(" ".join(message.splitlines())))


class CrawlRunError(CrawlerError):
    """A crawl could not start or finish (e.g. no sources selected)."""


class FrontierUnavailable(CrawlRunError):
    """The Redis server of [crawl] frontier cannot be reached: nothing was enqueued or fetched."""


class InvalidURLError(CrawlerError, ValueError):
    """A URL labscope will not fetch or store; callers check ``is_http_url`` first."""
