"""Secrets in the config come from the environment or a file, never from config.toml itself.

A key `password` (or `url`, or a header) is given as `password_env = "NAME"` or
`password_file = "/run/secrets/name"`: config files get shared and committed, secrets must not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.config.toml_checks import Where, local_path, opt, q

MAX_SECRET_BYTES = 64_000  # a secret file larger than this is the wrong file


@dataclass(frozen=True)
class Secret:
    value: str
    origin: str  # where it came from, safe to show: "$NAME" or the file's path


def read_secret(entry: Mapping[str, Any], key: str, where: Where, base_dir: Path) -> Secret | None:
    """The value of `{key}_env` or `{key}_file` in `entry`, or None when neither is set."""
    env, file = opt(entry, f"{key}_env", str, where), opt(entry, f"{key}_file", str, where)
    if env is not None and file is not None:
        raise where.error(f"set {key}_env or {key}_file, not both; remove one", f"{key}_file")
    if env is not None:
        return _from_env(env, f"{key}_env", where)
    if file is None:
        return None
    return Secret(_read_file(file, key, where, base_dir), file)


def env_table(entry: Mapping[str, Any], key: str, where: Where) -> dict[str, Secret]:
    """`{key} = { Name = "ENV_VAR" }`: each value read from the named environment variable."""
    table = entry.get(key, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        fix = f'write {key} = {{ Authorization = "LABSCOPE_WEBHOOK_TOKEN" }}'
        raise where.error(f"{key} must be a table of environment variable names; {fix}", key)
    return {name: _from_env(env, f"{key}.{name}", where, key) for name, env in table.items()}


def _from_env(env: str, label: str, where: Where, key: str | None = None) -> Secret:
    """The variable `env`, or an error naming the setting (`label`) that names it."""
    value = os.environ.get(env)
    if value is None:
        fix = f"export {env}=... before starting labscope"
        raise where.error(f"{label} names {env}, which is not set; {fix}", key or label)
    return Secret(value, f"${env}")


def _read_file(text: str, key: str, where: Where, base_dir: Path) -> str:
    try:
        path = local_path(text)
    except ValueError as exc:
        raise where.error(f"{key}_file {q(text)} {exc}", f"{key}_file") from None
    path = path if path.is_absolute() else base_dir / path
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SECRET_BYTES + 1)
    except OSError as exc:
        problem = f"{key}_file {q(text)} cannot be read ({exc.strerror}); create it or fix the path"
        raise where.error(problem, f"{key}_file") from None
    try:
        value = data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise where.error(f"{key}_file {q(text)} is not UTF-8 text", f"{key}_file") from None
    if len(data) > MAX_SECRET_BYTES or not value or "\n" in value:
        problem = f"{key}_file {q(text)} must hold the secret alone, on one line"
        raise where.error(problem, f"{key}_file")
    return value
