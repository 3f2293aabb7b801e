"""The crawl process the scheduler starts: one crawl (or recheck) into a run it opened."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from crawler.config import load_config
from crawler.errors import CrawlerError
from crawler.jobs import PAGE_PREFIX
from crawler.pipelines import PAGE_LOG
from crawler.run import run_crawl, run_recheck
from storage.db import open_database
from storage.errors import StorageError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.child")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--trigger", required=True)
    parser.add_argument("--source", action="append", default=[])
    parser.add_argument("--recheck", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="A line per page on stderr.")
    args = parser.parse_args(argv)
    if args.verbose:  # the scheduler relays these lines to its own log (crawler.jobs)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(PAGE_PREFIX + "%(message)s"))
        page_log = logging.getLogger(PAGE_LOG)
        page_log.addHandler(handler)
        page_log.setLevel(logging.INFO)
        page_log.propagate = False
    try:
        config = load_config(args.config)
        db = open_database(args.db)
        if args.recheck:
            run_recheck(config, db, trigger=args.trigger, run_id=args.run_id)
        else:
            run_crawl(config, db, args.source, trigger=args.trigger, run_id=args.run_id)
    except (CrawlerError, StorageError) as exc:
        print(f"labscope: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
