"""Shared test parts: the fixture site on 127.0.0.1, config files, and the CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.demo import DEMO_SITE
from crawler.site_server import SiteServer

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent


@pytest.fixture
def site() -> Iterator[SiteServer]:
    """The demo news site, served fresh for each test so tests can edit pages."""
    server = SiteServer(DEMO_SITE).start()
    yield server
    server.stop()


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class Labscope:
    """Runs the real `labscope` CLI in a child process, as a user would."""

    config: Path
    db: Path

    def __call__(self, *args: str, timeout: float = 120) -> Result:
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        env.pop("LABSCOPE_CONFIG", None)
        env.pop("LABSCOPE_DB", None)
        proc = subprocess.run(
            [sys.executable, "-m", "cli", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.config.parent,
            env=env,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def write_config(self, sources: str, crawl: str = "delay = 0\ntimeout = 5") -> None:
        self.config.write_text(
            f'[storage]\nurl = "sqlite:///{self.db.name}"\n\n[crawl]\n{crawl}\n\n{sources}',
            encoding="utf-8",
        )


@pytest.fixture
def labscope(tmp_path: Path) -> Labscope:
    return Labscope(tmp_path / "config.toml", tmp_path / "labscope.db")


def source(name: str, kind: str, url: str, follow: str | None = None) -> str:
    """A [[sources]] table as TOML text."""
    text = f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\n'
    if follow:
        text += f"follow = '{follow}'\n"
    return text + "\n"
