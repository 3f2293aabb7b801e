"""bench/ is a package a newcomer can find their way in: every benchmark listed, runnable, clean.

Each benchmark runs as `python -m bench.NAME` from the project root and answers `--help` (the
benchmarks themselves are too slow for the suite; CI runs `python -m bench.crawl --check`).
bench/__init__.py lists exactly the runnable modules, and no bench module edits sys.path or
imports a private name of the product.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys

from conftest import ROOT

import bench

BENCH = ROOT / "bench"
PRODUCT = ("cli", "crawler", "storage", "web", "scheduler")


def _module(path_in_bench: str) -> str:
    parts = path_in_bench.removesuffix(".py").split("/")
    return ".".join(["bench", *(parts[:-1] if parts[-1] == "__main__" else parts)])


def runnable() -> set[str]:
    """Modules with an entry point: a package's __main__.py or a module's main guard."""
    found = set()
    for path in BENCH.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "__main__.py" or 'if __name__ == "__main__":' in text:
            found.add(_module(path.relative_to(BENCH).as_posix()))
    return found


def test_the_package_docstring_lists_every_benchmark() -> None:
    listed = set(re.findall(r"^    (bench\.\w+) ", bench.__doc__ or "", re.MULTILINE))
    assert listed == runnable()


def test_every_benchmark_answers_help_as_a_module() -> None:
    for module in sorted(runnable()):
        done = subprocess.run(
            [sys.executable, "-m", module, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{module}: {done.stderr}"
        assert done.stdout.startswith(f"usage: python -m {module} "), done.stdout


def test_no_bench_module_edits_sys_path_or_imports_private_product_names() -> None:
    for path in BENCH.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "path":
                assert not (isinstance(node.value, ast.Name) and node.value.id == "sys"), path
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PRODUCT):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path}: {node.module} {private}"
