"""Page tests over real HTTP (TestClient) against one demo site per module, at the fixed test clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from demo_site import XSS_TITLE, build_demo_site, publish_entries, xss_entry
from fastapi.testclient import TestClient

from records.clock import FixedClock
from search_api.app import create_app

# Re-exported: page tests import these from conftest (both test folders' conftests offer them, so
# ``from conftest import ...`` works whichever folder's conftest Python imported first).
__all__ = ["XSS_TITLE", "publish_entries", "xss_entry"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client of an app over the demo data; module-scoped because building the index takes seconds."""
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, 0))
    settings, engine = build_demo_site(tmp_path_factory.mktemp("pages") / "data", clock)
    engine.dispose()
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client
