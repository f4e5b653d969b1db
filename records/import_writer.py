"""Writes one batch of checked import lines with a handful of bulk statements.

Why bulk statements instead of ORM objects: building a SQLModel row object costs about a
millisecond and every flush a few more; an import of thousands of records must take seconds.
The effects are those of the interactive lifecycle (records.lifecycle.publish_version /
withdraw_live): live version switched, old one superseded, status set, lock_version bumped,
an outbox row carrying the new lock_version, an audit row per change — here for many entries
at once, audited as ``import_create`` / ``import_update`` / ``import_publish`` / ``import_expire``
with the file, the line, the fields changed and the state the version really left.

Why the entry rows are updated one by one, on the lock_version read: the batch reads entries before
it writes (outside the write transaction on SQLite), and a reviewer's action committed in between
must not be silently overwritten by the import; such a batch is refused (EntryChangedMeanwhile) and
the importer replays it line by line on fresh reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from records.audit import SYSTEM
from records.clock import Clock, as_utc
from records.content import VersionFields, changed_fields, fingerprint, write_content
from records.import_format import ImportedLine, ImportReport
from records.lifecycle import PUBLIC_STATUSES, WORKING_STATES
from records.locking import bump_if_unchanged
from records.models import (
    AuditLog,
    Department,
    Entry,
    EntryStatus,
    EntryVersion,
    Outbox,
    OutboxOp,
    QAPair,
    Region,
    User,
)
from records.models import VersionState as VS
from records.reference import Resolver
from records.validation import QAContent, completeness_problems, control_problems, size_problems

__all__ = ["BatchWriter", "EntryChangedMeanwhile"]


class EntryChangedMeanwhile(Exception):
    """An entry of the batch was changed by someone else after the batch read it."""

    def __init__(self, public_id: str) -> None:
        super().__init__(public_id)
        self.public_id = public_id


@dataclass
class _Plan:
    line: ImportedLine
    fields: VersionFields
    qas: list[QAContent]
    entry: Entry | None = None
    current: EntryVersion | None = None  # newest existing version
    current_qas: list[QAContent] = field(default_factory=list)
    entry_id: int | None = None
    version_id: int | None = None
    number: int = 1
    lock_version: int = 1  # what the entry's lock_version becomes (the one read + 1)
    same: bool = False  # content identical to ``current``, decided before anything is written
    previous_state: VS | None = None  # ``current``'s state when the batch read it
    changed: list[str] = field(default_factory=list)  # content fields that differ from ``current``


class BatchWriter:
    def __init__(
        self,
        session: Session,
        publish: bool,
        actor: User | None,
        clock: Clock,
        max_text_bytes: int,
        report: ImportReport,
        source: str = "",
        reason: str | None = None,
    ) -> None:
        """``source``: the file's name and ``reason``: why it is imported, both for the audit rows."""
        self.session = session
        self.source = source
        self.reason = reason
        self.publish = publish
        self.actor = actor
        self.clock = clock
        self.max_text_bytes = max_text_bytes
        self.report = report
        self.today = clock.today()
        self.now = as_utc(clock.now())
        self.audits: list[dict[str, Any]] = []
        self.outbox: list[dict[str, Any]] = []

    def write(self, lines: list[ImportedLine]) -> None:
        planner = Resolver(self.session, create=False, plan=True)
        checked = [line for line in lines if self._check(planner, line)]
        resolver = Resolver(self.session, create=True)
        plans = [self._resolve(resolver, line) for line in checked]
        self._attach_existing(plans)
        for plan in plans:  # before any write: the ORM updates ``current`` in place as it writes
            plan.same = self._same(plan)
            if plan.current is not None and not plan.same:
                plan.changed = changed_fields(plan.fields, plan.qas, plan.current, plan.current_qas)
        new = [p for p in plans if p.entry is None]
        changed = [p for p in plans if p.entry is not None and not self._unchanged(p)]
        self.report.unchanged += len(plans) - len(new) - len(changed)
        self._insert_entries(new)
        self._write_versions(new, changed)
        if self.publish:
            self._go_public(new + changed)
        self._update_entries(new, changed)
        if self.audits:
            self.session.execute(insert(AuditLog), self.audits)
        if self.outbox:
            self.session.execute(insert(Outbox), self.outbox)
        self.report.created += len(new)
        self.report.updated += sum(1 for p in changed if not p.same)

    # -- checking and resolving ------------------------------------------------------------

    def _check(self, planner: Resolver, line: ImportedLine) -> bool:
        """Everything that could refuse the line, without writing anything."""
        texts = line.content.texts()
        problems = size_problems(texts, self.max_text_bytes) + control_problems(texts)
        probe = VersionFields()
        qas, ref_problems, category = write_content(planner, probe, line.content)
        problems += ref_problems
        if not line.content.department.strip():
            problems.append({"field": "department", "code": "missing_department", "message": "缺少所属部门"})
        if not ref_problems:
            problems += completeness_problems(probe, qas, category.level if category else None)
        if problems:
            self.report.errors.append((line.line_no, [f"{p['field']}：{p['message']}" for p in problems]))
        return not problems

    def _resolve(self, resolver: Resolver, line: ImportedLine) -> _Plan:
        fields = VersionFields()
        qas, problems, _ = write_content(resolver, fields, line.content)
        region = resolver.region(line.content.region)
        assert not problems and isinstance(region, Region), problems
        dept = resolver.department(line.content.department.strip(), region)
        assert dept is not None and dept.id is not None
        fields.department_id = dept.id
        return _Plan(line, fields, qas)

    def _attach_existing(self, plans: list[_Plan]) -> None:
        ids = [p.line.record.id for p in plans]
        entries = {
            e.public_id: e for e in self.session.exec(select(Entry).where(col(Entry.public_id).in_(ids)))
        }
        latest: dict[int, EntryVersion] = {}
        entry_ids = [e.id for e in entries.values()]
        for version in self.session.exec(
            select(EntryVersion).where(col(EntryVersion.entry_id).in_(entry_ids))
        ):
            kept = latest.get(version.entry_id)
            if kept is None or version.number > kept.number:
                latest[version.entry_id] = version
        qas: dict[int, list[QAContent]] = {v.id: [] for v in latest.values() if v.id is not None}
        query = select(QAPair).where(col(QAPair.version_id).in_(list(qas))).order_by(col(QAPair.position))
        for row in self.session.exec(query):
            qas[row.version_id].append(QAContent(row.question, row.answer, list(row.similar_questions)))
        for plan in plans:
            entry = entries.get(plan.line.record.id)
            if entry is None:
                continue
            plan.entry, plan.entry_id, plan.lock_version = entry, entry.id, entry.lock_version + 1
            plan.current = latest.get(entry.id)  # type: ignore[arg-type]
            if plan.current is not None and plan.current.id is not None:
                plan.current_qas = qas[plan.current.id]
                plan.previous_state = plan.current.state

    def _expired(self, plan: _Plan) -> bool:
        return plan.fields.effective_to is not None and plan.fields.effective_to < self.today

    def _same(self, plan: _Plan) -> bool:
        return plan.current is not None and fingerprint(plan.fields, plan.qas) == fingerprint(
            plan.current, plan.current_qas
        )

    def _unchanged(self, plan: _Plan) -> bool:
        """Identical content, and (when publishing) already public — or already expired."""
        if not plan.same:
            return False
        if not self.publish:
            return True
        entry, current = plan.entry, plan.current
        assert entry is not None and current is not None
        if self._expired(plan):
            return entry.status is EntryStatus.expired
        return entry.status in PUBLIC_STATUSES and entry.live_version_id == current.id

    # -- writing -----------------------------------------------------------------------------

    def _insert_entries(self, plans: list[_Plan]) -> None:
        if not plans:
            return
        rows = [
            {
                "public_id": p.line.record.id,
                "department_id": p.fields.department_id,
                "status": EntryStatus.unpublished,
                "lock_version": 1,
                "created_at": self.now,
                "updated_at": self.now,
            }
            for p in plans
        ]
        stmt = insert(Entry).returning(col(Entry.id), sort_by_parameter_order=True)
        for plan, entry_id in zip(plans, self.session.scalars(stmt, rows), strict=True):
            plan.entry_id = entry_id
            self._audit(plan, "import_create", None, VS.draft.value)

    def _target_state(self, plan: _Plan) -> VS:
        if not self.publish:
            return VS.draft
        return VS.withdrawn if self._expired(plan) else VS.published

    def _write_versions(self, new: list[_Plan], changed: list[_Plan]) -> None:
        """New version rows, or the working draft rewritten in place, and their Q&A pairs."""
        inserts: list[_Plan] = list(new)
        rewritten: list[_Plan] = []
        for plan in changed:
            current = plan.current
            if current is not None and current.state in WORKING_STATES:
                plan.version_id, plan.number = current.id, current.number
                rewritten.append(plan)
            elif current is not None and plan.same:
                plan.version_id, plan.number = current.id, current.number  # publish what is there
            else:
                plan.number = current.number + 1 if current else 1
                inserts.append(plan)
        for plan in inserts + rewritten:
            if not plan.same and plan.entry is not None:
                left = plan.previous_state.value if plan in rewritten and plan.previous_state else None
                self._audit(plan, "import_update", left, VS.draft.value, **self._what_changed(plan))
        if inserts:
            rows = [self._version_row(p) for p in inserts]
            stmt = insert(EntryVersion).returning(col(EntryVersion.id), sort_by_parameter_order=True)
            for plan, version_id in zip(inserts, self.session.scalars(stmt, rows), strict=True):
                plan.version_id = version_id
        for plan in rewritten:
            values = self._version_row(plan)
            for key in ("entry_id", "number", "created_by", "created_at"):
                values.pop(key)
            self.session.execute(
                update(EntryVersion).where(col(EntryVersion.id) == plan.version_id).values(values)
            )
        if rewritten:
            ids = [p.version_id for p in rewritten]
            self.session.execute(delete(QAPair).where(col(QAPair.version_id).in_(ids)))
        qa_rows = [
            {
                "version_id": p.version_id,
                "position": i,
                "question": qa.question,
                "answer": qa.answer,
                "similar_questions": list(qa.similar_questions),
            }
            for p in inserts + rewritten
            for i, qa in enumerate(p.qas)
        ]
        if qa_rows:
            self.session.execute(insert(QAPair), qa_rows)

    def _version_row(self, plan: _Plan) -> dict[str, Any]:
        state = self._target_state(plan)
        return {
            **plan.fields.row(),
            "entry_id": plan.entry_id,
            "number": plan.number,
            "state": state,
            "return_reason": None,
            "created_by": self.actor.id if self.actor else None,
            "created_at": self.now,
            "updated_at": self.now,
            "published_at": self.now if state is VS.published else None,
        }

    def _go_public(self, plans: list[_Plan]) -> None:
        superseded: list[int] = []
        for plan in plans:
            entry = plan.entry
            was_public = entry is not None and entry.status in PUBLIC_STATUSES
            old_live = entry.live_version_id if entry is not None else None
            if old_live is not None and old_live != plan.version_id:
                superseded.append(old_live)
            if self._expired(plan):
                before = entry.status.value if entry is not None else EntryStatus.unpublished.value
                self._audit(plan, "import_expire", before, EntryStatus.expired.value)
                if was_public:
                    self._outbox(plan, OutboxOp.delete)
                self.report.expired += 1
            else:
                from_state = (
                    plan.previous_state.value if plan.previous_state is not None and plan.same else "draft"
                )
                self._audit(plan, "import_publish", from_state, VS.published.value)
                self._outbox(plan, OutboxOp.upsert)
                self.report.published += 1
            if plan.current is not None and plan.version_id == plan.current.id:
                state = self._target_state(plan)
                published_at = self.now if state is VS.published else None
                self.session.execute(
                    update(EntryVersion)
                    .where(col(EntryVersion.id) == plan.version_id)
                    .values(state=state, published_at=published_at, updated_at=self.now)
                )
        if superseded:
            self._retire(superseded, plans)

    def _retire(self, old_live: list[int], plans: list[_Plan]) -> None:
        """Old live versions: superseded by a newer published one, or withdrawn when it expired."""
        expired_old = {p.entry.live_version_id for p in plans if p.entry is not None and self._expired(p)}
        for state, ids in (
            (VS.withdrawn, [i for i in old_live if i in expired_old]),
            (VS.superseded, [i for i in old_live if i not in expired_old]),
        ):
            if ids:
                self.session.execute(
                    update(EntryVersion)
                    .where(col(EntryVersion.id).in_(ids))
                    .values(state=state, updated_at=self.now)
                )

    def _update_entries(self, new: list[_Plan], changed: list[_Plan]) -> None:
        if new:
            rows = [{"id": p.entry_id, "lock_version": p.lock_version, **self._entry_values(p)} for p in new]
            self.session.execute(update(Entry), rows)
        for plan in changed:
            assert plan.entry is not None
            if not bump_if_unchanged(
                self.session, plan.entry, plan.lock_version - 1, **self._entry_values(plan)
            ):
                raise EntryChangedMeanwhile(plan.line.record.id)

    def _entry_values(self, plan: _Plan) -> dict[str, Any]:
        """The entry row's new status, live version and department (lock_version aside)."""
        entry = plan.entry
        status = entry.status if entry is not None else EntryStatus.unpublished
        live = entry.live_version_id if entry is not None else None
        if self.publish and self._expired(plan):
            status, live = EntryStatus.expired, None
        elif self.publish:
            live = plan.version_id
            status = status if status is EntryStatus.takedown_requested else EntryStatus.published
        return {
            "department_id": plan.fields.department_id,
            "status": status,
            "live_version_id": live,
            "updated_at": self.now,
        }

    def _what_changed(self, plan: _Plan) -> dict[str, Any]:
        """Audit details of an update: the fields changed, and a move to another department."""
        details: dict[str, Any] = {"changed": plan.changed}
        entry = plan.entry
        if entry is not None and entry.department_id != plan.fields.department_id:
            before, after = (
                self.session.get(Department, i) for i in (entry.department_id, plan.fields.department_id)
            )
            details["department"] = {
                "from": before.name if before else None,
                "to": after.name if after else None,
            }
        return details

    def _audit(self, plan: _Plan, action: str, from_state: str | None, to_state: str, **details: Any) -> None:
        self.audits.append(
            {
                "at": self.now,
                "actor_id": self.actor.id if self.actor else None,
                "actor_name": self.actor.username if self.actor else SYSTEM,
                "object_type": "entry",
                "object_id": plan.line.record.id,
                "action": action,
                "from_state": from_state,
                "to_state": to_state,
                "reason": self.reason,
                "details": {
                    "version": plan.number,
                    "source": "import",
                    "file": self.source,
                    "line": plan.line.line_no,
                    **details,
                },
            }
        )

    def _outbox(self, plan: _Plan, op: OutboxOp) -> None:
        self.outbox.append(
            {
                "doc_type": "entry",
                "doc_id": plan.line.record.id,
                "op": op,
                "doc_version": plan.lock_version,
                "created_at": self.now,
                "attempts": 0,
            }
        )
