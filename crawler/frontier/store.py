"""The frontier's Redis keys and the few atomic steps on them (Lua scripts on Redis's clock, so
hosts with skewed clocks agree on when a lease ran out or a host may be asked again)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis

from crawler.errors import FrontierUnavailable

PREFIX = "labscope:"
REQUEUED_SCORE = -1_000_000
"""Priority score of a request whose lease ran out: ahead of everything (lower pops first)."""

# KEYS: queue, leases. ARGV: lease in ms. Expired leases go back to the queue, then the first
# request moves from the queue to the leases with its deadline.
_POP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, member in ipairs(expired) do
  redis.call('ZREM', KEYS[2], member)
  redis.call('ZADD', KEYS[1], ARGV[2], member)
end
local top = redis.call('ZPOPMIN', KEYS[1])
if #top == 0 then return false end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), top[1])
return top[1]
"""
# KEYS: leases. ARGV: lease in ms, then the members still held: their deadlines move on.
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
return #ARGV - 1
"""
# KEYS: queue, the source's arrival counter. ARGV: -priority, request. Requests of one priority
# pop in the order they came (a listing's order, newest first), not in the order of their bytes
# (a sorted set breaks ties so: every story of one host, then the next host's).
_PUSH = """
local n = redis.call('INCR', KEYS[2]) % 1000000
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + n / 10000000, ARGV[2])
return n
"""
# KEYS: the host's key. ARGV: delay in ms. 0 when this caller may ask the host now (and the
# next caller must wait the delay), else the ms to wait.
_RESERVE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
local left = redis.call('PTTL', KEYS[1])
if left < 1 then return 1 end
return left
"""


@dataclass(frozen=True)
class SourceKeys:
    """One source's queue, leases and pending fingerprints."""

    requests: str
    leases: str
    dupefilter: str
    arrivals: str


def source_keys(source: str) -> SourceKeys:
    base = f"{PREFIX}{source}:"
    return SourceKeys(base + "requests", base + "leases", base + "dupefilter", base + "arrivals")


def host_key(host: str) -> str:
    return f"{PREFIX}host:{host}"


def connect(url: str) -> redis.Redis:
    """A client for the frontier at `url`, checked to answer; FrontierUnavailable if not."""
    client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise FrontierUnavailable(
            f"[crawl] frontier {url}: Redis does not answer ({exc}); start it, or fix the URL"
        ) from None
    return client


class Steps:
    """The scripts, registered once per client."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._push = client.register_script(_PUSH)
        self._pop = client.register_script(_POP)
        self._renew = client.register_script(_RENEW)
        self._reserve = client.register_script(_RESERVE)

    def push(self, keys: SourceKeys, priority: int, member: bytes) -> None:
        self._push(keys=[keys.requests, keys.arrivals], args=[-priority, member])

    def pop(self, keys: SourceKeys, lease_ms: int) -> bytes | None:
        member: Any = self._pop(keys=[keys.requests, keys.leases], args=[lease_ms, REQUEUED_SCORE])
        return member if isinstance(member, bytes) else None

    def renew(self, keys: SourceKeys, lease_ms: int, members: list[bytes]) -> None:
        if members:
            self._renew(keys=[keys.leases], args=[lease_ms, *members])

    def reserve(self, host: str, delay_ms: int) -> int:
        """0 when `host` may be asked now, else how many ms until it may."""
        return int(self._reserve(keys=[host_key(host)], args=[delay_ms]))
