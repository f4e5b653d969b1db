"""The index analyses exactly like analyzers/: same tokens, same synonym expansion, versions in _meta."""

from __future__ import annotations

import json
import re
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from analyzers.pipeline import Analyzer
from indexer.engine import QA, IndexDoc, SearchRequest
from indexer.opensearch_docs import INDEX_ANALYZER, MAPPING_FILE, SYNONYM_ANALYZER, synonym_lines
from indexer.opensearch_engine import OpenSearchEngine

DEMO = Path(__file__).resolve().parents[2] / "records" / "demo" / "entries.jsonl"
TODAY = date(2026, 6, 1)


def demo_texts() -> list[str]:
    """Titles, questions, answers and the sentences of every demo entry's texts."""
    texts: list[str] = []
    for line in DEMO.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts.append(row["title"])
        for qa in row.get("qas", []):
            texts.extend([qa["question"], qa["answer"], *qa.get("similar_questions", [])])
        for field in ("original_text", "interpretation"):
            texts.extend(part for part in re.split(r"(?<=[。；！？])", row.get(field) or "") if part.strip())
    return list(dict.fromkeys(texts))


def analyze(engine: OpenSearchEngine, analyzer: str, text: str) -> list[str]:
    body = {"analyzer": analyzer, "text": text}
    return [t["token"] for t in engine.client.indices.analyze(index=engine.alias, body=body)["tokens"]]


def test_demo_sample_is_large_enough() -> None:
    assert len(demo_texts()) >= 200


def test_texts_tokenize_identically(os_engine: OpenSearchEngine, analyzer: Analyzer) -> None:
    os_engine.admin.ensure()
    texts = demo_texts()
    differing = []
    for text in texts:
        tokens = analyzer.index_tokens(text)
        if analyze(os_engine, INDEX_ANALYZER, " ".join(tokens)) != tokens:
            differing.append(text)
    assert differing == [] and len(texts) >= 200


def test_query_terms_are_single_index_tokens(os_engine: OpenSearchEngine, analyzer: Analyzer) -> None:
    os_engine.admin.ensure()
    for text in demo_texts()[:60]:
        for term in analyzer.analyze_query(text).terms:
            assert analyze(os_engine, INDEX_ANALYZER, term.text) == [term.text]


def test_synonym_graph_expands_like_python(os_engine: OpenSearchEngine, analyzer: Analyzer) -> None:
    os_engine.admin.ensure()
    table = analyzer.data.synonyms
    words = sorted(table.words)[::7]  # a spread over the whole table, one request each
    differing = {
        word: analyze(os_engine, SYNONYM_ANALYZER, word)
        for word in words
        if set(analyze(os_engine, SYNONYM_ANALYZER, word)) != {word, *table.expand(word)}
    }
    assert differing == {} and len(words) > 100


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("老公, 丈夫 => 配偶", ["老公 => 老公, 配偶", "丈夫 => 丈夫, 配偶"]),
        ("医保, 医疗保险", ["医保, 医疗保险"]),
    ],
)
def test_synonym_lines_keep_one_way_sources_apart(tmp_path: Path, rule: str, expected: list[str]) -> None:
    for name in ("user_dict.txt", "stopwords.txt"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "synonyms.txt").write_text(rule + "\n", encoding="utf-8")
    assert synonym_lines(Analyzer(tmp_path, poll_seconds=None)) == expected


def test_mapping_file_is_versioned_and_keeps_placeholders() -> None:
    body = json.loads(MAPPING_FILE.read_text(encoding="utf-8"))
    assert MAPPING_FILE.name == "entries.v1.json"
    assert body["mappings"]["_meta"]["mapping_version"] == 1
    assert body["mappings"]["dynamic"] == "strict"
    assert body["settings"]["analysis"]["tokenizer"]["hotline_whitespace"]["type"] == "whitespace"


def test_first_use_creates_versioned_index_behind_alias(
    os_engine: OpenSearchEngine, analyzer: Analyzer
) -> None:
    os_engine.admin.ensure()
    target = os_engine.alias_target()
    assert target is not None and re.fullmatch(rf"{os_engine.alias}-v1-\d{{20}}", target)
    meta = os_engine.admin.meta()
    assert meta["tokenization_version"] == analyzer.tokenization_version
    assert meta["mapping_version"] == 1
    health = os_engine.health()
    assert (health["status"], health["index"], health["documents"]) == ("ok", target, 0)


def test_racing_first_uses_leave_one_index(
    os_url: str, os_engine: OpenSearchEngine, analyzer: Analyzer
) -> None:
    others = [OpenSearchEngine(os_url, analyzer, index_name=os_engine.alias) for _ in range(3)]
    threads = [threading.Thread(target=engine.admin.ensure) for engine in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(os_engine.admin.alias_targets()) == 1
    for engine in others:
        engine.close()


def entry(doc_id: str, title: str, version: int = 1) -> IndexDoc:
    return IndexDoc(id=doc_id, version=version, title=title, region_path=("江苏省",), region="江苏省",
                    qas=(QA(f"{title}怎么办理", "到窗口办理。"),))  # fmt: skip


def test_swap_alias_switches_readers_at_once(os_engine: OpenSearchEngine) -> None:
    os_engine.index([entry("A1", "居住证申领")])
    os_engine.commit()
    old = os_engine.alias_target()
    new = f"{os_engine.alias}-v1-99999999999999999999"
    os_engine.create_index(new)
    outcome = os_engine.index([entry("A2", "居住证签注")], target=new)
    os_engine.client.indices.refresh(index=new)
    assert outcome.applied == 1
    os_engine.swap_alias(new)
    assert os_engine.alias_target() == new
    assert [h.id for h in os_engine.search(SearchRequest(q="居住证", today=TODAY)).hits] == ["A2"]
    os_engine.client.indices.delete(index=old)


def test_versions_for_reconcile(os_engine: OpenSearchEngine) -> None:
    os_engine.index([entry("V1", "公租房申请", 3), entry("V2", "医保卡补办", 5), entry("V3", "生育津贴", 1)])
    os_engine.delete([("V2", 6)])
    os_engine.commit()
    assert os_engine.all_versions() == {"V1": 3, "V3": 1}
    assert os_engine.indexed_versions(["V1", "V2", "nope"]) == {"V1": 3, "V2": 6}


def test_rejected_documents_are_reported_with_reason(os_engine: OpenSearchEngine) -> None:
    from indexer.opensearch_client import bulk

    os_engine.admin.ensure()
    items: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"index": {"_index": os_engine.alias, "_id": "bad"}}, {"id": "bad", "eff_to": "not-a-date"}),
        ({"index": {"_index": os_engine.alias, "_id": "ok"}}, {"id": "ok", "kind": "entry"}),
    ]
    outcome = bulk(os_engine.client, items)
    assert outcome.applied == 1
    assert [doc_id for doc_id, _ in outcome.rejected] == ["bad"]
    assert "eff_to" in outcome.rejected[0][1]


def test_health_asks_for_reindex_when_tokenization_changed(
    os_url: str, os_engine: OpenSearchEngine, tmp_path: Path
) -> None:
    os_engine.admin.ensure()
    (tmp_path / "user_dict.txt").write_text("居住证积分 10 n\n", encoding="utf-8")
    for name in ("synonyms.txt", "stopwords.txt"):
        (tmp_path / name).write_text("", encoding="utf-8")
    edited = Analyzer(tmp_path, poll_seconds=None)
    reader = OpenSearchEngine(os_url, edited, index_name=os_engine.alias)
    health = reader.health()
    reader.close()
    assert edited.tokenization_version != os_engine.analyzer.tokenization_version
    assert (health["status"], health["index_analyzer_version"]) == (
        "needs_reindex",
        os_engine.analyzer.tokenization_version,
    )
