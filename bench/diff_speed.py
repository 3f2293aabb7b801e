"""Time sentence splitting and diffing on long articles.

    python -m bench.diff_speed

Builds, deterministically, a ~10,000-word English article (the DeepSeek fixture's sentences with
words varied per copy) and a ~20,000-character Chinese one, then an edited copy of each: 5% of
sentences reworded, 1% removed, 1% added, 1% moved. It times split + diff of the pair (median,
min and max of 5 runs) and prints what the diff found next to what was done, so a wrong count
shows as plainly as a slow run. The "rewrite" row diffs the English article against one with
every sentence replaced: the worst case for the edit pairing, which storage.diffs guards with a
position window and quick-ratio prefilters.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from bench.paths import ROOT
from storage.diffs import TextDiff, diff_sentences
from storage.sentences import split_sentences

FIXTURE = ROOT / "tests" / "fixtures" / "deepseek-china-ai-landscape.txt"
VOCABULARY = ["model", "lab", "chips", "training", "open", "weights", "benchmark", "funding"]
ZH_BASE = [
    "月之暗面是一家总部位于北京的人工智能公司，由杨植麟于二〇二三年创立。",
    "公司推出的智能助手Kimi以支持超长上下文而闻名。",
    "官方称，新模型在数学和代码推理上达到了国际领先水平。",
    "杨植麟表示：“我们希望让每个人都能用上最好的模型。”",
    "业内人士认为，国内大模型竞争正在加剧，价格战已经开始。",
    "阿里巴巴、腾讯和字节跳动都在加大对基础模型的投入。",
    "多家初创公司发布了开源权重，吸引了大量海外开发者。",
    "分析师指出，算力成本仍是行业面临的最大挑战之一。",
]
ZH_CHARS = "模型公司发布北京开源价格算力数据训练推理用户市场投资团队技术产品"
REPEATS = 5


def english_sentences(words: int) -> list[str]:
    lines = [line for line in FIXTURE.read_text("utf-8").splitlines() if line.strip()]
    # Without page chrome and title, and without "Original Source: ..." (no final stop: it would
    # run into the next sentence once paragraphs are regrouped).
    base = [s for s in split_sentences("\n".join(lines[2:-1])) if s[-1] in ".!?”"]
    rng = random.Random(1)
    out: list[str] = []
    while sum(len(s.split()) for s in out) < words:
        for sentence in base:
            tokens = sentence.split(" ")
            for _ in range(2):
                tokens[rng.randrange(1, len(tokens) - 1)] = rng.choice(VOCABULARY)
            out.append(" ".join(tokens))
    return out


def chinese_sentences(chars: int) -> list[str]:
    rng = random.Random(2)
    out: list[str] = []
    while sum(len(s) for s in out) < chars:
        for sentence in ZH_BASE:
            chars_ = list(sentence)
            for _ in range(3):
                chars_[rng.randrange(0, len(chars_) - 2)] = rng.choice(ZH_CHARS)
            out.append("".join(chars_))
    return out


def reword(sentence: str, rng: random.Random) -> str:
    """Change 1-3 words (or characters, for Chinese) in the middle of the sentence."""
    if " " in sentence:
        tokens = sentence.split(" ")
        for _ in range(rng.randint(1, 3)):
            tokens[rng.randrange(1, len(tokens) - 1)] = rng.choice(VOCABULARY) + "s"
        return " ".join(tokens)
    chars = list(sentence)
    for _ in range(rng.randint(1, 3)):
        chars[rng.randrange(0, len(chars) - 2)] = rng.choice(ZH_CHARS)
    return "".join(chars)


def edit(sentences: list[str]) -> tuple[list[str], dict[str, int]]:
    """An edited copy and how many sentences got each kind of change (disjoint sentences)."""
    rng = random.Random(3)
    n = len(sentences)
    counts = {"edited": n * 5 // 100, "removed": n // 100, "added": n // 100, "moved": n // 100}
    chosen = rng.sample(range(n), counts["edited"] + counts["removed"] + counts["moved"])
    edited = set(chosen[: counts["edited"]])
    removed = set(chosen[counts["edited"] : counts["edited"] + counts["removed"]])
    moved = chosen[counts["edited"] + counts["removed"] :]
    new = [
        reword(s, rng) if i in edited else s
        for i, s in enumerate(sentences)
        if i not in removed and i not in moved
    ]
    for i in moved:  # half the article away, so it cannot pass for unchanged
        new.insert(min(len(new), (i + n // 2) % n), sentences[i])
    for k in range(counts["added"]):
        if " " in sentences[0]:
            added = f"Added sentence {k} about {rng.choice(VOCABULARY)} in the news."
        else:
            added = f"新增第{k}句，关于{rng.choice(ZH_CHARS)}的消息。"
        new.insert(rng.randrange(len(new)), added)
    return new, counts


def as_text(sentences: list[str]) -> str:
    """Paragraphs of four sentences; Chinese sentences run on without spaces."""
    joiner = " " if " " in sentences[0] else ""
    return "\n".join(joiner.join(sentences[i : i + 4]) for i in range(0, len(sentences), 4))


def timed(run: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def measure(name: str, old: str, new: str, expected: dict[str, int] | None) -> None:
    old_sentences, new_sentences = split_sentences(old), split_sentences(new)
    split_ms = timed(lambda: (split_sentences(old), split_sentences(new)))
    diff_ms = timed(lambda: diff_sentences(old_sentences, new_sentences))
    total = [s + d for s, d in zip(split_ms, diff_ms, strict=True)]
    diff: TextDiff = diff_sentences(old_sentences, new_sentences)
    found = {kind: len(getattr(diff, kind)) for kind in ("edited", "removed", "added", "moved")}
    size = f"{len(old.split())} words" if " " in old else f"{len(old)} chars"
    print(
        f"{name:<9} {size:>12} {len(old_sentences):>5} "
        f"{statistics.median(split_ms):>8.1f} {statistics.median(diff_ms):>8.1f} "
        f"{statistics.median(total):>8.1f} {min(total):>7.1f} {max(total):>7.1f}  "
        + " ".join(f"{k}={v}" + (f"/{expected[k]}" if expected else "") for k, v in found.items())
    )


def main() -> None:
    # No options: the parser gives `--help` and refuses stray arguments, like the others.
    argparse.ArgumentParser(
        prog="python -m bench.diff_speed", description=(__doc__ or "").splitlines()[0]
    ).parse_args()
    print(f"split + diff of an article and its edited copy; ms over {REPEATS} runs")
    print(
        f"{'article':<9} {'size':>12} {'sents':>5} {'split':>8} {'diff':>8} "
        f"{'median':>8} {'min':>7} {'max':>7}  found/done"
    )
    english = english_sentences(10_000)
    chinese = chinese_sentences(20_000)
    for name, sentences in (("English", english), ("Chinese", chinese)):
        edited, counts = edit(sentences)
        measure(name, as_text(sentences), as_text(edited), counts)
    rewrite = [
        reword(reword(s, random.Random(i)), random.Random(-i)) for i, s in enumerate(english)
    ]
    rewrite = [" ".join(reversed(s.rstrip(".").split(" "))).capitalize() + "." for s in rewrite]
    measure("rewrite", as_text(english), as_text(rewrite), None)


if __name__ == "__main__":
    main()
