"""Hold requirements.lock to pyproject.toml and to the virtualenv installed from it.

`check` (run by .ci/run inside the virtualenv, after the install) fails with one line when
pyproject.toml asks for a package or version the lock does not pin, or when the environment holds
anything the lock does not say: a stale lock would otherwise install fine and test a set of
packages nobody chose. `changes OLD NEW` (run by .ci/relock) prints what a re-resolution moved.

`pip check` covers neither case: it ignores extras (our test dependencies) and cannot tell a pin
from a version that merely satisfies a range. `changes` uses the standard library only, so it runs
before any virtualenv exists.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
RELOCK = "bash .ci/relock --keep"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def canonical(name: str) -> str:
    """PEP 503 normalisation: `lxml_html_clean`, `lxml-html-clean` and `LXML.html.clean` agree."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, str]:
    return {canonical(name): version for name, version in PIN.findall(lock.read_text("utf-8"))}


def stale_requirement(locked: dict[str, str]) -> str | None:
    """The first requirement of pyproject.toml (runtime, `dev` extra, build) the lock misses."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    declared = [
        *project["project"]["dependencies"],
        *project["project"]["optional-dependencies"]["dev"],
        *project["build-system"]["requires"],
    ]
    for line in declared:
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate({"extra": "dev"}):
            continue
        name = canonical(requirement.name)
        if name not in locked:
            return f"pyproject.toml asks for {line!r}, which the lock does not pin"
        if not requirement.specifier.contains(locked[name], prereleases=True):
            return f"pyproject.toml asks for {line!r}, the lock pins {name}=={locked[name]}"
        for extra in sorted(requirement.extras):
            missing = missing_extra(name, extra, locked)
            if missing:
                return f"pyproject.toml asks for {line!r}, whose {missing} the lock does not pin"
    return None


def missing_extra(name: str, extra: str, locked: dict[str, str]) -> str | None:
    """A requirement that `name[extra]` adds, read from the installed package's metadata."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    for line in requires(name) or []:
        requirement = Requirement(line)
        if requirement.marker is None or not requirement.marker.evaluate({"extra": extra}):
            continue
        if requirement.marker.evaluate({"extra": ""}):
            continue  # not specific to the extra: an ordinary dependency, held by pip's resolver
        if canonical(requirement.name) not in locked:
            return f"{requirement.name!r} (of extra {extra!r})"
    return None


def unlocked_installs(locked: dict[str, str]) -> list[str]:
    """Distributions in this environment that differ from the lock (labscope itself aside)."""
    from importlib.metadata import distributions

    found = []
    for dist in distributions():
        name = canonical(dist.metadata["Name"])
        if name == "labscope":
            continue
        if locked.get(name) != dist.version:
            found.append(f"{name}=={dist.version} (lock: {locked.get(name, 'not pinned')})")
    return sorted(found)


def check() -> int:
    locked = pins(LOCK)
    problem = stale_requirement(locked)
    if problem:
        print(f"requirements.lock is stale: {problem}; re-resolve it with: {RELOCK}")
        return 1
    strays = unlocked_installs(locked)
    if strays:
        print(f"the virtualenv was not installed from requirements.lock: {', '.join(strays)}")
        return 1
    print(f"requirements.lock: {len(locked)} pins, pyproject.toml satisfied, the virtualenv equal")
    return 0


def changes(old: Path, new: Path) -> int:
    before, after = pins(old), pins(new)
    lines = [
        f"  {name} {before.get(name, '(new)')} -> {after.get(name, '(gone)')}"
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    ]
    print(f"requirements.lock: {len(lines) or 'no'} change(s)")
    print("\n".join(lines))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"] and len(argv) == 1:
        return check()
    if argv[:1] == ["changes"] and len(argv) == 3:
        return changes(Path(argv[1]), Path(argv[2]))
    print("usage: python .ci/lock.py check | changes OLD.lock NEW.lock", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
