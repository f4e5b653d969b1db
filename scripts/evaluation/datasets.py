"""Readers for the eval folder's formats (corpus/queries JSONL, q1<TAB>q2 pair files).

The data is read from wherever --corpus etc. point and is never copied into the project; the one
file written here is a throwaway JSONL (in a temp dir) that turns pair questions into entries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from evaluation.metrics import EntryFacts


@dataclass(frozen=True)
class Query:
    qid: str
    text: str
    kind: str
    region: str | None
    relevant: dict[str, int]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_queries(path: Path, kinds: set[str] | None = None) -> list[Query]:
    queries = [
        Query(row["qid"], row["query"], row["kind"], row.get("region"), dict(row["relevant"]))
        for row in read_jsonl(path)
    ]
    return [q for q in queries if kinds is None or q.kind in kinds]


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def entry_facts(*paths: Path) -> dict[str, EntryFacts]:
    return {
        row["id"]: EntryFacts(row.get("region") or "", _date(row.get("effective_to")))
        for path in paths
        for row in read_jsonl(path)
    }


def entry_text(row: dict[str, Any]) -> str:
    """The raw concatenated text of an entry, as the baselines index it."""
    parts: list[str] = [row.get("title") or ""]
    for qa in row.get("qas") or []:
        parts.append(qa.get("question") or "")
        parts.extend(qa.get("similar_questions") or [])
        parts.append(qa.get("answer") or "")
    parts += [row.get("interpretation") or "", row.get("original_text") or ""]
    parts += list(row.get("keywords") or [])
    return "\n".join(p for p in parts if p)


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """``q1<TAB>q2`` rows after the one header line."""
    pairs = []
    with path.open(encoding="utf-8") as handle:
        next(handle, None)
        for line in handle:
            q1, sep, q2 = line.rstrip("\n").partition("\t")
            if sep and q1.strip() and q2.strip():
                pairs.append((q1.strip(), q2.strip()))
    return pairs


PAIR_KINDS = ("pos", "neg", "neg_hard")


def pair_files(pairs_dir: Path, family: str) -> dict[str, Path]:
    files = {kind: pairs_dir / f"{family}.{kind}.tsv" for kind in PAIR_KINDS}
    return {kind: path for kind, path in files.items() if path.is_file()}


def write_question_corpus(questions: list[str], out: Path, region: str) -> dict[str, str]:
    """One entry per distinct question (its only Q&A pair); returns question -> entry id.

    Every element the importer requires is filled with neutral values so only the question text
    differs between entries; the answer repeats the question so the entry is not empty.
    """
    ids: dict[str, str] = {}
    with out.open("w", encoding="utf-8") as handle:
        for question in questions:
            if question in ids:
                continue
            entry_id = f"P{len(ids) + 1:06d}"
            ids[question] = entry_id
            record = {
                "id": entry_id,
                "theme": "",
                "category": ["综合", "咨询", "其他咨询"],
                "title": question[:100],
                "department": f"{region}人民政府办公厅",
                "region": region,
                "effective_from": "2020-01-01",
                "effective_to": None,
                "original_text": "",
                "interpretation": "",
                "qas": [{"question": question, "answer": question, "similar_questions": []}],
                "contact_phone": "12345",
                "keywords": [],
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return ids
