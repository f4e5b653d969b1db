"""Files under DATA_DIR/index that say which tokenization the index and the service use.

Why files: the API has several workers and the CLI is another process; a dictionary edit may
be picked up by any of them (Analyzer.maybe_reload), so "the index needs a rebuild" must be
decided against shared, persisted facts rather than one process's memory:

    DICTIONARY_STATE.json  tokenization/synonyms version last applied by a reload (API or CLI)
    INDEX_ANALYZER.json    tokenization version the current index was built with (the indexer
                           calls ``record_index_build`` after a full rebuild)
    NEEDS_REINDEX          present while the index was built with different tokens than the
                           analyzer now produces; ``hotline reindex`` removes it
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

MARKER = "NEEDS_REINDEX"
STATE = "DICTIONARY_STATE.json"
BUILT = "INDEX_ANALYZER.json"


class _Versioned(Protocol):
    @property
    def version(self) -> str: ...
    @property
    def tokenization_version(self) -> str: ...


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write-then-rename, so a reader in another process never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    temporary.replace(path)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _stamp(analyzer: _Versioned) -> dict[str, Any]:
    return {
        "version": analyzer.version,
        "tokenization_version": analyzer.tokenization_version,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def needs_reindex(index_dir: Path) -> dict[str, Any] | None:
    """The marker's content (versions, reason) when a rebuild is pending, else None."""
    path = index_dir / MARKER
    if not path.exists():
        return None
    return _read_json(path) or {"reason": "unknown"}


def record_index_build(index_dir: Path, analyzer: _Versioned) -> None:
    """Called after a full rebuild with the analyzer that built it: clears the pending marker."""
    _write_json(index_dir / BUILT, _stamp(analyzer))
    (index_dir / MARKER).unlink(missing_ok=True)


def built_tokenization(index_dir: Path) -> str | None:
    data = _read_json(index_dir / BUILT)
    return str(data["tokenization_version"]) if data and "tokenization_version" in data else None


def apply_reload(index_dir: Path, analyzer: _Versioned, tokenization_changed: bool) -> bool:
    """Persist what a reload applied and decide whether the index must be rebuilt.

    Returns True when a rebuild is needed (and leaves the marker in place), i.e. when this reload
    changed tokenization, when another process already applied such a change since the last
    recorded reload, or when the index is known to be built with other tokens.
    """
    previous = _read_json(index_dir / STATE)
    changed = tokenization_changed or (
        previous is not None and previous.get("tokenization_version") != analyzer.tokenization_version
    )
    _write_json(index_dir / STATE, _stamp(analyzer))
    built = built_tokenization(index_dir)
    if built == analyzer.tokenization_version:
        (index_dir / MARKER).unlink(missing_ok=True)  # an edit was reverted: the index fits again
        return False
    if changed or built is not None:
        _write_json(
            index_dir / MARKER, {**_stamp(analyzer), "reason": "dictionary_changed", "built_with": built}
        )
    return needs_reindex(index_dir) is not None
