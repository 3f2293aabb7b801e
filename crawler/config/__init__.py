"""config.toml: read (load), checked section by section (models, sources, schedule, toml_checks),
its secrets resolved (secrets) and its mistakes listed all at once (check).

The package re-exports what the rest of labscope asks of a config, so callers name the config,
not the module a dataclass happens to live in.
"""

from crawler.config.load import load_config, parse_config, resolve_db_url
from crawler.config.models import (
    DEFAULT_DB_URL,
    DEFAULT_USER_AGENT,
    BrowserConfig,
    Config,
    CrawlConfig,
    SourceConfig,
    SourceKind,
    StorageConfig,
)
from crawler.config.sources import parse_source

__all__ = [
    "DEFAULT_DB_URL",
    "DEFAULT_USER_AGENT",
    "BrowserConfig",
    "Config",
    "CrawlConfig",
    "SourceConfig",
    "SourceKind",
    "StorageConfig",
    "load_config",
    "parse_config",
    "parse_source",
    "resolve_db_url",
]
