"""Migrations produce exactly the models' schema, are idempotent, and load the reference data."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from records.db import make_engine
from records.errors import ValidationFailed
from records.migrate import target_metadata, upgrade
from records.models import Category, Department, Region, RegionLevel, Theme
from records.reference import (
    ensure_category,
    ensure_department,
    ensure_reference_data,
    ensure_theme,
    find_region,
    region_path,
)


def test_migrated_schema_equals_models(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, target_metadata()) == []


def test_upgrade_is_idempotent(db_url: str, engine: Engine) -> None:
    with Session(engine) as s:
        before = s.exec(select(func.count()).select_from(Region)).one()
    upgrade(db_url)
    upgrade(db_url)
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Region)).one() == before
        assert ensure_reference_data(s) == {"regions": 0, "categories": 0, "themes": 0}
    with engine.connect() as conn:
        heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert len(heads) == 1


def test_upgrade_of_empty_store(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"  # type: ignore[str-bytes-safe]
    upgrade(url)
    eng = make_engine(url)
    try:
        assert {"entry", "entryversion", "auditlog", "outbox", "region"} <= set(
            inspect(eng).get_table_names()
        )
    finally:
        eng.dispose()


def test_reference_regions(session: Session) -> None:
    provinces = session.exec(select(Region).where(Region.level == RegionLevel.province)).all()
    assert len(provinces) == 34
    assert {"北京市", "上海市", "天津市", "重庆市", "香港特别行政区", "新疆维吾尔自治区"} <= {
        p.name for p in provinces
    }
    jiangsu = next(p for p in provinces if p.name == "江苏省")
    cities = session.exec(select(Region).where(Region.parent_id == jiangsu.id)).all()
    assert len(cities) == 13
    counties = session.exec(
        select(Region).where(Region.path.startswith("江苏省/"), Region.level == RegionLevel.county)
    ).all()  # type: ignore[attr-defined]
    assert len(counties) == 95
    suzhou = {r.name for r in counties if r.path.startswith("江苏省/苏州市/")}
    assert suzhou == {
        "姑苏区",
        "虎丘区",
        "吴中区",
        "相城区",
        "吴江区",
        "常熟市",
        "张家港市",
        "昆山市",
        "太仓市",
    }
    beijing = next(p for p in provinces if p.name == "北京市")
    assert len(session.exec(select(Region).where(Region.parent_id == beijing.id)).all()) == 16
    assert {t.name for t in session.exec(select(Theme))} >= {
        "住房租房",
        "户籍办理",
        "居民身份证",
        "医疗保障",
        "卫生健康",
        "教育",
    }
    assert session.exec(select(Category).where(Category.level == 3)).first() is not None


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("苏州市", ["江苏省", "苏州市"]),
        ("昆山市", ["江苏省", "苏州市", "昆山市"]),
        ("江苏省/徐州市/鼓楼区", ["江苏省", "徐州市", "鼓楼区"]),
        ("南京市/鼓楼区", ["江苏省", "南京市", "鼓楼区"]),
        ("北京市", ["北京市"]),
        ("海淀区", ["北京市", "海淀区"]),
    ],
)
def test_find_region(session: Session, name: str, path: list[str]) -> None:
    assert region_path(find_region(session, name)) == path


@pytest.mark.parametrize(
    ("name", "code"),
    [("鼓楼区", "ambiguous_region"), ("通州区", "ambiguous_region"), ("火星市", "unknown_region")],
)
def test_find_region_refuses(session: Session, name: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        find_region(session, name)
    assert err.value.code == code
    if code == "ambiguous_region":
        assert "江苏省/" in err.value.message


def test_ensure_helpers_are_idempotent(session: Session) -> None:
    leaf = ensure_category(session, ["交通运输", "公共交通", "公交卡办理"])
    assert (leaf.level, leaf.path) == (3, "交通运输/公共交通/公交卡办理")
    assert ensure_category(session, ["交通运输", "公共交通", "公交卡办理"]).id == leaf.id
    assert ensure_theme(session, "交通出行").id == ensure_theme(session, "交通出行").id
    region = find_region(session, "常州市")
    dept = ensure_department(session, "常州市交通运输局", region)
    assert ensure_department(session, "常州市交通运输局", region).id == dept.id
    assert (
        session.exec(select(Department).where(Department.name == "常州市交通运输局")).one().region_id
        == region.id
    )
