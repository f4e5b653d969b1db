"""The machine a figure was measured on (figures mean little without it)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _first(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def describe() -> dict[str, str]:
    mem_kb = _first("/proc/meminfo", "MemTotal").split()[0]
    ram = f"{int(mem_kb) / 1024 / 1024:.1f} GiB" if mem_kb.isdigit() else "?"
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": _first("/proc/cpuinfo", "model name"),
        "ram": ram,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_before": load_average(),
    }


def load_average() -> str:
    """1/5/15-minute load: other work on the same cores skews every figure, so it is printed too."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def rss_mb(pid: int) -> tuple[float, float, float, float]:
    """(VmRSS, VmHWM, RssAnon, RssFile) of a process in MB, read from /proc/<pid>/status.

    Why the split: RssFile is mostly tantivy's memory-mapped index files, page cache that every
    worker maps and shares and the kernel may reclaim; RssAnon is the worker's own memory."""
    keys = ("VmRSS", "VmHWM", "RssAnon", "RssFile")
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in keys:
            values[key] = int(rest.split()[0]) / 1024
    rss, peak, private, mapped = (values.get(key, 0.0) for key in keys)
    return rss, peak, private, mapped


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by ``pids``: cost per request that other load cannot inflate."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in set(pids):  # with one worker, uvicorn serves in the parent: the same pid twice
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (uvicorn's worker processes), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
