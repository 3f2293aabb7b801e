"""The README is part of the product: its commands must exist and its first lines must work."""

from __future__ import annotations

import re

import click
from conftest import ROOT

from cli import cli
from crawler.config import load_config

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_install_and_demo_then_tests() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.DOTALL)
    assert first_block is not None
    lines = first_block.group(1).strip().splitlines()
    assert len(lines) == 2
    assert "pip install -r requirements.lock &&" in lines[0] and lines[0].endswith("labscope demo")
    assert lines[1].endswith("python -m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet -r requirements.lock\n" in ci
    assert "\npython -m pytest\n" in ci


def test_every_command_and_option_is_documented() -> None:
    assert isinstance(cli, click.Group)
    for name, command in cli.commands.items():
        assert f"`{name}" in README, f"command {name} is missing from the README"
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("--") and option != "--help":
                    assert option in README, f"{name} {option} is missing from the README"


def test_shipped_config_is_valid() -> None:
    config = load_config(ROOT / "config.toml")
    names = [source.name for source in config.sources]
    assert "deepseek-news" in names
    assert all(source.url.startswith("https://") for source in config.sources if source.enabled)


def test_every_table_and_column_is_documented() -> None:
    from storage.models import Base

    schema = (ROOT / "docs" / "database.md").read_text(encoding="utf-8")
    for table in Base.metadata.sorted_tables:
        assert f"## {table.name}" in schema, f"table {table.name} is missing from docs/database.md"
        for column in table.columns:
            assert f"| `{column.name}` |" in schema, f"{table.name}.{column.name} is not documented"
