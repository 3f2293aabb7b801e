"""Build a large synthetic labscope archive (bench.archive.build says how and how fast).

python -m bench.archive --db sqlite:///PATH [--articles 100000] [--versions-per-article 3]
                        [--seed 7] [--workers N]
"""

from __future__ import annotations

import argparse

from bench.archive import build
from bench.archive.build import build_archive, describe

DESCRIPTION = (build.__doc__ or "").splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.archive", description=DESCRIPTION)
    parser.add_argument("--db", required=True, help="sqlite:///PATH of a new database file")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--versions-per-article", type=float, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=None, help="default: one per core")
    args = parser.parse_args()
    if args.articles < 1 or args.versions_per_article < 1:
        parser.error("--articles and --versions-per-article must be at least 1")
    built = build_archive(
        args.db,
        articles=args.articles,
        versions_per_article=args.versions_per_article,
        seed=args.seed,
        workers=args.workers,
    )
    print(describe(built))


if __name__ == "__main__":
    main()
