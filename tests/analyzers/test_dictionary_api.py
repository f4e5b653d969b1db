"""POST/GET /api/admin/dictionary over real HTTP: roles, reload outcomes, the reindex marker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel, select

from analyzers.index_state import needs_reindex, record_index_build
from analyzers.pipeline import Analyzer
from records.clock import FixedClock
from records.models import AuditLog, Role, User
from search_api.app import create_app
from search_api.security import create_access_token, hash_password
from search_api.settings import Settings

RELOAD = "/api/admin/dictionary/reload"
HeadersFor = Callable[[Role], dict[str, str]]


@pytest.fixture
def dict_settings(tmp_path: Path, dict_dir: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        dictionary_dir=dict_dir,
        secret_key="analyzer-tests-secret-key-of-sufficient-length",
    )


@pytest.fixture
def api(dict_settings: Settings) -> Iterator[TestClient]:
    app = create_app(dict_settings, clock=FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC)))
    with TestClient(app) as client:
        context = app.state.context
        SQLModel.metadata.create_all(context.db)
        if context.analyzer is None:  # until the indexer wiring builds it at start-up
            context.analyzer = Analyzer(dict_settings.dictionary_dir)
        yield client


@pytest.fixture
def headers_for(api: TestClient, dict_settings: Settings) -> Iterator[HeadersFor]:
    def _headers(role: Role) -> dict[str, str]:
        context = api.app.state.context  # type: ignore[attr-defined]
        # Straight into the store: only the role matters here (departments are another area's rules).
        with Session(context.db, expire_on_commit=False) as session:
            user = User(
                username=f"user.{role.value}",
                password_hash=hash_password("correct-horse-1"),
                role=role,
                created_at=context.clock.now(),
            )
            session.add(user)
            session.commit()
        assert user.id is not None
        token = create_access_token(user.id, dict_settings.secret_key, dict_settings.token_ttl_minutes)
        return {"Authorization": f"Bearer {token}"}

    yield _headers


@pytest.mark.parametrize("role", [Role.admin, Role.manager])
def test_status_shows_version_and_counts(api: TestClient, headers_for: HeadersFor, role: Role) -> None:
    response = api.get("/api/admin/dictionary", headers=headers_for(role))
    assert response.status_code == 200
    body = response.json()
    assert len(body["version"]) == 12
    assert body["counts"]["dictionary_terms"] >= 800 and body["counts"]["synonym_groups"] >= 300
    assert body["needs_reindex"] is False


@pytest.mark.parametrize("role", [Role.agent, Role.specialist, Role.dept_reviewer])
@pytest.mark.parametrize(("method", "path"), [("GET", "/api/admin/dictionary"), ("POST", RELOAD)])
def test_other_roles_are_refused(
    api: TestClient, headers_for: HeadersFor, role: Role, method: str, path: str
) -> None:
    response = api.request(method, path, headers=headers_for(role))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "role_forbidden"


def test_anonymous_is_refused(api: TestClient) -> None:
    response = api.post(RELOAD)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_reload_unchanged(api: TestClient, headers_for: HeadersFor) -> None:
    body = api.post(RELOAD, headers=headers_for(Role.admin)).json()
    assert body["tokenization_changed"] is False and body["synonyms_changed"] is False
    assert body["needs_reindex"] is False
    assert body["message"] == "词典已重新加载；内容没有变化"


def test_reload_with_new_synonym_applies_at_once_without_reindex(
    edit: Callable[[Path, str], None],
    api: TestClient,
    headers_for: HeadersFor,
    dict_dir: Path,
    dict_settings: Settings,
) -> None:
    edit(dict_dir / "synonyms.txt", "社保卡, 公积金\n")
    body = api.post(RELOAD, headers=headers_for(Role.manager)).json()
    assert (body["synonyms_changed"], body["tokenization_changed"], body["needs_reindex"]) == (
        True,
        False,
        False,
    )
    assert body["message"] == "词典已重新加载；同义词已更新，立即生效，无需重建索引"
    analyzer = api.app.state.context.analyzer  # type: ignore[attr-defined]
    assert "公积金" in {t.text for t in analyzer.analyze_query("社保卡").terms}
    assert needs_reindex(dict_settings.index_dir) is None


def test_reload_with_new_word_marks_the_index_for_rebuild(
    edit: Callable[[Path, str], None],
    api: TestClient,
    headers_for: HeadersFor,
    dict_dir: Path,
    dict_settings: Settings,
) -> None:
    analyzer = api.app.state.context.analyzer  # type: ignore[attr-defined]
    record_index_build(dict_settings.index_dir, analyzer)
    before = analyzer.version
    edit(dict_dir / "user_dict.txt", "免申即享\n")
    response = api.post(RELOAD, headers=headers_for(Role.admin))
    body = response.json()
    assert response.status_code == 200
    assert body["tokenization_changed"] is True and body["needs_reindex"] is True
    assert body["message"] == "词典已重新加载；分词已变化，需要重建索引（hotline reindex）"
    assert body["version"] != before
    assert (dict_settings.index_dir / "NEEDS_REINDEX").exists()
    status = api.get("/api/admin/dictionary", headers=headers_for(Role.manager)).json()
    assert status["needs_reindex"] is True

    with Session(api.app.state.context.db) as session:  # type: ignore[attr-defined]
        (row,) = session.exec(select(AuditLog).where(AuditLog.action == "dictionary_reload")).all()
    assert (row.actor_name, row.from_state, row.to_state) == ("user.admin", before, body["version"])
    assert row.details["needs_reindex"] is True


def test_invalid_edit_is_a_422_with_the_problems(
    edit: Callable[[Path, str], None], api: TestClient, headers_for: HeadersFor, dict_dir: Path
) -> None:
    edit(dict_dir / "synonyms.txt", "只有一个词\n")
    response = api.post(RELOAD, headers=headers_for(Role.admin))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "dictionary_invalid"
    assert any("synonyms" in problem for problem in error["details"]["errors"])


def test_solr_synonyms_download(api: TestClient, headers_for: HeadersFor) -> None:
    response = api.get("/api/admin/dictionary/synonyms.txt", headers=headers_for(Role.admin))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "医保, 医疗保险, 基本医疗保险, 医疗保障" in response.text.splitlines()
