"""How every `--json` output and the API write JSON: dataclasses as objects, times in ISO 8601,
Chinese left readable. Its own module, beside none of the things written, so that printing a
list imports nothing but the standard library."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any


def dumps(value: Any, indent: int | None = 2) -> str:
    """`value` as JSON the way every `--json` output and the API write it: dataclasses as
    objects, times in ISO 8601, Chinese left readable."""
    return json.dumps(value, ensure_ascii=False, indent=indent, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")
