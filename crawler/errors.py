"""Errors the crawler raises; the CLI turns each into one line on stderr.

    CrawlerError            anything the crawler refuses to do
    ├── ConfigError         config.toml is missing, unreadable or invalid (exit 2)
    ├── CrawlRunError       a crawl could not run at all (exit 1)
    └── InvalidURLError     a URL is not http(s) with a valid host and port (also ValueError)

Per-page problems are never raised: they are counted in the run summary.
"""


class CrawlerError(Exception):
    """Base of every error the crawler package raises on purpose."""


class ConfigError(CrawlerError):
    """The configuration is invalid; the message names file, line or key, and the fix."""


class CrawlRunError(CrawlerError):
    """A crawl could not start or finish (e.g. no sources selected)."""


class InvalidURLError(CrawlerError, ValueError):
    """A URL labscope will not fetch or store; callers check ``is_http_url`` first."""
