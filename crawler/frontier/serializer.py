"""JSON for the requests in the frontier (scrapy-redis's SCHEDULER_SERIALIZER interface).

scrapy-redis pickles requests by default: anyone who can write to the Redis server could then
run code in every worker. A request of ours is plain data (URL, conditional headers, the
discovery hints, the archive's hashes), so JSON carries it; bytes (header names and values, the
body) travel as {"b": base64}.
"""

from __future__ import annotations

import base64
import json
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        # Header names are bytes: JSON keys must be text, so a dict is a list of pairs.
        return {"d": [[_plain(key), _plain(item)] for key, item in value.items()]}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _restore(value: Any) -> Any:
    if isinstance(value, dict):
        if "b" in value:
            return base64.b64decode(value["b"])
        return {_restore(key): _restore(item) for key, item in value["d"]}
    if isinstance(value, list):
        return [_restore(item) for item in value]
    return value


def dumps(obj: dict[str, Any]) -> bytes:
    return json.dumps(_plain(obj), separators=(",", ":")).encode()


def loads(data: bytes | str) -> Any:
    return _restore(json.loads(data))
