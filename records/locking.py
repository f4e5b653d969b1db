"""Optimistic locking: change a row only if nobody changed it since it was read.

Why one function: entries (the review workflow, imports) and desk questions all guard their
changes the same way — every change bumps ``lock_version``, and a change applies only while the
row still has the lock_version read. A check in Python alone lets two concurrent requests both
pass; the condition has to be part of the UPDATE itself.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

__all__ = ["bump_if_unchanged"]


class Locked(Protocol):
    id: int | None
    lock_version: int


def bump_if_unchanged(session: Session, row: Locked, read: int, **values: Any) -> bool:
    """Set ``values`` and lock_version = ``read`` + 1 on ``row`` if its lock_version is still
    ``read`` (one conditional UPDATE); False, changing nothing, when someone got there first.
    On success the object holds the new values as its committed state (nothing left to flush)."""
    model: Any = type(row)
    result = session.execute(
        update(model)
        .where(model.id == row.id, model.lock_version == read)
        .values(lock_version=read + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    for name, value in {"lock_version": read + 1, **values}.items():
        set_committed_value(row, name, value)
    return True
