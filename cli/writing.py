"""Writing a command's output file: every write checked, and the path's kind respected.

A regular file (or a new path) is written through a temporary file beside it and renamed, so a
reader never sees half an export; the temporary file is removed when a write fails. A symlink is
followed to the file it names, so the link survives. A FIFO or a character device (a pipe a reader
waits on, /dev/stdout, /dev/full) is written directly: renaming over it would replace the device
with a regular file. Any other kind (a directory, a socket, a block device) is refused.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click


class OutputError(Exception):
    """The output path cannot be written; the message names the path and the reason."""


class OutputRefused(OutputError):
    """The output path is of a kind we will not write (a user error: exit 2)."""


@contextmanager
def output_errors() -> Iterator[None]:
    """Turn an output failure into click's one line: a refused path exits 2, a failed write 1."""
    try:
        yield
    except OutputRefused as exc:
        raise click.BadParameter(str(exc), param_hint="--output") from None
    except OutputError as exc:
        raise click.ClickException(str(exc)) from None


def write_output(path: Path, chunks: Iterable[str], *, bom: bool = False) -> None:
    """Write `chunks` (UTF-8, a BOM first if asked) to `path`, whole or not at all."""
    target = path.resolve() if path.is_symlink() else path
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    if mode is not None and (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        _write(target, chunks, bom, path)
        return
    if mode is not None and not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file, FIFO or device"
        raise OutputRefused(f"cannot write {path}: it is {kind}; give a file path")
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        _write(temporary, chunks, bom, path)
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write(path: Path, chunks: Iterable[str], bom: bool, shown: Path) -> None:
    """Open, write, flush and close, each step checked: a full disk raises instead of passing.
    A path that cannot be opened (no such folder, no permission) is the user's to fix (exit 2);
    a write that fails once open is a failed write (exit 1)."""
    encoding = "utf-8-sig" if bom else "utf-8"
    try:
        handle = path.open("w", encoding=encoding, newline="")
    except OSError as exc:
        raise OutputRefused(f"cannot write {shown}: {exc.strerror}") from None
    try:
        with handle:
            handle.writelines(chunks)
            handle.flush()
            if path.is_file():
                os.fsync(handle.fileno())
    except OSError as exc:
        raise OutputError(f"cannot write {shown}: {exc.strerror}") from None
