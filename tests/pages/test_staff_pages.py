"""The staff pages over HTTP: login, entries by state, the entry editor and the desk queue.

What the server decides is tested here: where a login may return to, which reference names the
editor offers (escaped), that the shells carry no staff data, the desk's four required elements
and the server clock. What the scripts do with the API is tested in tests/browser.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import publish_entries, xss_entry
from fastapi.testclient import TestClient

from search_api.pages import STATIC_DIR
from search_api.pages.login import safe_next

DEMO_PASSWORDS = {"specialist-szga": "demo-pass-2", "manager": "demo-pass-4"}
MARKUP_DEPARTMENT = '<script>alert("d")</script>测试局'
STAFF_PAGES = ["/staff", "/staff/entries/new", "/staff/entries/DEMO-001", "/staff/desk"]


class Elements(HTMLParser):
    """Every start tag as (tag, attrs); enough to ask "is there an input named X" without a DOM."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in wanted.items())
        ]

    def one(self, tag: str, **wanted: str) -> dict[str, str | None]:
        found = self.find(tag, **wanted)
        assert len(found) == 1, f"expected one <{tag} {wanted}>, found {len(found)}"
        return found[0]


def token(site: TestClient, username: str) -> dict[str, str]:
    response = site.post("/api/auth/token", data={"username": username, "password": DEMO_PASSWORDS[username]})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/staff/entries/E1", "/staff/entries/E1"),
        ("/staff/desk?question=Q2026060100001", "/staff/desk?question=Q2026060100001"),
        ("/agent", "/agent"),
        ("", ""),
        (None, ""),
        ("//evil.example/x", ""),
        ("/\\evil.example", ""),
        ("https://evil.example/", ""),
        ("javascript:alert(1)", ""),
        ("staff", ""),
        ("/staff/login?next=/staff", ""),
        ("/staff/logout", ""),
        ("/staff\n/x", ""),
        ("/" + "a" * 3000, ""),
    ],
)
def test_safe_next_keeps_only_paths_on_this_site(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("next=/staff/entries/DEMO-001", "/staff/entries/DEMO-001"),
        ("next=https://evil.example/", ""),
        ("next=//evil.example", ""),
        ("", ""),
        ('next=/staff?q="><script>alert(1)</script>', '/staff?q="><script>alert(1)</script>'),
    ],
)
def test_login_page_renders_the_form_and_a_safe_return_path(
    site: TestClient, query: str, expected: str
) -> None:
    response = site.get(f"/staff/login?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = Elements(response.text)
    form = page.one("form", id="login-form")
    assert form["data-next"] == expected  # the parser unescapes: the raw HTML held it as an attribute value
    assert "<script>alert(1)" not in response.text
    assert page.one("input", name="username")["autocomplete"] == "username"
    assert page.one("input", name="password")["type"] == "password"
    assert any((attrs.get("src") or "").startswith("/static/js/auth.js") for _, attrs in page.tags)
    assert "工作人员登录" in response.text


def test_logout_page_loads_the_script_that_forgets_the_token(site: TestClient) -> None:
    response = site.get("/staff/logout")
    assert response.status_code == 200
    page = Elements(response.text)
    assert page.one("section", id="logout-page")
    assert any((attrs.get("src") or "").startswith("/static/js/auth.js") for _, attrs in page.tags)
    auth_js = (STATIC_DIR / "js" / "auth.js").read_text(encoding="utf-8")
    assert "clearToken" in auth_js


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_are_shells_with_the_bar_and_their_scripts(site: TestClient, path: str) -> None:
    response = site.get(path)
    assert response.status_code == 200
    page = Elements(response.text)
    assert page.one("div", id="staff-bar")
    scripts = [attrs.get("src") or "" for tag, attrs in page.tags if tag == "script"]
    assert any(src.startswith("/static/js/api.js") for src in scripts)
    assert any(src.startswith("/static/js/staff.js") for src in scripts)
    assert any((attrs.get("href") or "").startswith("/static/css/staff.css") for attrs in page.find("link"))
    for src in scripts:
        if src:
            assert site.get(src).status_code == 200, src
    assert "需要启用 JavaScript" in response.text


def test_dashboard_lists_every_state_group_and_the_department_filter(site: TestClient) -> None:
    page = Elements(site.get("/staff").text)
    groups = [attrs["data-state"] for attrs in page.find("section") if attrs.get("data-state")]
    assert groups == [
        "draft",
        "returned",
        "submitted",
        "dept_approved",
        "published",
        "takedown_requested",
        "taken_down",
        "expired",
    ]
    options = [attrs.get("value") for attrs in page.find("option")]
    assert "" in options and "苏州市公安局" in options and "南京市医疗保障局" in options


def test_shell_of_an_entry_carries_no_staff_data(site: TestClient) -> None:
    """A draft's words reach the browser only through the token-checked API, never in the page."""
    headers = token(site, "specialist-szga")
    created = site.post(
        "/api/staff/entries",
        headers=headers,
        json={"title": "内部草稿标题不得出现在页面里", "department": "苏州市公安局"},
    )
    assert created.status_code == 201, created.text
    entry_id = created.json()["id"]
    response = site.get(f"/staff/entries/{entry_id}")
    assert response.status_code == 200
    assert "内部草稿标题不得出现在页面里" not in response.text
    assert Elements(response.text).one("section", id="entry-editor")["data-entry-id"] == entry_id


def test_editor_offers_every_field_of_the_entry_api(site: TestClient) -> None:
    response = site.get("/staff/entries/new")
    page = Elements(response.text)
    assert page.one("section", id="entry-editor")["data-entry-id"] == ""
    assert page.one("section", id="entry-editor")["data-today"] == "2026-06-01"
    for name in (
        "title",
        "department",
        "region",
        "category",
        "effective_from",
        "effective_to",
        "contact_phone",
        "keywords",
        "issuing_body",
        "doc_number",
    ):
        assert page.one("input", name=name), name
        assert page.one("div", data_field=name), name
    for name in ("original_text", "interpretation", "reason"):
        assert page.one("textarea", name=name)
    assert page.one("select", name="theme")
    assert page.one("input", name="effective_from")["type"] == "date"
    # Q&A rows come from a template with the three parts; the script names them qas[N].x
    assert {attrs.get("data-qa-input") for _, attrs in page.tags if attrs.get("data-qa-input")} == {
        "question",
        "answer",
        "similar_questions",
    }
    actions = [attrs["data-action"] for attrs in page.find("button") if attrs.get("data-action")]
    assert actions == [
        "dept-approve",
        "return",
        "publish",
        "new-version",
        "request-takedown",
        "approve-takedown",
        "reject-takedown",
    ]
    assert "申请下架" in response.text and "审核记录" in response.text


@pytest.mark.parametrize(
    ("datalist", "expected", "absent"),
    [
        ("dl-regions", "江苏省/苏州市", None),
        ("dl-categories", "公安/户政管理/居民身份证申领", "公安/户政管理"),
        ("dl-departments", "苏州市公安局", None),
    ],
)
def test_editor_suggests_the_names_the_api_accepts(
    site: TestClient, datalist: str, expected: str, absent: str | None
) -> None:
    text = site.get("/staff/entries/new").text
    start = text.index(f'<datalist id="{datalist}">')
    block = text[start : text.index("</datalist>", start)]
    values = [attrs["value"] for _, attrs in Elements(block).tags if "value" in attrs]
    assert expected in values
    if absent is not None:
        assert absent not in values  # only level-3 categories can be submitted


def test_theme_choices_and_labels_for_the_history(site: TestClient) -> None:
    text = site.get("/staff/entries/DEMO-001").text
    page = Elements(text)
    themes = [attrs.get("value") for attrs in page.find("option") if attrs.get("value") is not None]
    assert "居民身份证" in themes and "" in themes
    start = text.index('<script type="application/json" id="staff-labels">')
    payload = text[text.index(">", start) + 1 : text.index("</script>", start)]
    labels: dict[str, Any] = json.loads(payload)
    assert labels["actions"]["dept_approve"] == "部门审核通过"
    assert labels["actions"]["expire"] == "到期自动失效"
    assert labels["states"]["submitted"] == "待部门审核"


def test_reference_names_with_markup_are_escaped(site: TestClient, tmp_path: Path) -> None:
    entry = xss_entry("STAFF-XSS-1") | {"department": MARKUP_DEPARTMENT}
    publish_entries(site, [entry], tmp_path)
    for path in ("/staff", "/staff/entries/new", "/staff/desk"):
        text = site.get(path).text
        assert '<script>alert("d")' not in text, path
        assert "&lt;script&gt;alert(&#34;d&#34;)&lt;/script&gt;测试局" in text, path


@pytest.mark.parametrize("bad", ["a<b", "x" * 65, "a b", "中文编号"])
def test_malformed_entry_ids_get_a_page_shaped_404(site: TestClient, bad: str) -> None:
    response = site.get(f"/staff/entries/{bad}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "条目编号格式不正确" in response.text
    assert "<b" not in response.text.split("<main", 1)[1].split("</main>", 1)[0].replace("<b>", "")


def test_desk_page_has_four_required_elements_and_the_server_clock(site: TestClient) -> None:
    text = site.get("/staff/desk").text
    page = Elements(text)
    assert page.one("section", id="desk-queue")["data-now"] == "2026-06-01T10:00:00+08:00"
    form_fields = {
        "basis": ("textarea", "政策/法律依据"),
        "answer": ("textarea", "实质性答复"),
        "phone": ("input", "进一步咨询电话"),
        "signature": ("input", "部门署名"),
    }
    for name, (tag, label) in form_fields.items():
        field = page.one(tag, name=name)
        assert "required" in field, name
        assert page.one("div", data_field=name)
        assert label in text
    assert page.one("form", id="route-form") and page.one("form", id="review-form")
    tabs = [attrs["data-queue"] for attrs in page.find("button") if attrs.get("data-queue")]
    assert tabs[:4] == ["received", "overdue", "due-today", "answered"]
    departments = {attrs.get("value") for attrs in page.find("option")}
    assert any(value and value.isdigit() for value in departments)  # the queue filter takes an id


@pytest.mark.parametrize("name", ["staff.js", "staff_entry.js", "staff_desk.js", "auth.js"])
def test_staff_scripts_never_write_markup(name: str) -> None:
    """Entry and question text reaches the page through Hotline.el (textContent) only."""
    source = (STATIC_DIR / "js" / name).read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, f"{name} uses {sink}"
