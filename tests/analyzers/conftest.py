"""Analyzer fixtures: the packaged dictionaries (built once), and editable copies for reload tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from analyzers.pipeline import Analyzer
from analyzers.resources import PACKAGED_DIR


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The packaged dictionaries; never polls for edits, so sharing it across tests is safe."""
    return Analyzer(poll_seconds=None)


@pytest.fixture
def dict_dir(tmp_path: Path) -> Path:
    """An admin's editable copy of the packaged data files."""
    target = tmp_path / "dict"
    shutil.copytree(PACKAGED_DIR, target)
    return target


Edit = Callable[[Path, str], None]


def _append(path: Path, lines: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + lines, encoding="utf-8")


@pytest.fixture
def edit() -> Edit:
    """edit(path, lines): append lines to a data file the way an admin's editor would."""
    return _append
