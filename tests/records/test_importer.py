"""Import of JSON Lines: good lines, bad lines with their numbers, re-import, publish, expired records."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from records import import_writer
from records.clock import FixedClock
from records.entries import run_action
from records.importer import import_jsonl
from records.models import (
    AuditLog,
    Category,
    Department,
    Entry,
    EntryStatus,
    EntryVersion,
    Outbox,
    OutboxOp,
    QAPair,
    Role,
    Theme,
    User,
    VersionState,
)
from records.policy import Action
from tests.conftest import SHARED_EVAL
from tests.records.conftest import MakeUser


def record(public_id: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": public_id,
        "theme": "户籍办理",
        "category": ["公安", "户政管理", "户口迁移"],
        "title": f"户口迁移办理 {public_id}",
        "department": "无锡市公安局",
        "region": "无锡市",
        "effective_from": "2024-01-01",
        "effective_to": None,
        "original_text": "户口迁移应当向迁入地公安机关申请。",
        "interpretation": "去迁入地派出所办。",
        "qas": [
            {"question": "户口怎么迁？", "answer": "到迁入地派出所申请。", "similar_questions": ["迁户口"]}
        ],
        "contact_phone": "0510-12345678",
        "keywords": ["户口迁移"],
        "doc_number": "锡公规〔2024〕1号",
    }
    base.update(overrides)
    return base


def write(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines)
        + "\n",
        encoding="utf-8",
    )
    return path


def count(session: Session, model: Any) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_good_file_creates_entries_and_missing_references(
    engine: Engine, tmp_path: Path, clock: FixedClock
) -> None:
    path = write(
        tmp_path / "a.jsonl",
        [record("W1"), record("W2", category=["公安", "新中类", "新小类"], theme="新主题")],
    )
    report = import_jsonl(engine, path, publish=False, actor=None, clock=clock)
    assert (report.created, report.updated, report.unchanged, report.published, report.errors) == (
        2,
        0,
        0,
        0,
        [],
    )
    with Session(engine) as s:
        entries = s.exec(select(Entry).order_by(col(Entry.public_id))).all()
        assert [(e.public_id, e.status) for e in entries] == [("W1", EntryStatus.unpublished)] * 1 + [
            ("W2", EntryStatus.unpublished)
        ]
        assert s.exec(select(Department).where(Department.name == "无锡市公安局")).one()
        assert s.exec(select(Category).where(Category.path == "公安/新中类/新小类")).one().level == 3
        assert s.exec(select(Theme).where(Theme.name == "新主题")).one()
        assert count(s, Outbox) == 0  # nothing public without --publish
        assert {v.state for v in s.exec(select(EntryVersion))} == {VersionState.draft}


BAD_LINES = [
    ("{not json", "不是合法的 JSON"),
    ("[1, 2]", "每行应为一个 JSON 对象"),
    (record("B1", title=7), "字段 title：应为文本"),
    (record("B2", qas="一个问题"), "字段 qas：应为列表"),
    (record("B3", effective_from="2024/13/45"), "字段 effective_from：日期格式应为 YYYY-MM-DD"),
    (record("B4", region="火星市"), "地区「火星市」不存在"),
    (record("B5", region="鼓楼区"), "有重名"),
    (record("B6", contact_phone="打电话问"), "咨询电话「打电话问」格式不正确"),
    (record("B7", original_text="", qas=[]), "原文和问答至少要填写一项"),
    (record("B8", qas=[{"question": "", "answer": "有答案"}]), "第 1 组问答缺少标准问"),
    (record("B9", effective_to="2023-01-01"), "失效日期（2023-01-01）不能早于生效日期（2024-01-01）"),
    (record("B10", category=["公安", "户政管理"]), "分类须为三级"),
    (record("B11", department=""), "缺少所属部门"),
    (record("B12", title=""), "请填写标题"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES, ids=[m for _, m in BAD_LINES])
def test_bad_line_reported_with_number_and_skipped(
    engine: Engine, tmp_path: Path, clock: FixedClock, line: Any, message: str
) -> None:
    path = write(
        tmp_path / "b.jsonl", [record("G1"), line, record("G2", category=["公安", "不应创建", "的分类"])]
    )
    report = import_jsonl(engine, path, publish=True, actor=None, clock=clock)
    assert report.created == 2 and report.published == 2
    assert len(report.errors) == 1
    line_no, messages = report.errors[0]
    assert line_no == 2
    assert any(message in m for m in messages), messages
    with Session(engine) as s:
        assert sorted(s.exec(select(Entry.public_id)).all()) == ["G1", "G2"]


def test_bad_line_creates_no_reference_rows(engine: Engine, tmp_path: Path, clock: FixedClock) -> None:
    bad = record(
        "X1", department="从未有过的部门", category=["新大类", "新中类", "新小类"], contact_phone="abc"
    )
    report = import_jsonl(engine, write(tmp_path / "c.jsonl", [bad]), publish=True, actor=None, clock=clock)
    assert report.created == 0 and [n for n, _ in report.errors] == [1]
    with Session(engine) as s:
        assert s.exec(select(Department).where(Department.name == "从未有过的部门")).first() is None
        assert s.exec(select(Category).where(Category.name == "新大类")).first() is None


def test_duplicate_id_in_one_file_is_a_line_error(engine: Engine, tmp_path: Path, clock: FixedClock) -> None:
    report = import_jsonl(
        engine,
        write(tmp_path / "d.jsonl", [record("D1"), record("D1")]),
        publish=False,
        actor=None,
        clock=clock,
    )
    assert report.created == 1 and report.errors == [(2, ["条目编号「D1」与第 1 行重复"])]


def test_publish_is_audited_and_writes_outbox(engine: Engine, tmp_path: Path, clock: FixedClock) -> None:
    with Session(engine, expire_on_commit=False) as s:
        actor = User(username="importer", password_hash="x", role="manager")  # type: ignore[arg-type]
        s.add(actor)
        s.commit()
    report = import_jsonl(
        engine, write(tmp_path / "e.jsonl", [record("P1")]), publish=True, actor=actor, clock=clock
    )
    assert report.published == 1
    with Session(engine) as s:
        entry = s.exec(select(Entry).where(Entry.public_id == "P1")).one()
        assert entry.status is EntryStatus.published and entry.live_version_id is not None
        audits = s.exec(select(AuditLog).where(AuditLog.object_id == "P1").order_by(col(AuditLog.id))).all()
        assert [(a.action, a.to_state, a.actor_name) for a in audits] == [
            ("import_create", "draft", "importer"),
            ("import_publish", "published", "importer"),
        ]
        outbox = s.exec(select(Outbox).where(Outbox.doc_id == "P1")).all()
        assert [(o.op, o.doc_version) for o in outbox] == [(OutboxOp.upsert, entry.lock_version)]


def test_reimport_updates_instead_of_duplicating(engine: Engine, tmp_path: Path, clock: FixedClock) -> None:
    path = write(tmp_path / "f.jsonl", [record("R1"), record("R2")])
    import_jsonl(engine, path, publish=True, actor=None, clock=clock)
    with Session(engine) as s:
        before = (count(s, Entry), count(s, EntryVersion), count(s, AuditLog), count(s, Outbox))
    again = import_jsonl(engine, path, publish=True, actor=None, clock=clock)
    assert (again.created, again.updated, again.unchanged, again.published) == (0, 0, 2, 0)
    with Session(engine) as s:  # an identical record writes nothing at all
        assert (count(s, Entry), count(s, EntryVersion), count(s, AuditLog), count(s, Outbox)) == before
    write(path, [record("R1", title="户口迁移办理（修订）"), record("R2")])
    changed = import_jsonl(engine, path, publish=True, actor=None, clock=clock)
    assert (changed.created, changed.updated, changed.unchanged, changed.published) == (0, 1, 1, 1)
    with Session(engine) as s:
        entry = s.exec(select(Entry).where(Entry.public_id == "R1")).one()
        versions = s.exec(
            select(EntryVersion).where(EntryVersion.entry_id == entry.id).order_by(col(EntryVersion.number))
        ).all()
        assert [(v.number, v.state) for v in versions] == [
            (1, VersionState.superseded),
            (2, VersionState.published),
        ]
        assert entry.live_version_id == versions[1].id and versions[1].title == "户口迁移办理（修订）"
        assert count(s, Entry) == 2
        assert count(s, QAPair) == 3  # two versions of R1, one of R2
        last = s.exec(select(Outbox).where(Outbox.doc_id == "R1").order_by(col(Outbox.seq).desc())).first()
        assert last is not None and last.op is OutboxOp.upsert and last.doc_version == entry.lock_version


def test_draft_import_then_publish_publishes_same_version(
    engine: Engine, tmp_path: Path, clock: FixedClock
) -> None:
    path = write(tmp_path / "g.jsonl", [record("S1")])
    import_jsonl(engine, path, publish=False, actor=None, clock=clock)
    report = import_jsonl(engine, path, publish=True, actor=None, clock=clock)
    assert (report.updated, report.unchanged, report.published) == (0, 0, 1)
    with Session(engine) as s:
        assert count(s, EntryVersion) == 1
        assert s.exec(select(Entry)).one().status is EntryStatus.published


def test_expired_record_imports_as_expired_never_public(
    engine: Engine, tmp_path: Path, clock: FixedClock
) -> None:
    path = write(tmp_path / "h.jsonl", [record("X1", effective_from="2020-01-01", effective_to="2024-12-31")])
    report = import_jsonl(engine, path, publish=True, actor=None, clock=clock)
    assert (report.created, report.published, report.expired) == (1, 0, 1)
    with Session(engine) as s:
        entry = s.exec(select(Entry)).one()
        assert entry.status is EntryStatus.expired and entry.live_version_id is None
        assert s.exec(select(EntryVersion)).one().state is VersionState.withdrawn
        assert count(s, Outbox) == 0  # never in the index, so nothing to delete either


def test_reimport_with_past_effective_to_removes_from_index(
    engine: Engine, tmp_path: Path, clock: FixedClock
) -> None:
    path = write(tmp_path / "i.jsonl", [record("Y1")])
    import_jsonl(engine, path, publish=True, actor=None, clock=clock)
    write(path, [record("Y1", effective_to="2025-12-31")])
    report = import_jsonl(engine, path, publish=True, actor=None, clock=clock)
    assert (report.updated, report.expired) == (1, 1)
    with Session(engine) as s:
        entry = s.exec(select(Entry)).one()
        assert entry.status is EntryStatus.expired
        ops = s.exec(select(Outbox.op).order_by(col(Outbox.seq))).all()
        assert ops == [OutboxOp.upsert, OutboxOp.delete]
        assert {v.state for v in s.exec(select(EntryVersion))} == {VersionState.withdrawn}


@pytest.mark.skipif(not (SHARED_EVAL / "corpus.jsonl").is_file(), reason="shared eval data not present")
def test_smoke_import_of_eval_corpus(engine: Engine, tmp_path: Path, clock: FixedClock, capsys: Any) -> None:
    """The corpus and distractors import cleanly with --publish; the time is reported, not asserted."""
    combined = tmp_path / "all.jsonl"
    combined.write_text(
        (SHARED_EVAL / "corpus.jsonl").read_text(encoding="utf-8")
        + (SHARED_EVAL / "distractors.jsonl").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    started = time.perf_counter()
    report = import_jsonl(engine, combined, publish=True, actor=None, clock=clock)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nimported {report.created} records with publish in {elapsed:.1f} s")
    assert report.errors == []
    assert report.created == report.published + report.expired
    with Session(engine) as s:
        assert count(s, Outbox) == report.published


def audits_of(s: Session, public_id: str) -> list[AuditLog]:
    return list(s.exec(select(AuditLog).where(AuditLog.object_id == public_id).order_by(col(AuditLog.id))))


def submit(engine: Engine, user: User, public_id: str, clock: FixedClock) -> None:
    with Session(engine) as s:
        entry = s.exec(select(Entry).where(Entry.public_id == public_id)).one()
        run_action(s, user, public_id, Action.submit, entry.lock_version, clock)
        s.commit()


def test_reimport_of_a_version_in_review_says_what_it_changed(
    engine: Engine, tmp_path: Path, clock: FixedClock, make_user: MakeUser
) -> None:
    """The in-review version is rewritten as a draft: counted as updated, audited from "submitted"."""
    path = write(tmp_path / "w.jsonl", [record("W1")])
    import_jsonl(engine, path, publish=False, actor=None, clock=clock)
    submit(engine, make_user(Role.specialist, "无锡市公安局"), "W1", clock)
    write(path, [record("W1", title="户口迁移办理（修订）", keywords=["户口迁移", "迁户口"])])
    report = import_jsonl(engine, path, publish=False, actor=None, clock=clock)
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 1, 0, [])
    with Session(engine) as s:
        version = s.exec(select(EntryVersion)).one()
        assert version.state is VersionState.draft and version.title == "户口迁移办理（修订）"
        last = audits_of(s, "W1")[-1]
        assert (last.action, last.from_state, last.to_state) == ("import_update", "submitted", "draft")
        assert last.reason == "导入文件 w.jsonl" and last.actor_name == "system"
        assert last.details["changed"] == ["title", "keywords"] and last.details["file"] == "w.jsonl"


def test_import_reason_and_department_move_are_audited(
    engine: Engine, tmp_path: Path, clock: FixedClock
) -> None:
    path = write(tmp_path / "m.jsonl", [record("M1")])
    import_jsonl(engine, path, publish=True, actor=None, clock=clock)
    write(path, [record("M1", department="无锡市人力资源和社会保障局")])
    import_jsonl(engine, path, publish=True, actor=None, clock=clock, reason="职能划转")
    with Session(engine) as s:
        update, publish = audits_of(s, "M1")[-2:]
        assert (update.action, publish.action) == ("import_update", "import_publish")
        assert update.reason == publish.reason == "职能划转"
        assert update.details["changed"] == ["department_id"]
        assert update.details["department"] == {"from": "无锡市公安局", "to": "无锡市人力资源和社会保障局"}


def test_a_change_made_while_a_batch_is_written_is_never_overwritten(
    engine: Engine, tmp_path: Path, clock: FixedClock, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reviewer acts between the batch's read and its write: the batch is replayed on fresh reads,
    and the reviewer's change stays, with its audit row, under the import's own."""
    path = write(tmp_path / "c.jsonl", [record("C1"), record("C2")])
    import_jsonl(engine, path, publish=False, actor=None, clock=clock)
    specialist = make_user(Role.specialist, "无锡市公安局")
    original = import_writer.BatchWriter._attach_existing
    raced: list[bool] = []

    def attach_then_race(self: import_writer.BatchWriter, plans: list[Any]) -> None:
        original(self, plans)
        if not raced:  # the first read only: another connection commits a review action now
            raced.append(True)
            submit(engine, specialist, "C1", clock)

    monkeypatch.setattr(import_writer.BatchWriter, "_attach_existing", attach_then_race)
    write(path, [record("C1", title="户口迁移办理（修订）"), record("C2", title="户口迁移（修订）")])
    report = import_jsonl(engine, path, publish=False, actor=None, clock=clock)
    assert (report.updated, report.errors) == (2, [])
    with Session(engine) as s:
        entry = s.exec(select(Entry).where(Entry.public_id == "C1")).one()
        trail = [(a.action, a.from_state, a.to_state) for a in audits_of(s, "C1")]
        assert trail == [
            ("import_create", None, "draft"),
            ("submit", "draft", "submitted"),
            ("import_update", "submitted", "draft"),
        ]
        assert entry.lock_version == 3  # created 1, submitted 2, re-imported 3: no step lost


def test_a_line_with_hidden_control_characters_is_refused_by_number(
    engine: Engine, tmp_path: Path, clock: FixedClock
) -> None:
    path = write(tmp_path / "h.jsonl", [record("H1"), record("H2", title="户口\x1b[31m迁移"), record("H3")])
    report = import_jsonl(engine, path, publish=False, actor=None, clock=clock)
    assert report.created == 2
    assert report.errors == [(2, ["title：含有不可见的控制字符，请删除后重试"])]
