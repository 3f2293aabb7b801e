"""Time crawler.entities.find.find_entities on a long English and a long Chinese article.

    python -m bench.entity_speed [--runs 5]

Entity finding runs on every new version of every article, so it must stay cheap next to
fetching and extraction (~25 ms a page). The inputs are built deterministically from the
repository's own texts, so figures are comparable between runs and machines:

- English, ~10,000 words: the DeepSeek fixture and the demo site's English articles, their
  paragraphs repeated in a fixed rotation until the text is long enough;
- Chinese, ~20,000 characters: the demo site's GBK Baidu article (decoded as GB18030) and the
  Chinese paragraphs below, repeated the same way.

It prints the knowledge base's load time (parsing the TOML and building the Aho-Corasick
automaton, uncached), jieba's dictionary load time (once per process), and the median, minimum
and maximum of ``--runs`` timed calls per article, after one untimed warm-up call.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.paths import ROOT
from crawler.entities import zh
from crawler.entities.find import find_entities
from crawler.entities.kb import KnowledgeBase
from crawler.extract import Extraction, extract

NEWS = ROOT / "crawler" / "demo_site" / "news" / "2025"
FIXTURE = ROOT / "tests" / "fixtures" / "deepseek-china-ai-landscape.txt"
KB_FILE = ROOT / "crawler" / "entities" / "data" / "entities.toml"
CHINESE = [
    "总部位于杭州的深度求索发布了新模型。月之暗面创始人杨植麟表示，通义千问是阿里巴巴的重要产品。",
    "北京星河智能科技有限公司的创始人王建国说，他们也在开发大模型。清华大学的张伟教授认为竞争很激烈。",
    "据介绍，合肥一家名为极光数智的创业公司也加入了竞争。该公司首席执行官刘志远指出，价格还会下调。",
    "快手的可灵2.0上线了，华为盘古5.0和讯飞星火4.0 Turbo同日发布，智谱的GLM-4.5随后开源。",
]


def _article(path: Path) -> str:
    raw = path.read_bytes()
    html = raw.decode("gb18030" if ".gbk." in path.name else "utf-8")
    result = extract(html.replace("{{BASE}}", "127.0.0.1:8000"), "http://127.0.0.1:8000/x.html")
    assert isinstance(result, Extraction), result
    return result.text


def _grow(paragraphs: list[str], enough: Callable[[str], bool]) -> str:
    """Paragraphs in a fixed rotation (each pass starts one later) until the text is enough."""
    out: list[str] = []
    shift = 0
    while not enough("\n".join(out)):
        out += paragraphs[shift % len(paragraphs) :] + paragraphs[: shift % len(paragraphs)]
        shift += 1
    return "\n".join(out)


def english() -> str:
    lines = [line for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]
    paragraphs = lines[2:-1]
    for path in sorted(NEWS.glob("*.html")):
        if ".gbk." not in path.name and path.name != "deepseek-emerges.html":
            paragraphs += _article(path).splitlines()
    text = _grow(paragraphs, lambda t: len(t.split()) >= 10_000)
    return " ".join(text.split()[:10_000])


def chinese() -> str:
    paragraphs = _article(NEWS / "baidu-ernie.gbk.html").splitlines() + CHINESE
    return _grow(paragraphs, lambda t: len(t) >= 20_000)[:20_000]


def _timed(call: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.entity_speed", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    text = KB_FILE.read_text(encoding="utf-8")
    kb_load = _timed(lambda: KnowledgeBase.from_toml(text).automaton, runs)
    jieba_load = _timed(zh.load, 1)  # cached after the first call: once per process
    kb = KnowledgeBase.default()
    rows = [("knowledge base load", "", kb_load), ("jieba dictionary load", "", jieba_load)]
    for label, article in (("English article", english()), ("Chinese article", chinese())):
        size = (
            f"{len(article.split()):,} words"
            if label.startswith("E")
            else f"{len(article):,} chars"
        )
        find_entities(article, kb)  # warm-up: regex caches, jieba learning the aliases
        mentions = find_entities(article, kb)
        size += f", {len(mentions)} entities"
        rows.append((label, size, _timed(functools.partial(find_entities, article, kb), runs)))

    print(f"{'what':<24} {'input':<30} {'median':>9} {'min':>9} {'max':>9}")
    for label, size, times in rows:
        median, low, high = (
            f"{t * 1000:.1f} ms" for t in (statistics.median(times), min(times), max(times))
        )
        print(f"{label:<24} {size:<30} {median:>9} {low:>9} {high:>9}")


if __name__ == "__main__":
    main()
