"""The global options every command reads: where the config and the database are.

Every command builds a Context, so this module imports only what the cheapest command needs
(`articles` reads a SQLite file and nothing of the config but where that file is). Reading the
whole config imports what checking its sources takes (Scrapy's response types for JSON lists,
APScheduler for cron lines), and opening the archive SQLAlchemy: each method imports those when
it is called.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.errors import ConfigError
from crawler.files import read_config_text

if TYPE_CHECKING:
    from crawler.config import Config
    from crawler.entities.kb import KnowledgeBase
    from storage.changes import ChangeRules
    from storage.db import Database

SQLITE_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")


@dataclasses.dataclass
class Context:
    """What the global options say: where the config and the database are."""

    config_path: Path
    db_url: str | None
    verbose: bool

    def config(self) -> Config:
        from crawler.config import load_config

        return load_config(self.config_path)

    def database(self) -> Database:
        """The archive, for commands that read it: one that does not exist is an error."""
        from storage.db import open_database

        return open_database(self.db_url or self.config().storage.url, create=False)

    def sqlite_file(self) -> Path | None:
        """The archive's file when --db or [storage] url names it plainly (sqlite:///PATH),
        read without parsing the rest of the config; None for anything else (PostgreSQL, URL
        options, a config that does not say or cannot be read), which `database()` handles and,
        where it is a mistake, explains."""
        url = self.db_url
        base = Path.cwd()  # --db is the URL as given, as SQLAlchemy reads it
        if url is None:
            storage = (self._toml or {}).get("storage")
            url = storage.get("url") if isinstance(storage, dict) else None
            base = self.config_path.parent  # as crawler.config.load.resolve_db_url anchors it
        if not isinstance(url, str) or not url.startswith(SQLITE_PREFIXES):
            return None
        path = url.partition(":///")[2]
        if not path or path.startswith("file:") or path == ":memory:" or set("?#%\0") & set(path):
            return None
        if self.db_url is None:
            try:
                return base / Path(path).expanduser()  # as crawler.config.toml_checks.local_path
            except RuntimeError:  # a "~user" that does not expand
                return None
        return base / path

    def bundled_entity_name(self, name: str) -> str | None:
        """`entity_name(name)` when the config adds no [[entities]], read without the rest of
        the config; None when it does (then only the whole config can say)."""
        from crawler.entities.kb import KnowledgeBase

        if "entities" in (self._toml or {}):
            return None
        entity = KnowledgeBase.default().lookup(name)
        return entity.name if entity else name

    @functools.cached_property
    def _toml(self) -> dict[str, Any] | None:
        """The config file's TOML, unchecked; None when it cannot be read or parsed (as
        `entity_name` treats a config it cannot read: no [[entities]] of its own)."""
        try:
            return tomllib.loads(read_config_text(self.config_path))
        except (ConfigError, tomllib.TOMLDecodeError, RecursionError):
            return None

    def configured_sources(self) -> list[str]:
        """The source names config.toml lists; none when --db is used without a config."""
        try:
            return [source.name for source in self.config().sources]
        except ConfigError:
            return []

    def recheck_steps(self) -> list[tuple[timedelta, timedelta]]:
        """The [recheck] schedule, or the default one when --db is used without a config."""
        from crawler.config.schedule import default_recheck

        try:
            steps = self.config().recheck.steps
        except ConfigError:
            if not self.db_url:
                raise
            steps = default_recheck().steps
        return [(step.interval, step.until) for step in steps]

    def knowledge(self) -> KnowledgeBase:
        """The bundled knowledge base with the config's own [[entities]], if it is readable."""
        from crawler.entities.kb import KnowledgeBase

        try:
            extra = self.config().entities
        except ConfigError:
            extra = ()
        return KnowledgeBase.default().with_entities(extra)

    def entity_name(self, name: str) -> str:
        """The canonical name of an entity given by any alias ("月之暗面" -> "Moonshot AI")."""
        entity = self.knowledge().lookup(name)
        return entity.name if entity else name

    def base_url(self) -> str | None:
        """[digest] base_url, the web app's address for links; none with --db and no config."""
        try:
            return self.config().digest.base_url
        except ConfigError:
            if self.db_url:
                return None
            raise

    def change_rules(self) -> dict[str, ChangeRules]:
        """Each source's noise rules, so diffs show what the stored summaries counted.

        With --db and no readable config, there are none: the diff is then of the exact texts.
        """
        try:
            return self.config().noise_rules().by_source()
        except ConfigError:
            if self.db_url:
                return {}
            raise


def log_level(obj: Context) -> str:
    """Per-page problems are in the run summary; Scrapy's own log only with --verbose."""
    return "INFO" if obj.verbose else "CRITICAL"
