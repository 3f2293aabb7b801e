"""One synthetic article: whom it names, its first text, and each edit after that.

An article is written from a plan (language, length, where it sits in time, the kinds of its
edits) and a seed of its own, so any process can write it and get the same words. The entities
it names are cast once: a focus lab or company, some of its models and people, rivals, Western
comparators, places, and sometimes names the knowledge base does not know. Every sentence slot
is filled from that cast, the first fills going round it so each cast member is named, later
ones favouring the focus, as a story keeps returning to its subject.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from bench.archive.sentences import CHINESE_TWEAKS, ENGLISH_TWEAKS
from bench.archive.text import MON, MONTHS, NUM, SLOT, TOPICS, Name, Template, Vocabulary

TOPIC_NAMES = sorted(TOPICS)
CITIES = ["Beijing", "Shanghai", "Hangzhou", "Shenzhen", "Hong Kong"]
WESTERN = ["OpenAI", "Nvidia", "Anthropic", "Google DeepMind", "Meta", "Microsoft", "Google"]
BYLINE_FIRST = "Sarah James Emily Michael Laura David Anna Tom Grace Kevin Jing Wei Min Hao"
BYLINE_LAST = "Miller Chen Wong Smith Zhang Taylor Lee Brown Liu Huang Ng Zhou Xu Park"
ZH_GIVEN = ["晓雯", "一鸣", "佳琪", "子涵", "海峰"]
BYLINE_ZH = [s + g for s in "王李张刘陈杨黄赵吴周" for g in ZH_GIVEN]


@dataclass(frozen=True)
class ArticlePlan:
    seed: int
    lang: str  # "en" or "zh"
    size: int  # of the first version: words (English) or characters (Chinese)
    when: float  # where its first version sits in the archive's time span, 0 to 1
    edits: tuple[str, ...]  # the kind of each later version: substantive, minor, correction


@dataclass(frozen=True)
class VersionText:
    title: str
    text: str
    mentions: dict[str, tuple[int, str]]  # entity name -> (times named, first sentence)
    added: int = 0
    removed: int = 0
    edited: int = 0
    chars_changed: int = 0


@dataclass(frozen=True)
class ArticleText:
    authors: tuple[str, ...]
    versions: tuple[VersionText, ...]


@dataclass
class _Sentence:
    template: Template
    fills: tuple[Name, ...]
    text: str


def write_article(plan: ArticlePlan, vocab: Vocabulary) -> ArticleText:
    """Every version of one article, deterministic for its plan."""
    return _Writer(plan, vocab).write()


class _Writer:
    def __init__(self, plan: ArticlePlan, vocab: Vocabulary) -> None:
        self.plan, self.vocab, self.lang = plan, vocab, plan.lang
        self.rng = random.Random(plan.seed)
        self.cast: dict[str, list[Name]] = {}
        for name in self._choose_cast():
            self.cast.setdefault(name.kind, []).append(name)
        self.fills: Counter[str] = Counter()
        self.queue: list[Template] = []
        self.topics = {self.rng.choice(TOPIC_NAMES)}
        if self.rng.random() < 0.6:
            self.topics.add(self.rng.choice(TOPIC_NAMES))

    def write(self) -> ArticleText:
        rng = self.rng
        have = {kind: len(names) for kind, names in self.cast.items()}
        titles = [t for t in self.vocab.titles[self.lang] if t.fits(have)]
        title = self._fill(rng.choice(titles))
        body: list[list[_Sentence]] = []
        size = 0
        while size < self.plan.size:
            paragraph = [self._fill(self._next()) for _ in range(rng.randint(1, 4))]
            size += sum(s.template.size for s in paragraph)
            body.append(paragraph)
        for _ in range(10):  # a short story may not have reached its third name yet
            named = {n for s in (title, *(s for p in body for s in p)) for n in s.fills}
            if len(named) >= 3:
                break
            body[-1].append(self._fill(self._naming(named)))
        versions = [self._version(title, body, Counter())]
        for kind in self.plan.edits:
            stats: Counter[str] = Counter()
            if kind == "minor":
                self._reword(body, stats, minor=True)
            elif kind == "correction":
                notices = self.vocab.corrections[self.lang]
                notice = rng.choice([t for t in notices if t.fits(have)])
                body.append([self._fill(notice)])
                stats["added"] += 1
                stats["chars"] += len(body[-1][0].text)
                self._reword(body, stats)
            else:
                for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
                    self._substantive(body, stats)
                if rng.random() < 0.2:
                    title = self._fill(rng.choice(titles))
            versions.append(self._version(title, body, stats))
        return ArticleText(self._authors(), tuple(versions))

    # ------------------------------------------------------------------ who the article names

    def _choose_cast(self) -> list[Name]:
        """3-15 entities, most important first (the list is cut to size from the end)."""
        rng, vocab = self.rng, self.vocab
        focus = rng.choices(vocab.focus, vocab.focus_weights)[0]
        family = [n for n in vocab.by_parent.get(focus.name, []) if self._usable(n)]
        models = [n for n in family if n.kind == "model"]
        new = [n for n in models if not n.known][-3:]  # the newest unknown models are the news
        cast = [focus]
        cast += rng.sample(models, min(len(models), rng.randint(0, 2)))
        cast += rng.sample(new, min(len(new), rng.randint(0, 1)))
        if self._usable(vocab.by_name["China"]) and rng.random() < 0.75:
            cast.append(vocab.by_name["China"])
        if rng.random() < 0.5:
            cast.append(vocab.by_name[rng.choice(CITIES)])
        people = [n for n in family if n.kind == "person"]
        if people and rng.random() < 0.35:
            cast.append(rng.choice(people))
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
            cast.append(rng.choices(vocab.focus, vocab.focus_weights)[0])
        if rng.random() < 0.4:
            western = vocab.by_name[rng.choice(WESTERN)]
            cast.append(western)
            theirs = [n for n in vocab.by_parent.get(western.name, []) if n.kind == "model"]
            if theirs and rng.random() < 0.5:
                cast.append(rng.choice(theirs))
        if rng.random() < 0.35:
            cast.append(self._unknown("person"))
        if rng.random() < 0.15:
            cast.append(self._unknown("company"))
        if rng.random() < 0.15:
            cast.append(rng.choice([n for n in vocab.names if n.type == "institution"]))
        if rng.random() < 0.1:
            cast.append(vocab.by_name["United States"])
        size = min(15, 3 + int(rng.expovariate(1 / 5)))
        unique = [n for n in dict.fromkeys(cast) if self._usable(n)][:size]
        while len(unique) < 3:  # every story names at least three
            rival = rng.choices(vocab.focus, vocab.focus_weights)[0]
            if rival not in unique:
                unique.append(rival)
        return unique

    def _usable(self, name: Name) -> bool:
        """Written in this language, and already in the news by the article's date."""
        spelled = name.en if self.lang == "en" else name.zh
        return bool(spelled) and (name.known or name.since <= self.plan.when)

    def _unknown(self, type_: str) -> Name:
        names = [n for n in self.vocab.names if not n.known and n.type == type_]
        return self.rng.choice([n for n in names if self._usable(n)])

    def _authors(self) -> tuple[str, ...]:
        rng = self.rng
        if rng.random() < 0.3:
            return ()
        if self.lang == "zh":
            return tuple(rng.sample(BYLINE_ZH, rng.randint(1, 2)))
        count = rng.randint(1, 2)
        first, last = BYLINE_FIRST.split(), BYLINE_LAST.split()
        return tuple(f"{rng.choice(first)} {rng.choice(last)}" for _ in range(count))

    # ------------------------------------------------------------------------- writing

    def _naming(self, named: set[Name]) -> Template:
        """A template with a slot of a kind whose cast has someone not named yet."""
        kinds = {n.kind for names in self.cast.values() for n in names if n not in named}
        have = {kind: len(names) for kind, names in self.cast.items()}
        fitting = [
            t
            for t in self.vocab.templates[self.lang]
            if t.fits(have) and any(kind in kinds for kind, _ in t.needs)
        ]
        return self.rng.choice(fitting) if fitting else self._next()

    def _next(self) -> Template:
        """The next body template: each usable one once, in a shuffled order, then again.

        Usable: fillable with the cast, and on the story's topics (or on none); one in ten
        of the others gets in too, as stories wander."""
        if not self.queue:
            rng = self.rng
            templates = self.vocab.templates[self.lang]
            have = frozenset((kind, min(len(names), 4)) for kind, names in self.cast.items())
            for i in self.vocab.pool(self.lang, have):
                template = templates[i]
                on_topic = not template.topics or template.topics & self.topics
                if on_topic or rng.random() < 0.1:
                    self.queue.append(template)
            rng.shuffle(self.queue)
        return self.queue.pop()

    def _fill(self, template: Template, fills: tuple[Name, ...] | None = None) -> _Sentence:
        rng = self.rng
        out: list[str] = []
        used: list[Name] = []
        for part in template.parts:
            tag = part[0]
            if tag == SLOT:
                name = fills[len(used)] if fills else self._pick(part[1:], used)
                used.append(name)
                spellings = name.en if self.lang == "en" else name.zh
                usual = len(spellings) == 1 or rng.random() < 0.9
                spelling = spellings[0] if usual else rng.choice(spellings[1:])
                if out and out[-1][-1:].isascii() and out[-1][-1:].isalnum() and spelling.isascii():
                    out.append(" ")  # two Latin names side by side ("{org}{model}"), as Chinese
                    # text writes them: "DeepSeek DeepSeek-V3", never "DeepSeekDeepSeek-V3"
                out.append(spelling)
            elif tag == NUM:
                out.append(self._number(part[1], part[2:]))
            elif tag == MON:
                month = rng.choice(MONTHS)
                out.append(f"{month} {rng.randint(1, 28)}" if part[1] == "d" else month)
            else:
                out.append(part)
        return _Sentence(template, tuple(used), "".join(out))

    def _pick(self, kind: str, taken: list[Name]) -> Name:
        """Round the cast first, so everyone is named; then mostly the leading one."""
        names = self.cast[kind]
        n = self.fills[kind]
        self.fills[kind] += 1
        start = n % len(names) if n < 2 * len(names) or self.rng.random() < 0.5 else 0
        for i in range(len(names)):
            name = names[(start + i) % len(names)]
            if name not in taken:
                return name
        return names[start]

    def _number(self, code: str, token: str) -> str:
        rng = self.rng
        if code == "m":
            return str(rng.randint(1, 12))
        if code == "d":
            return str(rng.randint(1, 28))
        if code == "y":
            return str(rng.randint(2018, 2026))
        digits = [c if not c.isdigit() else str(rng.randint(0, 9)) for c in token]
        if len(token) > 1 and token[0].isdigit() and token[1].isdigit():
            digits[0] = str(rng.randint(1, 9))
        return "".join(digits)

    def _version(
        self, title: _Sentence, body: list[list[_Sentence]], stats: Counter[str]
    ) -> VersionText:
        joiner = "" if self.lang == "zh" else " "
        text = "\n".join(joiner.join(s.text for s in paragraph) for paragraph in body)
        counts: Counter[str] = Counter()
        contexts: dict[str, str] = {}
        for sentence in (title, *(s for paragraph in body for s in paragraph)):
            for name in sentence.fills:
                counts[name.name] += 1
                contexts.setdefault(name.name, sentence.text)
        return VersionText(
            title=title.text,
            text=text,
            mentions={name: (count, contexts[name]) for name, count in counts.items()},
            added=stats["added"],
            removed=stats["removed"],
            edited=stats["edited"],
            chars_changed=stats["chars"],
        )

    # --------------------------------------------------------------------------- edits

    def _substantive(self, body: list[list[_Sentence]], stats: Counter[str]) -> None:
        """A sentence added (sometimes naming someone new), removed, or reworded."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            if rng.random() < 0.25:  # an update often brings in another company's reaction
                newcomer = rng.choices(self.vocab.focus, self.vocab.focus_weights)[0]
                if newcomer not in self.cast["org"]:
                    self.cast["org"].append(newcomer)
            paragraph = rng.choice(body)
            sentence = self._fill(self._next())
            paragraph.insert(rng.randint(0, len(paragraph)), sentence)
            stats["added"] += 1
            stats["chars"] += len(sentence.text)
        elif roll < 0.65 and sum(map(len, body)) > 4:
            paragraph = rng.choice(body)
            stats["chars"] += len(paragraph.pop(rng.randrange(len(paragraph))).text)
            stats["removed"] += 1
            if not paragraph:
                body.remove(paragraph)
        else:
            self._reword(body, stats)

    def _reword(
        self, body: list[list[_Sentence]], stats: Counter[str], minor: bool = False
    ) -> None:
        """One sentence changed: new figures, or (minor) one word or one digit."""
        rng = self.rng
        paragraph = rng.choice(body)
        i = rng.randrange(len(paragraph))
        old = paragraph[i]
        text = old.text
        has_number = any(p[0] == NUM for p in old.template.parts)
        if minor or not has_number:
            tweaks = ENGLISH_TWEAKS if self.lang == "en" else CHINESE_TWEAKS
            present = [(a, b) for a, b in tweaks if a in text]
            if present:
                a, b = rng.choice(present)
                text = text.replace(a, b, 1)
            elif any(c.isdigit() for c in text):
                where = rng.choice([k for k, c in enumerate(text) if c.isdigit()])
                text = text[:where] + str((int(text[where]) + 1) % 10) + text[where + 1 :]
            else:
                text = text.rstrip("。.") + ("！" if self.lang == "zh" else "!")
            new = _Sentence(old.template, old.fills, text)
        else:
            new = self._fill(old.template, old.fills)
        paragraph[i] = new
        stats["edited"] += 1
        stats["chars"] += sum(a != b for a, b in zip(old.text, new.text, strict=False)) + abs(
            len(old.text) - len(new.text)
        )
