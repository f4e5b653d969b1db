"""Entry endpoints: staff editing and review (Bearer token), and the public entry page.

Each request is one transaction: the route commits only after the domain call succeeded, so a
refused action (403/409/422) leaves nothing behind, not even the lock_version bump.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from records.audit import audit_trail
from records.entries import create_draft, list_entries, run_action, update_draft
from records.errors import NotFound
from records.lifecycle import Action
from records.views import get_entry, public_view, staff_view
from search_api.deps import ClockDep, CurrentUser, SessionDep, SettingsDep, commit_with
from search_api.schemas.entries import ActionIn, EntryCreateIn, EntryUpdateIn

router = APIRouter(tags=["entries"])

PublicId = Annotated[str, Path(min_length=1, max_length=64)]
LIFECYCLE_ACTIONS = {a.value: a for a in Action if a not in (Action.create, Action.edit)}


@router.post("/api/staff/entries", status_code=status.HTTP_201_CREATED)
def create_entry(
    body: EntryCreateIn, user: CurrentUser, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> dict[str, Any]:
    entry = create_draft(
        session, user, body.to_content(), clock, max_text_bytes=settings.max_text_bytes, public_id=body.id
    )
    return commit_with(session, lambda: staff_view(session, entry))


@router.get("/api/staff/entries")
def list_staff_entries(
    user: CurrentUser,
    session: SessionDep,
    state: Annotated[str | None, Query(max_length=32)] = None,
    department: Annotated[str | None, Query(max_length=128)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    data, count = list_entries(session, state=state, department=department, q=q, page=page, size=size)
    return {"data": data, "count": count, "page": page, "size": size}


@router.get("/api/staff/entries/{public_id}")
def get_staff_entry(public_id: PublicId, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    return staff_view(session, get_entry(session, public_id))


@router.put("/api/staff/entries/{public_id}")
def edit_entry(
    public_id: PublicId,
    body: EntryUpdateIn,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> dict[str, Any]:
    entry = update_draft(
        session,
        user,
        public_id,
        body.to_content(),
        body.lock_version,
        clock,
        max_text_bytes=settings.max_text_bytes,
    )
    return commit_with(session, lambda: staff_view(session, entry))


@router.get("/api/staff/entries/{public_id}/audit")
def entry_audit(public_id: PublicId, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    entry = get_entry(session, public_id)
    rows = audit_trail(session, entry.public_id)
    return {
        "data": [
            {
                "at": r.at.isoformat(),
                "actor": r.actor_name,
                "actor_id": r.actor_id,
                "action": r.action,
                "from_state": r.from_state,
                "to_state": r.to_state,
                "reason": r.reason,
                "details": r.details,
            }
            for r in rows
        ],
        "count": len(rows),
    }


@router.post("/api/staff/entries/{public_id}/{action}")
def entry_action(
    public_id: PublicId,
    action: Annotated[str, Path(max_length=32)],
    body: ActionIn,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
) -> dict[str, Any]:
    chosen = LIFECYCLE_ACTIONS.get(action)
    if chosen is None:
        raise NotFound(
            f"未知的操作「{action}」",
            code="unknown_action",
            details={"allowed": sorted(LIFECYCLE_ACTIONS)},
        )
    entry = run_action(session, user, public_id, chosen, body.lock_version, clock, body.reason)
    return commit_with(session, lambda: staff_view(session, entry))


@router.get("/api/entries/{public_id}")
def public_entry(public_id: PublicId, session: SessionDep, clock: ClockDep) -> dict[str, Any]:
    """Citizens and agents: only published, unexpired entries exist here."""
    return public_view(session, public_id, clock.today())
