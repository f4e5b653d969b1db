"""The page renderer's escaping rules: autoescape everywhere, only <em> marks survive in highlights."""

from __future__ import annotations

import pytest

from records.errors import NotFound, ValidationFailed
from search_api.pages.render import ENV, error_field, safe_highlight


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("", ""),
        (None, ""),
        ("身份证<em>补办</em>", "身份证<em>补办</em>"),
        ("&lt;script&gt;<em>补办</em>", "&lt;script&gt;<em>补办</em>"),  # engine-escaped text stays escaped
        ("<script>alert(1)</script><em>补办</em>", "&lt;script&gt;alert(1)&lt;/script&gt;<em>补办</em>"),
        ('<img src=x onerror="a()">', "&lt;img src=x onerror=&#34;a()&#34;&gt;"),
        ("<EM>大写</EM>", "&lt;EM&gt;大写&lt;/EM&gt;"),
        ("<em>未闭合", "<em>未闭合</em>"),
        ("A &amp; B", "A &amp; B"),
    ],
)
def test_safe_highlight_keeps_only_em_marks(given: str | None, expected: str) -> None:
    assert str(safe_highlight(given)).replace("&#39;", "'").replace("&quot;", "&#34;") == expected


@pytest.mark.parametrize("template", ["base.html", "error.html"])
def test_every_template_autoescapes(template: str) -> None:
    html = ENV.get_template(template).render(
        request=None, path="/", nav="", title="<b>标题</b>", message="<script>x()</script>"
    )
    assert "<b>标题</b>" not in html and "<script>x()</script>" not in html


@pytest.mark.parametrize(
    ("error", "field"),
    [
        (None, None),
        (NotFound("x"), None),
        (ValidationFailed("x", details={"field": "text"}), "text"),
        (ValidationFailed("x", details=[{"field": "contact"}]), "contact"),
        (ValidationFailed("x", details=[{"other": 1}]), None),
        (ValidationFailed("x", details=["not a dict"]), None),
    ],
)
def test_error_field_names_the_field_an_error_is_about(error: object, field: str | None) -> None:
    assert error_field(error) == field  # type: ignore[arg-type]
