"""The ``hotline`` command against a real SQLite store in a temporary DATA_DIR."""

from __future__ import annotations

import json
import re
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from records.clock import FixedClock
from records.db import make_engine
from records.models import AuditLog, Entry, EntryVersion, User
from search_api.accounts import authenticate
from search_api.cli import app
from search_api.demo import DEMO_DIR, load_demo

runner = CliRunner()


def entry(public_id: str, **overrides: Any) -> dict[str, Any]:
    record = {
        "id": public_id,
        "theme": "居民身份证",
        "category": ["公安", "户政管理", "居民身份证申领"],
        "title": f"居民身份证申领指南 {public_id}",
        "department": "苏州市公安局",
        "region": "苏州市",
        "effective_from": "2024-01-01",
        "effective_to": None,
        "original_text": "申领居民身份证应当由本人到常住户口所在地公安机关户籍窗口办理。",
        "interpretation": "本人带户口簿到派出所办理即可。",
        "qas": [
            {
                "question": "身份证在哪里办？",
                "answer": "户籍所在地派出所。",
                "similar_questions": ["去哪办身份证"],
            }
        ],
        "contact_phone": "12345",
        "keywords": ["身份证"],
        "doc_number": "苏公规〔2024〕1号",
    }
    record.update(overrides)
    return record


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": "",
        "SEARCH_URL": "",
        "ENVIRONMENT": "test",
        "SECRET_KEY": "cli-test-secret-key-with-32-bytes-or-more",
    }


def hotline(env: dict[str, str], *args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), env=env, input=input)


@pytest.fixture
def migrated(env: dict[str, str]) -> dict[str, str]:
    result = hotline(env, "migrate")
    assert result.exit_code == 0, result.output
    return env


def count(env: dict[str, str], model: Any) -> int:
    engine = make_engine(f"sqlite:///{env['DATA_DIR']}/hotline.db")
    try:
        with Session(engine) as session:
            return int(session.exec(select(func.count()).select_from(model)).one())
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


COMMANDS = [
    ["serve"],
    ["import"],
    ["migrate"],
    ["reindex"],
    ["users", "add"],
    ["users", "list"],
    ["users", "deactivate"],
    ["users", "activate"],
    ["users", "set-password"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command: list[str]):
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert re.search(rf"Example: .*hotline {' '.join(command)}", result.output), result.output


def test_migrate_is_idempotent(migrated: dict[str, str]):
    again = hotline(migrated, "migrate")
    assert again.exit_code == 0
    assert "最新" in again.output


def test_users_add_then_list(migrated: dict[str, str]):
    added = hotline(migrated, "users", "add", "li.lei", "--role", "agent", "--password", "pass-word-1")
    assert added.exit_code == 0, added.output
    assert "li.lei" in added.output
    listed = hotline(migrated, "users", "list")
    assert listed.exit_code == 0
    assert "li.lei" in listed.output and "民声接听员" in listed.output


def test_users_add_prompts_for_the_password_twice(migrated: dict[str, str]):
    result = hotline(
        migrated, "users", "add", "han.mei", "--role", "manager", input="pass-word-2\npass-word-2\n"
    )
    assert result.exit_code == 0, result.output
    assert count(migrated, User) == 1


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--role", "boss"], 2, "boss"),
        (["--role", "specialist"], 1, "必须指定所属部门"),
        (["--role", "specialist", "--department", "不存在的局"], 1, "不存在"),
        (["--role", "agent", "--region", "火星市"], 1, "火星市"),
    ],
)
def test_users_add_refusals(migrated: dict[str, str], args: list[str], exit_code: int, message: str):
    result = hotline(migrated, "users", "add", "x.y", *args, "--password", "pass-word-1")
    assert result.exit_code == exit_code
    assert message in result.output
    assert count(migrated, User) == 0


def test_duplicate_user_is_refused(migrated: dict[str, str]):
    hotline(migrated, "users", "add", "dup", "--role", "agent", "--password", "pass-word-1")
    result = hotline(migrated, "users", "add", "dup", "--role", "manager", "--password", "pass-word-1")
    assert result.exit_code == 1
    assert "已存在" in result.output
    assert count(migrated, User) == 1


def test_deactivate_is_audited(migrated: dict[str, str]):
    hotline(migrated, "users", "add", "tmp", "--role", "agent", "--password", "pass-word-1")
    result = hotline(migrated, "users", "deactivate", "tmp", "--reason", "借调结束")
    assert result.exit_code == 0
    assert "停用" in hotline(migrated, "users", "list", "--all").output
    assert "tmp" not in hotline(migrated, "users", "list").output
    assert count(migrated, AuditLog) == 2


def test_import_good_file_then_reimport_updates_instead_of_duplicating(
    migrated: dict[str, str], tmp_path: Path
):
    path = write_jsonl(tmp_path / "good.jsonl", [entry("T-1"), entry("T-2")])
    first = hotline(migrated, "import", str(path), "--publish")
    assert first.exit_code == 0, first.output
    assert "新建 2" in first.output and "发布 2" in first.output
    same = hotline(migrated, "import", str(path), "--publish")
    assert same.exit_code == 0
    assert "未变 2" in same.output
    write_jsonl(path, [entry("T-1", title="居民身份证申领指南（修订）"), entry("T-2")])
    changed = hotline(migrated, "import", str(path), "--publish")
    assert changed.exit_code == 0
    assert "更新 1" in changed.output and "未变 1" in changed.output
    assert count(migrated, Entry) == 2
    assert count(migrated, EntryVersion) == 3


def test_reimport_of_a_changed_draft_reports_it_updated(migrated: dict[str, str], tmp_path: Path):
    """It used to count 0 updated and exit 2 with 文件中没有条目 after committing the change."""
    path = write_jsonl(tmp_path / "draft.jsonl", [entry("D-1")])
    assert hotline(migrated, "import", str(path)).exit_code == 0
    write_jsonl(path, [entry("D-1", title="居民身份证申领指南（修订）")])
    result = hotline(migrated, "import", str(path), "--reason", "标题修订")
    assert result.exit_code == 0, result.output
    assert "更新 1" in result.output
    engine = make_engine(f"sqlite:///{migrated['DATA_DIR']}/hotline.db")
    with Session(engine) as session:
        reasons = session.exec(select(AuditLog.reason).where(AuditLog.action == "import_update")).all()
    engine.dispose()
    assert reasons == ["标题修订"]


def test_import_reports_bad_lines_with_numbers_and_imports_the_rest(migrated: dict[str, str], tmp_path: Path):
    lines = [entry("B-1"), "{not json", entry("B-3", title=""), entry("B-4", region="火星市"), entry("B-5")]
    result = hotline(migrated, "import", str(write_jsonl(tmp_path / "mixed.jsonl", lines)))
    assert result.exit_code == 1
    assert "新建 2" in result.output and "出错 3 行" in result.output
    for line_no in (2, 3, 4):
        assert f"第 {line_no} 行" in result.output
    assert "第 1 行" not in result.output and "第 5 行" not in result.output
    assert count(migrated, Entry) == 2


def test_import_as_a_staff_member_is_audited_under_their_name(migrated: dict[str, str], tmp_path: Path):
    hotline(migrated, "users", "add", "loader", "--role", "manager", "--password", "pass-word-1")
    path = write_jsonl(tmp_path / "a.jsonl", [entry("A-1")])
    result = hotline(migrated, "import", str(path), "--publish", "--as", "loader")
    assert result.exit_code == 0, result.output
    engine = make_engine(f"sqlite:///{migrated['DATA_DIR']}/hotline.db")
    with Session(engine) as session:
        names = set(session.exec(select(AuditLog.actor_name).where(AuditLog.object_type == "entry")).all())
    engine.dispose()
    assert names == {"loader"}
    unknown = hotline(migrated, "import", str(path), "--as", "nobody")
    assert unknown.exit_code == 2 and "nobody" in unknown.output


@pytest.mark.parametrize(
    "make",
    [
        lambda d: d / "missing.jsonl",
        lambda d: d,
        lambda d: (d / "latin1.jsonl").write_bytes(b'{"id": "\xff\xfe"}\n') and d / "latin1.jsonl",
        lambda d: write_jsonl(d / "all-bad.jsonl", ["{", "[1, 2]"]),
        lambda d: (d / "empty.jsonl").write_text("", encoding="utf-8") or d / "empty.jsonl",
    ],
    ids=["missing", "directory", "not-utf8", "nothing-usable", "empty"],
)
def test_unusable_files_exit_2(migrated: dict[str, str], tmp_path: Path, make: Any):
    result = hotline(migrated, "import", str(make(tmp_path)))
    assert result.exit_code == 2, result.output
    assert "错误" in result.output or "出错" in result.output
    assert count(migrated, Entry) == 0


def test_reindex_rebuilds_from_the_store(migrated: dict[str, str], tmp_path: Path):
    path = write_jsonl(
        tmp_path / "e.jsonl", [entry("R-1"), entry("R-2"), entry("R-3", effective_to="2024-12-31")]
    )
    assert hotline(migrated, "import", str(path), "--publish").exit_code == 0
    result = hotline(migrated, "reindex")
    assert result.exit_code == 0, result.output
    assert "2 条条目" in result.output  # the expired entry is not searchable
    current = Path(migrated["DATA_DIR"]) / "index"
    assert any(p.name.startswith("entries-") for p in current.iterdir())


def test_commands_refuse_an_unmigrated_store(env: dict[str, str]):
    result = hotline(env, "users", "list")
    assert result.exit_code == 2
    assert "hotline migrate" in result.output


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"DATABASE_URL": "mysql://localhost/x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql+psycopg://u:pw@127.0.0.1:1/none"}, "DATABASE_URL"),
        ({"SEARCH_URL": "ftp://search"}, "SEARCH_URL"),
        ({"SEARCH_URL": "http://u:pw@127.0.0.1:1"}, "SEARCH_URL"),
        ({"TOKEN_TTL_MINUTES": "0"}, "TOKEN_TTL_MINUTES"),
        ({"ENVIRONMENT": "production", "SECRET_KEY": "dev-only-change-me"}, "SECRET_KEY"),
        ({"ENVIRONMENT": "production", "SECRET_KEY": ""}, "SECRET_KEY"),
        ({"ENVIRONMENT": "production", "SECRET_KEY": "short-but-not-placeholder"}, "SECRET_KEY"),
    ],
)
def test_serve_fails_at_start_naming_the_setting(env: dict[str, str], overrides: dict[str, str], named: str):
    result = hotline({**env, **overrides}, "serve", "--port", "1")
    assert result.exit_code == 2
    assert named in result.output
    assert ":pw@" not in result.output  # never echo a database password


def test_serve_without_demo_needs_a_migrated_store(env: dict[str, str]):
    result = hotline(env, "serve", "--port", "1")
    assert result.exit_code == 2
    assert "hotline migrate" in result.output


def test_serve_demo_prepares_everything_then_hands_over_to_uvicorn(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
):
    """Everything up to the uvicorn call is ours; uvicorn itself is stubbed so the test can return."""
    import uvicorn

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append((a, kw)))
    port = _free_port()  # serve checks that it can listen before anything else
    first = hotline(env, "serve", "--demo", "--port", str(port), "--workers", "2")
    assert first.exit_code == 0, first.output
    assert f"http://127.0.0.1:{port}/" in first.output
    assert "admin" in first.output and "demo-pass-5" in first.output  # accounts and passwords shown
    assert "条条目" in first.output  # the index was rebuilt
    [(args, kwargs)] = calls
    assert args == ("search_api.app:create_app",)
    assert kwargs["factory"] is True and kwargs["workers"] == 2 and kwargs["port"] == port
    assert kwargs["http"] == "search_api.http_protocol:HotlineHttpToolsProtocol"  # long pasted queries
    again = hotline(env, "serve", "--demo", "--port", str(port))
    assert again.exit_code == 0
    assert "新建 0" in again.output and "新建账号 0 个" in again.output  # idempotent restart


@pytest.mark.parametrize(("flags", "logged"), [((), False), (("--access-log",), True)])
def test_serve_logs_each_request_only_when_asked(
    migrated: dict[str, str], monkeypatch: pytest.MonkeyPatch, flags: tuple[str, ...], logged: bool
):
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(kw))
    result = hotline(migrated, "serve", "--port", str(_free_port()), *flags)
    assert result.exit_code == 0, result.output
    [kwargs] = calls
    assert kwargs["access_log"] is logged


def test_serve_without_a_secret_improvises_one_shared_by_all_workers(
    migrated: dict[str, str], monkeypatch: pytest.MonkeyPatch
):
    import os

    import uvicorn

    seen: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.append(os.environ["SECRET_KEY"]))
    env = {**migrated, "SECRET_KEY": "", "ENVIRONMENT": "development"}
    result = hotline(env, "serve", "--workers", "2", "--port", str(_free_port()))  # serve checks the port
    assert result.exit_code == 0, result.output
    assert "临时密钥" in result.output
    [secret] = seen  # what the workers will read from the environment
    assert len(secret.encode()) >= 32


def test_demo_loader_is_idempotent(migrated: dict[str, str], tmp_path: Path):
    demo = tmp_path / "demo"
    demo.mkdir()
    write_jsonl(
        demo / "entries.jsonl", [entry("D-1"), entry("D-2", department="苏州市医疗保障局", theme="医疗保障")]
    )
    accounts = [
        {"username": "demo-admin", "password": "demo-pass-1", "role": "admin", "display_name": "管理员"},
        {
            "username": "demo-spec",
            "password": "demo-pass-1",
            "role": "specialist",
            "department": "苏州市公安局",
        },
        {"username": "demo-agent", "password": "demo-pass-1", "role": "agent", "region": "苏州市"},
    ]
    (demo / "users.json").write_text(json.dumps(accounts, ensure_ascii=False), encoding="utf-8")
    engine = make_engine(f"sqlite:///{migrated['DATA_DIR']}/hotline.db")
    clock = FixedClock(datetime(2026, 6, 1, 2, 0))
    try:
        first = load_demo(engine, clock, demo)
        second = load_demo(engine, clock, demo)
    finally:
        engine.dispose()
    assert (first.import_report.published, first.users_created) == (
        2,
        ["demo-admin", "demo-spec", "demo-agent"],
    )
    assert (second.import_report.unchanged, second.users_created) == (2, [])
    assert count(migrated, User) == 3 and count(migrated, Entry) == 2
    engine = make_engine(f"sqlite:///{migrated['DATA_DIR']}/hotline.db")
    with Session(engine) as session:
        assert authenticate(session, "demo-spec", "demo-pass-1").role.value == "specialist"
    engine.dispose()


@pytest.mark.skipif(not (DEMO_DIR / "users.json").exists(), reason="demo data not written yet")
def test_packaged_demo_data_loads_cleanly(migrated: dict[str, str]):
    engine = make_engine(f"sqlite:///{migrated['DATA_DIR']}/hotline.db")
    try:
        result = load_demo(engine, FixedClock(datetime(2026, 6, 1, 2, 0)))
    finally:
        engine.dispose()
    assert result.import_report.errors == []
    assert result.import_report.created >= 60
    assert {a.role.value for a in result.accounts} == {
        "agent",
        "specialist",
        "dept_reviewer",
        "manager",
        "admin",
    }
    assert sorted(result.users_created) == sorted(a.username for a in result.accounts)
