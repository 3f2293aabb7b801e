"""Unknown people, organisations and places in Chinese text, from jieba's part-of-speech tags.

jieba tags person names ``nr``, organisations ``nt`` and places ``ns``, but loosely: 深度
("depth") and 普及 ("popularise") come out as places, 云千帆 as a person. So a tag is a
candidate and the rules here decide, favouring precision as the English rules do:

- a person: tagged ``nr``, two to four characters, a common family name first, and a cue
  beside it (创始人 before, 表示 after);
- an organisation: tagged ``nt``, or a run of nouns ending in 公司/集团/研究院/大学/...
  ("北京星河智能科技有限公司"), not made only of generic words ("互联网科技公司");
- a place: a dictionary place name (not one jieba guessed) with a locative cue (位于, 市).

jieba is imported on first use (its dictionary takes about a second to load) and its own
tokenizer instance learns the knowledge base's Chinese aliases, so 月之暗面 stays one word.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from functools import cache
from typing import Any

from crawler.entities.kb import EntityType, Found, KnowledgeBase, is_cjk, words
from crawler.entities.places import names_no_place
from crawler.entities.zh_people import person_like, titled_people

_PERSON_BEFORE = words(
    "创始人 联合创始人 创办人 首席执行官 CEO 董事长 总裁 副总裁 总经理 首席科学家 首席技术官 "
    "CTO 教授 研究员 分析师 负责人 主任 院长 校长 记者 工程师 科学家 专家 合伙人 投资人 "
    "发言人 部长 经理 博士 掌门人 兼 主席 副主席 董事 高管 执行官 总统 总理 首相 州长 市长 省长"
)
_PERSON_AFTER = words(
    "表示 说 称 认为 指出 介绍 透露 坦言 强调 提到 告诉 解释 回应 预计 博士 教授 研究员 等人 "
    "先生 女士 创立 创办 领导 带领 曾 此前 直言 分析 宣布"
)
_INSTITUTE_SUFFIX = words("研究院 研究所 实验室 大学 学院 协会 基金会")
_ORG_SUFFIX = words(
    "有限公司 股份有限公司 公司 集团 研究院 实验室 研究所 大学 学院 银行 基金会 协会 科技"
)
_COMPANY_SUFFIX = words("有限公司 股份有限公司 公司 集团 银行 科技")
_GENERIC_HEAD = words(
    "科技 互联网 人工智能 智能 技术 信息 网络 投资 创业 国内 国际 大型 初创 模型 大模型 数据 "
    "软件 硬件 芯片 半导体 汽车 电商 游戏 视频 云计算 平台 机构 上市 头部 金融 咨询 证券 基金 "
    "研究 医药 能源 电子 通信 传媒 媒体 教育 物流 中小 新兴 知名 领先 相关 其他 多家 各家 "
    "一家 两家 这家 该 美国 中国 国有 民营 外资 合资 科研 高校 重点 创新 应用 服务 开发 算力 "
    "机器人 自动驾驶"
)
_NOUNISH = words("n nz ns nt nr nrt nrfg j eng vn l")
_PROPER = words("nz ns nt nr nrt nrfg j eng")
_NAMED = words("名为 名叫 叫做 取名")
_ORG_NOUNS = words("公司 企业 创业公司 初创公司 初创企业 机构 团队 实验室 研究院")
_PLACE_BEFORE = words("位于 在 来自 落户 总部 地处 前往 赴 扎根")
_PLACE_AFTER = words("市 省 一家 本地 当地 地区 市场 总部")
_PLACE_SUFFIX = "市省县区州镇村岛湾"
"""The first three are administrative suffixes a place is named without (浙江省 is 浙江)."""
_CJK_WORD = re.compile("[\u3400-\u9fff]+")
_KANA = re.compile("[\u3040-\u30ff]")  # hiragana and katakana
CHINESE_MIN = 6  # a Chinese paragraph: at least this many characters of Chinese ...
CHINESE_SHARE = 0.3  # ... making up at least this share of its letters
_lock = threading.Lock()


@cache
def _tokenizer() -> Any:
    """jieba's part-of-speech tokenizer, loaded once per process, quietly."""
    with warnings.catch_warnings():
        # jieba 0.42 imports pkg_resources (deprecated by setuptools, a UserWarning on import
        # with recent versions) and its sources have invalid escapes ("\." in plain strings),
        # which warn when compiled. Neither is ours to fix; pytest turns warnings into errors.
        warnings.simplefilter("ignore")
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict..." on stderr
        tokenizer = jieba.posseg.POSTokenizer(jieba.Tokenizer())
        tokenizer.tokenizer.initialize()
    return tokenizer


_learned: set[str] = set()


def _learn(tokenizer: Any, kb: KnowledgeBase) -> None:
    """Teach the tokenizer the knowledge base's Chinese names, so they are not split up."""
    words = {
        a
        for e in kb.entities
        for a in (e.name, *e.aliases)
        if len(a) > 1 and all(is_cjk(c) for c in a) and a not in e.contextual
    }
    with _lock:
        for word in sorted(words - _learned):
            tokenizer.tokenizer.add_word(word, 100_000, "nz")
            _learned.add(word)


def load() -> None:
    """Load jieba's dictionary now rather than on the first Chinese text (tests, services)."""
    _tokenizer()


def find_chinese(text: str, kb: KnowledgeBase) -> list[Found]:
    """Unknown-looking Chinese people, organisations and places, each at one occurrence.

    Only paragraphs written in Chinese are segmented: a few characters quoted in an English
    article ("DeepSeek (深度求索)") are found by the knowledge base, and loading jieba's tagger
    costs a process about 150 MB.
    """
    lines = list(re.finditer(r"[^\n]+", text))
    if not any(_is_chinese(line.group()) for line in lines):
        return []
    # In a Chinese article its short lines are Chinese too: bylines (作者：张小珺), captions.
    paragraphs = [line for line in lines if _is_chinese(line.group(), minimum=2)]
    tokenizer = _tokenizer()
    _learn(tokenizer, kb)
    found: list[Found] = []
    for paragraph in paragraphs:
        tokens, pos = [], paragraph.start()
        for pair in tokenizer.cut(paragraph.group()):
            start = text.find(pair.word, pos)
            pos = start + len(pair.word)
            tokens.append((pair.word, pair.flag, start))
        found += _candidates(text, tokens, tokenizer, kb)
        found += titled_people(
            text, tokens, tokenizer.word_tag_tab, kb.rules, lambda name: _usable(name, kb)
        )
    return found


def _usable(name: str, kb: KnowledgeBase) -> bool:
    """A Chinese name the knowledge base does not know and the rules do not exclude."""
    return (
        len(name) >= 2
        and _CJK_WORD.fullmatch(name) is not None
        and name not in kb.rules.zh_not_names
        and kb.lookup(name) is None
    )


def _is_chinese(paragraph: str, minimum: int = CHINESE_MIN) -> bool:
    """At least ``minimum`` characters of Chinese, and at least CHINESE_SHARE of the letters.

    Japanese writes kanji too: a paragraph with kana is not Chinese, and jieba would only cut
    it into false names.
    """
    if _KANA.search(paragraph):
        return False
    cjk = sum(len(run) for run in _CJK_WORD.findall(paragraph))
    letters = sum(1 for char in paragraph if char.isalpha())
    return cjk >= minimum and cjk >= CHINESE_SHARE * letters


def _candidates(
    text: str, tokens: list[tuple[str, str, int]], tokenizer: Any, kb: KnowledgeBase
) -> list[Found]:
    rules, found = kb.rules, []

    def word(i: int) -> str:
        return tokens[i][0] if 0 <= i < len(tokens) else ""

    def usable(name: str) -> bool:
        return _usable(name, kb)

    for i, (name, flag, start) in enumerate(tokens):
        kind: EntityType | None = None
        if (
            len(name) == 1
            and name in rules.zh_surnames
            and word(i + 1)
            and tokens[i + 1][1].startswith("nr")
            and len(word(i + 1)) <= 2
        ):
            full = name + word(i + 1)  # jieba cuts 刘志远 into 刘 + 志远
            cued = word(i - 1) in _PERSON_BEFORE or word(i + 2) in _PERSON_AFTER
            if usable(full) and person_like(full) and cued:
                found.append(Found(start, start + len(full), full, "person", False))
        elif flag in ("nr", "nrfg", "nrt") and 2 <= len(name) <= 4 and usable(name):
            # a common family name first, or a longer name jieba's dictionary tags foreign (nrt,
            # 特朗普) or a politician's (nrfg); its plain person tag is on words too (小学生,
            # 丛林), and its guesses of unknown words are no better (太多人 comes out nrt)
            named = name[0] in rules.zh_surnames or name[:2] in rules.zh_compound_surnames
            cued = word(i - 1) in _PERSON_BEFORE or word(i + 1) in _PERSON_AFTER
            foreign = len(name) >= 3 and flag != "nr" and name in tokenizer.word_tag_tab
            if (named or foreign) and cued and person_like(name):
                kind = "person"
        elif flag == "nt" and len(name) >= 3 and usable(name):
            kind = "company" if name.endswith(("公司", "集团")) else "institution"
        elif (
            flag == "ns"
            and usable(name)
            and tokenizer.word_tag_tab.get(name) == "ns"
            and not names_no_place(text, start + len(name))  # 南岛语系, 巴厘岛语
            and (
                (name[-1] in _PLACE_SUFFIX and len(name) >= 3)  # 城市, 上市, 地区 are words
                or word(i - 1) in _PLACE_BEFORE
                or word(i + 1) in _PLACE_AFTER
            )
        ):
            kind = "place"
        elif name in _NAMED:
            org = _named(tokens, i, usable)
            if org is not None:
                found.append(org)
        elif name in _ORG_SUFFIX and word(i + 1) not in _ORG_SUFFIX:  # 科技|有限公司
            org = _organisation(tokens, i, usable)
            if org is not None:
                found.append(org)
        if kind == "place" and name[-1] in _PLACE_SUFFIX[:3] and len(name) >= 3:
            name = name[:-1]  # 浙江省 and 浙江, 台江县 and 台江 are one place
            if not usable(name):  # 自治县 is no 自治
                kind = None
        if kind is not None:
            found.append(Found(start, start + len(name), name, kind, False))
    return found


def _named(tokens: list[tuple[str, str, int]], cue: int, usable: Any) -> Found | None:
    """The name between 名为 and 的, before an organisation noun: 一家名为极光数智的创业公司."""
    end = cue + 1
    while end < len(tokens) and end - cue <= 4 and tokens[end][1] in _NOUNISH:
        end += 1
    after = [w for w, _, _ in tokens[end : end + 3]]
    if end == cue + 1 or not after or after[0] != "的" or not _ORG_NOUNS & set(after[1:]):
        return None
    name = "".join(w for w, _, _ in tokens[cue + 1 : end])
    if not usable(name):
        return None
    return Found(tokens[cue + 1][2], tokens[cue + 1][2] + len(name), name, "company", False)


def _organisation(tokens: list[tuple[str, str, int]], suffix: int, usable: Any) -> Found | None:
    """Nouns ending in an organisation word: 北京 星河 智能 科技 有限公司."""
    first = suffix
    while (
        first > 0
        and suffix - first < 6
        and tokens[first - 1][1] in _NOUNISH
        and _CJK_WORD.fullmatch(tokens[first - 1][0])
    ):
        first -= 1
    head = tokens[first:suffix]
    generic = all(w in _GENERIC_HEAD for w, _, _ in head)
    if not head or (generic and (len(head) < 3 or tokens[suffix][0] not in _INSTITUTE_SUFFIX)):
        return None  # 互联网科技公司 is generic; 中国信息通信研究院 is a name
    if len(head) < 2 and head[0][1] not in _PROPER:
        return None
    start = head[0][2]
    end = tokens[suffix][2] + len(tokens[suffix][0])
    name = "".join(w for w, _, _ in tokens[first : suffix + 1])
    if not usable(name):
        return None
    kind: EntityType = "company" if tokens[suffix][0] in _COMPANY_SUFFIX else "institution"
    return Found(start, end, name, kind, False)
