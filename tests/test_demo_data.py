"""The demo data (records/demo) and the synthetic generator (scripts/gen_synthetic).

The demo files are loaded by ``hotline serve --demo`` and the synthetic files feed the benchmarks,
so both must satisfy the import format's required elements; these tests pin that down without
depending on the importer, which validates the same rules at run time.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from records.clock import FixedClock
from records.models import Role

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "records" / "demo"
GENERATOR = ROOT / "scripts" / "gen_synthetic"

THEMES = ["居民身份证", "户籍办理", "住房租房", "医疗保障", "教育", "卫生健康"]
CITIES = ["南京市", "苏州市", "无锡市", "常州市", "南通市", "徐州市", "扬州市"]
DEMO_REGIONS = ["江苏省", *CITIES, "昆山市", "江阴市"]
PHONE = re.compile(r"^(12345|12393|12333|12329|12320|0\d{2,3}-[1-9]\d{6,7})$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REQUIRED_TEXT = ["title", "department", "region", "effective_from", "contact_phone"]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _entry_problems(entry: dict[str, Any]) -> list[str]:
    """Every violation of the import format's required elements (要素齐全) for one entry."""
    problems = [f"missing {key}" for key in REQUIRED_TEXT if not str(entry.get(key) or "").strip()]
    category = entry.get("category")
    if not (isinstance(category, list) and len(category) == 3 and all(category)):
        problems.append(f"category must be a 3-level path: {category!r}")
    if not (entry.get("original_text") or entry.get("qas")):
        problems.append("needs original_text or qas")
    if not PHONE.match(str(entry.get("contact_phone", ""))):
        problems.append(f"bad phone {entry.get('contact_phone')!r}")
    for key in ("effective_from", "effective_to"):
        value = entry.get(key)
        if value is None and key == "effective_to":
            continue
        if not (isinstance(value, str) and ISO_DATE.match(value)):
            problems.append(f"{key} not an ISO date: {value!r}")
            continue
        date.fromisoformat(value)  # raises on impossible dates such as 2023-02-30
    if entry.get("effective_to") and entry["effective_to"] < entry["effective_from"]:
        problems.append("effective_to before effective_from")
    for qa in entry.get("qas", []):
        if not (qa.get("question", "").strip() and qa.get("answer", "").strip()):
            problems.append(f"empty question or answer in {qa!r}")
    if entry.get("theme") not in THEMES:
        problems.append(f"unknown theme {entry.get('theme')!r}")
    return problems


@pytest.fixture(scope="module")
def entries() -> list[dict[str, Any]]:
    return _read_jsonl(DEMO / "entries.jsonl")


@pytest.fixture(scope="module")
def users() -> list[dict[str, Any]]:
    data = json.loads((DEMO / "users.json").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def test_demo_has_at_least_sixty_entries_with_unique_demo_ids(entries: list[dict[str, Any]]) -> None:
    ids = [e["id"] for e in entries]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"DEMO-\d{3}", i) for i in ids)


@pytest.mark.parametrize("theme", THEMES)
def test_every_theme_has_at_least_ten_entries(entries: list[dict[str, Any]], theme: str) -> None:
    assert Counter(e["theme"] for e in entries)[theme] >= 10


@pytest.mark.parametrize("region", DEMO_REGIONS)
def test_demo_covers_province_cities_and_counties(entries: list[dict[str, Any]], region: str) -> None:
    assert any(e["region"] == region for e in entries)


def test_every_demo_entry_has_the_required_elements(entries: list[dict[str, Any]]) -> None:
    problems = {e["id"]: p for e in entries if (p := _entry_problems(e))}
    assert problems == {}


def test_demo_entries_have_the_three_parts_in_size(entries: list[dict[str, Any]]) -> None:
    """原文 200–800, 解读 100–300 characters, 2–4 Q&A pairs each with 1–3 similar phrasings."""
    bad = []
    for e in entries:
        if not 200 <= len(e["original_text"]) <= 800 or not 100 <= len(e["interpretation"]) <= 300:
            bad.append((e["id"], "text length"))
        if not 2 <= len(e["qas"]) <= 4:
            bad.append((e["id"], "qa count"))
        if any(not 1 <= len(qa["similar_questions"]) <= 3 for qa in e["qas"]):
            bad.append((e["id"], "similar questions"))
        if not e.get("doc_number") or e["doc_number"] not in e["original_text"]:
            bad.append((e["id"], "doc number not cited in 原文"))
    assert bad == []


def test_demo_departments_belong_to_their_region(entries: list[dict[str, Any]]) -> None:
    # 江苏省公安厅 / 南京住房公积金管理中心 / 昆山市公安局: the name starts with its region (suffix optional).
    wrong = [
        (e["department"], e["region"]) for e in entries if not e["department"].startswith(e["region"][:-1])
    ]
    assert wrong == []
    regions_of: dict[str, set[str]] = {}
    for e in entries:
        regions_of.setdefault(e["department"], set()).add(e["region"])
    assert {d: r for d, r in regions_of.items() if len(r) > 1} == {}


def test_exactly_two_demo_entries_expired_in_2024(entries: list[dict[str, Any]], clock: FixedClock) -> None:
    expired = [
        e for e in entries if e["effective_to"] and date.fromisoformat(e["effective_to"]) < clock.today()
    ]
    assert len(expired) == 2
    assert all(e["effective_to"].startswith("2024-") for e in expired)


def test_demo_has_regional_versions_of_the_same_matter(entries: list[dict[str, Any]]) -> None:
    regions_per_leaf: dict[str, set[str]] = {}
    for e in entries:
        if not e["effective_to"]:
            regions_per_leaf.setdefault(e["category"][2], set()).add(e["region"])
    assert len(regions_per_leaf["居住证办理"]) >= 2
    assert sum(1 for r in regions_per_leaf.values() if len(r) >= 2) >= 2


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_demo_user(users: list[dict[str, Any]], role: Role) -> None:
    assert any(u["role"] == role.value for u in users)


def test_demo_users_are_well_formed(users: list[dict[str, Any]]) -> None:
    names = [u["username"] for u in users]
    assert len(set(names)) == len(names)
    for u in users:
        assert u["password"] and u["display_name"], u
        assert Role(u["role"])  # raises on an unknown role


def test_demo_user_departments_and_regions_exist_in_entries(
    entries: list[dict[str, Any]], users: list[dict[str, Any]]
) -> None:
    region_of = {e["department"]: e["region"] for e in entries}
    regions = {e["region"] for e in entries}
    for u in users:
        if u.get("department"):
            assert u["department"] in region_of, u
            assert u.get("region") in (None, region_of[u["department"]]), u
        if u.get("region"):
            assert u["region"] in regions, u


@pytest.mark.parametrize(
    ("role", "department"),
    [
        ("specialist", "苏州市公安局"),
        ("specialist", "南京市医疗保障局"),
        ("dept_reviewer", "苏州市公安局"),
        ("dept_reviewer", "南京市医疗保障局"),
        ("agent", None),
    ],
)
def test_brief_demo_accounts_exist(users: list[dict[str, Any]], role: str, department: str | None) -> None:
    if department is None:
        assert any(u["role"] == role and u.get("region") == "苏州市" for u in users)
    else:
        assert any(u["role"] == role and u.get("department") == department for u in users)


def _generate(out: Path, count: int, seed: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GENERATOR), "--count", str(count), "--seed", str(seed), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("syn") / "a.jsonl"
    assert _generate(out, 200, 1).returncode == 0
    return out


def test_generator_writes_the_requested_count_with_sequential_ids(synthetic: Path) -> None:
    rows = _read_jsonl(synthetic)
    assert [r["id"] for r in rows] == [f"SYN-{i:06d}" for i in range(1, 201)]


def test_generator_is_deterministic_for_a_seed(synthetic: Path, tmp_path: Path) -> None:
    again, other = tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    assert _generate(again, 200, 1).returncode == 0
    assert _generate(other, 200, 2).returncode == 0
    assert again.read_bytes() == synthetic.read_bytes()
    assert other.read_bytes() != synthetic.read_bytes()


def test_generated_entries_meet_the_import_format(synthetic: Path) -> None:
    rows = _read_jsonl(synthetic)
    problems = {r["id"]: p for r in rows if (p := _entry_problems(r))}
    assert problems == {}
    assert {r["theme"] for r in rows} == set(THEMES)
    for r in rows:
        size = len(r["original_text"]) + len(r["interpretation"])
        size += sum(len(qa["question"]) + len(qa["answer"]) for qa in r["qas"])
        assert 800 <= size <= 2500, (r["id"], size)
        assert r["department"].startswith(r["region"][:-1]), r


@pytest.mark.parametrize("count", ["-1", "abc", "1000000"])
def test_generator_rejects_a_bad_count_with_a_usage_error(tmp_path: Path, count: str) -> None:
    out = tmp_path / "x.jsonl"
    run = subprocess.run(
        [sys.executable, str(GENERATOR), "--count", count, "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "--count" in run.stderr
    assert not out.exists()


def test_generator_lists_the_region_hierarchy_its_entries_use(synthetic: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(GENERATOR), "--regions"], capture_output=True, text=True, check=True
    )
    parent_of = dict(line.split("\t") for line in run.stdout.splitlines())
    assert parent_of["江苏省"] == ""
    assert parent_of["昆山市"] == "苏州市"
    assert all(p == "" or p in parent_of for p in parent_of.values())
    assert {r["region"] for r in _read_jsonl(synthetic)} <= set(parent_of)
