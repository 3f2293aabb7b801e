"""The README is part of the product: its commands must exist and its first lines must work."""

from __future__ import annotations

import inspect
import re

import click
from conftest import ROOT

from cli import cli
from cli.group import COMMANDS
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
    for name, command in commands().items():
        assert f"`{name}" in README, f"command {name} is missing from the README"
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("--") and option != "--help":
                    assert option in README, f"{name} {option} is missing from the README"


def commands() -> dict[str, click.Command]:
    """Every command, its module imported (the group imports one only when it runs)."""
    context = click.Context(cli)
    found = {name: cli.get_command(context, name) for name in cli.list_commands(context)}
    return {name: command for name, command in found.items() if command is not None}


def test_help_lists_each_command_with_its_own_first_line() -> None:
    """`labscope --help` lists the commands from cli.group.COMMANDS without importing them: the
    line it shows must be the command's docstring's, and every command must be listed."""
    found = commands()
    assert sorted(found) == sorted(COMMANDS) == sorted(cli.commands)
    for name, command in found.items():
        assert command.help is not None
        first = inspect.cleandoc(command.help).split("\n\n")[0].replace("\n", " ")
        assert COMMANDS[name][1] == first, name


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
