"""Admin: the analyzer's dictionaries — what is loaded, and reloading an edit without a restart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from analyzers.index_state import apply_reload, needs_reindex
from analyzers.pipeline import Analyzer
from records.errors import ServiceUnavailable
from records.models import AuditLog, Role, User
from search_api.deps import AnalyzerDep, ClockDep, SessionDep, SettingsDep, require_roles

router = APIRouter(prefix="/api/admin/dictionary", tags=["admin: dictionary"])
Staff = Annotated[User, require_roles(Role.admin, Role.manager)]

MESSAGES = {
    "reindex": "词典已重新加载；分词已变化，需要重建索引（hotline reindex）",
    "pending": "词典已重新加载；索引仍需重建（hotline reindex）",
    "synonyms": "词典已重新加载；同义词已更新，立即生效，无需重建索引",
    "unchanged": "词典已重新加载；内容没有变化",
}


def _aware(moment: datetime) -> datetime:
    """Naive clock values are UTC (records.clock); the installed SQLModel stores only aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _require(analyzer: Analyzer | None) -> Analyzer:
    if analyzer is None:
        raise ServiceUnavailable("分词器尚未就绪，请稍后再试", code="analyzer_unavailable")
    return analyzer


def _describe(analyzer: Analyzer) -> dict[str, Any]:
    data = analyzer.data
    return {
        "version": analyzer.version,
        "tokenization_version": analyzer.tokenization_version,
        "counts": data.counts(),
        "dictionary_dir": str(analyzer.dictionary_dir) if analyzer.dictionary_dir else None,
        "files": {name: str(path) for name, path in data.paths.items()},
    }


@router.get("", summary="词典状态：版本与词条数量")
def status(_: Staff, analyzer: AnalyzerDep, settings: SettingsDep) -> dict[str, Any]:
    current = _require(analyzer)
    current.maybe_reload()
    return {**_describe(current), "needs_reindex": needs_reindex(settings.index_dir) is not None}


@router.post("/reload", summary="重新加载词典、同义词和停用词（无需重启）")
def reload(
    user: Staff, analyzer: AnalyzerDep, settings: SettingsDep, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    current = _require(analyzer)
    before = current.version
    result = current.reload()  # invalid files: 422 dictionary_invalid, the loaded state is kept
    pending = apply_reload(settings.index_dir, current, result.tokenization_changed)
    if result.tokenization_changed:
        message = MESSAGES["reindex"]
    elif pending:
        message = MESSAGES["pending"]
    elif result.synonyms_changed:
        message = MESSAGES["synonyms"]
    else:
        message = MESSAGES["unchanged"]
    session.add(
        AuditLog(
            at=_aware(clock.now()),
            actor_id=user.id,
            actor_name=user.username,
            object_type="dictionary",
            object_id=result.version,
            action="dictionary_reload",
            from_state=before,
            to_state=result.version,
            details={
                "tokenization_changed": result.tokenization_changed,
                "synonyms_changed": result.synonyms_changed,
                "needs_reindex": pending,
            },
        )
    )
    session.commit()
    return {
        **_describe(current),
        "tokenization_changed": result.tokenization_changed,
        "synonyms_changed": result.synonyms_changed,
        "needs_reindex": pending,
        "message": message,
    }


@router.get(
    "/synonyms.txt", response_class=PlainTextResponse, summary="同义词表（Solr 格式，供集群引擎使用）"
)
def synonyms_solr(_: Staff, analyzer: AnalyzerDep) -> str:
    return _require(analyzer).data.synonyms.to_solr()
