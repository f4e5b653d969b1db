"""The embedded engine's shortcuts on the search path keep exactly the documented behaviour.

Why these tests: search leaves out the kind filter (the scored fields exist only on entry
documents) and checks expiry once per index generation and day instead of per query; both are
easy to break silently by adding a field or caching too broadly.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from indexer.engine import QA, IndexDoc, SearchRequest
from indexer.tantivy_engine import TantivyEngine

TODAY = date(2026, 6, 1)


def entry(
    doc_id: str, title: str, effective_to: date | None = None, questions: tuple[str, ...] = ()
) -> IndexDoc:
    return IndexDoc(
        id=doc_id,
        version=1,
        title=title,
        region="苏州市",
        region_path=("江苏省", "苏州市"),
        effective_to=effective_to,
        interpretation=f"{title}的办理说明。",
        qas=tuple(QA(q, f"{title}：请到窗口办理。", ("老人" + q,)) for q in questions),
    )


def find(engine: TantivyEngine, q: str, today: date = TODAY, **kwargs: object) -> tuple[int, list[str]]:
    result = engine.search(SearchRequest(q=q, today=today, **kwargs))  # type: ignore[arg-type]
    return result.total, [hit.id for hit in result.hits]


@pytest.mark.parametrize("q", ["公积金怎么提取", "老人公积金怎么提取", "公积金提取", "提取"])
def test_question_documents_never_count_as_hits(search: TantivyEngine, q: str) -> None:
    questions = ("公积金怎么提取", "公积金提取要多久")
    search.index([entry("F1", "住房公积金提取", questions=questions)])
    search.commit()
    assert find(search, q) == (1, ["F1"])


@pytest.mark.parametrize(("days_later", "found"), [(0, True), (1, False), (30, False)])
def test_expiry_follows_the_day_within_one_index_generation(
    search: TantivyEngine, days_later: int, found: bool
) -> None:
    search.index([entry("X1", "生育津贴申领", effective_to=TODAY), entry("K1", "生育登记")])
    search.commit()
    assert set(find(search, "生育", TODAY)[1]) == {"X1", "K1"}
    total, ids = find(search, "生育", TODAY + timedelta(days=days_later))
    assert ("X1" in ids) is found and "K1" in ids and total == len(ids)


def test_an_expired_document_is_filtered_in_a_later_generation(search: TantivyEngine) -> None:
    search.index([entry("A1", "居住证申领")])
    search.commit()
    assert find(search, "居住证") == (1, ["A1"])
    search.index([entry("A2", "居住证签注", effective_to=TODAY - timedelta(days=1))])
    search.commit()
    assert find(search, "居住证") == (1, ["A1"])


@pytest.mark.parametrize("region", ["苏州市", "江苏省", "无锡市"])
def test_region_filter_with_term_queries(search: TantivyEngine, region: str) -> None:
    search.index([entry("R1", "居住证申领")])
    search.commit()
    assert find(search, "居住证", region=region) == ((0, []) if region == "无锡市" else (1, ["R1"]))


@pytest.fixture
def common_words(search: TantivyEngine, monkeypatch: pytest.MonkeyPatch) -> TantivyEngine:
    """12 entries about 居住证 (a common word here), one of them about 补办 (a rare one); the
    common-words first pass is switched on at this size, as it is from 20,000 entries."""
    from indexer import tantivy_query

    monkeypatch.setattr(tantivy_query, "COMMON_MIN_DOCS", 0)
    titles = [f"居住证签注第{i}号" for i in range(11)]
    search.index([entry(f"C{i}", title) for i, title in enumerate(titles)] + [entry("R1", "居住证补办")])
    search.commit()
    return search


def test_rare_words_decide_the_candidates_when_they_fill_the_page(common_words: TantivyEngine) -> None:
    assert find(common_words, "居住证补办", size=1) == (1, ["R1"])  # only entries holding 补办


@pytest.mark.parametrize(("size", "page"), [(10, 1), (1, 2)])
def test_a_page_the_rare_words_cannot_fill_comes_from_the_whole_query(
    common_words: TantivyEngine, monkeypatch: pytest.MonkeyPatch, size: int, page: int
) -> None:
    from indexer import tantivy_query

    total, ids = find(common_words, "居住证补办", size=size, page=page)
    monkeypatch.setattr(tantivy_query, "COMMON_MIN_DOCS", 10**9)  # the whole query, always
    assert (total, ids) == find(common_words, "居住证补办", size=size, page=page)
    assert total == 12 and len(ids) == size and (page > 1 or ids[0] == "R1")


@pytest.mark.parametrize(
    ("q", "expected_total"),
    [
        ("护照办理", 0),  # the rare word names no entry, 办理 (in every entry) may not stand in for it
        ("补办 办理", 1),  # the rare word of the matter decides
        ("居住证 办理", 12),  # the matter's word is common here: every entry holding it
    ],
)
def test_intent_words_never_make_candidates_on_the_common_words_path(
    common_words: TantivyEngine, q: str, expected_total: int
) -> None:
    total, ids = find(common_words, q, size=20)
    assert total == expected_total == len(ids)
