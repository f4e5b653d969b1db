"""Behaviour every search engine must share: filters, versions, ranking basics, ask/related/suggest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from indexer.engine import QA, IndexDoc, SearchRequest

TODAY = date(2026, 6, 1)


def doc(
    doc_id: str,
    title: str,
    region_path: tuple[str, ...] = ("江苏省",),
    version: int = 1,
    questions: tuple[str, ...] = (),
    effective_to: date | None = None,
    theme: str = "户籍办理",
    text: str = "",
) -> IndexDoc:
    return IndexDoc(
        id=doc_id,
        version=version,
        title=title,
        department=f"{region_path[-1]}公安局",
        region=region_path[-1],
        region_path=region_path,
        category_path=("公安", "户政管理"),
        theme=theme,
        effective_to=effective_to,
        interpretation=text or f"{title}的办理说明。",
        qas=tuple(QA(q, f"{title}：请携带身份证件到窗口办理。") for q in questions),
    )


def load(engine: Any, *docs: IndexDoc) -> None:
    engine.index(list(docs))
    engine.commit()


def ids(engine: Any, q: str, **kwargs: Any) -> list[str]:
    return [h.id for h in engine.search(SearchRequest(q=q, today=TODAY, **kwargs)).hits]


REGION_DOCS = (
    doc("P1", "居住证申领", ("江苏省",)),
    doc("S1", "居住证申领", ("江苏省", "苏州市")),
    doc("G1", "居住证申领", ("江苏省", "苏州市", "姑苏区")),
    doc("W1", "居住证申领", ("江苏省", "无锡市")),
    doc("B1", "居住证申领", ("北京市",)),
)


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("苏州市", {"P1", "S1", "G1"}),
        ("江苏省/苏州市", {"P1", "S1", "G1"}),
        ("姑苏区", {"P1", "S1", "G1"}),
        ("无锡市", {"P1", "W1"}),
        ("江苏省", {"P1", "S1", "G1", "W1"}),
        ("北京市", {"B1"}),
        (None, {"P1", "S1", "G1", "W1", "B1"}),
    ],
)
def test_region_filter_includes_levels_above_and_places_inside(
    engine: Any, region: str | None, expected: set[str]
) -> None:
    load(engine, *REGION_DOCS)
    assert set(ids(engine, "居住证", region=region)) == expected


@pytest.mark.parametrize(
    ("effective_to", "visible"),
    [(None, True), (TODAY, True), (TODAY + timedelta(days=1), True), (TODAY - timedelta(days=1), False)],
)
def test_expired_entries_never_appear(engine: Any, effective_to: date | None, visible: bool) -> None:
    load(engine, doc("E1", "生育津贴申领", effective_to=effective_to, questions=("生育津贴怎么领",)))
    assert (ids(engine, "生育津贴") == ["E1"]) is visible
    assert bool(engine.ask("生育津贴怎么领", TODAY)) is visible
    assert bool(engine.suggest("生育", TODAY)) is visible


def test_hit_carries_display_fields_and_highlight(engine: Any) -> None:
    load(engine, doc("A1", "居民身份证丢失补领", ("江苏省", "苏州市"), questions=("身份证丢了怎么补办？",)))
    hit = engine.search(SearchRequest(q="身份证 补领", today=TODAY)).hits[0]
    assert (hit.id, hit.title, hit.region, hit.department) == (
        "A1",
        "居民身份证丢失补领",
        "苏州市",
        "苏州市公安局",
    )
    assert hit.theme == "户籍办理"
    assert "<em>" in hit.highlight["title"] and "补领" in hit.highlight["title"]
    assert hit.highlight["snippet"]
    assert hit.matched_question == "身份证丢了怎么补办？"
    assert hit.score > 0


def test_highlight_escapes_markup_from_stored_text(engine: Any) -> None:
    load(engine, doc("X1", "居住证<script>申领", text="居住证<b>说明</b>"))
    hit = engine.search(SearchRequest(q="居住证", today=TODAY)).hits[0]
    assert "<script>" not in hit.highlight["title"] and "&lt;script&gt;" in hit.highlight["title"]


def test_stale_version_never_overwrites_newer(engine: Any) -> None:
    load(engine, doc("V1", "公积金提取新规", version=2))
    outcome = engine.index([doc("V1", "公积金提取旧规", version=1)])
    engine.commit()
    assert outcome.skipped == 1 and outcome.applied == 0
    assert [h.title for h in engine.search(SearchRequest(q="公积金提取", today=TODAY)).hits] == [
        "公积金提取新规"
    ]


def test_replaying_the_same_version_changes_nothing(engine: Any) -> None:
    load(engine, doc("R1", "医保卡补办", questions=("医保卡丢了怎么办",)))
    outcome = engine.index([doc("R1", "医保卡补办", questions=("医保卡丢了怎么办",))])
    engine.commit()
    assert (outcome.applied, outcome.skipped) == (0, 1)
    assert ids(engine, "医保卡") == ["R1"]
    assert [m.entry_id for m in engine.ask("医保卡丢了怎么办", TODAY)] == ["R1"]


def test_delete_removes_and_blocks_older_upserts(engine: Any) -> None:
    load(engine, doc("D1", "出生医学证明补发", version=1, questions=("出生证明丢了能补吗",)))
    engine.delete([("D1", 2)])
    engine.commit()
    assert ids(engine, "出生医学证明") == []
    assert engine.ask("出生证明丢了能补吗", TODAY) == []
    load(engine, doc("D1", "出生医学证明补发", version=1))
    assert ids(engine, "出生医学证明") == []
    load(engine, doc("D1", "出生医学证明补发", version=3))
    assert ids(engine, "出生医学证明") == ["D1"]


def test_stale_delete_is_ignored(engine: Any) -> None:
    load(engine, doc("D2", "居住证签注", version=5))
    outcome = engine.delete([("D2", 4)])
    engine.commit()
    assert outcome.skipped == 1
    assert ids(engine, "居住证签注") == ["D2"]


def test_pagination_is_disjoint_and_complete(engine: Any) -> None:
    load(engine, *(doc(f"N{i:02d}", f"公租房申请第{i}号指南") for i in range(13)))
    pages = [ids(engine, "公租房", page=p, size=5) for p in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [5, 5, 3, 0]
    assert len({i for p in pages for i in p}) == 13
    assert engine.search(SearchRequest(q="公租房", today=TODAY, page=2, size=5)).total == 13


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("theme", "教育", {"T2"}),
        ("department", "江苏省公安局", {"T1", "T2"}),
        ("category", "户政管理", {"T1", "T2"}),
        ("category", "公安/户政管理", {"T1", "T2"}),
        ("theme", "不存在", set()),
    ],
)
def test_filters(engine: Any, field: str, value: str, expected: set[str]) -> None:
    load(engine, doc("T1", "户口迁移办理"), doc("T2", "户口迁移入学", theme="教育"))
    assert set(ids(engine, "户口迁移", **{field: value})) == expected


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "AND OR NOT",
        "居住证 AND (",
        "title:居住证",
        "居住*",
        "^2",
        "~",
        "[1 TO 2]",
        "((()",
        "\x00\x01",
        "😀😀",
        "居住证" * 3000,
        "的了吗",
        "   ",
        "",
    ],
)
def test_hostile_queries_never_raise(engine: Any, q: str) -> None:
    load(engine, doc("H1", "居住证申领"))
    result = engine.search(SearchRequest(q=q, today=TODAY))
    assert result.total >= 0
    assert isinstance(engine.ask(q, TODAY), list)
    assert isinstance(engine.suggest(q, TODAY), list)


def test_fallback_when_not_all_words_match(engine: Any) -> None:
    load(engine, doc("F1", "居住证申领"))
    assert ids(engine, "居住证 火星 月球 土星") == ["F1"]


def test_ask_flags_same_question_and_prefers_it(engine: Any) -> None:
    load(
        engine,
        doc("Q1", "居民身份证丢失补领", questions=("身份证丢了怎么补办",)),
        doc("Q2", "居民身份证首次申领", questions=("第一次办身份证要带什么材料",)),
    )
    matches = engine.ask("身份证丢了怎么补办？", TODAY)
    assert matches[0].entry_id == "Q1" and matches[0].same_question
    assert matches[0].question == "身份证丢了怎么补办"
    assert all(not m.same_question for m in matches[1:])


def test_ask_answers_with_the_matched_questions_own_answer(engine: Any) -> None:
    qas = (
        QA("身份证丢了怎么补办", "到派出所申请补领。", ("身份证不见了去哪补",)),
        QA("补办身份证要多少钱", "补领工本费四十元。", ("补身份证收费吗",)),
    )
    load(engine, replace(doc("A1", "居民身份证补领"), qas=qas))
    for asked, answer in (
        ("补身份证收费吗", "补领工本费四十元。"),
        ("身份证不见了去哪补", "到派出所申请补领。"),
    ):
        match = engine.ask(asked, TODAY)[0]
        assert (match.entry_id, match.answer) == ("A1", answer), asked


def test_related_is_three_distinct_matters_never_itself(engine: Any) -> None:
    load(
        engine,
        doc("M0", "居住证申领", ("江苏省", "苏州市")),
        doc("M1", "居住证申领", ("江苏省", "无锡市")),
        doc("M2", "居住证签注", ("江苏省", "苏州市")),
        doc("M3", "居住证积分管理", ("江苏省", "苏州市")),
        doc("M4", "居住证换领", ("江苏省",)),
        doc("M5", "居住证遗失补领", ("江苏省", "苏州市"), effective_to=TODAY - timedelta(days=1)),
    )
    related = engine.related("M0", TODAY)
    assert related is not None
    got = [r.id for r in related]
    assert len(got) == 3 and "M0" not in got and "M5" not in got
    assert "M1" not in got  # the 无锡市 copy of the same matter loses to other matters
    assert got[0] in {"M2", "M3"}  # same region first


def test_related_fills_three_when_little_is_similar(engine: Any) -> None:
    load(engine, doc("L0", "居住证申领"), doc("L1", "生育津贴"), doc("L2", "公租房"), doc("L3", "新生儿落户"))
    related = engine.related("L0", TODAY)
    assert related is not None and sorted(r.id for r in related) == ["L1", "L2", "L3"]


def test_related_of_unknown_or_expired_entry_is_none(engine: Any) -> None:
    load(engine, doc("O1", "居住证申领", effective_to=TODAY - timedelta(days=3)))
    assert engine.related("O1", TODAY) is None
    assert engine.related("nope", TODAY) is None


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("居住", "居住证申领"), ("jzz", "居住证申领"), ("身份证丢", "身份证丢了怎么补办")],
)
def test_suggest_by_prefix_and_pinyin_initials(engine: Any, prefix: str, expected: str) -> None:
    load(engine, doc("G1", "居住证申领", questions=("身份证丢了怎么补办",)), doc("G2", "公租房申请"))
    assert expected in engine.suggest(prefix, TODAY)
    assert "公租房申请" not in engine.suggest(prefix, TODAY)


def test_health_reports_documents(engine: Any) -> None:
    load(engine, doc("Z1", "居住证申领"), doc("Z2", "公租房申请"))
    health = engine.health()
    assert health["status"] == "ok" and health["documents"] == 2 and health["engine"] == engine.name


def test_words_only_in_the_original_text_are_found(engine: Any) -> None:
    load(engine, doc("B1", "居住证申领", text="依据苏政办发〔2021〕88号文件执行。"), doc("B2", "公租房申请"))
    assert ids(engine, "苏政办发") == ["B1"]


INTENT_DOCS = (
    doc("I1", "居住证申领", questions=("居住证怎么办理？",)),
    doc("I2", "公租房申请", questions=("公租房申请需要什么材料？",)),
    doc("I3", "出生登记办理流程", questions=("出生登记怎么办理？",)),
)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # no entry names 护照: nothing, rather than every entry that says 办理 (a knowledge gap)
        ("护照怎么办", set()),
        ("护照办理需要带什么材料", set()),
        # the matter decides which entries; 办理 and 材料 only rank them
        ("居住证怎么办理", {"I1"}),
        ("公租房申请材料", {"I2"}),
        # nothing but intent words: every entry that holds them may answer (all say 办理)
        ("办理流程", {"I1", "I2", "I3"}),
    ],
)
def test_intent_words_never_make_a_hit_alone(engine: Any, q: str, expected: set[str]) -> None:
    load(engine, *INTENT_DOCS)
    assert set(ids(engine, q, size=10)) == expected


def test_ask_never_matches_on_intent_words_alone(engine: Any) -> None:
    load(engine, *INTENT_DOCS)
    assert engine.ask("护照怎么办理？", TODAY) == []
    matches = engine.ask("居住证怎么办？", TODAY)
    assert [m.entry_id for m in matches] == ["I1"] and matches[0].question == "居住证怎么办理？"


def test_an_unknown_name_is_found_however_jieba_cut_it(engine: Any) -> None:
    """锡康码 is in no dictionary; jieba cuts 外地人用锡康码登记 as 用锡康码, the query as 锡康码."""
    load(
        engine,
        doc("N1", "来锡人员健康登记", questions=("外地人用锡康码登记吗？",)),
        doc("N2", "居住证申领", questions=("居住证怎么办理？",)),
    )
    assert ids(engine, "锡康码") == ["N1"]
    assert [m.entry_id for m in engine.ask("锡康码怎么登记", TODAY)] == ["N1"]
