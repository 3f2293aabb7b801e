"""A site that does not answer is a failed run, seen through the CLI (`crawl`, `sources`)."""

from __future__ import annotations

import json
import socket

from conftest import Labscope, source

from crawler.site_server import SiteServer

DEEPSEEK = "/news/2025/deepseek-emerges.html"


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released, by this process)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_site_fails_its_runs_and_turns_failing(labscope: Labscope) -> None:
    labscope.write_config(source("gone", "feed", f"http://127.0.0.1:{unused_port()}/feed.xml"))
    for _ in range(3):
        summary = labscope("crawl", "--json").json()
        assert (summary["failed"], summary["skipped"]) == (1, 0)
        assert "robots.txt unavailable (no answer: connection refused)" in json.dumps(summary)
    row = labscope("sources", "--json").json()[0]
    assert (row["health"], row["last_success"], row["failed_in_a_row"]) == ("failing", None, 3)
    assert row["last_error"].startswith("robots.txt unavailable (no answer: connection refused)")
    table = labscope("sources").stdout
    assert "failing" in table and "refused" in table  # the note wraps in its column


def test_an_unreachable_start_url_without_robots_fails_the_run(labscope: Labscope) -> None:
    """A page source "finds" its one URL before fetching it: found but nothing fetched fails."""
    url = f"http://127.0.0.1:{unused_port()}{DEEPSEEK}"
    labscope.write_config(source("gone", "page", url), "delay = 0\nobey_robots = false")
    summary = labscope("crawl", "--json").json()
    assert (summary["failed"], summary["skipped"]) == (1, 0)
    row = labscope("sources", "--json").json()[0]
    assert (row["health"], row["last_success"]) == ("ok", None)  # one failure is not "failing"
    assert "connection refused" in row["last_error"]


def test_a_site_that_never_answers_fails_and_its_recovery_clears_the_error(
    site: SiteServer, labscope: Labscope
) -> None:
    site.set_page("/robots.txt", b"User-agent: *\nAllow: /\n", "text/plain", delay=3)
    labscope.write_config(source("slow", "page", site.url(DEEPSEEK)), "delay = 0\ntimeout = 1")
    for _ in range(3):
        assert labscope("crawl", "--json").json()["failed"] == 1
    row = labscope("sources", "--json").json()[0]
    assert (row["health"], row["last_success"]) == ("failing", None)
    assert "robots.txt unavailable (no answer: no answer within the timeout)" in row["last_error"]
    site.set_page("/robots.txt", b"User-agent: *\nAllow: /\n", "text/plain")
    assert labscope("crawl", "--json").json()["new_articles"] == 1
    row = labscope("sources", "--json").json()[0]
    assert (row["health"], row["last_error"]) == ("ok", None)
    assert row["last_success"] is not None
