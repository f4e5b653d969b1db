"""The agent console in a real browser, driven from the keyboard only.

Login is the API token put into sessionStorage the way the login page does (Hotline.setToken),
so this test depends on the console and the JSON API, not on the login page.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from records.frontdesk.models import Citation, GapReport
from records.models import Entry, User

pytestmark = pytest.mark.browser

QUERY = "身份证丢了"


def login(page: Any, live: Any, username: str, password: str) -> dict[str, Any]:
    token = httpx.post(
        live.url("/api/auth/token"), data={"username": username, "password": password}, timeout=10
    ).json()["access_token"]
    me = httpx.get(live.url("/api/auth/me"), headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    page.goto("/staff/login")  # any page of the site: sessionStorage is per origin
    page.evaluate("([t, u]) => window.Hotline.setToken(t, u)", [token, me])
    return {"Authorization": f"Bearer {token}"}


def results_for(page: Any, query: str) -> None:
    page.wait_for_function("q => document.getElementById('hits').dataset.query === q", arg=query)


def test_console_from_the_keyboard(page: Any, live: Any, screenshot: Any) -> None:
    headers = login(page, live, "agent-sz", "demo-pass-1")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.base_url)
    page.goto("/agent")
    box = page.locator("#q")
    assert page.evaluate("document.activeElement.id") == "q"  # focus on load
    page.wait_for_function("document.getElementById('region').value === '江苏省/苏州市'")
    assert "默认地区：苏州市" in page.locator("#who").inner_text()

    page.keyboard.type(QUERY)
    results_for(page, QUERY)
    hits = page.locator("#hits > li")
    assert hits.count() >= 2
    second_id = hits.nth(1).get_attribute("data-id")

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert hits.nth(1).get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == "hit-1"
    page.keyboard.press("Enter")
    page.wait_for_function("id => document.getElementById('pane').dataset.entry === id", arg=second_id)
    answer = page.locator("#pane-answer").inner_text()
    assert answer.strip() and page.locator("#pane-facts").inner_text()
    assert page.evaluate("document.activeElement.id") == "q"  # still typing-ready

    page.keyboard.press("Control+Enter")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('已复制答案')")
    assert page.evaluate("navigator.clipboard.readText()") == answer

    page.keyboard.press("Alt+y")
    assert page.evaluate("document.activeElement.id") == "call-ref"
    page.keyboard.type("CALL-0601-007")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('已记录本次通话引用')")
    assert page.evaluate("document.activeElement.id") == "q"
    screenshot(page, "agent-console")

    cited = httpx.get(live.url("/api/citations"), params={"mine": 1}, headers=headers, timeout=10).json()
    latest = cited["citations"][0]
    assert latest["entry_id"] == second_id and latest["call_ref"] == "CALL-0601-007"
    assert latest["query"] == QUERY and latest["agent"] == "agent-sz"
    with Session(live.engine) as session:
        row = session.exec(select(Citation).order_by(col(Citation.id).desc())).first()
        assert row is not None and row.call_ref == "CALL-0601-007"


def test_slash_focuses_and_zero_results_are_reported_in_one_click(
    page: Any, live: Any, screenshot: Any
) -> None:
    login(page, live, "agent-nj", "demo-pass-1")
    page.goto("/agent")
    page.locator("#who").focus()  # somewhere that is not a text field
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    nothing = "qqxz 火星签证"
    page.keyboard.type(nothing)
    results_for(page, nothing)
    assert page.locator("#hits > li").count() == 0
    assert page.locator("#empty").is_visible() and "无结果" in page.locator("#status").inner_text()
    screenshot(page, "agent-console-no-results")
    page.locator("#empty-report").click()
    page.wait_for_function("document.getElementById('status').textContent.startsWith('已提交缺失信息反馈')")
    with Session(live.engine) as session:
        report = session.exec(select(GapReport).order_by(col(GapReport.id).desc())).first()
        assert report is not None and report.query == nothing and report.entry_id is None
        reporter = session.get(User, report.reporter_id)
        assert reporter is not None and reporter.username == "agent-nj"


def test_gap_report_about_the_open_entry(page: Any, live: Any) -> None:
    login(page, live, "agent-sz", "demo-pass-1")
    page.goto("/agent")
    page.keyboard.type("社保卡")
    results_for(page, "社保卡")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('pane').dataset.entry")
    opened = page.locator("#pane").get_attribute("data-entry")
    page.keyboard.press("Alt+b")
    assert page.evaluate("document.activeElement.id") == "gap-detail"
    assert page.locator("#gap-kind").input_value() == "wrong"
    page.keyboard.type("短")
    page.keyboard.press("Control+Enter")
    error = page.locator("#gap-form .field-error")
    error.wait_for()
    assert "4–1000" in error.inner_text()  # the API's Chinese message, next to the field
    page.keyboard.type("：咨询电话已停用")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('已提交信息有误反馈')")
    assert page.locator("#gap-form").is_hidden()
    with Session(live.engine) as session:
        report = session.exec(select(GapReport).order_by(col(GapReport.id).desc())).first()
        entry = session.exec(select(Entry).where(Entry.public_id == opened)).one()
        assert (
            report is not None and report.entry_id == entry.id and report.department_id == entry.department_id
        )
        assert report.detail == "短：咨询电话已停用"


def test_console_without_a_session_goes_to_login(page: Any) -> None:
    page.goto("/agent")
    page.wait_for_url("**/staff/login?next=%2Fagent")


def test_entry_text_is_never_markup(page: Any, live: Any, tmp_path: Any) -> None:
    """A `<script>` title and answer show as text; the page fixture fails on any dialog."""
    hostile = "<script>alert('xss')</script>"
    live.import_entries(
        [
            {
                "id": "XSS-CONSOLE-1",
                "title": f"{hostile}坐席转义测试",
                "department": "苏州市公安局",
                "region": "苏州市",
                "category": ["公安", "户政管理", "居民身份证申领"],
                "effective_from": "2024-01-01",
                "contact_phone": "0512-12345678",
                "original_text": "坐席转义测试原文。",
                "qas": [
                    {"question": "坐席转义测试怎么办？", "answer": f"<img src=x onerror=alert(1)>{hostile}"}
                ],
            }
        ],
        tmp_path,
    )
    login(page, live, "agent-sz", "demo-pass-1")
    page.goto("/agent")
    page.keyboard.type("坐席转义测试")
    results_for(page, "坐席转义测试")
    first = page.locator("#hits > li").first
    assert hostile in first.inner_text()
    assert page.locator("#hits script, #hits img").count() == 0
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('pane').dataset.entry === 'XSS-CONSOLE-1'")
    assert page.locator("#pane-answer").inner_text() == f"<img src=x onerror=alert(1)>{hostile}"
    assert page.locator("#pane script, #pane img").count() == 0


def test_manager_assigns_and_department_closes_gap_reports(page: Any, live: Any, screenshot: Any) -> None:
    agent = login(page, live, "agent-nj", "demo-pass-1")
    made = httpx.post(
        live.url("/api/gap-reports"),
        json={"kind": "missing", "query": "医保异地备案", "detail": "没有医保异地备案线上办理的说明"},
        headers=agent,
        timeout=30,
    ).json()
    httpx.get(live.url("/api/search"), params={"q": "qqxz 木星签证"}, timeout=10)
    login(page, live, "manager", "demo-pass-4")
    page.goto("/agent/gaps")
    page.select_option("#gaps-state", "")
    card = page.locator(f"#gaps-list li[data-id='{made['id']}']")
    card.wait_for()
    assert "医保异地备案" in card.inner_text()
    page.locator("#zero-section").wait_for()
    assert "qqxz 木星签证" in page.locator("#zero-rows").inner_text()
    card.locator("select[name=department]").select_option("南京市医疗保障局")
    card.get_by_role("button", name="分派").click()
    page.wait_for_function(
        "id => (document.querySelector(`#gaps-list li[data-id='${id}']`) || {}).textContent"
        "?.includes('承办部门：南京市医疗保障局')",
        arg=str(made["id"]),
    )
    screenshot(page, "agent-gap-reports")

    login(page, live, "specialist-njyb", "demo-pass-2")
    page.goto("/agent/gaps")
    card = page.locator(f"#gaps-list li[data-id='{made['id']}']")
    card.wait_for()
    assert page.locator("#zero-section").is_hidden()
    card.get_by_role("button", name="关闭").click()
    card.locator(".field-error, .form-error").wait_for()  # the reason is required: the API's message
    card.get_by_label("关闭原因").fill("已新增医保异地备案条目")
    card.get_by_role("button", name="关闭").click()
    page.wait_for_function(
        "id => !document.querySelector(`#gaps-list li[data-id='${id}']`)", arg=str(made["id"])
    )  # the default filter shows open reports only
    closed = httpx.get(live.url(f"/api/gap-reports/{made['id']}"), headers=agent, timeout=10).json()
    assert closed["state"] == "closed" and closed["close_reason"] == "已新增医保异地备案条目"
    assert [h["action"] for h in closed["history"]] == ["report", "assign", "close"]


def test_pinyin_being_composed_is_not_searched(page: Any, live: Any) -> None:
    """Typed through an input method: only the committed words are searched, not the pinyin."""
    login(page, live, "agent-sz", "demo-pass-1")
    page.goto("/agent")
    page.evaluate(
        "() => { window.__shown = []; const hits = document.getElementById('hits');"
        " new MutationObserver(() => window.__shown.push(hits.dataset.query))"
        ".observe(hits, {attributes: true, attributeFilter: ['data-query']}); }"
    )
    cdp = page.context.new_cdp_session(page)
    for typed in ("s", "sh", "shen", "shenfen"):
        cdp.send(
            "Input.imeSetComposition",
            {"text": typed, "selectionStart": len(typed), "selectionEnd": len(typed)},
        )
    page.wait_for_timeout(300)  # far longer than the debounce: a search of the pinyin would have run
    page.keyboard.press("ArrowDown")  # the candidate list's key while composing, not the hit list's
    cdp.send("Input.insertText", {"text": "身份"})
    results_for(page, "身份")
    assert page.evaluate("window.__shown") == ["身份"]


def test_expired_session_keeps_the_gap_report_being_written(page: Any, live: Any) -> None:
    login(page, live, "agent-sz", "demo-pass-1")
    page.goto("/agent")
    page.keyboard.type("社保卡")
    results_for(page, "社保卡")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('pane').dataset.entry")
    opened = page.locator("#pane").get_attribute("data-entry")
    page.keyboard.press("Alt+b")
    page.keyboard.type("办理地点已经搬迁到市民中心")
    page.evaluate("sessionStorage.setItem(window.Hotline.TOKEN_KEY, 'expired-token')")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/staff/login?next=%2Fagent")
    assert page.locator("#login-expired").is_visible()
    page.fill("#username", "agent-sz")
    page.fill("#password", "demo-pass-1")
    page.click("#login-submit")
    page.wait_for_url("**/agent")
    page.locator("#gap-form").wait_for()
    assert page.locator("#gap-detail").input_value() == "办理地点已经搬迁到市民中心"
    assert page.locator("#gap-entry").input_value() == opened and page.locator("#q").input_value() == "社保卡"
    assert page.locator("#gap-kind").input_value() == "wrong"
    page.keyboard.press("Control+Enter")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('已提交信息有误反馈')")
    with Session(live.engine) as session:
        report = session.exec(select(GapReport).order_by(col(GapReport.id).desc())).first()
        assert report is not None and report.detail == "办理地点已经搬迁到市民中心"
