"""The vocabulary of the synthetic archive: sentence templates, and the names that fill them.

Search is only worth benchmarking on text that behaves like the real archive: real English and
Chinese sentences, the knowledge base's names spread unevenly (DeepSeek everywhere, Baichuan
now and then), versions that differ by a sentence or a number. So nothing here is random words:

- Sentences come from the repository's own texts (the DeepSeek fixture, the demo site's English
  articles and its GBK Chinese one) plus ``bench.archive.sentences``. Every entity the real
  extractor (``crawler.entities.find.find_entities``) finds in them becomes a typed slot, and
  every number and date a slot of its own, so an article fills them with its own entities, in its
  own language's spelling (深度求索 in Chinese, DeepSeek in English), and with new figures.
- Each template is tagged with the topics it is about (pricing, chips, ...): a story draws from
  its topics, so a topic's words are in part of the archive, not in every long article.
- Names: every knowledge-base entity with its English and Chinese spellings, plus names the
  knowledge base lacks, as a real archive is full of them (analysts, investors, new models of
  known families that appear one after another over the two years), recorded ``known=False``.

``bench.archive.article`` writes articles from this; the vocabulary depends only on the seed.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from bench.archive import sentences as extra
from bench.paths import ROOT
from crawler.entities.find import find_entities
from crawler.entities.kb import Entity, KnowledgeBase, is_cjk
from crawler.extract import Extraction, extract
from storage.sentences import split_sentences

NEWS = ROOT / "crawler" / "demo_site" / "news" / "2025"
FIXTURES = [
    ROOT / "tests" / "fixtures" / "deepseek-china-ai-landscape.txt",
    ROOT / "tests" / "fixtures" / "edited" / "deepseek-emerges-v2.txt",
]
# A slot is filled by an entity of this kind; labs and companies stand in for each other.
KIND = {
    "lab": "org",
    "company": "org",
    "model": "model",
    "person": "person",
    "place": "place",
    "institution": "institution",
}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
# A month name, with its day if one follows ("January 20"): a date is redrawn whole.
_DATE = re.compile(rf"\b(?:{'|'.join(MONTHS)})(?: \d{{1,2}}\b)?")
_TOKEN = re.compile(f"{_DATE.pattern}|{_NUMBER.pattern}")
SLOT, NUM, MON = "\x00", "\x01", "\x02"
_NOT_BODY = re.compile(r"^(Correction|Update|更正|更新)\W|Source:")  # edits add notices
_GLOSS = re.compile(r"（[A-Za-z][^）]*）")

# What a story is about. A story draws most sentences from its topics, so a topic's words are
# in a fraction of the archive, not in every article that happens to be long.
TOPICS = {
    topic: re.compile(pattern, re.IGNORECASE)
    for topic, pattern in {
        "pricing": r"pric|yuan|cost|cheap|subsidi|\bfree\b|价格|降价|成本|免费",
        "funding": r"fund|valu|invest|raised|round|capital|融资|估值|投资|领投",
        "release": r"releas|launch|unveil|open-sourc|weights|download|introduc|发布|开源|推出|上线",
        "research": r"train|token|parameter|attention|reinforcement|architecture|benchmark|"
        r"reason|context|训练|参数|注意力|评测|推理|上下文|架构",
        "chips": r"chip|Nvidia|Ascend|export|hardware|accelerator|comput|芯片|算力|出口|加速卡",
        "policy": r"government|regulat|rules|register|polic|Entity List|national|规定|备案|政府",
        "talent": r"universit|graduat|talent|researcher|employ|educat|高校|人才|员工|毕业|课程",
        "product": r"users|\bapp|chatbot|assistant|video|consumer|agent|用户|应用|视频|产品|智能体",
        "market": r"shares|revenue|earnings|profit|analyst|股价|收入|财报|盈利|券商|分析",
    }.items()
}
# How often an organisation is the focus of a story: the coverage is uneven.
FOCUS_WEIGHT = {
    "DeepSeek": 30, "Alibaba": 18, "Moonshot AI": 9, "ByteDance": 10, "Zhipu AI": 7,
    "MiniMax": 6, "Baidu": 8, "Tencent": 7, "Huawei": 6, "StepFun": 3, "01.AI": 3,
    "Baichuan": 2, "iFlytek": 2, "SenseTime": 2, "Kuaishou": 3, "Shanghai AI Lab": 1,
    "High-Flyer": 1, "Alibaba Cloud": 4, "Baidu AI Cloud": 1,
}  # fmt: skip
SURNAMES = "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao"
GIVEN = "Wei Fang Min Jing Lei Yang Jun Tao Hao Xin Yu Lin Qiang Ping Hui Yan Ming Bo Chao Kai"
ZH_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
ZH_GIVEN = ["伟", "芳", "敏", "静", "磊", "洋", "军", "涛", "浩", "欣", "宇", "琳", "强", "平",
            "晖", "艳", "明", "博", "超", "凯", "志远", "建国", "晓东", "思源"]  # fmt: skip
ORG_STEMS = ["Jinqiao", "Tianhe", "Xinghai", "Longmen", "Qingyun", "Baiyun", "Haitian", "Zhongke"]
ORG_STEMS_ZH = ["金桥", "天河", "星海", "龙门", "青云", "白云", "海天", "中科"]
ORG_ENDS = [("Capital", "资本"), ("Securities", "证券"), ("Robotics", "机器人"),
            ("Semiconductor", "半导体"), ("Intelligence", "智能")]  # fmt: skip
MODEL_SUFFIXES = ["", "-Max", "-Pro", "-Coder", "-VL", "-Turbo", "-Lite", "-Instruct"]


@dataclass(frozen=True)
class Name:
    """An entity as it will be recorded, and how each language writes it."""

    name: str
    type: str
    known: bool
    en: tuple[str, ...]  # spellings for English text, the usual one first
    zh: tuple[str, ...]
    parent: str | None = None
    since: float = 0.0  # share of the archive's time span before which nobody names it

    @property
    def kind(self) -> str:
        return KIND[self.type]


@dataclass(frozen=True)
class Template:
    """A sentence split into literal text and slots: entity kinds, numbers, month names."""

    parts: tuple[str, ...]
    needs: frozenset[tuple[str, int]]  # (kind, how many different entities of that kind)
    size: int  # words (English) or characters (Chinese), roughly, once filled
    topics: frozenset[str]  # none: a sentence any story may carry

    def fits(self, have: dict[str, int]) -> bool:
        return all(have.get(kind, 0) >= count for kind, count in self.needs)


@dataclass
class Vocabulary:
    """Everything an article is written from, built once per process."""

    templates: dict[str, list[Template]]
    titles: dict[str, list[Template]]
    corrections: dict[str, list[Template]]
    names: list[Name]
    focus: list[Name]
    focus_weights: list[int]
    by_parent: dict[str, list[Name]] = field(default_factory=dict)
    by_name: dict[str, Name] = field(default_factory=dict)
    _pools: dict[tuple[str, frozenset[tuple[str, int]]], list[int]] = field(default_factory=dict)

    def pool(self, lang: str, cast: frozenset[tuple[str, int]]) -> list[int]:
        """The templates an article can fill without naming one entity twice in a sentence.

        `cast` gives how many entities of each kind the article has (counted up to 4)."""
        found = self._pools.get((lang, cast))
        if found is None:
            have = dict(cast)
            templates = self.templates[lang]
            found = [i for i, t in enumerate(templates) if t.fits(have)]
            self._pools[lang, cast] = found
        return found


@cache
def vocabulary(seed: int) -> Vocabulary:
    """Templates from the repository's texts and the extra sentences, names from the KB."""
    kb = KnowledgeBase.default()
    names = [_known(e.name, e.type, e.aliases, e.parent) for e in kb.entities]
    names += _unknown_names(random.Random(seed), kb)
    sentences: dict[str, list[str]] = {"en": list(extra.ENGLISH), "zh": list(extra.CHINESE)}
    for text in _repository_texts():
        for sentence in split_sentences(text):
            lang = "zh" if sum(map(is_cjk, sentence)) > len(sentence) / 4 else "en"
            ended = lang == "zh" or sentence[-1] in '.!?”"’)'  # not a headline or a caption
            long = len(sentence) >= (20 if lang == "zh" else 40)
            if ended and long and not _NOT_BODY.search(sentence):
                # "深度求索（DeepSeek）" names one lab twice: keep one slot, not two to fill.
                sentences[lang].append(_GLOSS.sub("", sentence))
    vocab = Vocabulary(
        templates={lang: _templates(sorted(set(s)), kb, lang) for lang, s in sentences.items()},
        titles={
            "en": _templates(extra.ENGLISH_TITLES, kb, "en"),
            "zh": _templates(extra.CHINESE_TITLES, kb, "zh"),
        },
        corrections={
            "en": _templates(extra.ENGLISH_CORRECTIONS, kb, "en"),
            "zh": _templates(extra.CHINESE_CORRECTIONS, kb, "zh"),
        },
        names=names,
        focus=[n for n in names if n.known and n.kind == "org"],
        focus_weights=[],
    )
    vocab.focus_weights = [FOCUS_WEIGHT.get(n.name, 1) for n in vocab.focus]
    for name in names:
        vocab.by_name[name.name] = name
        if name.parent:
            vocab.by_parent.setdefault(name.parent, []).append(name)
    return vocab


def _repository_texts() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in FIXTURES]
    for path in sorted(NEWS.glob("*.html")):
        html = path.read_bytes().decode("gb18030" if ".gbk." in path.name else "utf-8")
        result = extract(html.replace("{{BASE}}", "127.0.0.1"), "http://127.0.0.1/x.html")
        if isinstance(result, Extraction):
            texts.append(result.text)
    return texts


def _known(name: str, type_: str, aliases: tuple[str, ...], parent: str | None) -> Name:
    latin = tuple(a for a in aliases if not any(map(is_cjk, a)) and len(a) > 3)
    chinese = tuple(a for a in aliases if any(map(is_cjk, a)) and len(a) > 1)
    return Name(name, type_, True, (name, *latin[:2]), (*chinese[:2], name), parent)


def _unknown_names(rng: random.Random, kb: KnowledgeBase) -> list[Name]:
    """Names the knowledge base lacks, as a real archive is full of: analysts, executives,
    investors, and new models of known families that appear one after another over time."""
    people = [f"{s} {g}" for s in SURNAMES.split() for g in GIVEN.split()]
    zh_people = [s + g for s in ZH_SURNAMES for g in ZH_GIVEN]
    out = [Name(p, "person", False, (p,), ()) for p in rng.sample(people, 150)]
    out += [Name(p, "person", False, (), (p,)) for p in rng.sample(zh_people, 150)]
    for stem, stem_zh in zip(ORG_STEMS, ORG_STEMS_ZH, strict=True):
        for end, end_zh in ORG_ENDS:
            name = f"{stem} {end}"
            out.append(Name(name, "company", False, (name,), (stem_zh + end_zh,)))
    by_key: dict[str, tuple[str, Entity]] = {}
    for prefix, entity in sorted(kb.families.items()):  # "DeepSeek" before "Deepseek"
        if prefix[:1].isupper() and len(prefix) > 2 and prefix.isascii() and " " not in prefix:
            by_key.setdefault(prefix.rstrip("-").lower(), (prefix.rstrip("-"), entity))
    families = sorted(by_key.values())
    for n in range(160):
        family, entity = families[rng.randrange(len(families))]
        major = 2 + n * 4 // 160  # versions grow over the two years
        minor = rng.choice(["", ".5", ".1", ".6"])
        model = f"{family}-{major}{minor}{rng.choice(MODEL_SUFFIXES)}".replace("--", "-")
        parent = entity.parent or entity.name
        out.append(Name(model, "model", False, (model,), (model,), parent, since=n / 160))
    return list({n.name: n for n in out}.values())


def _templates(sentences: list[str], kb: KnowledgeBase, lang: str) -> list[Template]:
    """Each sentence with its entities, numbers and months turned into slots."""
    out = []
    for sentence in sentences:
        surfaces: dict[str, str] = {}
        for mention in find_entities(sentence, kb):
            if mention.type not in KIND:
                continue
            written = {mention.surface}
            if mention.known:
                entity = kb.get(mention.name)
                written |= {entity.name, *entity.aliases}
            for surface in written:
                if surface and surface in sentence:
                    surfaces.setdefault(surface, KIND[mention.type])
        pattern = (
            "|".join(
                rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])"
                if not is_cjk(s[0])
                else re.escape(s)
                for s in sorted(surfaces, key=len, reverse=True)
            )
            or "(?!)"
        )
        parts: list[str] = []
        kinds: Counter[str] = Counter()
        position = 0
        for match in re.finditer(pattern, sentence):
            parts += _literal(sentence[position : match.start()])
            kind = surfaces[match.group()]
            parts.append(SLOT + kind)
            kinds[kind] += 1
            position = match.end()
        parts += _literal(sentence[position:])
        size = len(sentence) if lang == "zh" else len(sentence.split())
        needs = frozenset((kind, min(count, 4)) for kind, count in kinds.items())
        topics = frozenset(topic for topic, says in TOPICS.items() if says.search(sentence))
        out.append(Template(tuple(p for p in parts if p), needs, size, topics))
    return out


def _literal(text: str) -> list[str]:
    """Literal text with its numbers and dates as slots of their own.

    A number slot records what the number is, so a new one fits: a Chinese month (before 月)
    or day (before 日), a year, or any other number (redrawn digit by digit, same format)."""
    parts: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        parts.append(text[position : match.start()])
        token = match.group()
        if token[0].isalpha():
            parts.append(MON + ("d" if " " in token else "-"))
        else:
            after = text[match.end() : match.end() + 1]
            year = token.isdigit() and 1990 <= int(token) <= 2035
            code = "m" if after == "月" else "d" if after == "日" else "y" if year else "n"
            parts.append(NUM + code + token)
        position = match.end()
    parts.append(text[position:])
    return parts
