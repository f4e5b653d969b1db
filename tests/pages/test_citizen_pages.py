"""Citizen pages without JavaScript: the main content is in the server's HTML, user text is escaped."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from demo_site import publish_entries, xss_entry
from fastapi.testclient import TestClient


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_home_has_the_search_box_and_every_demo_theme(site: TestClient) -> None:
    page = site.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<form class="search-form-wrap" action="/search" method="get"' in page.text
    for theme in ["居民身份证", "户籍办理", "住房租房", "医疗保障", "教育", "卫生健康"]:
        assert f'data-theme="{theme}"' in page.text, theme
    assert '<a href="/entries/DEMO-001">居民身份证首次申领</a>' in page.text


def test_home_links_only_public_css_and_js(site: TestClient) -> None:
    page = site.get("/")
    assets = re.findall(r'(?:href|src)="([^"]+\.(?:css|js)[^"]*)"', page.text)
    assert assets, "the page loads no assets"
    for url in assets:
        assert url.startswith("/static/"), url
        assert site.get(url).status_code == 200, url


def test_results_show_total_highlights_and_links(site: TestClient) -> None:
    page = site.get("/search", params={"q": "身份证丢了怎么补办"})
    assert page.status_code == 200
    total = re.search(r'id="result-total">找到 <strong>(\d+)</strong>', page.text)
    assert total and int(total.group(1)) > 0
    assert "<em>" in page.text  # highlights survive as marks
    assert re.search(r'<a href="/entries/DEMO-\d+">', page.text)


@pytest.mark.parametrize(
    ("field", "value"),
    [("region", "江苏省/苏州市"), ("theme", "居民身份证"), ("department", "苏州市公安局")],
)
def test_a_chosen_filter_stays_selected_and_narrows_the_results(
    site: TestClient, field: str, value: str
) -> None:
    everything = site.get("/search", params={"q": "办理"})
    narrowed = site.get("/search", params={"q": "办理", field: value})
    assert narrowed.status_code == 200
    assert f'<option value="{value}" selected>' in narrowed.text.replace("\u3000", "")
    count = lambda html: int(re.search(r"找到 <strong>(\d+)</strong>", html).group(1))  # noqa: E731
    assert 0 < count(narrowed.text) <= count(everything.text)


def test_paging_links_keep_the_query_and_filters(site: TestClient) -> None:
    first = site.get("/search", params={"q": "怎么办", "region": "江苏省"})
    match = re.search(r'href="(/search\?[^"]+)" rel="next"', first.text)
    assert match, "expected a second page of results"
    url = match.group(1).replace("&amp;", "&")
    assert "region=" in url and "q=" in url and "page=2" in url
    second = site.get(url)
    assert "第 2/" in second.text
    assert 'rel="prev"' in second.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "请输入要查找的问题或关键词"),
        ({"q": "   "}, "请输入要查找的问题或关键词"),
        ({"q": "x" * 10_001}, "检索内容过长"),
    ],
)
def test_bad_queries_get_a_chinese_message_on_the_page(site: TestClient, params: dict, message: str) -> None:
    page = site.get("/search", params=params)
    assert page.status_code in (200, 422)
    assert page.headers["content-type"].startswith("text/html")
    assert message in page.text


@pytest.mark.parametrize("page_param", ["abc", "0", "-1", "999999", "²", "٣", "9" * 5000])
def test_a_bad_page_number_still_renders_results(site: TestClient, page_param: str) -> None:
    page = site.get("/search", params={"q": "身份证", "page": page_param})
    assert page.status_code == 200
    assert "找到 <strong>" in page.text


def test_no_results_offer_to_ask_the_question(site: TestClient) -> None:
    page = site.get("/search", params={"q": "火星移民签证"})
    assert page.status_code == 200
    assert "没有找到与「火星移民签证」相关的内容" in page.text
    assert f'href="/ask?text={quote("火星移民签证")}"' in page.text


def test_entry_page_has_all_three_sections_dates_phone_and_related(site: TestClient) -> None:
    page = site.get("/entries/DEMO-001")
    assert page.status_code == 200
    html = page.text
    for panel, title in [("original", "原文"), ("interpretation", "解读"), ("qa", "问答")]:
        assert f'id="panel-{panel}"' in html
        assert f'<h2 class="panel-title">{title}</h2>' in html
    assert "第一次办身份证需要带什么材料？" in html  # a Q&A, visible without JS
    assert '<dd id="effective-from">2023-03-01</dd>' in html
    assert '<dd id="effective-to">长期有效</dd>' in html
    assert 'href="tel:12345"' in html
    related = re.search(r'<ul id="related">(.*?)</ul>', html, re.S)
    assert related and 1 <= related.group(1).count("<li>") <= 3
    assert "这条信息对您有帮助吗？" in html


@pytest.mark.parametrize("entry_id", ["NO-SUCH-ENTRY", "x" * 300, "%3Cscript%3E"])
def test_a_missing_entry_is_a_404_page(site: TestClient, entry_id: str) -> None:
    page = site.get(f"/entries/{entry_id}")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "条目不存在" in page.text
    assert "<script>" not in page.text


def test_theme_page_lists_the_collection(site: TestClient) -> None:
    page = site.get("/themes/" + quote("居民身份证"))
    assert page.status_code == 200
    assert "<h1>居民身份证</h1>" in page.text
    assert '<a href="/entries/DEMO-001">' in page.text
    assert site.get("/themes/" + quote("不存在的主题")).status_code == 404


def test_markup_in_an_entry_is_shown_as_text_everywhere(site: TestClient, tmp_path: Path) -> None:
    publish_entries(site, [xss_entry("XSS-CITIZEN-1")], tmp_path)
    entry = site.get("/entries/XSS-CITIZEN-1").text
    results = site.get("/search", params={"q": "加急办理身份证"}).text
    theme = site.get("/themes/" + quote("居民身份证") + "?page=1").text
    for html in (entry, results):
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
        assert "<img" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in entry.replace("&quot;", "&#34;")
    assert "XSS-CITIZEN-1" in results
    assert "<script>alert" not in theme


@pytest.mark.parametrize("script", ["api.js", "citizen.js", "desk.js"])
def test_public_scripts_never_write_markup(script: str) -> None:
    """User and entry text reaches the DOM through textContent only (api.js el/highlightNodes)."""
    from search_api.pages import STATIC_DIR

    source = (STATIC_DIR / "js" / script).read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, f"{script} uses {sink}"
