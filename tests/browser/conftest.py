"""Browser-test fixtures: one live server with the demo data, Chromium through Playwright.

Why a real server in a thread (not TestClient): the browser needs a TCP port, and the pages' JS
calls the same JSON API over real HTTP. One server per session keeps the run short; tests that
need their own data add it through the store (``live.import_entries``) and wait for the index.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from demo_site import XSS_TITLE, build_demo_site, publish, publish_entries, xss_entry
from live_server import serving
from sqlalchemy.engine import Engine

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# Re-exported like tests/pages/conftest.py does (see there).
__all__ = ["XSS_TITLE", "publish_entries", "xss_entry"]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class LiveServer:
    base_url: str
    settings: Any
    engine: Engine

    def url(self, path: str) -> str:
        return self.base_url + path

    def get_json(self, path: str, **params: Any) -> Any:
        response = httpx.get(self.url(path), params=params, timeout=10)
        response.raise_for_status()
        return response.json()

    def status_of(self, path: str) -> int:
        return httpx.get(self.url(path), timeout=10).status_code

    def import_entries(self, entries: list[dict[str, Any]], tmp: Path) -> None:
        """Publish ``entries`` (import-format dicts) and wait until the index serves each of them."""
        from records.clock import SystemClock

        publish(self.engine, SystemClock(self.settings.timezone), entries, tmp, self.status_of)

    @staticmethod
    def wait_until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for: {what}")


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on a free 127.0.0.1 port with the demo entries and accounts, real SystemClock."""
    if os.environ.get("HOTLINE_TEST_STACK", "embedded") not in ("", "embedded"):
        pytest.skip("browser tests run on the embedded stack only")
    from records.clock import SystemClock
    from search_api.app import create_app

    data = tmp_path_factory.mktemp("browser") / "data"
    settings, engine = build_demo_site(data, SystemClock("Asia/Shanghai"))
    try:
        with serving(create_app(settings)) as base_url:
            yield LiveServer(base_url, settings, engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class PageProblems:
    """What a page must never do: throw, or open a dialog (an alert would mean injected script ran)."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def _open_page(
    browser: Any, live: LiveServer, viewport: dict[str, int]
) -> Iterator[tuple[Any, PageProblems]]:
    context = browser.new_context(viewport=viewport, base_url=live.base_url, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = PageProblems()
    page.on("pageerror", lambda exc: problems.errors.append(str(exc)))

    def _dialog(dialog: Any) -> None:
        problems.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", _dialog)
    try:
        yield page, problems
    finally:
        context.close()
    assert not problems.dialogs, f"a dialog opened: {problems.dialogs}"
    assert not problems.errors, f"JavaScript errors: {problems.errors}"


@pytest.fixture
def page(browser: Any, live: LiveServer) -> Iterator[Any]:
    """A fresh desktop-sized tab; fails the test on a JS error or any dialog."""
    for opened, _ in _open_page(browser, live, DESKTOP):
        yield opened


@pytest.fixture
def phone_page(browser: Any, live: LiveServer) -> Iterator[Any]:
    """A fresh 375×812 tab (the citizen's phone); same checks as ``page``."""
    for opened, _ in _open_page(browser, live, PHONE):
        yield opened


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """``screenshot(page, "citizen-home")`` saves tests/browser/screenshots/citizen-home.png (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def _take(target: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        target.screenshot(path=str(path), full_page=True)
        return path

    return _take
