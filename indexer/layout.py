"""Embedded index directory layout: DATA_DIR/index/<name>-<timestamp>/ plus a CURRENT pointer.

Why a pointer file: a rebuild writes a complete fresh directory and then flips CURRENT with
os.replace, which is atomic, so every process (API workers, the CLI) switches from one complete
index to the next and search never sees a half-built one. Only one process may write a tantivy
directory, so the outbox worker runs only in the process holding ``writer.lock``.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

CURRENT = "CURRENT"
WRITER_LOCK = "writer.lock"
LAYOUT_LOCK = "layout.lock"
ANALYZER_FILE = "ANALYZER"


def current_dir(root: Path) -> Path | None:
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path = root / name
    return path if name and path.is_dir() else None


def new_dir(root: Path, name: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = root / f"{name}-{stamp}"
    path.mkdir()
    return path


def switch(root: Path, target: Path) -> None:
    temporary = root / f".{CURRENT}.{os.getpid()}.tmp"
    temporary.write_text(target.name, encoding="utf-8")
    temporary.replace(root / CURRENT)


def write_analyzer_version(path: Path, tokenization_version: str) -> None:
    (path / ANALYZER_FILE).write_text(tokenization_version, encoding="utf-8")


def read_analyzer_version(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return (path / ANALYZER_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def try_writer_lock(root: Path) -> IO[bytes] | None:
    """The open lock file when this process may write the embedded index, else None."""
    root.mkdir(parents=True, exist_ok=True)
    handle = open(root / WRITER_LOCK, "ab")  # noqa: SIM115 - held for the process lifetime
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def release_lock(handle: IO[bytes] | None) -> None:
    if handle is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


class LayoutLock:
    """Serialises creating the first index and switching CURRENT between processes."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self._path = root / LAYOUT_LOCK
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> LayoutLock:
        self._handle = open(self._path, "ab")  # noqa: SIM115
        fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        release_lock(self._handle)


def remove_old(root: Path, name: str, keep_seconds: float = 30.0) -> list[Path]:
    """Delete superseded index directories (not CURRENT, older than ``keep_seconds``): readers
    in other processes have had time to switch, and open mmaps survive the unlink anyway."""
    keep = current_dir(root)
    removed = []
    for path in root.glob(f"{name}-*"):
        if path.is_dir() and path != keep and time.time() - path.stat().st_mtime > keep_seconds:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
