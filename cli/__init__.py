"""labscope's command line: parse options, call one library function, format the answer.

`main` is the entry point (the `labscope` script, `python -m cli`); importing the command
modules here registers their commands on the `cli` group.
"""

from cli import archive, crawl, preview, schedule, serve, setup, status, stories, worker
from cli.group import cli, main

__all__ = [
    "archive",
    "cli",
    "crawl",
    "main",
    "preview",
    "schedule",
    "serve",
    "setup",
    "status",
    "stories",
    "worker",
]
