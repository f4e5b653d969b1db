"""The staff workbench in Chromium: specialist → department reviewer → manager → citizen search,
and an expired session that sends the user to login and back without losing what they typed.

Each test signs in through the login page like a person would; the demo accounts are the ones
``hotline serve --demo`` creates (records/demo/users.json).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from records.clock import FixedClock
from records.models import User
from search_api.security import create_access_token

pytestmark = pytest.mark.browser

ACCOUNTS = {
    "specialist-szga": "demo-pass-2",
    "reviewer-szga": "demo-pass-3",
    "manager": "demo-pass-4",
}


def sign_in(page: Any, username: str, next_path: str | None = None) -> None:
    """Log in through the form; lands on ``next_path`` (or the role's home page)."""
    target = "/staff/login" + (f"?next={next_path}" if next_path else "")
    page.goto(target)
    page.fill("#username", username)
    page.fill("#password", ACCOUNTS[username])
    page.click("#login-submit")
    page.wait_for_url(f"**{next_path or '/staff'}")
    page.wait_for_selector("#staff-user strong")


def sign_out(page: Any) -> None:
    page.click("#link-logout")
    page.wait_for_selector("#logout-page")
    assert page.evaluate("sessionStorage.getItem('hotline.token')") is None


def field_error(page: Any, name: str) -> str:
    return page.locator(f"[data-field='{name}'] .field-error").inner_text()


def api_token(live: Any, username: str) -> dict[str, str]:
    response = httpx.post(
        live.url("/api/auth/token"), data={"username": username, "password": ACCOUNTS[username]}, timeout=10
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_wrong_password_is_shown_next_to_the_field(page: Any, screenshot: Any) -> None:
    page.goto("/staff/login")
    page.fill("#username", "specialist-szga")
    page.fill("#password", "not-the-password")
    page.click("#login-submit")
    error = page.locator("[data-field='password'] .field-error")
    error.wait_for()
    assert "用户名或密码" in error.inner_text() or "密码" in error.inner_text()
    assert page.url.endswith("/staff/login")
    page.fill("#password", "")
    page.fill("#username", "")
    page.click("#login-submit")
    assert field_error(page, "username") == "请输入用户名"
    screenshot(page, "staff-login-error")


def test_specialist_to_manager_publish_path(page: Any, live: Any, screenshot: Any) -> None:
    title = f"居住证网上续签试点{uuid.uuid4().hex[:6]}"

    # The specialist writes an entry but forgets the contact phone.
    sign_in(page, "specialist-szga")
    page.locator("#group-draft .state-count").wait_for()
    assert "苏州市公安局" in page.inner_text("#dashboard-title")
    page.wait_for_function("document.querySelector('#state-counts').textContent.includes('已发布')")
    screenshot(page, "staff-dashboard")
    page.click("#new-entry-button")
    page.wait_for_url("**/staff/entries/new")
    page.wait_for_selector("#staff-user strong")
    assert page.input_value("#f-department") == "苏州市公安局"
    page.fill("#f-title", title)
    page.fill("#f-region", "江苏省/苏州市")
    page.fill("#f-category", "公安/户政管理/居住证办理")
    page.select_option("#f-theme", "户籍办理")
    page.fill("#f-effective_from", "2026-01-01")
    page.fill("#f-keywords", "居住证、续签")
    page.fill(
        "#f-original_text", "苏州市居住证网上续签试点办法：居住证有效期满前三十日内，可通过网上平台申请续签。"
    )
    page.fill("#f-interpretation", "居住证快到期了，不用跑窗口，网上就能续签。")
    page.fill("[name='qas[1].question']", "居住证到期了能在网上续签吗？")
    page.fill("[name='qas[1].similar_questions']", "居住证怎么网上续\n居住证续签要去派出所吗")
    page.fill("[name='qas[1].answer']", "可以。有效期满前三十日内登录网上平台申请续签。")
    page.click("#submit-button")
    page.locator("[data-field='contact_phone'] .field-error").wait_for()
    assert field_error(page, "contact_phone") == "请填写咨询电话"
    assert page.locator(".field-error").count() == 1  # only the missing element is marked
    assert "/staff/entries/E" in page.url  # the draft itself was saved
    assert page.inner_text("#entry-state").startswith("草稿")
    screenshot(page, "staff-entry-missing-element")

    # Completed and submitted.
    page.fill("#f-contact_phone", "0512-12345678")
    page.click("#submit-button")
    page.wait_for_function("document.querySelector('#entry-state').textContent.startsWith('待部门审核')")
    assert page.locator(".field-error").count() == 0
    assert "已提交审核" in page.inner_text("#editor-notice")
    entry_url = page.url
    entry_path = entry_url[len(live.base_url) :]
    assert page.locator("#f-title").is_disabled()  # submitted: no more editing
    sign_out(page)

    # The department reviewer approves.
    sign_in(page, "reviewer-szga", entry_path)
    approve = page.locator("[data-action='dept-approve']")
    approve.wait_for()
    assert page.locator("[data-action='publish']").is_hidden()
    approve.click()
    page.wait_for_function("document.querySelector('#entry-state').textContent.startsWith('待热线复核发布')")
    sign_out(page)

    # The manager publishes.
    sign_in(page, "manager", entry_path)
    publish = page.locator("[data-action='publish']")
    publish.wait_for()
    publish.click()
    page.wait_for_function("document.querySelector('#entry-state').textContent.startsWith('已发布')")
    history = page.locator("#audit-table tbody tr")
    page.wait_for_function("document.querySelectorAll('#audit-table tbody tr').length >= 5")
    rows = [history.nth(i).inner_text() for i in range(history.count())]
    assert "发布" in rows[0] and "待热线复核发布 → 已发布" in rows[0]
    assert any("部门审核通过" in r and "reviewer-szga" in r for r in rows)
    assert any("提交审核" in r and "草稿 → 待部门审核" in r for r in rows)
    screenshot(page, "staff-entry-published")

    # A citizen finds it.
    entry_id = entry_path.rsplit("/", 1)[1]
    live.wait_until(
        lambda: httpx.get(live.url(f"/api/entries/{entry_id}/related"), timeout=10).status_code == 200,
        "published entry indexed",
    )
    page.goto(f"/search?q={title}")
    link = page.locator(f"a[href='/entries/{entry_id}']").first
    link.wait_for()
    assert title in link.inner_text()


def test_expired_session_returns_to_the_page_with_the_typed_text(
    page: Any, live: Any, screenshot: Any
) -> None:
    headers = api_token(live, "specialist-szga")
    created = httpx.post(
        live.url("/api/staff/entries"),
        headers=headers,
        json={"title": "会话过期测试草稿", "department": "苏州市公安局", "contact_phone": "12345"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    entry_id = created.json()["id"]
    path = f"/staff/entries/{entry_id}"

    sign_in(page, "specialist-szga", path)
    page.wait_for_function("document.querySelector('#f-title').value === '会话过期测试草稿'")
    page.fill("#f-title", "会话过期后仍保留的标题")
    page.fill("#f-interpretation", "登录过期前写下的一段解读，不能丢。")
    page.click("#add-qa")
    page.fill("[name='qas[2].question']", "第二组问答的标准问")

    # The token runs out while the specialist is typing.
    expire_token_in_browser(page, live, "specialist-szga")
    page.click("#save-button")
    page.wait_for_url("**/staff/login?next=*")
    assert page.locator("#login-expired").is_visible()
    screenshot(page, "staff-session-expired")

    page.fill("#username", "specialist-szga")
    page.fill("#password", ACCOUNTS["specialist-szga"])
    page.click("#login-submit")
    page.wait_for_url(f"**{path}")
    page.wait_for_function("document.querySelector('#f-title').value === '会话过期后仍保留的标题'")
    assert page.input_value("#f-interpretation") == "登录过期前写下的一段解读，不能丢。"
    assert page.input_value("[name='qas[2].question']") == "第二组问答的标准问"
    assert "已恢复" in page.inner_text("#editor-notice")
    screenshot(page, "staff-draft-restored")

    # Nothing was lost on the server either: the save that failed is simply done now.
    page.click("#save-button")
    page.wait_for_function("document.querySelector('#editor-notice').textContent.includes('草稿已保存')")
    saved = httpx.get(live.url(f"/api/staff/entries/{entry_id}"), headers=headers, timeout=10).json()
    assert saved["working"]["title"] == "会话过期后仍保留的标题"
    assert saved["working"]["interpretation"] == "登录过期前写下的一段解读，不能丢。"


def test_desk_question_routed_answered_with_four_elements_and_published(
    page: Any, live: Any, screenshot: Any
) -> None:
    asked = httpx.post(
        live.url("/api/questions"),
        json={"text": f"苏州的居住证到期以后在网上怎么续签{uuid.uuid4().hex[:4]}", "region": "苏州市"},
        timeout=10,
    )
    assert asked.status_code == 201, asked.text
    number = asked.json()["number"]
    row = f"#queue-table a[data-number='{number}']"

    # The manager routes it to the department.
    sign_in(page, "manager", "/staff/desk")
    page.locator(row).wait_for()
    page.click(row)
    route = page.locator("#route-form")
    route.wait_for()
    page.fill("#route-department", "苏州市公安局")
    page.click("#route-form button[type=submit]")
    page.wait_for_function("document.querySelector('#question-number').textContent.includes('待答复')")
    assert "答复期限" in page.inner_text("#question-facts")
    sign_out(page)

    # The specialist answers, first without the signature.
    sign_in(page, "specialist-szga", "/staff/desk")
    page.locator(row).wait_for()
    line = page.locator("#queue-table tbody tr", has=page.locator(f"a[data-number='{number}']"))
    due = line.locator("td").nth(4).inner_text()
    assert due.startswith("20")  # a due time is shown for every routed question
    page.click(row)
    page.locator("#answer-form").wait_for()
    page.fill("#answer-basis", "《江苏省流动人口居住登记管理办法》第十二条")
    page.fill("#answer-answer", "居住证有效期满前三十日内，可登录苏州公安网上办事平台申请续签。")
    page.fill("#answer-phone", "0512-65225661")
    page.click("#answer-form button[type=submit]")
    page.locator("[data-field='signature'] .field-error").wait_for()
    assert "部门署名" in field_error(page, "signature")
    assert page.locator("#answer-form .field.invalid").count() == 1  # only the missing element
    assert "部门署名" in page.inner_text("#answer-form .form-error-slot")
    screenshot(page, "staff-desk-answer-missing-element")
    page.fill("#answer-signature", "苏州市公安局")
    page.click("#answer-form button[type=submit]")
    page.wait_for_function("document.querySelector('#desk-notice').textContent.includes('答复已提交')")
    assert page.locator("#answer-form").is_hidden()
    sign_out(page)

    # The manager reviews and publishes.
    sign_in(page, "manager", f"/staff/desk?question={number}")
    page.locator("#review-form").wait_for()
    assert "苏州市公安局" in page.inner_text("#question-answers")
    screenshot(page, "staff-desk-review")
    page.click("#review-publish")
    page.wait_for_function("document.querySelector('#question-number').textContent.includes('已公开')")
    public = httpx.get(live.url(f"/api/questions/{number}"), timeout=10).json()
    assert public["state"] == "published"
    assert public["answer"]["signature"] == "苏州市公安局"


def test_login_brake_is_shown(page: Any, live: Any) -> None:
    username = f"nobody-{uuid.uuid4().hex[:6]}"
    for _ in range(10):
        httpx.post(live.url("/api/auth/token"), data={"username": username, "password": "x"}, timeout=10)
    page.goto("/staff/login")
    page.fill("#username", username)
    page.fill("#password", "whatever")
    page.click("#login-submit")
    error = page.locator("#login-error .form-error")
    error.wait_for()
    assert "登录失败次数过多" in error.inner_text()


def test_workbench_reads_on_a_phone(phone_page: Any, screenshot: Any) -> None:
    """375 px wide: no sideways scrolling on the dashboard or in the editor."""
    sign_in(phone_page, "specialist-szga")
    phone_page.wait_for_function("document.querySelector('#state-counts').textContent.includes('已发布')")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone_page, "staff-dashboard-phone")
    phone_page.goto("/staff/entries/DEMO-020")
    phone_page.wait_for_function("document.querySelector('#f-title').value !== ''")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone_page.locator("[data-action='request-takedown']").is_visible()  # own published entry
    assert phone_page.locator("#f-title").is_disabled()  # published: edit through a new version


def create_submitted_entry(live: Any, title: str) -> str:
    """A complete draft of the specialist's department, submitted through the API."""
    headers = api_token(live, "specialist-szga")
    body = {
        "title": title,
        "department": "苏州市公安局",
        "region": "江苏省/苏州市",
        "category": ["公安", "户政管理", "居住证办理"],
        "effective_from": "2026-01-01",
        "contact_phone": "12345",
        "qas": [{"question": f"{title}怎么办？", "answer": "到派出所办理。", "similar_questions": []}],
    }
    created = httpx.post(live.url("/api/staff/entries"), headers=headers, json=body, timeout=10)
    assert created.status_code == 201, created.text
    entry = created.json()
    submitted = httpx.post(
        live.url(f"/api/staff/entries/{entry['id']}/submit"),
        headers=headers,
        json={"lock_version": entry["lock_version"]},
        timeout=10,
    )
    assert submitted.status_code == 200, submitted.text
    return str(entry["id"])


def test_return_needs_a_reason_and_the_specialist_sees_it(page: Any, live: Any, screenshot: Any) -> None:
    entry_id = create_submitted_entry(live, f"退回理由测试{uuid.uuid4().hex[:4]}")
    path = f"/staff/entries/{entry_id}"
    sign_in(page, "reviewer-szga", path)
    give_back = page.locator("[data-action='return']")
    give_back.wait_for()
    give_back.click()
    page.locator("[data-field='reason'] .field-error").wait_for()
    assert field_error(page, "reason") == "请填写退回理由"
    assert page.inner_text("#entry-state").startswith("待部门审核")  # nothing happened
    page.fill("#f-reason", "咨询电话请写本局户政科的直线电话。")
    give_back.click()
    page.wait_for_function("document.querySelector('#entry-state').textContent.startsWith('已退回')")
    sign_out(page)

    sign_in(page, "specialist-szga", path)
    page.locator("#return-reason").wait_for()
    assert "咨询电话请写本局户政科的直线电话。" in page.inner_text("#return-reason")
    assert page.locator("#f-title").is_enabled()  # returned: the specialist edits again
    first = page.locator("#audit-table tbody tr").first
    first.wait_for()
    assert "退回" in first.inner_text() and "咨询电话请写本局户政科的直线电话。" in first.inner_text()
    screenshot(page, "staff-entry-returned")


def test_takedown_requested_by_the_specialist_and_approved_by_the_manager(page: Any, live: Any) -> None:
    entry_id = create_submitted_entry(live, f"下架流程测试{uuid.uuid4().hex[:4]}")
    reviewer, manager = api_token(live, "reviewer-szga"), api_token(live, "manager")
    for action, headers in (("dept-approve", reviewer), ("publish", manager)):
        lock = httpx.get(live.url(f"/api/staff/entries/{entry_id}"), headers=headers, timeout=10).json()
        done = httpx.post(
            live.url(f"/api/staff/entries/{entry_id}/{action}"),
            headers=headers,
            json={"lock_version": lock["lock_version"]},
            timeout=10,
        )
        assert done.status_code == 200, done.text
    path = f"/staff/entries/{entry_id}"

    sign_in(page, "specialist-szga", path)
    request = page.locator("[data-action='request-takedown']")
    request.wait_for()
    page.fill("#f-reason", "政策已废止。")
    request.click()
    page.wait_for_function("document.querySelector('#entry-state').textContent.startsWith('下架申请中')")
    sign_out(page)

    sign_in(page, "manager", path)
    approve = page.locator("[data-action='approve-takedown']")
    approve.wait_for()
    assert page.locator("[data-action='reject-takedown']").is_visible()
    approve.click()
    page.wait_for_function("document.querySelector('#entry-state').textContent.startsWith('已下架')")
    assert httpx.get(live.url(f"/api/entries/{entry_id}"), timeout=10).status_code == 404


@pytest.mark.parametrize(
    ("username", "password", "home"),
    [("agent-sz", "demo-pass-1", "/agent"), ("manager", "demo-pass-4", "/staff")],
)
def test_login_goes_to_the_role_home_page(page: Any, username: str, password: str, home: str) -> None:
    page.goto("/staff/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(f"**{home}")
    user = page.evaluate("JSON.parse(sessionStorage.getItem('hotline.user'))")
    assert user["username"] == username


@pytest.fixture(scope="module")
def clocked_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FixedClock]]:
    """A second live server whose clock the test moves: the only way to see a question go overdue.

    Tokens are issued on real time (PyJWT checks expiry against it), so moving the service's clock
    leaves sign-in working.
    """
    if os.environ.get("HOTLINE_TEST_STACK", "embedded") not in ("", "embedded"):
        pytest.skip("browser tests run on the embedded stack only")
    from demo_site import build_demo_site
    from live_server import serving

    from search_api.app import create_app

    clock = FixedClock(datetime.now(UTC).replace(tzinfo=None))
    settings, engine = build_demo_site(Path(tmp_path_factory.mktemp("clocked")) / "data", clock)
    engine.dispose()
    with serving(create_app(settings, clock=clock)) as base_url:
        yield base_url, clock


def test_overdue_questions_are_marked_for_manager_and_department(
    browser: Any, clocked_site: tuple[str, FixedClock], screenshot: Any
) -> None:
    base, clock = clocked_site
    asked = httpx.post(
        f"{base}/api/questions", json={"text": "居住证签注逾期了还能补签吗", "region": "苏州市"}, timeout=10
    )
    assert asked.status_code == 201, asked.text
    number = asked.json()["number"]
    login = httpx.post(
        f"{base}/api/auth/token", data={"username": "manager", "password": ACCOUNTS["manager"]}
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    routed = httpx.post(
        f"{base}/api/questions/{number}/route",
        headers=headers,
        json={"department": "苏州市公安局"},
        timeout=10,
    )
    assert routed.status_code == 200, routed.text
    assert routed.json()["overdue"] is False
    clock.advance(days=5)  # well past the end of the next working day

    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(page, "manager", "/staff/desk")
        page.click("#desk-tabs [data-queue='overdue']")
        line = page.locator("#queue-table tbody tr", has=page.locator(f"a[data-number='{number}']"))
        line.wait_for()
        assert "overdue" in (line.get_attribute("class") or "")
        assert "已逾期" in line.inner_text()
        assert "已逾期" in page.inner_text("#queue-summary")
        screenshot(page, "staff-desk-overdue")
        sign_out(page)

        sign_in(page, "specialist-szga", "/staff/desk")
        line = page.locator("#queue-table tbody tr", has=page.locator(f"a[data-number='{number}']"))
        line.wait_for()
        assert "已逾期" in line.inner_text()
        page.click(f"a[data-number='{number}']")
        page.wait_for_function("document.querySelector('#question-facts').textContent.includes('（已逾期）')")
    finally:
        context.close()
    assert not errors, errors


MARKUP_TITLE = '<script>alert("staff")</script>草稿<b>标题</b><img src=x onerror=alert(1)>'


def test_markup_in_entry_text_stays_text(page: Any, live: Any) -> None:
    """Titles and answers with markup are shown literally on the dashboard and in the editor."""
    headers = api_token(live, "specialist-szga")
    body = {
        "title": MARKUP_TITLE,
        "department": "苏州市公安局",
        "qas": [{"question": "<i>问</i>", "answer": "<script>alert(2)</script>", "similar_questions": []}],
    }
    created = httpx.post(live.url("/api/staff/entries"), headers=headers, json=body, timeout=10)
    assert created.status_code == 201, created.text
    entry_id = created.json()["id"]

    sign_in(page, "manager")
    page.select_option("#filter-department", "苏州市公安局")
    page.fill("#filter-q", "草稿")
    link = page.locator(f"#group-draft a[href='/staff/entries/{entry_id}']")
    link.wait_for()
    assert link.inner_text() == MARKUP_TITLE
    assert page.locator("#group-draft img").count() == 0 and page.locator("#group-draft b").count() == 0
    link.click()
    page.wait_for_function(f"document.querySelector('#f-title').value === {MARKUP_TITLE!r}")
    assert page.input_value("[name='qas[1].answer']") == "<script>alert(2)</script>"
    assert page.inner_text("#editor-title") == MARKUP_TITLE


def expire_token_in_browser(page: Any, live: Any, username: str) -> None:
    """Replace the tab's token by one of the same account that ran out two days ago."""
    with Session(live.engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
    stale = create_access_token(
        user.id or 0,
        live.settings.secret_key,
        live.settings.token_ttl_minutes,
        now=datetime.now(UTC) - timedelta(days=2),
    )
    page.evaluate("token => sessionStorage.setItem('hotline.token', token)", stale)


def test_expired_session_keeps_a_half_written_desk_answer(page: Any, live: Any) -> None:
    asked = httpx.post(
        live.url("/api/questions"),
        json={"text": "居住证丢了补办要多久能拿到", "region": "苏州市"},
        timeout=10,
    )
    assert asked.status_code == 201, asked.text
    number = asked.json()["number"]
    routed = httpx.post(
        live.url(f"/api/questions/{number}/route"),
        headers=api_token(live, "manager"),
        json={"department": "苏州市公安局"},
        timeout=10,
    )
    assert routed.status_code == 200, routed.text
    path = f"/staff/desk?question={number}"

    sign_in(page, "specialist-szga", path)
    page.locator("#answer-form").wait_for()
    page.fill("#answer-basis", "《居住证暂行条例》第十五条")
    page.fill("#answer-answer", "补领居住证一般在受理后十五个工作日内可以领取。")
    expire_token_in_browser(page, live, "specialist-szga")
    page.click("#answer-form button[type=submit]")
    page.wait_for_url("**/staff/login?next=*")

    page.fill("#username", "specialist-szga")
    page.fill("#password", ACCOUNTS["specialist-szga"])
    page.click("#login-submit")
    page.wait_for_url(f"**{path}")
    page.wait_for_function("document.querySelector('#answer-basis').value === '《居住证暂行条例》第十五条'")
    assert page.input_value("#answer-answer") == "补领居住证一般在受理后十五个工作日内可以领取。"
    page.fill("#answer-phone", "0512-65225661")
    page.fill("#answer-signature", "苏州市公安局")
    page.click("#answer-form button[type=submit]")
    page.wait_for_function("document.querySelector('#desk-notice').textContent.includes('答复已提交')")
