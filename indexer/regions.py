"""Region names → paths for the search filter, from the store's Region tree, cached per process.

Why cached: the search path must not query the database; the tree changes rarely, so it is
re-read at most once a minute.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from records.models import Region

log = logging.getLogger(__name__)
TTL_SECONDS = 60.0
_lock = threading.Lock()
_cache: dict[int, tuple[float, dict[str, str]]] = {}


def region_paths(db: Engine) -> dict[str, str]:
    """name → 'province/city/…' (also path → path, so callers may pass either)."""
    key = id(db)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached and now - cached[0] < TTL_SECONDS:
        return cached[1]
    paths: dict[str, str] = {}
    with _lock:
        try:
            with Session(db) as session:
                for region in session.exec(select(Region)):
                    paths.setdefault(region.name, region.path)
                    paths[region.path] = region.path
        except SQLAlchemyError:
            # Search must not fail with the store: the engine resolves names from its own index.
            log.warning("region tree unavailable; resolving region names from the index")
        _cache[key] = (now, paths)
    return paths


def resolve(db: Engine, region: str) -> str | None:
    return region_paths(db).get(region)


def forget(db: Engine) -> None:
    _cache.pop(id(db), None)
