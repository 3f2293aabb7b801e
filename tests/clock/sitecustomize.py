"""Starts the clock of a labscope process (and its workers) at $LABSCOPE_TEST_NOW, ticking on.

Only tests put this folder on PYTHONPATH: it lets them run crawls days apart in seconds.
"""

import os

if os.environ.get("LABSCOPE_TEST_NOW"):
    import time_machine

    time_machine.travel(os.environ["LABSCOPE_TEST_NOW"], tick=True).start()
