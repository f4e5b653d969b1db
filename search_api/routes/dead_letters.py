"""Admin view of dead letters: documents the search engine refused, with its reason, and requeue.

Why over HTTP as well as the CLI: the operator who sees ``dead_letters`` in /api/health is often
not on the server; a requeue is audited (object_type "outbox") with the admin as actor.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from indexer.dead_letters import MAX_LISTED, list_dead, requeue
from records.models import Role, User
from search_api.deps import ClockDep, SessionDep, require_roles

router = APIRouter(prefix="/api/admin/dead-letters", tags=["admin: indexing"])
AdminUser = Annotated[User, require_roles(Role.admin)]


@router.get("", summary="死信列表：检索引擎拒收的文档及原因")
def list_letters(
    admin: AdminUser, session: SessionDep, limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100
) -> dict[str, Any]:
    letters, total = list_dead(session, limit)
    return {"data": [letter.as_dict() for letter in letters], "count": total}


@router.post("/retry", summary="全部死信重新排队")
def retry_all(admin: AdminUser, session: SessionDep, clock: ClockDep) -> dict[str, Any]:
    seqs = requeue(session, clock, admin)
    session.commit()
    return {"requeued": seqs}


@router.post("/{seq}/retry", summary="一条死信重新排队")
def retry_one(
    seq: Annotated[int, Path(ge=1)], admin: AdminUser, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    seqs = requeue(session, clock, admin, seq)
    session.commit()
    return {"requeued": seqs}
