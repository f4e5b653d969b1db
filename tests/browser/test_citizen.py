"""The citizen pages in a real browser: home → search → entry → helpful."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_home_page_shows_the_search_box(page: Any, live: Any, screenshot: Any) -> None:
    page.goto("/")
    box = page.get_by_role("searchbox")
    assert box.is_visible()
    assert page.title().endswith("热线百科")
    screenshot(page, "citizen-home")
