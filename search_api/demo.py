"""Demo data for ``hotline serve --demo``: published demo entries and one account per role.

Idempotent by design: a restart re-imports the same file (unchanged records write nothing) and
skips accounts that already exist, so passwords an admin changed in the demo are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

import records
from records.clock import Clock
from records.db import session_scope
from records.models import Role, User
from search_api.accounts import create_user

DEMO_DIR = Path(records.__file__).resolve().parent / "demo"


@dataclass
class DemoAccount:
    username: str
    password: str
    role: Role
    department: str | None = None
    region: str | None = None
    display_name: str = ""


@dataclass
class DemoResult:
    import_report: Any
    accounts: list[DemoAccount]
    users_created: list[str] = field(default_factory=list)


def read_demo_accounts(path: Path | None = None) -> list[DemoAccount]:
    raw = json.loads((path or DEMO_DIR / "users.json").read_text(encoding="utf-8"))
    return [
        DemoAccount(
            username=item["username"],
            password=item["password"],
            role=Role(item["role"]),
            department=item.get("department"),
            region=item.get("region"),
            display_name=item.get("display_name", ""),
        )
        for item in raw
    ]


def load_demo(engine: Engine, clock: Clock, demo_dir: Path | None = None) -> DemoResult:
    """Import the demo entries (published) and create missing demo accounts; schema must exist."""
    from records.importer import import_jsonl

    folder = demo_dir or DEMO_DIR
    report = import_jsonl(
        engine, folder / "entries.jsonl", publish=True, actor=None, clock=clock, reason="载入演示数据"
    )
    accounts = read_demo_accounts(folder / "users.json")
    created: list[str] = []
    # Accounts after entries: the importer creates the departments the accounts belong to.
    with session_scope(engine) as session:
        existing = set(session.exec(select(User.username)).all())
        for acc in accounts:
            if acc.username in existing:
                continue
            create_user(
                session,
                username=acc.username,
                password=acc.password,
                role=acc.role,
                clock=clock,
                department=acc.department,
                region=acc.region,
                display_name=acc.display_name,
            )
            created.append(acc.username)
    return DemoResult(import_report=report, accounts=accounts, users_created=created)
