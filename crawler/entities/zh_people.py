"""Chinese people named beside a title or a speech verb, however jieba cuts their names.

jieba knows the founders no better than any other name: it cuts 周靖人 into 周靖 + 人, 张平安
into 张 + 平安 (an adjective), 周鸿祎 into three pieces, and tags none of them a person. A news
article introduces a person by a title, and the title marks where the name starts:

- ``<title><name>``: 阿里云CTO周靖人, 百川智能创始人、CEO 王小川, 作者：张小珺, and the
  names listed after it (技术合伙人袁进辉、曹越); after a title, a name jieba tags a person
  needs no common family name (法国总理菲利普);
- ``<name>（…<title>）``: 王慧文（美团联合创始人）, and a pseudonym: 孙丹（化名）;
- ``<name><speech verb>``: 朱啸虎说, 张凡坦言, with at most one adverb between (曾说道);
- a byline: 采访丨程曼祺 时娴 祝颖丽, and a title with a copula: 负责人为陈家泽.

A name in Latin script after a Chinese title is taken too (首席科学家Ilya Sutskever): two or
three capitalised words.

The name is a common family name and one or two more characters (a transliterated name with a
middle dot, 安德烈·卡帕西, is taken whole). It starts a word in jieba's cut, and where it ends
is judged by what follows: punctuation, a Latin letter, a title or a word that follows a
subject (表示, 在, 的, ...), or at least a word jieba tags a verb or a particle. Two lengths can
both fit: 李明说，is 李明 + 说, 王小川在 is 王小川 + 在 (王小 would end inside jieba's 小川).
A name that is a dictionary word of another kind (马上 "at once", 高度 "highly", 文章 of
文章中), a single jieba word tagged other than a person, a form of address (王总, 陈校长) or
a name whose given part is a follower (曾表示) is no name: precision first, as everywhere in
entity detection, because a false name would be announced in a digest.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping

from crawler.entities.kb import Found, Rules, words

TITLES = words(
    "创始人 联合创始人 创办人 联合创办人 创始合伙人 管理合伙人 主管合伙人 执行合伙人 合伙人 "
    "首席执行官 首席技术官 首席运营官 首席财务官 首席科学家 首席架构师 首席研究员 首席经济学家 "
    "首席分析师 首席信息官 首席战略官 首席产品官 首席投资官 "
    "CEO CTO COO CFO CSO CIO CPO 联席CEO 总裁 副总裁 高级副总裁 执行副总裁 总经理 副总经理 "
    "董事长 副董事长 董事 常务董事 执行董事 董事会主席 主席 副主席 总监 技术总监 负责人 "
    "技术负责人 项目负责人 投资人 教授 副教授 研究员 副研究员 院士 院长 副院长 所长 副所长 "
    "主任 副主任 校长 理事长 副理事长 秘书长 会长 副会长 部长 副部长 局长 市长 省长 州长 "
    "总统 总理 首相 外长 发言人 分析师 工程师 科学家 经济学家 记者 编辑 责编 主编 总编辑 作者 "
    "掌门人 实控人 实际控制人 高管 讲师 社长 导演 主持人 博士 专家 学者 班长 组长 队长 厂长 "
    "行长 律师 医生 教练 警官 法官"
)
FOLLOWERS = words(
    "表示 认为 指出 介绍 透露 坦言 强调 提到 告诉 解释 回应 预计 直言 分析 宣布 回忆 感叹 "
    "坦承 承认 补充 谈到 谈及 提出 呼吁 相信 希望 觉得 判断 预测 预言 总结 评价 发布 主持 "
    "出席 发表 接受 表态 说道 笑称 写道 撰文 发文 带领 领导 创立 创办 亲自 首次 此前 日前 "
    "近日 今天 昨天 今年 去年 此次 本人 一行 等人 通过 看来 眼中 给出 公开 罕见 率领 直接 "
    "同时 随后 当时 当即 早在 作为 曾经 表明 提醒 警告 也曾 曾说 说过 还说 认同 证实 否认 "
    "确认 演讲 发言 致辞 回答 说明 称赞 点评 评论 指出 答道 举例 援引 称之为 领衔 牵头 负责 "
    "主导 挂帅 出任 担任 兼任 加入 离开 创业 毕业"
)
"""Words that follow a person's name: speech verbs and what follows a subject."""
SPEECH = words(
    "表示 认为 指出 介绍 透露 坦言 强调 提到 告诉 解释 回应 预计 直言 宣布 回忆 感叹 坦承 "
    "承认 补充 谈到 谈及 提出 呼吁 说道 笑称 写道 答道 证实 否认 确认 评价 点评 称赞 自称 说"
)
"""Verbs that make the name before them a person with no title."""
_FOLLOWER_CHARS = frozenset(
    "说称在对也则曾就将还又已于向与及等的是所从把被让给由并但却便都指道和兼任"
)
"""One-character words that follow a name; none often ends one (正 and 为 do: 王正, 王有为)."""
_ADVERBS = frozenset("曾也还则就又更便亦都")
_LEFT = frozenset("的和与及由据对向被让给是了在将把从同跟请邀叫即如像等为经")
"""Particles a name may follow directly (…退休两年的王慧文, 据张凡透露)."""
_HONORIFICS = (*"某总董哥姐妈爸叔伯爷姨婆", "先生", "女士", "小姐", "老师", "师傅", "同学")
"""王先生, 王总 ("boss Wang"), 吴妈 (a nickname): no name to announce."""
_INSTITUTION_ENDS = tuple("院所局厅署委办馆厂店")
"""jieba tags 达摩院 (Alibaba's DAMO Academy) a person; no name ends so."""
_CJK = re.compile("[\u4e00-\u9fff]")
_TITLE = re.compile(
    "(?:"
    + "|".join(sorted((re.escape(t) for t in TITLES), key=len, reverse=True))
    + r")(?:[^\S\n]*[：:])?[^\S\n]*"
)
_PAREN = re.compile(
    r"[（(](?:[^（）()\n]{0,24}?(?:" + "|".join(re.escape(t) for t in TITLES) + r")|化名)[）)]"
)
"""王慧文（美团联合创始人）, and 孙丹（化名）: a pseudonym is a person's."""
_DOT = re.compile("[·•‧・]")
_DOTTED = re.compile("[\u4e00-\u9fff]{1,5}[·•‧・][\u4e00-\u9fff]{1,7}")
_BYLINE = re.compile(r"(?:文|采访|撰文|作者|记者|编辑|摄影|责编|编译|整理)[^\S\n]*[丨|｜][^\S\n]*")
"""A byline with a vertical bar, the Chinese press's: 采访丨程曼祺 时娴 祝颖丽."""
_BYLINE_GAP = re.compile(r"[^\S\n]*[、，,]?[^\S\n]*")
_LATIN_WORD = r"[A-Z][a-z]+(?:[A-Z][a-z]+)?"
_LATIN_NAME = re.compile(rf"{_LATIN_WORD}(?:[^\S\n]+{_LATIN_WORD}){{1,2}}(?![A-Za-z0-9.-])")
"""A name in Latin script after a Chinese title: 前OpenAI首席科学家Ilya Sutskever."""

Token = tuple[str, str, int]


def titled_people(
    text: str,
    tokens: list[Token],
    tags: Mapping[str, str],
    rules: Rules,
    usable: Callable[[str], bool],
) -> list[Found]:
    """People in one paragraph (its ``tokens``: jieba's word, tag, offset in ``text``)."""
    if not tokens:
        return []
    starts = [t[2] for t in tokens]
    flags = {t[2]: t[1] for t in tokens}
    first, last = tokens[0][2], tokens[-1][2] + len(tokens[-1][0])

    def token_at(pos: int) -> Token | None:
        i = bisect.bisect_left(starts, pos)
        return tokens[i] if i < len(tokens) and starts[i] == pos else None

    def acceptable(name: str, start: int) -> bool:
        if start not in starts:  # a name starts a word; jieba may glue its end to what
            return False  # follows (周 + 明说, 姚 + 星等), which the boundary rules judge
        surname = 2 if name[:2] in rules.zh_compound_surnames else 1
        given = name[surname:]
        token = token_at(start)
        alone = token is not None and token[0] == name
        function_word = token is not None and len(token[0]) == 1 and token[1][0] in "pcdu"
        return (
            usable(_DOT.sub("", name))
            and name not in TITLES
            and person_like(name)
            and not _starts_follower(given)
            and not any(text.startswith(t, start + surname) for t in TITLES)  # 和首席科学家
            and not function_word  # 警官向南都记者介绍: 向 is "to", no family name here
            and not (name in tags and not tags[name].startswith("nr"))
            and not (len(name) == 3 and not tags.get(name[:2], "nr").startswith("nr"))  # 文章中
            and not (alone and token is not None and not token[1].startswith("nr"))
        )

    found: list[Found] = []
    for title in _TITLE.finditer(text, first, last):
        latin = _LATIN_NAME.match(text, title.end(), last)
        if latin and not rules.not_name_words & set(latin.group().split()):
            found.append(Found(latin.start(), latin.end(), latin.group(), "person", False))
            continue
        pos = title.end()
        name = _name_after(text, pos, last, rules, flags)
        token = token_at(pos)
        if not name and token and token[1].startswith("nr") and 2 <= len(token[0]) <= 4:
            name = token[0]  # a name jieba knows, without a common family name: 总理菲利普
        if not name and pos < last and text[pos] in "为是":  # 负责人为陈家泽
            name = _name_after(text, pos + 1, last, rules, flags)
            if name and tags.get(name[-2:], "n")[0] in "vadpcu":
                name = None  # 负责人为何没有: 没有 ("not have") is no given name
            pos += 1
        if name and acceptable(name, pos):
            found.append(Found(pos, pos + len(name), name, "person", False))
            found += _listed(text, pos + len(name), last, rules, flags, acceptable)
    for byline in _BYLINE.finditer(text, first, last):
        pos = byline.end()
        while pos < last and (name := _name_after(text, pos, last, rules, flags)):
            if acceptable(name, pos):
                found.append(Found(pos, pos + len(name), name, "person", False))
            gap = _BYLINE_GAP.match(text, pos + len(name))
            if gap is None or gap.end() == pos + len(name):
                break
            pos = gap.end()
    for paren in _PAREN.finditer(text, first, last):
        pseudonym = "化名" in paren.group()  # 小冬（化名）: a pseudonym needs no family name
        name = _name_before(text, paren.start(), set(starts), rules, pseudonym)
        if name and acceptable(name, paren.start() - len(name)):
            start = paren.start() - len(name)
            found.append(Found(start, paren.start(), name, "person", False))
    for _, _, start in tokens:
        if start != first and text[start - 1] not in _LEFT and _CJK.match(text[start - 1]):
            continue
        name = _name_before_speech(text, start, last, rules)
        if name and acceptable(name, start):
            found.append(Found(start, start + len(name), name, "person", False))
    return found


def _listed(
    text: str,
    pos: int,
    stop: int,
    rules: Rules,
    flags: Mapping[int, str],
    acceptable: Callable[[str, int], bool],
) -> list[Found]:
    """Names listed after a titled one: 技术合伙人袁进辉、曹越."""
    found = []
    while pos < stop and text[pos] == "、":
        name = _name_after(text, pos + 1, stop, rules, flags)
        if not name or not acceptable(name, pos + 1):
            break
        found.append(Found(pos + 1, pos + 1 + len(name), name, "person", False))
        pos += 1 + len(name)
    return found


def person_like(name: str) -> bool:
    """Not a form of address (王先生, 王总, 陈校长, 冯警官), not an institution (达摩院), not a
    name with the adverb after it glued on."""
    return (
        not name.endswith(_HONORIFICS)
        and not name.endswith(_INSTITUTION_ENDS)
        and not any(name.endswith(t) for t in TITLES)
        and not (len(name) == 3 and name[-1] in _ADVERBS)  # jieba's 王兴曾 of 王兴曾提出
    )


def _starts_follower(text: str) -> bool:
    return bool(text) and (text[0] in _FOLLOWER_CHARS or any(text.startswith(w) for w in FOLLOWERS))


def _follows_word(text: str, pos: int) -> bool:
    return any(text.startswith(w, pos) for w in FOLLOWERS)


def _boundary(text: str, pos: int, stop: int, flags: Mapping[int, str]) -> int:
    """How surely a name may end before ``pos``: 3 before punctuation, Latin, the end, a
    word that follows a subject or a title (刘彦随研究员); 2 before a one-character follower
    (王小川在); 1 before a word jieba tags a verb, preposition, adverb, conjunction or
    particle (周鸿祎发出); 0 inside a word."""
    if pos >= stop or not _CJK.match(text[pos]):
        return 3
    if _follows_word(text, pos) or any(text.startswith(t, pos) for t in TITLES):
        return 3
    if text[pos] in _FOLLOWER_CHARS:
        return 2
    return 1 if flags.get(pos, "n")[0] in "vpdcu" else 0


def _lengths(text: str, pos: int, rules: Rules) -> tuple[int, int] | None:
    """The short and long length of a name starting at ``pos``, by its family name."""
    if text[pos : pos + 2] in rules.zh_compound_surnames:
        return 3, 4
    if text[pos : pos + 1] in rules.zh_surnames:
        return 2, 3
    return None


def _name_after(
    text: str, pos: int, stop: int, rules: Rules, flags: Mapping[int, str]
) -> str | None:
    """The name right after a title, if one starts there.

    Of the two lengths a family name allows, the longer wins when it ends surely (周靖人表示)
    or more surely than the shorter (王小川在: 王小 ends inside 小川); the shorter wins a tie
    (张勇忙着) and whenever the longer ends in a follower (李明说，, 王兴曾提出)."""
    dotted = _DOTTED.match(text, pos, stop)
    if dotted:  # the shortest that ends: 埃里克•施密特 of 埃里克•施密特的这句话
        dot = pos + len(_DOT.split(dotted.group(), maxsplit=1)[0]) + 1
        for end in range(dot + 1, dotted.end() + 1):
            if _boundary(text, end, stop, flags) >= 1:
                return text[pos:end]
        return None
    lengths = _lengths(text, pos, rules) if pos < stop else None
    if lengths is None:
        return None
    short, long = lengths

    def strength(n: int) -> int:
        fits = pos + n <= stop and all(_CJK.match(c) for c in text[pos : pos + n])
        return _boundary(text, pos + n, stop, flags) if fits else 0

    long_end, short_end = strength(long), strength(short)
    if long_end and text[pos + long - 1] in _FOLLOWER_CHARS | _ADVERBS and short_end:
        return text[pos : pos + short]
    if long_end > short_end:
        return text[pos : pos + long]
    return text[pos : pos + short] if short_end else None


def _name_before(
    text: str, end: int, starts: set[int], rules: Rules, pseudonym: bool = False
) -> str | None:
    """The name right before a parenthesis naming a title: 王慧文（美团联合创始人）.

    It starts a word in jieba's cut; of the lengths its family name allows, the shortest
    that does wins (和李良 is 和 + 李良). A pseudonym needs no family name (7岁小花, 和小冬),
    but one three characters long must start with one."""
    for n in (3, 2) if pseudonym else (2, 3, 4):
        begin = end - n
        if begin not in starts or not all(_CJK.match(c) for c in text[begin:end]):
            continue
        lengths = _lengths(text, begin, rules)
        if pseudonym:
            if n == 3 and (lengths is None or text[begin] in _LEFT):
                continue
        elif lengths is None or n not in lengths:
            continue
        return text[begin:end]
    return None


def _name_before_speech(text: str, pos: int, stop: int, rules: Rules) -> str | None:
    """A name starting at ``pos`` and followed (after at most one adverb) by a speech verb."""
    lengths = _lengths(text, pos, rules)
    if lengths is None:
        return None
    short, long = lengths
    fitting = [
        n
        for n in (long, short)
        if all(_CJK.match(c) for c in text[pos : pos + n]) and _speech_after(text, pos + n, stop)
    ]
    if len(fitting) == 2 and text[pos + short] in _ADVERBS | _FOLLOWER_CHARS:
        return text[pos : pos + short]  # 张凡也坦言: 张凡, then 也
    return text[pos : pos + fitting[0]] if fitting else None


def _speech_after(text: str, end: int, stop: int) -> bool:
    """A speech verb at ``end``, after at most one adverb (曾说道)."""
    if end >= stop:
        return False
    verb = end + 1 if text[end] in _ADVERBS else end
    speech = next((w for w in SPEECH if text.startswith(w, verb)), None)
    if speech == "说":  # alone too common after a noun (王室说法); 说：, 说道 and 说， are speech
        return bool(re.match(r"说(?:道|过|[：:，,“\"])", text[verb : verb + 2]))
    return speech is not None
