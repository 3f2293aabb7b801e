"""Helper processes that end with the process they serve.

A SIGKILL (the OOM killer's signal) gives its victim no chance to stop its children, and a
spawned extraction worker never notices on its own: it waits on a queue whose write end it holds
itself. Left alone, the workers of a killed crawl lived on for minutes, holding the crawl's pipes
(whoever waited for the crawl's output waited for them too).

On Linux the kernel sends the worker a signal the moment its parent goes (`PR_SET_PDEATHSIG`);
elsewhere, and as a fallback, a thread notices the parent is gone (the worker is re-parented, so
`getppid()` changes) within a second.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCH_EVERY = 1.0  # seconds between the fallback thread's looks at the parent


def parent_gone(parent: int) -> bool:
    """True once the process `parent` no longer is this process's parent (it ended)."""
    return os.getppid() != parent


def exit_with_parent(parent: int) -> None:
    """End this process (at once, no cleanup: it holds nothing to save) when `parent` ends.

    `PR_SET_PDEATHSIG` fires when the *thread* that started this process ends: callers start
    their helpers from a thread that lives as long as the parent (the crawl's reactor thread).
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died before prctl took effect: then no signal will come.
    watch_parent(parent, lambda: os._exit(1))


def watch_parent(parent: int, gone: Callable[[], None]) -> None:
    """Call `gone` (in a daemon thread) once the process `parent` has ended."""

    def watch() -> None:
        while not parent_gone(parent):
            time.sleep(WATCH_EVERY)
        gone()

    if parent_gone(parent):
        gone()
        return
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
