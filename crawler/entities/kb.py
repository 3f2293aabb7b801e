"""The knowledge base of known entities: :class:`Entity`, :class:`KnowledgeBase`.

The entries are data (``crawler/entities/data/entities.toml``, whose header comment gives the
matching rules and the ambiguity decisions), so adding a lab or an alias needs no code. This module
loads and checks them, resolves any name or alias to one canonical entity, and builds the matchers
once per knowledge base: one Aho-Corasick automaton for every alias (a few hundred patterns found in
one pass, however many entries there are) and one regular expression for the model families.
``crawler/entities/find.py`` does the finding.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache, cached_property
from importlib.resources import files
from typing import Any, Literal, NamedTuple, get_args

import ahocorasick  # type: ignore[import-not-found]  # a C extension without stubs

from crawler.errors import printable

EntityType = Literal["lab", "company", "model", "person", "institution", "place"]
ENTITY_TYPES: tuple[str, ...] = get_args(EntityType)

_CJK = "\u2e80-\u9fff\uf900-\ufaff\uac00-\ud7af"
_NOT_IN_KEY = re.compile(r"[\s\-_.·‧•’'/]+")


@dataclass(frozen=True)
class Entity:
    """One known lab, company, model, person, institution or place.

    ``case_sensitive`` and ``contextual`` name aliases (or the name) that are also ordinary
    words; ``families`` are prefixes that find the entity's models not yet in the knowledge
    base. The data file's header explains each; a user's entity needs none of them.
    """

    name: str
    type: EntityType
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    case_sensitive: tuple[str, ...] = ()
    contextual: tuple[str, ...] = ()
    families: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        """The entity's parent, else itself: what a contextual alias needs named nearby."""
        return self.parent or self.name


class Pattern(NamedTuple):
    """One alias in the automaton. ``entity`` is None for an ignored phrase."""

    entity: str | None
    text: str
    case_sensitive: bool
    contextual: bool


@dataclass(frozen=True)
class Rules:
    """Word lists that tune precision, from the data file's ``[rules]`` table."""

    ignore: tuple[str, ...] = ()
    not_name_words: frozenset[str] = frozenset()
    may_start_org: frozenset[str] = frozenset()
    zh_not_names: frozenset[str] = frozenset()
    zh_surnames: frozenset[str] = frozenset()
    zh_compound_surnames: frozenset[str] = frozenset()


def key(name: str) -> str:
    """The form names are compared in: "Qwen 2.5-Max", "qwen2.5 max" and "QWEN2.5-MAX" agree."""
    return _NOT_IN_KEY.sub("", unicodedata.normalize("NFKC", name)).casefold()


def words(text: str) -> frozenset[str]:
    """A word list written as one string: long lists of cue words stay a few lines."""
    return frozenset(text.split())


def is_cjk(char: str) -> bool:
    return bool(re.match(f"[{_CJK}]", char))


def is_latin_word_char(char: str) -> bool:
    """A letter or digit that joins a Latin word; CJK characters never do (no spaces there)."""
    return char.isalnum() and not is_cjk(char)


def lower(text: str) -> str:
    """``str.lower`` that keeps every character's offset ("İ" alone becomes two characters)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


class KnowledgeBase:
    """Known entities by canonical name, with every alias resolved to one of them.

    Immutable: :meth:`with_entities` returns a new one, so the cached matchers stay valid.
    """

    def __init__(self, entities: Iterable[Entity], rules: Rules | None = None) -> None:
        self.rules = rules or Rules()
        self._entities: dict[str, Entity] = {}
        for entity in entities:
            self._add(entity)
        self._index: dict[str, str] = {}
        for entity in self._entities.values():  # later entries win a shared alias
            for alias in (entity.name, *entity.aliases):
                self._index[key(alias)] = entity.name

    def _add(self, entity: Entity) -> None:
        if entity.type not in ENTITY_TYPES:
            raise ValueError(
                f"entity {entity.name!r}: type must be one of {', '.join(ENTITY_TYPES)}"
                f" (got {entity.type!r})"
            )
        # Popped and re-inserted last: the index is built in this order, so an extended entity
        # takes a shared alias as any later entry does, whatever its place in the data file.
        old = self._entities.pop(entity.name, None)
        if old is not None:  # a user's entry with a known name adds aliases to it
            entity = replace(
                entity,
                aliases=_unique(old.aliases + entity.aliases),
                parent=entity.parent or old.parent,
                case_sensitive=_unique(old.case_sensitive + entity.case_sensitive),
                contextual=_unique(old.contextual + entity.contextual),
                families=_unique(old.families + entity.families),
            )
        self._entities[entity.name] = entity

    @classmethod
    def default(cls) -> KnowledgeBase:
        """The knowledge base shipped in ``crawler/entities/data/entities.toml``, loaded once."""
        return _default()

    @classmethod
    def from_toml(cls, text: str, source: str = "entities.toml") -> KnowledgeBase:
        """Parse a knowledge-base file; a mistake raises ValueError naming the entry and key."""
        data = tomllib.loads(text)
        rules = _parse_rules(data.get("rules", {}), source)
        entities = [
            _parse_entity(table, f"{source}: entity {n + 1}")
            for n, table in enumerate(data.get("entity", []))
        ]
        names = {e.name for e in entities}
        for entity in entities:
            if entity.parent is not None and entity.parent not in names:
                raise ValueError(
                    f"{source}: entity {entity.name!r}: unknown parent {entity.parent!r}"
                )
        _check_unique_aliases(entities, source)
        return cls(entities, rules)

    def with_entities(self, extra: Iterable[Entity]) -> KnowledgeBase:
        """This knowledge base plus a user's entities. An entity with a known name extends it
        (its aliases are added; its type and, if given, parent replace the built-in ones); an
        alias already used by another entity moves to the new one."""
        return KnowledgeBase([*self._entities.values(), *extra], self.rules)

    def lookup(self, name: str) -> Entity | None:
        """The entity a name or any alias of it stands for, ignoring case, spaces and hyphens."""
        canonical = self._index.get(key(name))
        return None if canonical is None else self._entities[canonical]

    def get(self, name: str) -> Entity:
        """The entity with this canonical name."""
        return self._entities[name]

    @property
    def entities(self) -> tuple[Entity, ...]:
        return tuple(self._entities.values())

    @cached_property
    def automaton(self) -> Any:
        """Every alias and ignored phrase, keyed lower-cased; case rules are checked per hit."""
        patterns: dict[str, list[Pattern]] = {}
        for entity in self._entities.values():
            for alias in _unique((entity.name, *entity.aliases)):
                if self._index[key(alias)] != entity.name:
                    continue  # the alias moved to a later (user's) entity, as lookup says
                pattern = Pattern(
                    entity.name,
                    alias,
                    alias in entity.case_sensitive or alias in entity.contextual,
                    alias in entity.contextual,
                )
                patterns.setdefault(lower(alias), []).append(pattern)
        for phrase in self.rules.ignore:
            patterns.setdefault(lower(phrase), []).append(Pattern(None, phrase, False, False))
        automaton = ahocorasick.Automaton()
        for lowered, found in patterns.items():
            automaton.add_word(lowered, (len(lowered), tuple(found)))
        automaton.make_automaton()
        return automaton

    @cached_property
    def families(self) -> dict[str, Entity]:
        """Model-family prefix -> the entity whose models it names."""
        return {f: e for e in self._entities.values() for f in e.families}

    @cached_property
    def family_pattern(self) -> re.Pattern[str]:
        """Any family prefix, longest first, not glued to a Latin word before it."""
        prefixes = sorted(self.families, key=len, reverse=True)
        alternation = "|".join(re.escape(p) for p in prefixes) or "(?!)"
        return re.compile(rf"(?<![A-Za-z0-9])(?:{alternation})")

    @cached_property
    def children(self) -> dict[str, tuple[Entity, ...]]:
        """Entities by parent: a lab's models and people."""
        found: dict[str, list[Entity]] = {}
        for entity in self._entities.values():
            if entity.parent:
                found.setdefault(entity.parent, []).append(entity)
        return {parent: tuple(kids) for parent, kids in found.items()}


@cache
def _default() -> KnowledgeBase:
    text = files("crawler.entities").joinpath("data/entities.toml").read_text(encoding="utf-8")
    return KnowledgeBase.from_toml(text, "crawler/entities/data/entities.toml")


_ENTITY_KEYS = {"name", "type", "aliases", "parent", "exact", "contextual", "families"}
_RULE_KEYS = {
    "ignore",
    "not_name_words",
    "may_start_org",
    "zh_not_names",
    "zh_surnames",
    "zh_compound_surnames",
}


def _strings(table: Mapping[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = table.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{where}: {name} must be a list of non-empty strings")
    return tuple(value)


def _parse_entity(table: Mapping[str, Any], where: str) -> Entity:
    unknown = set(table) - _ENTITY_KEYS
    if unknown:
        raise ValueError(
            f"{where}: unknown key {sorted(unknown)[0]!r} (keys: {', '.join(sorted(_ENTITY_KEYS))})"
        )
    name, kind, parent = table.get("name"), table.get("type"), table.get("parent")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}: name must be a non-empty string")
    where = f"{where} ({printable(name)})"  # a name with a line break must not split the line
    if kind not in ENTITY_TYPES:
        raise ValueError(f"{where}: type must be one of {', '.join(ENTITY_TYPES)} (got {kind!r})")
    if parent is not None and not isinstance(parent, str):
        raise ValueError(f"{where}: parent must be a string")
    exact = _strings(table, "exact", where)
    contextual = _strings(table, "contextual", where)
    aliases = _unique(_strings(table, "aliases", where) + exact + contextual)
    return Entity(
        name=name,
        type=kind,
        aliases=tuple(a for a in aliases if a != name),
        parent=parent,
        case_sensitive=exact + contextual,
        contextual=contextual,
        families=_strings(table, "families", where),
    )


def _parse_rules(table: Mapping[str, Any], where: str) -> Rules:
    unknown = set(table) - _RULE_KEYS
    if unknown:
        raise ValueError(f"{where}: [rules]: unknown key {sorted(unknown)[0]!r}")
    surnames = table.get("zh_surnames", "")
    if not isinstance(surnames, str):
        raise ValueError(f"{where}: [rules]: zh_surnames must be a string of characters")
    return Rules(
        ignore=_strings(table, "ignore", where),
        not_name_words=frozenset(_strings(table, "not_name_words", where)),
        may_start_org=frozenset(_strings(table, "may_start_org", where)),
        zh_not_names=frozenset(_strings(table, "zh_not_names", where)),
        zh_surnames=frozenset(c for c in surnames if not c.isspace()),
        zh_compound_surnames=frozenset(_strings(table, "zh_compound_surnames", where)),
    )


def _check_unique_aliases(entities: list[Entity], where: str) -> None:
    """In the shipped file an alias naming two entities is a mistake, not a preference."""
    seen: dict[str, str] = {}
    for entity in entities:
        for alias in {key(a) for a in (entity.name, *entity.aliases)}:
            other = seen.setdefault(alias, entity.name)
            if other != entity.name:
                raise ValueError(f"{where}: {alias!r} names both {other!r} and {entity.name!r}")


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True)
class Found:
    """A span of text found to name an entity, before the spans are merged into mentions."""

    start: int
    end: int
    name: str
    type: EntityType
    known: bool
    parent: str | None = None
    contextual: bool = False
    rank: int = 0
    """Ties between overlapping spans of one length: higher wins."""
