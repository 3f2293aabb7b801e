"""labscope's command line: parse options, call one library function, format the answer.

`main` is the entry point (the `labscope` script, `python -m cli`). Each command lives in a
module of this package, imported only when it runs (cli.group.COMMANDS says which).
"""

from cli.group import cli, main

__all__ = ["cli", "main"]
