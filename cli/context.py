"""The global options every command reads: where the config and the database are."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from crawler.config import Config, load_config
from crawler.config.schedule import default_recheck
from crawler.entities.kb import KnowledgeBase
from crawler.errors import ConfigError
from storage.changes import ChangeRules
from storage.db import Database, open_database


@dataclasses.dataclass
class Context:
    """What the global options say: where the config and the database are."""

    config_path: Path
    db_url: str | None
    verbose: bool

    def config(self) -> Config:
        return load_config(self.config_path)

    def database(self) -> Database:
        """The archive, for commands that read it: one that does not exist is an error."""
        return open_database(self.db_url or self.config().storage.url, create=False)

    def configured_sources(self) -> list[str]:
        """The source names config.toml lists; none when --db is used without a config."""
        try:
            return [source.name for source in self.config().sources]
        except ConfigError:
            return []

    def recheck_steps(self) -> list[tuple[timedelta, timedelta]]:
        """The [recheck] schedule, or the default one when --db is used without a config."""
        try:
            steps = self.config().recheck.steps
        except ConfigError:
            if not self.db_url:
                raise
            steps = default_recheck().steps
        return [(step.interval, step.until) for step in steps]

    def knowledge(self) -> KnowledgeBase:
        """The bundled knowledge base with the config's own [[entities]], if it is readable."""
        try:
            extra = self.config().entities
        except ConfigError:
            extra = ()
        return KnowledgeBase.default().with_entities(extra)

    def entity_name(self, name: str) -> str:
        """The canonical name of an entity given by any alias ("月之暗面" -> "Moonshot AI")."""
        entity = self.knowledge().lookup(name)
        return entity.name if entity else name

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
