"""Time search and the article list on a large archive, against the targets of the issue.

    python -m bench.query_speed [--db URL] [--articles N] [--seed 7] [--keep]

Without --db it first builds a fresh archive (bench.archive, default 100,000 articles and
300,000 versions) in a temporary folder, removed afterwards unless --keep; with --db it reuses
one. Then, per kind of query, it runs a few untimed warm-up queries and times at least 50 real
ones, each call in a fresh session as the CLI makes it, wall time in this process:

- ``search`` over the latest versions: target median < 50 ms, p95 < 200 ms;
- ``search --all-versions``: target median < 200 ms;
- ``articles --entity X --since D`` (list_articles, 20 rows): target median < 50 ms.

The queries are what people type, drawn deterministically (``--seed``): English words and
phrases of the coverage, entity names (famous and obscure), prefixes (``Qwe*``), boolean
queries (``DeepSeek AND NOT OpenAI``) and Chinese words (月之暗面, 深度求索, 大模型). It prints
median, p95, min and max per kind with PASS or FAIL, the slowest queries, and writes the
figures to bench/results/query_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench import paths
from bench.archive.build import build_archive, describe
from storage.db import Database, open_database
from storage.filters import Filters
from storage.models import Article, Entity, Mention, Version
from storage.queries import list_articles
from storage.search import search
from storage.search_query import parse, to_fts

RESULTS = paths.RESULTS / "query_speed.json"
WARM_UP = 5
QUERIES = 60

ENGLISH = [
    "reasoning", "benchmark", "open-weight", "export controls", "price war", "funding round",
    "reinforcement learning", "inference costs", "long context", "mixture-of-experts",
    "hallucinations", "chips", "licence", "talent", "valuation", "regulators", "video generation",
    '"reasoning model"', '"price war"', '"open-weight models"', '"technical report"',
    "agents", "enterprise customers", "Lunar New Year", "attention", "trillion tokens",
]  # fmt: skip
ENTITIES = [
    "DeepSeek", "Qwen", "Alibaba", "Moonshot AI", "Kimi", "ByteDance", "Doubao", "Zhipu",
    "MiniMax", "Baidu", "ERNIE", "Tencent", "Hunyuan", "StepFun", "Baichuan", "iFlytek",
    "SenseTime", "Kling", "Liang Wenfeng", "Yang Zhilin", "Kai-Fu Lee", "Nvidia", "OpenAI",
    "DeepSeek-R1", "Qwen2.5-Max", "Hangzhou", "Tsinghua University", "Huawei",
]  # fmt: skip
PREFIXES = ["Qwe*", "Deep*", "Kim*", "reason*", "bench*", "GLM*", "Hun*", "Moon*", "chip*"]
BOOLEAN = [
    "DeepSeek AND NOT OpenAI", "Qwen OR Kimi", "(DeepSeek OR Qwen) AND price",
    "Baidu AND ERNIE", "MiniMax NOT Hailuo", "Nvidia AND export", "Zhipu OR GLM",
    "reasoning AND NOT DeepSeek", '"open-weight" AND Alibaba',
]  # fmt: skip
CHINESE = [
    "月之暗面", "深度求索", "大模型", "通义千问", "智谱", "百度", "价格战", "开源", "推理模型",
    "字节跳动", "豆包", "文心一言", "融资", "芯片", "阿里巴巴", "腾讯混元", "梁文锋", "杨植麟",
]  # fmt: skip
SINCE_DAYS = [7, 30, 90, 365]


@dataclass(frozen=True)
class Target:
    median_ms: float
    p95_ms: float | None = None


@dataclass(frozen=True)
class Figures:
    kind: str
    queries: int
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float
    target: Target
    passed: bool
    slowest: list[tuple[str, float]]  # (query, ms), slowest first
    calls: list[tuple[str, float, int | None]]  # every (query, ms, versions it matches)


def searching(db: Database, query: str, all_versions: bool) -> Callable[[], object]:
    """One `search` call as the CLI makes it: a fresh session, 20 results."""

    def call() -> object:
        with db.reading() as session:
            return search(session, query, all_versions=all_versions, limit=20)

    return call


def listing(db: Database, entity: str, since: datetime) -> Callable[[], object]:
    """One `articles --entity E --since D` call as the CLI makes it."""

    def call() -> object:
        with db.reading() as session:
            return list_articles(session, filters=Filters(entity=entity, since=since), limit=20)

    return call


def search_queries(rng: random.Random, count: int) -> list[str]:
    """Different queries in a fixed mix: 30% English words and phrases, 20% entity names,
    15% prefixes, 15% boolean, 20% Chinese."""
    shares = [(ENGLISH, 0.3), (ENTITIES, 0.2), (PREFIXES, 0.15), (BOOLEAN, 0.15), (CHINESE, 0.2)]
    picked: list[str] = []
    for pool, share in shares:
        picked += rng.sample(pool, min(len(pool), round(count * share)))
    rng.shuffle(picked)
    return picked


def list_queries(session: Session, rng: random.Random, count: int) -> list[tuple[str, datetime]]:
    """(entity, since) pairs: entities the archive names, popular and rare, over 7d-365d."""
    named = session.execute(
        select(Entity.name, func.count(Mention.version_id))
        .join(Mention, Mention.entity_id == Entity.id)
        .group_by(Entity.name)
        .order_by(func.count(Mention.version_id).desc(), Entity.name)
    ).all()
    end = session.scalar(select(func.max(Version.fetched_at)))
    assert end is not None, "the archive is empty"
    popular = [name for name, _ in named[:30]]
    rare = [name for name, _ in named[30:]] or popular
    pairs = []
    for n in range(count):
        name = rng.choice(popular if n % 3 else rare)  # two thirds popular, as people search
        pairs.append((name, end - timedelta(days=rng.choice(SINCE_DAYS))))
    return pairs


def timed(calls: list[tuple[str, Callable[[], object]]]) -> list[tuple[str, float]]:
    """Each call's wall time in ms, after WARM_UP untimed calls of the first few."""
    for _, call in calls[:WARM_UP]:
        call()
    times = []
    for label, call in calls:
        start = time.perf_counter()
        call()
        times.append((label, (time.perf_counter() - start) * 1000))
    return times


def figures(
    kind: str,
    times: list[tuple[str, float]],
    target: Target,
    matches: Callable[[str], int | None] = lambda _: None,
) -> Figures:
    ms = [t for _, t in times]
    median = statistics.median(ms)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18]
    passed = median < target.median_ms and (target.p95_ms is None or p95 < target.p95_ms)
    slowest = sorted(times, key=lambda t: t[1], reverse=True)[:3]
    calls = [(query, t, matches(query)) for query, t in times]
    return Figures(kind, len(ms), median, p95, min(ms), max(ms), target, passed, slowest, calls)


def fts_matches(db: Database) -> Callable[[str], int]:
    """How many versions a query matches in the FTS5 index: what a search's cost grows with.

    Reads storage.search's index table directly; a diagnostic, not part of the timings."""

    def count(query: str) -> int:
        with db.reading() as session:
            found = session.scalar(
                text("SELECT count(*) FROM search_index WHERE search_index MATCH :match"),
                {"match": to_fts(parse(query))},
            )
        return int(found or 0)

    return count


def run(db: Database, seed: int) -> list[Figures]:
    rng = random.Random(seed)
    queries = search_queries(rng, QUERIES)

    with db.reading() as session:
        pairs = list_queries(session, rng, QUERIES)
    return [
        figures(
            "search (latest versions)",
            timed([(q, searching(db, q, False)) for q in queries]),
            Target(50, 200),
            fts_matches(db),
        ),
        figures(
            "search --all-versions",
            timed([(q, searching(db, q, True)) for q in queries]),
            Target(200),
            fts_matches(db),
        ),
        figures(
            "articles --entity X --since D",
            timed([(f"{e} since {s:%Y-%m-%d}", listing(db, e, s)) for e, s in pairs]),
            Target(50),
        ),
    ]


def report(results: list[Figures]) -> str:
    lines = [
        f"{'query kind':<32} {'n':>3} {'median':>9} {'p95':>9} {'min':>9} {'max':>9}  target",
    ]
    for f in results:
        goal = f"median < {f.target.median_ms:.0f} ms"
        if f.target.p95_ms is not None:
            goal += f", p95 < {f.target.p95_ms:.0f} ms"
        cells = " ".join(f"{v:>6.1f} ms" for v in (f.median_ms, f.p95_ms, f.min_ms, f.max_ms))
        verdict = "PASS" if f.passed else "FAIL"
        lines.append(f"{f.kind:<32} {f.queries:>3} {cells}  {goal}: {verdict}")
    lines.append("")
    for f in results:
        slow = "; ".join(f"{q} {ms:.0f} ms" for q, ms in f.slowest)
        lines.append(f"slowest {f.kind}: {slow}")
        counted = sorted((m, t) for _, t, m in f.calls if m is not None)
        if counted:
            middle = counted[len(counted) // 2][0]
            lines.append(f"  versions matched: median {middle:,}, most {counted[-1][0]:,}")
    return "\n".join(lines)


def archive_size(db: Database) -> dict[str, Any]:
    with db.reading() as session:
        return {
            "articles": session.scalar(select(func.count()).select_from(Article)),
            "versions": session.scalar(select(func.count()).select_from(Version)),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.query_speed", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--db", help="an archive to reuse (default: build a fresh one)")
    parser.add_argument("--articles", type=int, default=100_000, help="size of a fresh archive")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the fresh archive's file")
    args = parser.parse_args()
    folder = None
    built = None
    url = args.db
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="labscope-bench-"))
        url = f"sqlite:///{folder / 'archive.db'}"
        print(f"building {args.articles:,} articles in {folder} ...")
        built = build_archive(url, articles=args.articles, seed=args.seed)
        print(describe(built))
    db = open_database(url)
    try:
        size = archive_size(db)
        print(f"archive: {size['articles']:,} articles, {size['versions']:,} versions")
        load = [os.getloadavg()[0]]
        results = run(db, args.seed)
        load.append(os.getloadavg()[0])
    finally:
        db.close()
        if folder is not None and not args.keep:
            shutil.rmtree(folder)
    print(report(results))
    # Other work on a 2-core machine slows every figure: say how busy it was.
    print(f"load average (1 min) before and after timing: {load[0]:.2f}, {load[1]:.2f}")
    RESULTS.parent.mkdir(exist_ok=True)
    payload = {
        "db": url if args.db else "fresh archive",
        **size,
        "generated_seconds": None if built is None else built.seconds_rows + built.seconds_index,
        "load_average": load,
        "commit": _commit(),
        "kinds": [asdict(f) for f in results],
    }
    RESULTS.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"figures written to {os.path.relpath(RESULTS)}")


def _commit() -> str | None:
    """The code measured: HEAD, marked when storage/ has changes not committed yet."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "storage"]).returncode
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+uncommitted storage changes" if dirty else "")


if __name__ == "__main__":
    main()
