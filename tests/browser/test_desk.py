"""The question desk in Chromium: live matches while typing, submit, the number, the answer page."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NUMBER = re.compile(r"^Q\d{13}$")


def token(live: Any, username: str, password: str) -> dict[str, str]:
    response = httpx.post(live.url("/api/auth/token"), data={"username": username, "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def submit(page: Any) -> str:
    """Press 提交问题 and return the number the page then shows."""
    page.locator("#ask-submit").click()
    expect(page.locator("#ask-number")).to_have_text(NUMBER)
    return str(page.locator("#ask-number").inner_text())


def publish_answer(live: Any, number: str) -> None:
    """The real desk path over HTTP: manager routes, the department answers, manager publishes."""
    manager = token(live, "manager", "demo-pass-4")
    steps = [
        (f"/api/questions/{number}/route", {"department": "苏州市公安局"}, manager),
        (
            f"/api/questions/{number}/answers",
            {
                "basis": "《居民身份证法》第十一条",
                "answer": "在苏州可到任一派出所户籍窗口补领，本人到场采集人像。",
                "phone": "0512-65225661",
                "signature": "苏州市公安局",
            },
            token(live, "specialist-szga", "demo-pass-2"),
        ),
        (f"/api/questions/{number}/review", {"decision": "publish"}, manager),
    ]
    for path, body, headers in steps:
        response = httpx.post(live.url(path), json=body, headers=headers, timeout=10)
        assert response.status_code in (200, 201), response.text


def test_typing_shows_existing_answers_and_submit_gives_a_number(phone_page: Any, screenshot: Any) -> None:
    page = phone_page
    page.goto("/ask")
    page.locator("#ask-text").press_sequentially("身份证丢了怎么补办", delay=40)
    matches = page.locator("#live-match-list li.match")
    expect(matches.first).to_be_visible()
    assert matches.count() >= 1
    assert all(
        href.startswith(("/entries/", "/questions/"))
        for href in page.locator("#live-match-list a").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
    )
    page.select_option("#ask-region", "江苏省/苏州市")
    screenshot(page, "desk-ask-live-matches-375")

    number = submit(page)
    expect(page.locator("#ask-form")).to_be_hidden()
    expect(page.locator("#ask-result-list li").first).to_be_visible()
    screenshot(page, "desk-submitted-375")

    # The asker (token kept in this browser) sees their own unpublished question.
    page.locator("#ask-number-link").click()
    page.wait_for_url(f"**/questions/{number}")
    expect(page.locator("#question-text")).to_have_text("身份证丢了怎么补办")
    expect(page.locator("#question-state")).to_contain_text("已受理")


def test_an_existing_answer_can_close_the_question(page: Any, live: Any) -> None:
    """问一查多: the asker says a shown answer solved it; the question is closed without department work."""
    page.goto("/ask")
    page.fill("#ask-text", "第一次办身份证需要带什么材料")
    number = submit(page)
    first = page.locator("#ask-result-list li.match").first
    doc_id = first.get_attribute("data-doc-id")
    first.get_by_role("button", name="这个答案解决了我的问题").click()
    expect(page.locator("#ask-resolved")).to_be_visible()
    expect(page.locator("#ask-result-list button.resolve")).to_have_count(0)
    view = httpx.get(live.url(f"/api/questions/{number}"), timeout=10).json()
    assert view["state"] == "resolved_by_existing" and view["resolved_by"] == doc_id
    page.goto(f"/questions/{number}")
    expect(page.locator("#question-state")).to_contain_text("已通过现有答案解决")


@pytest.mark.parametrize(
    ("text", "contact", "field", "message"),
    [
        ("短", "", "text", "问题太短"),
        ("身份证丢了怎么补办", "不是电话", "contact", "联系方式"),
    ],
)
def test_field_errors_show_next_to_the_field(
    page: Any, text: str, contact: str, field: str, message: str
) -> None:
    page.goto("/ask")
    page.fill("#ask-text", text)
    page.fill("#ask-contact", contact)
    page.locator("#ask-submit").click()
    error = page.locator(f"#ask-{field} ~ .field-error")
    expect(error).to_contain_text(message)
    expect(page.locator("#ask-result")).to_be_hidden()
    expect(page.locator("#ask-text")).to_have_value(text)  # nothing the citizen typed is lost


def test_published_answer_page_shows_four_elements(page: Any, live: Any, screenshot: Any) -> None:
    page.goto("/ask")
    page.fill("#ask-text", "在苏州身份证丢了去哪里补")
    number = submit(page)
    publish_answer(live, number)
    page.goto(f"/questions/{number}")
    expect(page.locator("#question-text")).to_have_text("在苏州身份证丢了去哪里补")
    expect(page.locator("#element-basis")).to_contain_text("《居民身份证法》第十一条")
    expect(page.locator("#element-answer")).to_contain_text("户籍窗口补领")
    expect(page.locator("#element-phone")).to_contain_text("0512-65225661")
    expect(page.locator("#element-signature")).to_contain_text("苏州市公安局")
    related = page.locator("#related li")
    expect(related.first).to_be_visible()
    assert 1 <= related.count() <= 3
    screenshot(page, "desk-answer")


def test_a_script_in_a_question_shows_as_text_and_never_runs(page: Any) -> None:
    text = '<script>alert("desk")</script><img src=x onerror=alert(1)>身份证补办'
    page.goto("/ask")
    page.locator("#ask-text").fill(text)
    number = submit(page)
    page.goto(f"/questions/{number}")
    expect(page.locator("#question-text")).to_have_text(text)
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0
