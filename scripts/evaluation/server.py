"""Start and stop ``hotline serve`` on 127.0.0.1 for the bench, and find its worker processes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from evaluation import machine

BENCH_SECRET = "bench-only-secret-key-at-least-32-bytes-long"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hotline_command() -> list[str]:
    found = shutil.which("hotline")
    return [found] if found else [sys.executable, "-c", "from search_api.cli import main; main()"]


def environment(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "DATA_DIR": str(data_dir), "SECRET_KEY": BENCH_SECRET, "ENVIRONMENT": "development"}


def hotline(data_dir: Path, *args: str, timeout: float = 3600) -> float:
    """Run one hotline command to completion; returns its wall time in seconds."""
    started = time.perf_counter()
    command = [*hotline_command(), *args]
    subprocess.run(command, env=environment(data_dir), check=True, timeout=timeout, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


class Server:
    def __init__(self, data_dir: Path, workers: int, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [*hotline_command(), "serve", "--port", str(self.port), "--workers", str(workers)]
            + ["--log-level", "warning"],
            env=environment(data_dir),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hotline serve exited with {self.process.returncode}")
            try:
                if httpx.get(self.base + "/api/health", timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError("hotline serve did not answer /api/health")

    def worker_pids(self) -> list[int]:
        """uvicorn's worker processes (spawned children), or the server itself with one worker."""
        if self.workers == 1:
            return [self.process.pid]
        kids = machine.children(self.process.pid)
        return [pid for pid in kids if "resource_tracker" not in machine.cmdline(pid)]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
