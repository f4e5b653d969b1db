"""Latency with one client, and throughput with many (wrk if installed, else a bounded asyncio loop).

Everything targets 127.0.0.1 and is bounded in count and time; the figures are printed, never
asserted, so a shortfall is reported rather than hidden.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx


@dataclass(frozen=True)
class Latency:
    name: str
    count: int
    errors: int
    p50: float
    p95: float
    p99: float
    mean: float
    server_cpu_ms: float = float("nan")  # server CPU time per request (user + system)
    took_p50: float = float("nan")  # the service's own took_ms, where it reports one


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summarize(name: str, millis: list[float], errors: int) -> Latency:
    mean = statistics.fmean(millis) if millis else float("nan")
    p50, p95, p99 = (percentile(millis, share) for share in (0.5, 0.95, 0.99))
    return Latency(name, len(millis), errors, p50, p95, p99, mean)


CpuClock = Callable[[], float]


Call = Callable[[httpx.Client], httpx.Response]


def sequential(client: httpx.Client, name: str, calls: list[Call], cpu: CpuClock | None = None) -> Latency:
    """One client, one request at a time: client-side wall time per request, in ms."""
    millis, took, errors = [], [], 0
    cpu_start = cpu() if cpu else 0.0
    for call in calls:
        started = time.perf_counter()
        try:
            response = call(client)
            ok = response.status_code == 200
        except httpx.HTTPError:  # a reset connection is an error to count, not a reason to stop
            ok = False
        if ok:
            millis.append((time.perf_counter() - started) * 1000)
            took.append(float(response.json().get("took_ms", "nan")))
        else:
            errors += 1
    result = summarize(name, millis, errors)
    cpu_ms = (cpu() - cpu_start) * 1000 / len(calls) if cpu and calls else float("nan")
    return replace(result, server_cpu_ms=cpu_ms, took_p50=percentile([t for t in took if t == t], 0.5))


@dataclass(frozen=True)
class Throughput:
    tool: str
    clients: int
    seconds: float
    requests: int
    errors: int
    per_second: float
    p50: float
    p90: float
    p99: float
    server_cpu_ms: float = float("nan")


LUA = """
local paths = %s
local i = 0
init = function(args) i = math.random(#paths) end
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def _wrk_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(base: str, paths: list[str], clients: int, seconds: int, threads: int = 2) -> Throughput:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % json.dumps(paths).replace("[", "{").replace("]", "}"))
    try:
        command = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
        command += ["-s", script.name, base]
        out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    finally:
        Path(script.name).unlink()
    lat = {m[0]: _wrk_ms(m[1], m[2]) for m in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return Throughput(
        "wrk",
        clients,
        float(seconds),
        int(total.group(1)) if total else 0,
        errors,
        float(rate.group(1)) if rate else 0.0,
        lat.get("50", float("nan")),
        lat.get("90", float("nan")),
        lat.get("99", float("nan")),
    )


def run_asyncio(base: str, paths: list[str], clients: int, seconds: int) -> Throughput:
    """Fallback when wrk is missing: ``clients`` tasks, each one request at a time, until time is up."""

    async def main() -> tuple[list[float], int, float]:
        millis: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=5) as client:

            async def worker(offset: int) -> None:
                nonlocal errors
                i = offset
                while time.perf_counter() < deadline:
                    i = (i + 1) % len(paths)
                    started = time.perf_counter()
                    try:
                        ok = (await client.get(paths[i])).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    if ok:
                        millis.append((time.perf_counter() - started) * 1000)
                    else:
                        errors += 1

            started = time.perf_counter()
            await asyncio.gather(*(worker(n * 97) for n in range(clients)))
            return millis, errors, time.perf_counter() - started

    millis, errors, elapsed = asyncio.run(main())
    done = len(millis) + errors
    return Throughput(
        "asyncio-httpx",
        clients,
        elapsed,
        done,
        errors,
        len(millis) / elapsed,
        percentile(millis, 0.5),
        percentile(millis, 0.9),
        percentile(millis, 0.99),
    )


def throughput(
    base: str, paths: list[str], clients: int, seconds: int, cpu: CpuClock | None = None
) -> Throughput:
    cpu_start = cpu() if cpu else 0.0
    result = (
        run_wrk(base, paths, clients, seconds)
        if shutil.which("wrk")
        else run_asyncio(base, paths, clients, seconds)
    )
    if cpu and result.requests:
        result = replace(result, server_cpu_ms=(cpu() - cpu_start) * 1000 / result.requests)
    return result
