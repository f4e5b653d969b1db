"""The knowledge-gap list: zero-result searches grouped by what was asked, most frequent first.

Why group by a normalized form: "社保卡 补办" and "社保卡补办 " are one gap; the analyzer's own
normalization (full/half width, case) plus whitespace removal makes them one key, and the most
recent spelling is shown.

Why prefixes typed on the way are dropped: instant search (the agent console, the citizen box)
searches on every keystroke, so "火", "火星", "火星签" are logged seconds before "火星签证"; a
zero-result query that a longer zero-result query extended within TYPING_WINDOW is a step of
the same typing, not a gap of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from records.frontdesk.common import local_iso
from records.models import ZeroResultQuery

TYPING_WINDOW = timedelta(seconds=10)
SCAN_LIMIT = 20_000  # newest rows grouped; older gaps have either been fixed or will recur
Normalize = Callable[[str], str]


@dataclass
class _Group:
    query: str
    last_at: datetime
    count: int = 0
    filters: list[dict[str, Any]] = field(default_factory=list)


def gap_key(text: str, normalize: Normalize | None) -> str:
    value = normalize(text) if normalize else text
    return "".join(value.lower().split())


def zero_result_report(
    session: Session, *, normalize: Normalize | None, timezone: str, top: int, recent: int
) -> dict[str, Any]:
    rows = session.exec(
        select(ZeroResultQuery).order_by(col(ZeroResultQuery.id).desc()).limit(SCAN_LIMIT)
    ).all()
    groups: dict[str, _Group] = {}
    later: tuple[str, datetime] | None = None  # the row logged right after the current one
    for row in rows:  # newest first: the first row of a group is its latest spelling
        key = gap_key(row.query, normalize)
        typed_on = (
            later is not None
            and later[0] != key
            and later[0].startswith(key)
            and later[1] - row.at <= TYPING_WINDOW
        )
        later = (key, row.at)
        if not key or typed_on:
            continue
        group = groups.setdefault(key, _Group(query=row.query, last_at=row.at))
        group.count += 1
        if row.filters and row.filters not in group.filters and len(group.filters) < 5:
            group.filters.append(row.filters)
    ranked = sorted(groups.items(), key=lambda kv: (-kv[1].count, -kv[1].last_at.timestamp(), kv[0]))
    return {
        "total": len(rows),
        "top": [
            {
                "query": g.query,
                "normalized": key,
                "count": g.count,
                "last_at": local_iso(g.last_at, timezone),
                "filters": g.filters,
            }
            for key, g in ranked[:top]
        ],
        "recent": [
            {"query": r.query, "filters": r.filters, "at": local_iso(r.at, timezone)} for r in rows[:recent]
        ],
    }
