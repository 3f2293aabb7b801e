"""Where the benchmarks find the project and put their results, so no module counts parents.

Run them from the project's root (`python -m bench.NAME`): bench/ is not installed, so that is
how Python finds it; the subprocesses they start run there too.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
