"""Who may do what to an entry, and the Chinese words for actions and states.

Why separate from the state machine: the rules table is what reviewers and auditors read
("may a department reviewer return an entry the manager already checked?"), and the labels are
shared by error messages, the staff views and the API.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from records.errors import Conflict, Forbidden
from records.models import EntryStatus, Role, User, VersionState

__all__ = [
    "ACTION_LABELS",
    "EDITABLE",
    "PUBLIC_STATUSES",
    "RULES",
    "STATE_LABELS",
    "WORKING_STATES",
    "Action",
    "Rule",
    "authorize",
    "illegal",
    "state_label",
]


class Action(enum.StrEnum):
    create = "create"
    edit = "edit"
    submit = "submit"
    dept_approve = "dept-approve"
    return_ = "return"
    publish = "publish"
    new_version = "new-version"
    request_takedown = "request-takedown"
    approve_takedown = "approve-takedown"
    reject_takedown = "reject-takedown"


ACTION_LABELS: dict[Action, str] = {
    Action.create: "新建",
    Action.edit: "编辑",
    Action.submit: "提交审核",
    Action.dept_approve: "部门审核通过",
    Action.return_: "退回",
    Action.publish: "发布",
    Action.new_version: "新建版本",
    Action.request_takedown: "申请下架",
    Action.approve_takedown: "批准下架",
    Action.reject_takedown: "驳回下架申请",
}

STATE_LABELS: dict[str, str] = {
    VersionState.draft: "草稿",
    VersionState.submitted: "待部门审核",
    VersionState.dept_approved: "待热线复核发布",
    VersionState.returned: "已退回",
    VersionState.published: "已发布",
    VersionState.superseded: "已被新版本替代",
    VersionState.withdrawn: "已撤下",
    EntryStatus.unpublished: "未发布",
    EntryStatus.takedown_requested: "下架申请中",
    EntryStatus.taken_down: "已下架",
    EntryStatus.expired: "已过期",
}

WORKING_STATES = (
    VersionState.draft,
    VersionState.submitted,
    VersionState.dept_approved,
    VersionState.returned,
)
PUBLIC_STATUSES = (EntryStatus.published, EntryStatus.takedown_requested)
EDITABLE = (VersionState.draft, VersionState.returned)


@dataclass(frozen=True)
class Rule:
    """Who may perform an action: roles bound to their own department, and roles allowed anywhere."""

    own_department: tuple[Role, ...] = ()
    any_department: tuple[Role, ...] = ()


_EDITORS = Rule(own_department=(Role.specialist,), any_department=(Role.manager,))
RULES: dict[Action, Rule] = {
    Action.create: _EDITORS,
    Action.edit: _EDITORS,
    Action.submit: _EDITORS,
    Action.new_version: _EDITORS,
    Action.dept_approve: Rule(own_department=(Role.dept_reviewer,)),
    Action.return_: Rule(own_department=(Role.dept_reviewer,), any_department=(Role.manager,)),
    Action.publish: Rule(any_department=(Role.manager,)),
    Action.request_takedown: Rule(own_department=(Role.specialist,)),
    Action.approve_takedown: Rule(any_department=(Role.manager,)),
    Action.reject_takedown: Rule(any_department=(Role.manager,)),
}


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def authorize(actor: User, action: Action, department_id: int) -> None:
    """Role and department ownership; raises Forbidden naming what is missing."""
    rule = RULES[action]
    if actor.role in rule.any_department:
        return
    if actor.role in rule.own_department:
        if actor.department_id == department_id:
            return
        raise Forbidden(
            f"只能对本部门的条目执行「{ACTION_LABELS[action]}」",
            code="department_forbidden",
            details={"action": action.value},
        )
    raise Forbidden(
        f"当前角色无权执行「{ACTION_LABELS[action]}」",
        code="role_forbidden",
        details={"action": action.value, "role": actor.role.value},
    )


def illegal(action: Action, state: str) -> Conflict:
    return Conflict(
        f"条目当前状态为「{state_label(state)}」，不能执行「{ACTION_LABELS[action]}」",
        code="illegal_transition",
        details={"action": action.value, "state": getattr(state, "value", state)},
    )
