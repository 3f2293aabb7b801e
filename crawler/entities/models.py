"""Model names, known or not: a family prefix plus a version, or version-style names.

New models appear in the news before anyone adds them to the knowledge base, and they are named
after their family: Qwen3-Coder, DeepSeek-V3.2, Kimi K2, GLM-4.5, 文心4.5. So each ``families``
prefix in ``crawler/entities/data/entities.toml`` is followed by a version grammar here; a name
the knowledge base knows ("Qwen2.5-Max") resolves to it, any other is a new model of the family's
lab. The separators are strict on purpose: a space is allowed only before a short version ("Kimi
1.5", not "DeepSeek 2025"), and "Step-" requires its hyphen ("Step 3" of a how-to is no model).
"""

from __future__ import annotations

import re

from crawler.entities.kb import Found, KnowledgeBase, is_cjk, words

_QUAL = (
    "Pro|Max|Mini|Lite|Turbo|Flash|Plus|Ultra|Air|Coder|Chat|Instruct|Base|Math|Prover|"
    "Reasoner|Vision|VL|Omni|Audio|Speech|Text|Large|Medium|Small|Preview|Exp|Thinking|Long|"
    "Sonnet|Opus|Haiku|Nano|Distill|Image|Video|Voice"
)
_PART = r"[A-Za-z]{0,3}\d+(?:\.\d+)*[A-Za-z]{0,3}"  # V3, R1, 4o, 7B, k1.5, Z1, 01, 2.5
# Spaces, never a line break: a name does not run from the title into the text.
_TAIL = rf"(?:-(?:{_PART}|[A-Z][A-Za-z]*|(?i:{_QUAL})))*(?:[^\S\n](?:{_QUAL})(?![A-Za-z0-9-]))*"
_END = r"(?![A-Za-z0-9])"
_NOT_UNIT = (
    r"(?!\s*(?:%|percent|per cent|billion|million|trillion|thousand|times|years?|months?|"
    r"weeks?|days?|hours?|minutes?|seconds?|points?|tokens?|parameters?)\b)"
)
_AFTER_HYPHEN = re.compile(rf"(?:{_PART}|(?i:{_QUAL})){_TAIL}{_END}")
"""After "Step-", after a Chinese prefix (文心4.5, 豆包Pro)."""
_AFTER_LETTER = re.compile(rf"\d+[A-Za-z]?{_TAIL}{_END}")
"""After a one-letter family ("o" -> o3-mini): digits, glued."""
_AFTER_WORD = re.compile(
    rf"(?:\d+(?:\.\d+)*[A-Za-z]{{0,2}}|-(?:{_PART}|(?i:{_QUAL}))"
    rf"|[^\S\n][A-Za-z]?\d{{1,2}}(?:\.\d{{1,2}})?[A-Za-z]?(?!,?\d){_NOT_UNIT}){_TAIL}{_END}"
)
"""After "Qwen": glued (Qwen3), hyphenated (GLM-4.5, Qwen-Max) or spaced (Kimi K2)."""
_GENERIC = re.compile(
    rf"(?<![\w.-])(?:(?P<camel>[A-Z][a-z]+[A-Z][A-Za-z]*?)(?:-(?P<v1>{_PART})|(?P<v2>\d+(?:\.\d+)*))"
    rf"|(?P<caps>[A-Z]{{2,}})-(?P<v3>{_PART})){_TAIL}{_END}"
)
"""Version-style names of no known family: MiniCPM3, InternVL2.5 (a CamelCase name, the
version glued or hyphenated), ABC-V2 or ABC-2.5 (an acronym, hyphenated, a version that is more
than a number: "RS-25" is an engine, "GLP-1" a hormone, "H20" and "RTX4090" are chips)."""
_NOT_MODEL_HEADS = words(
    "COVID SARS MERS ISO RFC CVE IEEE USB HDMI LTE DDR PCIe HBM GPU CPU NPU TPU ASIC FPGA AI "
    "LLM API SDK GB TB MB KB GDP CEO US UK EU UN FY RTX GTX ARM WAIC CES MWC IPO ETF"
)
_YEAR = re.compile(r"(?:19|20)\d\d")


def model_hits(text: str, kb: KnowledgeBase) -> list[Found]:
    """Names of models, known or not, written as a family prefix plus a version."""
    hits = []
    for match in kb.family_pattern.finditer(text):
        prefix, start = match.group(), match.start()
        cjk = is_cjk(prefix[-1])
        if prefix.endswith("-") or cjk:
            version = _AFTER_HYPHEN.match(text, match.end())
        elif len(prefix) == 1:
            version = _AFTER_LETTER.match(text, match.end())
        else:
            version = _AFTER_WORD.match(text, match.end())
        if version is None:
            continue
        owner = kb.families[prefix]
        name = " ".join(text[start : version.end()].split())
        if cjk:  # 文心4.5 -> ERNIE 4.5: the name a digest reader can look up
            latin = next((f for f in owner.families if not is_cjk(f[-1])), None)
            if latin:
                name = f"{latin.rstrip('-')} {version.group().strip()}"
        hits.append(_model(start, version.end(), name, owner.group, kb))
    for match in _GENERIC.finditer(text):
        head = match.group("camel") or match.group("caps")
        number = match.group("v1") or match.group("v2") or match.group("v3")
        if head in _NOT_MODEL_HEADS or _YEAR.fullmatch(number):
            continue
        if match.group("caps") and number.isdigit():  # RS-25 engines, GLP-1, IL-25, BD-1
            continue
        hits.append(_model(match.start(), match.end(), match.group(), None, kb))
    return hits


def _model(start: int, end: int, name: str, parent: str | None, kb: KnowledgeBase) -> Found:
    entity = kb.lookup(name)
    if entity is not None:
        return Found(start, end, entity.name, entity.type, True, entity.parent, rank=2)
    return Found(start, end, name, "model", False, parent, rank=2)


_POSSESSIVE = re.compile(
    r"(?:’s|'s|\s+(?:released|launched|unveiled|introduced|open-sourced|rolled out))"
    r"\s+(?P<v>[A-Z]\d{1,2}(?:\.\d{1,2})?)(?![A-Za-z0-9])"
)


def possessive_models(text: str, spans: list[Found], kb: KnowledgeBase) -> list[Found]:
    """A lab's family plus a version: "DeepSeek’s V3 model", "DeepSeek released R1".

    The lab stays a mention of its own; the model's span covers both words."""
    found = []
    for span in spans:
        if not span.known:
            continue
        match = _POSSESSIVE.match(text, span.end)
        if match is None:
            continue
        entity = kb.get(span.name)
        families = [
            f
            for e in (entity, *kb.children.get(entity.name, ()))
            for f in e.families
            if not is_cjk(f[-1]) and len(f) > 1
        ]
        if not families:
            continue
        version = match.group("v")
        model = next((e for f in families if (e := kb.lookup(f + version))), None)
        if model is not None:
            found.append(Found(span.start, match.end(), model.name, model.type, True, model.parent))
        else:
            name = f"{families[0].rstrip('-')}-{version}"
            found.append(Found(span.start, match.end(), name, "model", False, entity.group))
    return found
