"""Which labs, companies, models, people, institutions and places an article names.

labscope must notice when a new lab, model or person enters the coverage, so :func:`find_entities`
reports two kinds of mention. Known ones come from the knowledge base
(``crawler/entities/data/entities.toml`` plus the user's config), every alias resolved to one
canonical name. Unknown ones (``known=False``) are found by rules that favour precision, because
every false one would be announced in a digest as news:

- models of a known family with a version (``crawler/entities/models.py``: "Qwen3-Coder",
  "Kimi K2", "文心4.5" -> ERNIE 4.5),
  "<Lab>’s V3" (the lab's own model), and conservative version-style names ("MiniCPM3");
- English people and organisations (``crawler/entities/names.py``): capitalised names beside a
  cue ("said", "founder", "according to") or ending in an organisation word ("University");
- Chinese people, organisations and places (``crawler/entities/zh.py``, jieba's tags, and
  ``crawler/entities/zh_people.py``: names beside a title or a speech verb).

Code is blanked first (``crawler/entities/code.py``): ``from openai import OpenAI`` and
``deepseek_r1`` name no lab. Known aliases are found in one pass of an Aho-Corasick automaton
built once per knowledge base; overlapping matches keep the longest, so "Qwen2.5-Max" is one
model, not Qwen plus a version. A place inside a language's or a species' name (巴厘岛语,
"Shanghai dialect") is no mention of it (``crawler/entities/places.py``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.entities.code import mask_code
from crawler.entities.kb import (
    Entity,
    EntityType,
    Found,
    KnowledgeBase,
    is_latin_word_char,
    key,
    lower,
)
from crawler.entities.models import model_hits, possessive_models
from crawler.entities.names import WEAK_SUFFIXES, find_names
from crawler.entities.places import names_no_place
from crawler.entities.zh import find_chinese

__all__ = ["Entity", "EntityType", "KnowledgeBase", "Mention", "find_entities"]


@dataclass(frozen=True)
class Mention:
    """One entity an article names, however often and under whichever aliases."""

    name: str
    """The knowledge base's name; for an unknown entity, the name as written, cleaned."""
    type: EntityType
    known: bool
    """In the knowledge base (or the user's config)."""
    surface: str
    """As written, first occurrence."""
    context: str
    """The sentence it first appears in."""
    count: int
    parent: str | None = None
    """A known entity's parent; for an unknown model of a known family, the family's lab."""


def find_entities(text: str, kb: KnowledgeBase, title: str = "") -> list[Mention]:
    """Entities named in the title and text: one mention per name, by first occurrence.

    Code in the text names nothing (``crawler/entities/code.py``); it is blanked, so a mention's
    context never quotes it."""
    full = mask_code(f"{title}\n{text}" if title else text)
    hits = [*_alias_hits(full, kb), *model_hits(full, kb)]
    # A name never spans paragraphs (or the title and the text): "Hailuo\n2 ..." is no model.
    spans = _resolve(hit for hit in hits if "\n" not in full[hit.start : hit.end])
    spans = _apply_context(spans, kb)
    spans += possessive_models(full, spans, kb)
    spans += _unknown_names(full, spans, kb)
    return _mentions(full, spans, kb)


# ------------------------------------------------------------------------ known aliases


def _alias_hits(text: str, kb: KnowledgeBase) -> list[Found]:
    """Every alias occurrence that passes its case and word-boundary rules.

    An ignored phrase ("可灵活") is a hit with no name: it outranks the alias inside it. So is
    a place inside a language's name (印度尼西亚语, Indonesian: neither Indonesia nor India)."""
    hits = []
    for end, (length, patterns) in kb.automaton.iter(lower(text)):
        start, end = end - length + 1, end + 1
        surface = text[start:end]
        for pattern in patterns:
            if pattern.case_sensitive and surface != pattern.text:
                continue
            if not _bounded(text, start, end):
                continue
            entity = None if pattern.entity is None else kb.get(pattern.entity)
            if entity is None or (entity.type == "place" and names_no_place(text, end)):
                hits.append(Found(start, end, "", "place", False, rank=9))  # 巴厘岛语, 上海话
            else:
                known = (entity.name, entity.type, True, entity.parent, pattern.contextual)
                hits.append(Found(start, end, *known, rank=1))
            break
    return hits


def _bounded(text: str, start: int, end: int) -> bool:
    """A Latin-script match must be a whole word, not part of a domain ("deepseek.com") or of
    an identifier ("deepseek_r1", "openai.ChatCompletion")."""
    first, last = text[start], text[end - 1]
    if is_latin_word_char(first) and start > 0:
        before = text[start - 1]
        if is_latin_word_char(before) or before == "_" or (before in "./@" and start > 1):
            return False
    if is_latin_word_char(last) and end < len(text):
        after = text[end]
        if is_latin_word_char(after) or after == "_":
            return False
        if after == "/" and end + 1 < len(text) and text[end + 1].islower():
            return False
        if after == "." and end + 1 < len(text) and _IDENTIFIER_START.match(text[end + 1]):
            return False
    return True


_IDENTIFIER_START = re.compile("[A-Za-z0-9_]")
"""After "name.", what makes it a domain or an attribute ("openai.ChatCompletion"); a
sentence goes on after a space."""


# ------------------------------------------------------------------------------ merging


def _resolve(spans: Iterable[Found]) -> list[Found]:
    """Non-overlapping spans, leftmost-longest first; ignored phrases are dropped after."""
    chosen: list[Found] = []
    for span in sorted(spans, key=lambda s: (s.start, s.start - s.end, -s.rank)):
        if chosen and span.start < chosen[-1].end:
            continue
        chosen.append(span)
    return [s for s in chosen if s.name]


def _apply_context(spans: list[Found], kb: KnowledgeBase) -> list[Found]:
    """Drop contextual aliases ("Yi", "星火") whose group the text does not name otherwise."""
    groups = set()
    for span in spans:
        if not span.contextual:
            groups.add(kb.get(span.name).group if span.known else span.parent)
    return [s for s in spans if not s.contextual or kb.get(s.name).group in groups]


def _unknown_names(text: str, spans: list[Found], kb: KnowledgeBase) -> list[Found]:
    """People and organisations, English and Chinese, outside the spans already found.

    A candidate overlapping a known entity loses ("Alibaba Cloud Intelligence" is Alibaba's),
    except an organisation led by a place ("U.S. Commerce Department", but not "Hangzhou AI":
    "a Hangzhou AI start-up" names no company)."""
    taken = sorted((s.start, s.end, s.known and s.type == "place") for s in spans)
    starts = [t[0] for t in taken]

    def free(candidate: Found) -> bool:
        i = bisect.bisect_left(starts, candidate.end)
        for start, end, place in taken[max(0, i - 8) : i]:
            led_by_place = (
                place
                and start == candidate.start
                and candidate.type not in ("person", "place")  # 杭州市 is Hangzhou
                and candidate.name.split()[-1] not in WEAK_SUFFIXES
            )
            if start < candidate.end and candidate.start < end and not led_by_place:
                return False
        return True

    found = [c for c in find_names(text, kb.rules) if free(c)]
    if _HAS_CJK.search(text):
        found += [c for c in find_chinese(text, kb) if free(c)]
    counted = []
    first: dict[str, Found] = {}
    for candidate in found:
        first.setdefault(candidate.name, candidate)
    for candidate in first.values():
        entity = kb.lookup(candidate.name)
        if entity is not None:  # a name the rules found that the knowledge base knows
            counted.append(
                Found(candidate.start, candidate.end, entity.name, entity.type, True, entity.parent)
            )
            continue
        counted += [c for c in _occurrences(text, candidate) if free(c)]
    # Two rules can find overlapping names (jieba's 周鸿, a title's 周鸿祎): the longer wins.
    return _resolve(counted)


_HAS_CJK = re.compile("[\u3400-\u9fff]")


def _occurrences(text: str, candidate: Found) -> list[Found]:
    """Every occurrence of a name found once by its cue ("Yunji Chen, a computer scientist")."""
    spans = []
    for match in re.finditer(re.escape(candidate.name), text):
        if _bounded(text, match.start(), match.end()):
            spans.append(
                Found(
                    match.start(),
                    match.end(),
                    candidate.name,
                    candidate.type,
                    False,
                    candidate.parent,
                )
            )
    return spans or [candidate]


# Every alternative starts on the ending character itself, so that the regex engine can skip to
# the next candidate (twelve times faster than testing the lookbehinds at every position).
_SENTENCE_END = re.compile(
    r"[。！？；.!?…\n](?:(?<=[。！？；])[”」』）]*"
    r"|(?<=[.!?…])(?<!\b[A-Z].)(?<!\b(?:Mr|Ms|Dr|St|Jr|Sr|vs|No|Co).)(?<!(?:Mrs|Inc|Ltd).)"
    r"(?<!(?:Prof|Corp).)[”’\"')]*(?=\s+[\"“‘(A-Z0-9\u3400-\u9fff])|(?<=\n))"
)


def _sentence_bounds(text: str) -> list[int]:
    """Where each sentence starts; English ends need a space and a capital after them, so
    "Qwen2.5", "U.S. corporations" and "www.nature.com" stay whole."""
    return [0, *(m.end() for m in _SENTENCE_END.finditer(text))]


def _mentions(text: str, spans: list[Found], kb: KnowledgeBase) -> list[Mention]:
    groups: dict[str, list[Found]] = {}
    for span in sorted(spans, key=lambda s: s.start):
        groups.setdefault(span.name if span.known else key(span.name), []).append(span)
    bounds = _sentence_bounds(text)
    mentions = []
    for found in groups.values():
        first = found[0]
        i = bisect.bisect_right(bounds, first.start) - 1
        end = bounds[i + 1] if i + 1 < len(bounds) else len(text)
        mentions.append(
            Mention(
                name=first.name,
                type=first.type,
                known=first.known,
                surface=text[first.start : first.end],
                context=" ".join(text[bounds[i] : end].split()),
                count=len(found),
                parent=first.parent,
            )
        )
    return mentions
