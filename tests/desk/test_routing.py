"""Routing suggestions: the right city's department, the classification, and the labelled set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from records.desk.routing import detect_region
from records.models import AuditLog, Region, Role
from tests.desk.conftest import DeskEnv, submit

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "scripts" / "data" / "routing_questions.jsonl"
DEMO = ROOT / "records" / "demo" / "entries.jsonl"


@pytest.mark.parametrize(
    ("text", "region", "department", "category"),
    [
        ("无锡的居住证怎么办理？", None, "无锡市公安局", "公安/户政管理/居住证办理"),
        ("居住证怎么办理？", "南京市", "南京市公安局", "公安/户政管理/居住证办理"),  # no 南京 entry on it
        ("昆山居住证在哪里办", None, "昆山市公安局", "公安/户政管理/居住证办理"),  # county beats its city
        ("孩子转学需要什么手续", "常州市", "常州市教育局", "教育/基础教育/转学"),
        ("教师资格证认定需要什么条件", None, "江苏省教育厅", "教育/教师管理/教师资格认定"),
    ],
)
def test_suggestion(env: DeskEnv, text: str, region: str | None, department: str, category: str):
    number = submit(env.client, text, region=region)["number"]
    view = env.client.get(f"/api/desk/questions/{number}", headers=env.staff(Role.manager)).json()
    assert (view["suggested_department"], view["suggested_category"]) == (department, category)
    with Session(env.db) as session:
        audit = session.exec(
            select(AuditLog).where(AuditLog.object_id == number, AuditLog.action == "suggest_route")
        ).one()
    assert audit.details["department_id"] == env.department_id(department)
    assert audit.details["candidates"][0]["department"] == department


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("苏州的居住证", "江苏省/苏州市"),
        ("江苏苏州昆山的学校", "江苏省/苏州市/昆山市"),
        ("在江苏怎么办", "江苏省"),
        ("没有地名的问题", None),
    ],
)
def test_region_named_in_the_text(env: DeskEnv, text: str, expected: str | None):
    with Session(env.db) as session:
        found = detect_region(session, text)
        path = session.get(Region, found).path if found is not None else None  # type: ignore[union-attr]
    assert path == expected


def test_labelled_set_is_large_enough_and_names_real_departments_and_categories():
    labelled = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line]
    demo = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line]
    departments = {item["department"] for item in demo}
    categories = {"/".join(item["category"]) for item in demo}
    assert len(labelled) >= 100
    assert len({item["text"] for item in labelled}) == len(labelled)
    assert all(item["department"] in departments and item["category"] in categories for item in labelled)
