"""Gap reports (缺失信息反馈): an agent's "the answer is missing / wrong", routed to a department.

Why routed at once: a report about an entry belongs to the entry's department; a "missing" report
without an entry takes the desk's routing suggestion (records.desk.routing, computed by the
caller that holds the engine) so it reaches someone immediately, and a manager can (re)assign it
at any time. Every state change leaves an audit row (object_type "gap_report").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from records.audit import audit_trail, record_audit
from records.clock import Clock
from records.desk.workflow import find_department
from records.errors import Conflict, Forbidden, NotFound, ValidationFailed
from records.frontdesk.common import local_iso, now_utc, optional_text, public_entry
from records.frontdesk.models import GapKind, GapReport, GapState
from records.models import Department, Entry, EntryVersion, Role, User
from records.reference import problem
from records.validation import has_control_characters

OBJECT_TYPE = "gap_report"
DETAIL_MIN, DETAIL_MAX = 4, 1000
REASON_MIN, REASON_MAX = 2, 1000
QUERY_LIMIT = 500
DEPARTMENT_ROLES = (Role.specialist, Role.dept_reviewer)
KIND_LABELS = {GapKind.missing: "缺失信息", GapKind.wrong: "信息有误"}
STATE_LABELS = {GapState.unassigned: "待分派", GapState.open: "待处理", GapState.closed: "已关闭"}


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, details=[problem(field, code, message)])


def _text_between(value: str | None, field: str, label: str, low: int, high: int) -> str:
    text = (value or "").strip()
    if not text:
        raise _invalid(field, f"{field}_required", f"请填写{label}")
    if has_control_characters(text, line_breaks=True):
        raise _invalid(field, f"{field}_invalid", f"{label}中含有不可见的控制字符，请删除后重试")
    if not low <= len(text) <= high:
        raise _invalid(field, f"{field}_length", f"{label}须为 {low}–{high} 个字")
    return text


def parse_kind(value: str | None) -> GapKind:
    try:
        return GapKind(value or "")
    except ValueError as exc:
        raise _invalid("kind", "gap_kind_unknown", "请选择反馈类型：missing（缺失）或 wrong（有误）") from exc


def parse_state(value: str | None) -> GapState | None:
    if not value:
        return None
    try:
        return GapState(value)
    except ValueError as exc:
        raise _invalid("state", "gap_state_unknown", "未知的反馈状态") from exc


def _audit(
    session: Session,
    report: GapReport,
    actor: User,
    clock: Clock,
    action: str,
    before: GapState | None,
    **extra: Any,
) -> None:
    reason = extra.pop("reason", None)
    record_audit(
        session,
        actor=actor,
        clock=clock,
        object_id=str(report.id),
        action=action,
        from_state=before.value if before else None,
        to_state=report.state.value,
        reason=reason,
        details=extra,
        object_type=OBJECT_TYPE,
    )


def report_gap(
    session: Session,
    *,
    reporter: User,
    kind: str | None,
    entry_id: str | None,
    query: str | None,
    detail: str | None,
    suggested_department_id: int | None,
    clock: Clock,
    today: date,
) -> GapReport:
    """A new report: with the entry's department, the suggested one, or unassigned for a manager."""
    gap_kind = parse_kind(kind)
    text = _text_between(detail, "detail", "问题描述", DETAIL_MIN, DETAIL_MAX)
    entry = public_entry(session, entry_id.strip(), today)[0] if entry_id and entry_id.strip() else None
    if gap_kind == GapKind.wrong and entry is None:
        raise _invalid("entry_id", "entry_required", "报告信息有误时请指明是哪一条条目")
    department_id = entry.department_id if entry else suggested_department_id
    assert reporter.id is not None
    report = GapReport(
        kind=gap_kind,
        state=GapState.open if department_id else GapState.unassigned,
        entry_id=entry.id if entry else None,
        query=optional_text(query, "query", "检索词", QUERY_LIMIT),
        detail=text,
        reporter_id=reporter.id,
        region_id=reporter.region_id,
        department_id=department_id,
        suggested_department_id=None if entry else suggested_department_id,
        created_at=now_utc(clock),
        updated_at=now_utc(clock),
    )
    session.add(report)
    session.flush()  # the id is the audit row's object id
    _audit(session, report, reporter, clock, "report", None, department_id=department_id, kind=gap_kind.value)
    return report


def get_report(session: Session, report_id: int) -> GapReport:
    report = session.get(GapReport, report_id)
    if report is None:
        raise NotFound("反馈不存在", code="gap_report_not_found", details={"id": report_id})
    return report


def may_see(user: User, report: GapReport) -> None:
    if user.role == Role.manager or user.id == report.reporter_id:
        return
    if user.role in DEPARTMENT_ROLES and report.department_id and user.department_id == report.department_id:
        return
    raise Forbidden("该反馈不属于您所在的部门", code="gap_report_other_department")


def _change(report: GapReport, state: GapState, clock: Clock) -> GapState:
    if report.state == GapState.closed:
        raise Conflict("该反馈已关闭", code="gap_report_closed", details={"id": report.id})
    before = report.state
    report.state = state
    report.lock_version += 1
    report.updated_at = now_utc(clock)
    return before


def assign_gap(
    session: Session, report: GapReport, *, manager: User, department: Any, reason: str | None, clock: Clock
) -> GapReport:
    """A manager hands the report to a department (first assignment or a reroute)."""
    target = find_department(session, department)
    previous = report.department_id
    before = _change(report, GapState.open, clock)
    report.department_id = target.id
    session.add(report)
    _audit(
        session,
        report,
        manager,
        clock,
        "assign",
        before,
        reason=optional_text(reason, "reason", "原因", REASON_MAX),
        department_id=target.id,
        department=target.name,
        previous_department_id=previous,
    )
    return report


def close_gap(
    session: Session, report: GapReport, *, user: User, reason: str | None, clock: Clock
) -> GapReport:
    """The responsible department (or a manager) closes it, always saying why."""
    if user.role != Role.manager and not (
        user.role in DEPARTMENT_ROLES and report.department_id and user.department_id == report.department_id
    ):
        raise Forbidden("只有承办部门或热线信息管理员可以关闭反馈", code="gap_report_other_department")
    text = _text_between(reason, "reason", "关闭原因", REASON_MIN, REASON_MAX)
    before = _change(report, GapState.closed, clock)
    assert user.id is not None
    report.close_reason, report.closed_by, report.closed_at = text, user.id, now_utc(clock)
    session.add(report)
    _audit(session, report, user, clock, "close", before, reason=text)
    return report


def list_reports(session: Session, user: User, state: GapState | None) -> list[GapReport]:
    """Managers: all; department staff: their department's; anyone else: what they reported."""
    query = select(GapReport)
    if user.role in DEPARTMENT_ROLES:
        query = query.where(GapReport.department_id == user.department_id)
    elif user.role != Role.manager:
        query = query.where(GapReport.reporter_id == user.id)
    if state is not None:
        query = query.where(GapReport.state == state)
    return list(session.exec(query.order_by(col(GapReport.id).desc()).limit(500)))


def report_view(
    session: Session, report: GapReport, timezone: str, *, history: bool = False
) -> dict[str, Any]:
    entry = session.get(Entry, report.entry_id) if report.entry_id else None
    live = session.get(EntryVersion, entry.live_version_id) if entry and entry.live_version_id else None
    dept = session.get(Department, report.department_id) if report.department_id else None
    reporter = session.get(User, report.reporter_id)
    view: dict[str, Any] = {
        "id": report.id,
        "kind": report.kind.value,
        "kind_label": KIND_LABELS[report.kind],
        "state": report.state.value,
        "state_label": STATE_LABELS[report.state],
        "entry_id": entry.public_id if entry else None,
        "entry_title": live.title if live else None,
        "query": report.query,
        "detail": report.detail,
        "reporter": reporter.username if reporter else None,
        "department_id": report.department_id,
        "department": dept.name if dept else None,
        "suggested_department_id": report.suggested_department_id,
        "close_reason": report.close_reason,
        "created_at": local_iso(report.created_at, timezone),
        "closed_at": local_iso(report.closed_at, timezone),
    }
    if history:
        view["history"] = [
            {
                "at": local_iso(row.at, timezone),
                "actor": row.actor_name,
                "action": row.action,
                "from_state": row.from_state,
                "to_state": row.to_state,
                "reason": row.reason,
            }
            for row in audit_trail(session, str(report.id), OBJECT_TYPE)
        ]
    return view
