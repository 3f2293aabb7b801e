"""Fuzzing (hypothesis) of the entity matcher: known aliases, model names, English and Chinese
names, and users' own entities, on text mixing scripts, controls and the knowledge base's names.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_fuzz import messy_text

from crawler.entities.find import find_entities
from crawler.entities.kb import ENTITY_TYPES, Entity, KnowledgeBase, key, lower
from crawler.entities.names import find_names
from crawler.entities.zh import find_chinese

KB = KnowledgeBase.default()
ALIASES = sorted(
    (alias, entity.name)
    for entity in KB.entities
    for alias in (entity.name, *entity.aliases)
    if alias not in entity.contextual and KB.lookup(alias) == entity
)
CUES = [
    " said", ", founder of", " University", " AI", " Inc.", "Qwen3-Coder", "Kimi K2", "’s V3",
    "创始人", "表示", "有限公司", "位于", "市", "名为", "的创业公司", "张伟", "北京星河智能科技",
    "研究院", "İ", "ß", "\n", ". ", "。", "Mr. ",
    # Chinese titles, bylines, pseudonyms, language names; code lines, flags, identifiers
    "CEO", "首席科学家", "（化名）", "采访丨", "·", "、", "语系", "话", "说，",
    "from openai import OpenAI", "client = OpenAI(", "--reasoning-parser ", "deepseek_r1",
    "pip install ", "openai.ChatCompletion", "    ", "# ",
]  # fmt: skip
texts = messy_text([alias for alias, _ in ALIASES[::4]] + CUES, max_pieces=25)


def _without_space(text: str) -> str:
    return "".join(char for char in text if not char.isspace())


@settings(max_examples=400, deadline=None)
@given(texts, st.one_of(st.just(""), texts))
@example("0 new features.", "MiniMax launches Hailuo")  # was model "Hailuo 0", across the title
def test_mentions_point_at_their_text(text: str, title: str) -> None:
    full = f"{title}\n{text}" if title else text
    names = set()
    for mention in find_entities(text, KB, title=title):
        assert mention.surface in full and "\n" not in mention.surface
        assert _without_space(mention.surface) in _without_space(mention.context)
        assert mention.count >= 1
        if mention.known:
            assert KB.get(mention.name).type == mention.type
        name = mention.name if mention.known else key(mention.name)
        assert name not in names
        names.add(name)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(ALIASES),
    texts,
    texts,
    st.sampled_from(["The report names {}.", "报道提到{}。"]),
)
def test_a_known_alias_in_its_own_paragraph_is_always_found(
    alias_name: tuple[str, str], before: str, after: str, sentence: str
) -> None:
    alias, name = alias_name
    text = f"{before}\n{sentence.format(alias)}\n{after}"
    assert name in {mention.name for mention in find_entities(text, KB) if mention.known}


@settings(max_examples=300, deadline=None)
@given(texts)
def test_unknown_name_spans_are_the_names_as_written(text: str) -> None:
    for found in [*find_names(text, KB.rules), *find_chinese(text, KB)]:
        assert 0 <= found.start < found.end <= len(text)
        assert text[found.start : found.end] == found.name


@settings(max_examples=300, deadline=None)
@given(messy_text(["Σ", "İ", "ẞ", "ﬁ", "\u0130x"], max_pieces=8))
def test_lower_keeps_every_offset(text: str) -> None:
    lowered = lower(text)
    assert len(lowered) == len(text)
    for char, low in zip(text, lowered, strict=True):  # str.lower writes a final sigma "ς"
        assert low == (char.lower() if len(char.lower()) == 1 else char) or low == "ς"


names = messy_text(["Kimi", "DeepSeek", "深度求索", " ", "-", ".", "İ", "ß", "ﬁ"], max_pieces=4)
user_entities = st.lists(
    st.builds(
        Entity,
        names,
        st.sampled_from(ENTITY_TYPES),
        st.lists(names, max_size=3).map(tuple),
        st.sampled_from([None, "Moonshot AI", "not a known parent"]),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(user_entities, texts)
def test_user_entities_take_their_aliases_and_find_safely(
    entities: list[Entity], text: str
) -> None:
    kb = KB.with_entities(entities)
    last = kb.get(entities[-1].name)
    for alias in (last.name, *entities[-1].aliases):
        if key(alias):
            found = kb.lookup(alias)
            assert found is not None and found.name == last.name
    for mention in find_entities(text, kb):
        assert mention.surface in text
        if mention.known:
            assert kb.get(mention.name).type == mention.type


def test_a_user_entry_extending_a_known_entity_takes_a_later_entrys_alias() -> None:
    later = KB.entities[-1]  # was still found as itself: the index followed the data file's order
    kb = KB.with_entities([Entity("Moonshot AI", "lab", (later.name,))])
    for knowledge in (kb, kb.with_entities([])):
        found = knowledge.lookup(later.name)
        assert found is not None and found.name == "Moonshot AI"
    assert [m.name for m in find_entities(f"{later.name} is new.", kb)] == ["Moonshot AI"]
