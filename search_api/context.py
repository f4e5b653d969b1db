"""Everything expensive the service shares, built once at start-up (never at import time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from records.clock import Clock
from search_api.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    db: Engine
    clock: Clock
    analyzer: Any = None  # analyzers.pipeline.Analyzer
    search: Any = None  # indexer.engine.SearchEngine
    background: list[Any] = field(default_factory=list)  # things with .stop(), stopped at shutdown
