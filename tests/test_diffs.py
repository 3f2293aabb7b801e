"""Sentence splitting and sentence-level diffs (storage.sentences, storage.diffs).

The fixed cases pin behaviour a reader would notice (a spurious split doubles an edit); the
hypothesis properties check that any diff is a faithful, replayable account of the change.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract import Extraction, extract
from storage.diffs import TextDiff, apply_diff, diff_sentences, diff_texts, word_redline
from storage.sentences import split_sentences

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent

# (text, expected sentences). Also the corpus the splitter was chosen on (see storage/sentences.py).
SPLIT_CASES: list[tuple[str, list[str]]] = [
    ("Mr. Liang met Dr. Wang. They talked.", ["Mr. Liang met Dr. Wang.", "They talked."]),
    (
        "Prof. Chen and Ms. Li agreed. It was late.",
        ["Prof. Chen and Ms. Li agreed.", "It was late."],
    ),
    (
        "It rivals major U.S. corporations. The U.K. Treasury agreed.",
        ["It rivals major U.S. corporations.", "The U.K. Treasury agreed."],
    ),
    (
        "Zhipu AI Co. Ltd. raised funds. Baidu Inc. did not.",
        ["Zhipu AI Co. Ltd. raised funds.", "Baidu Inc. did not."],
    ),
    (
        "Big labs, e.g. Baidu, i.e. the incumbents, spent more.",
        ["Big labs, e.g. Baidu, i.e. the incumbents, spent more."],
    ),
    (
        "It launched on Jan. 20 and Feb. 3. Sales rose.",
        ["It launched on Jan. 20 and Feb. 3.", "Sales rose."],
    ),
    ("It was ranked No. 1 in the U.S. App Store.", ["It was ranked No. 1 in the U.S. App Store."]),
    (
        "The call began at 9 a.m. Beijing time and ended at 5 p.m. Sunday.",
        ["The call began at 9 a.m. Beijing time and ended at 5 p.m. Sunday."],
    ),
    (
        "OpenAI vs. DeepSeek is the story. Nvidia fell.",
        ["OpenAI vs. DeepSeek is the story.", "Nvidia fell."],
    ),
    (
        "Alibaba introduced Qwen2.5-Max. It beats V3.2 and costs $2.5 billion less.",
        ["Alibaba introduced Qwen2.5-Max.", "It beats V3.2 and costs $2.5 billion less."],
    ),
    (
        "New models like Kimi 1.5 and 1.5-pro arrived. See www.nature.com for more.",
        ["New models like Kimi 1.5 and 1.5-pro arrived.", "See www.nature.com for more."],
    ),
    (
        "Yunji Chen remarked, “If there was no DeepSeek, there would be some other Chinese LLM"
        " that could do great things.” Others agreed.",
        [
            "Yunji Chen remarked, “If there was no DeepSeek, there would be some other Chinese LLM"
            " that could do great things.”",
            "Others agreed.",
        ],
    ),
    (
        "Zhipu raised money. $2.5 billion came from Alibaba.",
        ["Zhipu raised money.", "$2.5 billion came from Alibaba."],
    ),
    ('He asked, "Is it open?" She said yes.', ['He asked, "Is it open?"', "She said yes."]),
    (
        "Is it open? Yes! It is (mostly.) Wait... Done.",
        ["Is it open?", "Yes!", "It is (mostly.)", "Wait...", "Done."],
    ),
    (
        "Revenue rose in 2024. 440 universities now teach AI.",
        ["Revenue rose in 2024.", "440 universities now teach AI."],
    ),
    (
        "Original Source: www.nature.com\nCorrection: An earlier version misstated the name.",
        ["Original Source: www.nature.com", "Correction: An earlier version misstated the name."],
    ),
    (
        "First paragraph ends here\n\n  Second paragraph.  \n",
        ["First paragraph ends here", "Second paragraph."],
    ),
    ("月之暗面发布了Kimi。公司位于北京。", ["月之暗面发布了Kimi。", "公司位于北京。"]),
    (
        "杨植麟说：“我们会继续开源。”随后他离开了。",
        ["杨植麟说：“我们会继续开源。”", "随后他离开了。"],
    ),
    ("他说「好的！」然后走了？是的。", ["他说「好的！」", "然后走了？", "是的。"]),
    ("竞争正在加剧；价格战已经开始。", ["竞争正在加剧；", "价格战已经开始。"]),
    ("真的吗?是的!好。", ["真的吗?", "是的!", "好。"]),
    (
        "模型价格是2.5元（约0.35美元）。性能提升了。",
        ["模型价格是2.5元（约0.35美元）。", "性能提升了。"],
    ),
    (
        "DeepSeek发布了V3.2-Exp模型。The model is cheaper. 价格下降了50%！",
        ["DeepSeek发布了V3.2-Exp模型。", "The model is cheaper.", "价格下降了50%！"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), SPLIT_CASES)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_split_never_returns_empty_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n . \n") == ["."]


def _deepseek_old() -> str:
    lines = [
        line
        for line in (FIXTURES / "deepseek-china-ai-landscape.txt").read_text("utf-8").splitlines()
        if line.strip()
    ]
    return "\n".join(lines[2:-1])  # drop "Loading Now", the title and "Post Comment"


def test_deepseek_edit_is_exactly_the_expected_changes() -> None:
    expected = json.loads(
        (FIXTURES / "edited" / "deepseek-emerges-v2.expected.json").read_text("utf-8")
    )
    # deepseek-emerges-v2.txt is crawler.extract's text of deepseek-emerges-v2.html.
    new = (FIXTURES / "edited" / "deepseek-emerges-v2.txt").read_text("utf-8")
    diff = diff_texts(_deepseek_old(), new)
    assert [(c.old, c.new) for c in diff.edited] == [
        (expected["reworded"]["old"], expected["reworded"]["new"])
    ]
    assert [c.old for c in diff.removed] == expected["removed"]
    assert [c.new for c in diff.added] == expected["added"]
    assert diff.moved == []
    assert len(diff.changes) == len(split_sentences(new)) + len(expected["removed"])
    edit = diff.edited[0]
    assert ("delete", "Technologies.") in edit.redline
    assert ("insert", "Technology.") in edit.redline


def test_deepseek_cosmetic_page_diffs_empty() -> None:
    url = "http://127.0.0.1/news/2025/deepseek-emerges.html"
    original = extract(
        (ROOT / "crawler/demo_site/news/2025/deepseek-emerges.html").read_text("utf-8"), url
    )
    cosmetic = extract((FIXTURES / "edited/deepseek-emerges-cosmetic.html").read_text("utf-8"), url)
    assert isinstance(original, Extraction)
    assert isinstance(cosmetic, Extraction)
    assert original.text != cosmetic.text
    assert diff_texts(original.text, cosmetic.text).is_empty


# A short article about Moonshot AI; the edit rewords one sentence, adds one, removes one ("此前…")
# and moves the quote to the end (also straightening its quotes, a cosmetic change).
KIMI_OLD = "\n".join(
    [
        "月之暗面是一家总部位于北京的人工智能公司，由杨植麟于2023年创立。"
        "公司推出的智能助手Kimi以支持超长上下文而闻名。",
        "2025年1月，月之暗面发布了Kimi k1.5多模态思考模型。"
        "官方称，该模型在数学和代码推理上达到了OpenAI o1的水平。",
        "杨植麟表示：“我们希望让每个人都能用上最好的模型。”此前，公司曾获得阿里巴巴领投的融资。",
        "业内人士认为，国内大模型竞争正在加剧；价格战已经开始。",
    ]
)
KIMI_NEW = "\n".join(
    [
        "月之暗面是一家总部位于北京的人工智能公司，由杨植麟于2023年创立。"
        "公司推出的智能助手Kimi以支持超长上下文而闻名。",
        "2025年1月，月之暗面发布了Kimi k1.5多模态思考模型。"
        "官方称，该模型在数学、代码和视觉推理上达到了OpenAI o1的水平。"
        "Kimi k1.5同时提供长思维链和短思维链两种版本。",
        "业内人士认为，国内大模型竞争正在加剧；价格战已经开始。",
        '杨植麟表示："我们希望让每个人都能用上最好的模型。"',
    ]
)


def test_chinese_edit_is_exactly_the_expected_changes() -> None:
    diff = diff_texts(KIMI_OLD, KIMI_NEW)
    assert [(c.old, c.new) for c in diff.edited] == [
        (
            "官方称，该模型在数学和代码推理上达到了OpenAI o1的水平。",
            "官方称，该模型在数学、代码和视觉推理上达到了OpenAI o1的水平。",
        )
    ]
    assert diff.edited[0].redline == (
        ("equal", "官方称，该模型在数学"),
        ("delete", "和"),
        ("insert", "、"),
        ("equal", "代码"),
        ("insert", "和视觉"),
        ("equal", "推理上达到了OpenAI o1的水平。"),
    )
    assert [c.new for c in diff.added] == ["Kimi k1.5同时提供长思维链和短思维链两种版本。"]
    assert [c.old for c in diff.removed] == ["此前，公司曾获得阿里巴巴领投的融资。"]
    assert [(c.old_index, c.new_index, c.new) for c in diff.moved] == [
        (4, 7, '杨植麟表示："我们希望让每个人都能用上最好的模型。"')
    ]
    assert len([c for c in diff.changes if c.kind == "unchanged"]) == 5
    kinds = [c.kind for c in diff.changes]
    assert kinds == ["unchanged"] * 3 + [
        "edited",
        "removed",
        "added",
        "unchanged",
        "unchanged",
        "moved",
    ]


def test_cosmetic_changes_are_empty() -> None:
    old = _deepseek_old()
    new = (
        old.replace("’", "'")
        .replace("“", '"')
        .replace("”", '"')
        .replace(" ", "  ")
        .replace("start-up", "start–up")
    )
    new = re.sub(r"(?<=[a-z]{2}\.) +(?=[A-Z])", "\n", new, count=3)  # new paragraph breaks
    diff = diff_texts(old, new)
    assert diff.is_empty
    assert diff.chars_changed == 0
    assert apply_diff(split_sentences(old), diff) == split_sentences(new)


def test_removed_sentences_stay_where_they_were() -> None:
    diff = diff_sentences(
        ["A one.", "B two.", "C three.", "D four."], ["A one.", "X new.", "D four."]
    )
    assert [(c.kind, c.old or c.new) for c in diff.changes] == [
        ("unchanged", "A one."),
        ("removed", "B two."),
        ("removed", "C three."),
        ("added", "X new."),
        ("unchanged", "D four."),
    ]
    assert diff.chars_changed == len("B two.") + len("C three.") + len("X new.")


def test_reworded_sentence_far_away_is_not_paired_past_the_window() -> None:
    filler = [f"Filler sentence number {n} stays." for n in range(100)]
    old = ["The lab released a new model on Monday.", *filler]
    new = [*filler, "The lab released a new model on Tuesday."]
    diff = diff_sentences(old, new)
    assert (len(diff.removed), len(diff.added), diff.edited) == (1, 1, [])
    near = diff_sentences(old, ["The lab released a new model on Tuesday.", *filler])
    assert [c.kind for c in near.edited] == ["edited"]


def test_pure_move_is_a_change_of_no_characters() -> None:
    diff = diff_sentences(["A one.", "B two.", "C three."], ["C three.", "A one.", "B two."])
    assert [c.kind for c in diff.changes] == ["moved", "unchanged", "unchanged"]
    assert not diff.is_empty
    assert diff.chars_changed == 0


def test_redline_aligns_through_respacing_and_quotes() -> None:
    old = "The lab said “yes” on Monday."
    new = 'The  lab said "yes" on Tuesday.'
    assert word_redline(old, new) == (
        ("delete", "The "),
        ("insert", "The  "),
        ("equal", "lab said "),
        ("delete", "“yes” "),
        ("insert", '"yes" '),
        ("equal", "on "),
        ("delete", "Monday."),
        ("insert", "Tuesday."),
    )


def test_word_redline_is_word_level_and_exact() -> None:
    assert word_redline("It costs $2.5 billion.", "It costs  $3 billion.") == (
        ("equal", "It "),
        ("delete", "costs $2.5 "),
        ("insert", "costs  $3 "),
        ("equal", "billion."),
    )
    assert word_redline("same", "same") == (("equal", "same"),)


def test_apply_diff_rejects_a_diff_of_other_text() -> None:
    diff = diff_texts("A one. B two.", "A one. B three.")
    with pytest.raises(ValueError, match="does not match"):
        apply_diff(["A one.", "C other."], diff)
    with pytest.raises(ValueError, match="does not match"):
        apply_diff(["A one."], diff)
    with pytest.raises(ValueError, match="every old sentence"):
        apply_diff(["A one.", "B two.", "C three."], diff)


# Property tests: texts are sentences of random words (some CJK), then mutated.
LATIN = ["model", "lab", "Beijing", "chips", "v2.5", "open", "the", "Qwen", "“fast”", "costs", "$2"]
CJK = ["模型", "公司", "发布", "北京", "开源", "月之暗面", "价格"]


@st.composite
def sentences(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        words = draw(st.lists(st.sampled_from(CJK), min_size=1, max_size=6))
        return "".join(words) + draw(st.sampled_from(["。", "！", "？"]))
    words = draw(st.lists(st.sampled_from(LATIN), min_size=1, max_size=8))
    return " ".join([words[0].capitalize(), *words[1:]]) + draw(st.sampled_from([".", "!", "?"]))


def _join(parts: list[str], breaks: list[bool]) -> str:
    """Sentences joined by spaces, or by a paragraph break where ``breaks`` says so."""
    text = parts[0] if parts else ""
    for k, part in enumerate(parts[1:]):
        text += ("\n" if k < len(breaks) and breaks[k] else " ") + part
    return text


@st.composite
def text_pairs(draw: st.DrawFn) -> tuple[str, str]:
    old = draw(st.lists(sentences(), max_size=12))
    new = list(old)
    for _ in range(draw(st.integers(0, 5))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "move", "edit", "cosmetic"]))
        if op == "insert" or not new:
            new.insert(draw(st.integers(0, len(new))), draw(sentences()))
            continue
        at = draw(st.integers(0, len(new) - 1))
        if op == "delete":
            del new[at]
        elif op == "replace":
            new[at] = draw(sentences())
        elif op == "move":
            new.insert(draw(st.integers(0, len(new) - 1)), new.pop(at))
        elif op == "edit":
            words = new[at].split(" ")
            words[draw(st.integers(0, len(words) - 1))] = draw(st.sampled_from(LATIN))
            new[at] = " ".join(words) + ("" if new[at][-1] in ".!?。！？" else ".")
        else:
            new[at] = new[at].replace("“", '"').replace("”", '"').replace(" ", "  ", 1)
    breaks = st.lists(st.booleans(), max_size=12)
    return _join(old, draw(breaks)), _join(new, draw(breaks))


@settings(max_examples=200, deadline=None)
@given(text_pairs())
def test_diff_properties(pair: tuple[str, str]) -> None:
    old, new = pair
    diff = diff_texts(old, new)
    assert apply_diff(split_sentences(old), diff) == split_sentences(new)
    # Moves cost no characters (the text is still there), so chars_changed is 0 exactly when
    # nothing but moves and cosmetic differences happened; and 0 whenever the diff is empty.
    only_moves = all(c.kind in ("unchanged", "moved") for c in diff.changes)
    assert (diff.chars_changed == 0) == only_moves
    assert not diff.is_empty or diff.chars_changed == 0
    for change in diff.edited:
        assert "".join(t for op, t in change.redline if op != "insert") == change.old
        assert "".join(t for op, t in change.redline if op != "delete") == change.new
    assert [c.new_index for c in diff.changes if c.new_index is not None] == list(
        range(len(split_sentences(new)))
    )
    _assert_self_diff_empty(old)


def _assert_self_diff_empty(text: str) -> None:
    same: TextDiff = diff_texts(text, text)
    assert same.is_empty
    assert same.chars_changed == 0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_redline_joins_back_for_any_strings(old: str, new: str) -> None:
    redline = word_redline(old, new)
    assert "".join(t for op, t in redline if op != "insert") == old
    assert "".join(t for op, t in redline if op != "delete") == new
    assert all(text for _, text in redline)


@settings(max_examples=200, deadline=None)
@given(st.lists(sentences(), max_size=12), st.data())
def test_cosmetic_mutations_diff_empty(parts: list[str], data: st.DataObject) -> None:
    cosmetic = [
        p.replace("“", '"').replace("”", '"').replace(" ", data.draw(st.sampled_from([" ", "  "])))
        for p in parts
    ]
    breaks = st.lists(st.booleans(), max_size=12)
    diff = diff_texts(_join(parts, data.draw(breaks)), _join(cosmetic, data.draw(breaks)))
    assert diff.is_empty


@pytest.mark.parametrize(
    ("old", "new", "cosmetic"),
    [
        ("The lone criteria is whether", "The lone criterion is whether", False),
        ("without venturing into the harsher history", "without venturing into the history", False),
        ("trained on 18 trillion tokens", "trained on 20 trillion tokens", False),
        ("“It’s always about serving.”", '"It\'s always about serving."', True),
        ("Deepseek released R1", "DeepSeek released R1", True),
        ("a walk-out of 1,000 workers", "a walk out of 1000 workers", True),
        ("rides on 27×7.75 R15 rubber", "rides on 27x7.75 R15 rubber", True),
        ("深度求索发布了模型。", "深度求索，发布了模型", True),
        ("深度求索发布了模型。", "深度求索发布了新模型。", False),
    ],
)
def test_minor_means_cosmetic(old: str, new: str, cosmetic: bool) -> None:
    """Whitespace, punctuation, quotes and case are cosmetic; a word or a figure never is."""
    from storage.words import same_words

    assert same_words(old, new) is cosmetic


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "(CNN)Winning the presidency didn't change him.",
            "Winning the presidency didn't change him.",
        ),
        (
            "WASHINGTON The Federal Reserve raised rates.",
            "WASHINGTON (Reuters) - The Federal Reserve raised rates.",
        ),
        ("新华社北京1月28日电（记者 王喆）深度求索发布新模型。", "深度求索发布新模型。"),
    ],
)
def test_a_dateline_alone_is_the_templates(old: str, new: str) -> None:
    from storage.template import Surface, template_positions

    diff = diff_texts(old, new)
    blank = Surface("")
    assert [c.kind for c in diff.changes] == ["edited"]
    assert template_positions(diff, blank, blank, old, new) == frozenset({0})
    edited = diff_texts(old, new.replace("change", "alter").replace("raised", "cut"))
    if "新华社" not in old:
        assert template_positions(edited, blank, blank, old, new) == frozenset()
