"""The citizen pages in Chromium: home → search → filter → entry tabs → "was this helpful"."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from demo_site import XSS_TITLE, xss_entry
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from records.frontdesk.models import EntryFeedback
from records.models import Entry

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


def test_home_page_shows_the_search_box_and_theme_collections(phone_page: Any, screenshot: Any) -> None:
    phone_page.goto("/")
    box = phone_page.get_by_role("searchbox")
    expect(box).to_be_focused()
    assert phone_page.title().endswith("热线百科")
    expect(phone_page.locator("section.theme")).to_have_count(6)
    # Mobile-first: nothing is wider than the 375 px screen.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone_page, "citizen-home-375")


def test_search_filter_entry_tabs_and_helpful(phone_page: Any, live: Any, screenshot: Any) -> None:
    page = phone_page
    page.goto("/")
    page.get_by_role("searchbox").fill("身份证丢了怎么补办")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url("**/search?**")
    expect(page.locator("#result-total")).to_contain_text("找到")
    expect(page.locator("ol.results li.result").first).to_be_visible()
    assert page.locator("ol.results em").count() > 0  # highlights rendered as marks
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "citizen-results-375")

    # Filters are folded on a phone; choosing one re-runs the search and stays selected.
    expect(page.locator("select[name=region]")).to_be_hidden()
    page.locator("#filter-box summary").click()
    with page.expect_navigation():
        page.select_option("select[name=region]", "江苏省/苏州市")
    assert "region=" in page.url
    expect(page.locator("select[name=region]")).to_have_value("江苏省/苏州市")
    expect(page.locator("#filter-box summary")).to_contain_text("已选 1 项")
    first = page.locator("ol.results li.result h2 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r".*/entries/[^/?#]+$"))
    expect(page.locator("#entry-title")).to_have_text(title)

    # Tabs: one panel at a time once JS runs; all three exist.
    expect(page.get_by_role("tab", name="原文")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-interpretation")).to_be_hidden()
    page.get_by_role("tab", name="解读").click()
    expect(page.locator("#panel-interpretation")).to_be_visible()
    expect(page.locator("#panel-original")).to_be_hidden()
    page.get_by_role("tab", name="问答").click()
    expect(page.locator("#panel-qa .qa").first).to_be_visible()
    assert page.url.endswith("#qa")
    expect(page.locator("#contact-phone")).to_be_visible()
    expect(page.locator("#related li")).not_to_have_count(0)
    screenshot(page, "citizen-entry-375")

    entry_id = page.url.split("/entries/", 1)[1].split("#", 1)[0]
    page.fill("#helpful-comment", "写得很清楚，谢谢")
    page.get_by_role("button", name="有帮助").click()
    expect(page.locator("#helpful-thanks")).to_be_visible()
    expect(page.locator("#helpful-form")).to_be_hidden()
    with Session(live.engine) as session:
        entry = session.exec(select(Entry).where(Entry.public_id == entry_id)).one()
        row = session.exec(
            select(EntryFeedback)
            .where(EntryFeedback.entry_id == entry.id)
            .order_by(col(EntryFeedback.id).desc())
        ).first()
    assert row is not None and row.helpful is True and row.comment == "写得很清楚，谢谢"


def test_results_and_entry_on_a_desktop(page: Any, screenshot: Any) -> None:
    page.goto("/search?q=" + "医保")
    expect(page.locator("select[name=theme]")).to_be_visible()  # filters open on a wide screen
    screenshot(page, "citizen-results-desktop")
    page.goto("/entries/DEMO-001#interpretation")
    expect(page.locator("#panel-interpretation")).to_be_visible()
    expect(page.locator("#panel-original")).to_be_hidden()
    screenshot(page, "citizen-entry-desktop")


def test_markup_in_an_entry_shows_as_text_and_never_runs(page: Any, live: Any, tmp_path: Path) -> None:
    live.import_entries([xss_entry("XSS-BROWSER-1")], tmp_path)
    page.goto("/search?q=" + "加急办理身份证")
    link = page.locator("a[href='/entries/XSS-BROWSER-1']")
    expect(link).to_have_text(XSS_TITLE)
    link.click()
    expect(page.locator("#entry-title")).to_have_text(XSS_TITLE)
    assert page.locator("#entry-title script, #entry-title b").count() == 0
    page.get_by_role("tab", name="问答").click()
    expect(page.locator("#panel-qa .q")).to_have_text("问：加急<script>alert(3)</script>怎么办？")
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0
    # the page fixture fails the test if any dialog opened or any script error happened


def test_pages_work_with_javascript_off(browser: Any, live: Any, screenshot: Any) -> None:
    """Search, read all three sections and rate an entry with scripts disabled."""
    context = browser.new_context(java_script_enabled=False, base_url=live.base_url, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_role("searchbox").fill("新生儿落户")
        page.get_by_role("button", name="搜索").click()
        page.wait_for_url("**/search?**")
        page.locator("ol.results li.result h2 a").first.click()
        for panel in ("#panel-original", "#panel-interpretation", "#panel-qa"):
            expect(page.locator(panel)).to_be_visible()
        expect(page.locator("[role=tablist]")).to_be_hidden()  # tabs are an enhancement only
        screenshot(page, "citizen-entry-no-js-375")
        page.get_by_role("button", name="没帮助").click()
        expect(page.locator("#helpful .notice")).to_have_text("感谢您的反馈！")
        assert "feedback=thanks" in page.url
    finally:
        context.close()


def test_suggestions_while_typing_pinyin_initials(phone_page: Any, screenshot: Any) -> None:
    page = phone_page
    page.goto("/")
    page.get_by_role("searchbox").press_sequentially("sfz", delay=40)
    first = page.locator("#suggestions a").first
    expect(first).to_be_visible()
    expect(first).to_contain_text("身份证")
    screenshot(page, "citizen-suggestions-375")
    page.get_by_role("searchbox").press("ArrowDown")
    expect(first).to_be_focused()
    chosen = first.inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?**")
    expect(page.get_by_role("searchbox")).to_have_value(chosen)
    expect(page.locator("#suggestions")).to_be_hidden()
