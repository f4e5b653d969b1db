"""Question desk pages without JavaScript: ask, see the number and matches, read a published answer."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

NUMBER = re.compile(r'id="ask-number">(Q\d{13})<')
ANSWER = {
    "basis": "《苏州市居民身份证办理规定》第五条",
    "answer": "可到任一户籍窗口补领，本人到场<b>即可</b>。",
    "phone": "0512-65225661",
    "signature": "苏州市公安局",
}


def login(site: TestClient, username: str, password: str) -> dict[str, str]:
    response = site.post("/api/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def ask(site: TestClient, text: str, **fields: str) -> str:
    page = site.post("/ask", data={"text": text, **fields})
    assert page.status_code == 201, page.text
    found = NUMBER.search(page.text)
    assert found
    return found.group(1)


def publish_answer(site: TestClient, number: str) -> None:
    """The real desk path: a manager routes, the department answers, the manager publishes."""
    manager = login(site, "manager", "demo-pass-4")
    routed = site.post(f"/api/questions/{number}/route", json={"department": "苏州市公安局"}, headers=manager)
    assert routed.status_code == 200, routed.text
    specialist = login(site, "specialist-szga", "demo-pass-2")
    answered = site.post(f"/api/questions/{number}/answers", json=ANSWER, headers=specialist)
    assert answered.status_code == 201, answered.text
    published = site.post(f"/api/questions/{number}/review", json={"decision": "publish"}, headers=manager)
    assert published.status_code == 200, published.text


def test_ask_page_has_the_form_and_prefills_from_the_search_page(site: TestClient) -> None:
    page = site.get("/ask", params={"text": "火星移民签证怎么办"})
    assert page.status_code == 200
    assert '<form class="card" id="ask-form" method="post" action="/ask"' in page.text
    assert ">火星移民签证怎么办</textarea>" in page.text
    assert 'id="live-matches"' in page.text
    assert '<option value="江苏省/苏州市">' in page.text.replace("\u3000", "")


def test_submitting_without_js_shows_the_number_and_existing_answers(site: TestClient) -> None:
    page = site.post("/ask", data={"text": "身份证丢了怎么补办", "region": "江苏省/苏州市"})
    assert page.status_code == 201
    number = NUMBER.search(page.text)
    assert number
    assert f'href="/questions/{number.group(1)}"' in page.text
    assert re.search(r'<p class="q"><a href="/entries/DEMO-\d+">', page.text)


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"text": ""}, "text", "问题不能为空"),
        ({"text": "短"}, "text", "问题太短"),
        ({"text": "字" * 501}, "text", "500"),
        ({"text": "身份证丢了怎么补办", "contact": "不是电话"}, "contact", "联系方式"),
        ({"text": "身份证丢了怎么补办", "region": "不存在的地区"}, None, "未知的地区"),
    ],
)
def test_form_errors_are_chinese_and_next_to_the_field(
    site: TestClient, form: dict[str, str], field: str | None, message: str
) -> None:
    page = site.post("/ask", data=form)
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    errors = re.findall(r'<div class="(?:form-error )?field-error" role="alert">([^<]*)</div>', page.text)
    assert len(errors) == 1 and message in errors[0]
    if field:
        assert re.search(rf'<div class="field invalid">\s*<label for="ask-{field}"', page.text)
    # what the citizen typed is kept
    if form["text"]:
        assert form["text"][:20] in page.text


def test_an_unpublished_question_hides_its_words_from_others(site: TestClient) -> None:
    number = ask(site, "我的私人问题关于公积金提取")
    page = site.get(f"/questions/{number}")
    assert page.status_code == 200
    assert "我的私人问题" not in page.text
    assert "已受理" in page.text or "办理" in page.text
    assert 'id="answer"' not in page.text


def test_a_published_answer_shows_its_four_elements_and_related_entries(site: TestClient) -> None:
    number = ask(site, "在苏州身份证丢了去哪里补办", region="江苏省/苏州市")
    publish_answer(site, number)
    page = site.get(f"/questions/{number}")
    assert page.status_code == 200
    html = page.text
    assert "在苏州身份证丢了去哪里补办" in html
    for element, value in [
        ("basis", "《苏州市居民身份证办理规定》第五条"),
        ("phone", "0512-65225661"),
        ("signature", "苏州市公安局"),
    ]:
        assert re.search(rf'id="element-{element}">.*?{re.escape(value)}', html, re.S), element
    assert "本人到场&lt;b&gt;即可&lt;/b&gt;" in html  # escaped, not markup
    related = re.search(r'<ul id="related">(.*?)</ul>', html, re.S)
    assert related and 1 <= related.group(1).count("<li>") <= 3


@pytest.mark.parametrize("number", ["Q0000000000000", "abc", "Q1", "%3Cscript%3E"])
def test_unknown_or_malformed_numbers_are_404_pages(site: TestClient, number: str) -> None:
    page = site.get(f"/questions/{number}")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "问题不存在" in page.text
    assert "<script>" not in page.text


def test_a_script_in_a_question_is_shown_as_text(site: TestClient) -> None:
    text = '<script>alert("q")</script>身份证补办要带什么'
    page = site.post("/ask", data={"text": text})
    assert page.status_code == 201
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(" in page.text


def test_the_helpful_form_works_without_javascript(site: TestClient) -> None:
    sent = site.post("/entries/DEMO-001/feedback", data={"helpful": "yes"}, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/entries/DEMO-001?feedback=thanks#helpful"
    thanks = site.get(sent.headers["location"])
    assert "感谢您的反馈" in thanks.text and 'id="helpful-form"' not in thanks.text


@pytest.mark.parametrize(
    ("form", "message"),
    [({}, "请选择“有帮助”或“没帮助”"), ({"helpful": "no", "comment": "长" * 501}, "不能超过 500 个字")],
)
def test_helpful_form_errors_are_shown_on_the_entry_page(
    site: TestClient, form: dict[str, str], message: str
) -> None:
    page = site.post("/entries/DEMO-001/feedback", data=form)
    assert page.status_code == 422
    assert message in page.text
    assert 'id="helpful-form"' in page.text
