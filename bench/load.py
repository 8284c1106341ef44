"""The load generator: N concurrent asyncio clients, each doing one unit of work after another.

The same runner drives the service over HTTP and the raw driver calls that are its limit, so
both are measured alike. HTTP goes through aiohttp: measured here against GET
/api/v1/units/{code}, httpx spent 1.6 ms of CPU per request and could not ask for more than
about 600 a second, while aiohttp spends 0.12 ms (4,500 a second from 16 clients); on a 2-core
machine every cycle the generator burns is taken from the service.

Every run stops by itself: after `count` units or once `seconds` have passed (no new unit
starts then; those under way finish, so what they changed can still be checked).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.credentials import BENCH_HEADERS


class Exhausted(Exception):
    """Raised by a unit of work that has nothing left to do: its client stops, nothing counted."""


@dataclass
class Load:
    concurrency: int
    done: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # CPU time of this process (the generator, or the driver for raw runs) over wall time.
    own_cpu_share: float = 0.0

    @property
    def rate(self) -> float:
        return self.done / self.wall if self.wall else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.latencies, p)

    def error_summary(self) -> str:
        if not self.errors:
            return ""
        return f"{len(self.errors)} failed (first: {self.errors[0][:160]})"


async def run(
    work: Callable[[int], Awaitable[object]],
    *,
    concurrency: int,
    count: int,
    seconds: float,
) -> Load:
    """Call `work(i)` for i = 0, 1, … from `concurrency` clients at once; a unit that raises
    counts as an error, not as done."""
    load = Load(concurrency)
    next_index = 0
    deadline = time.monotonic() + seconds

    async def client() -> None:
        nonlocal next_index
        while next_index < count and time.monotonic() < deadline:
            index, next_index = next_index, next_index + 1
            started = time.perf_counter()
            try:
                await work(index)
            except Exhausted:
                return
            except Exception as exc:  # noqa: BLE001 - counted and shown, the run goes on
                load.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            load.latencies.append(time.perf_counter() - started)
            load.done += 1

    cpu, wall = time.process_time(), time.monotonic()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    load.wall = time.monotonic() - wall
    load.own_cpu_share = (time.process_time() - cpu) / max(load.wall, 1e-9)
    return load


def http_client(base: str, concurrency: int) -> aiohttp.ClientSession:
    """One keep-alive connection per client; no proxy from the environment."""
    return aiohttp.ClientSession(
        base,
        connector=aiohttp.TCPConnector(limit=concurrency),
        timeout=aiohttp.ClientTimeout(total=300),
        headers=BENCH_HEADERS,
    )


async def call(
    http: aiohttp.ClientSession, method: str, path: str, status: int, **request: Any
) -> Any:
    """One request; its JSON answer, or an error unless it answered `status`."""
    async with http.request(method, path, **request) as response:
        body = await response.read()
    check(response, status, body)
    return json.loads(body) if body else None


def check(response: aiohttp.ClientResponse, status: int, body: bytes = b"") -> None:
    if response.status != status:
        raise RuntimeError(
            f"{response.method} {response.url.path} answered {response.status}: "
            f"{body[:200].decode('utf-8', 'replace')}"
        )


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
