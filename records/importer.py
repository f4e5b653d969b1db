"""Bulk import of entries from JSON Lines (``hotline import``, demo data, eval corpora).

Each line is checked completely before anything is written (types, 要素齐全, that its region
exists), so a bad line is reported with its number and skipped without creating even a
department. Good lines are written in batches, one transaction each; should the store refuse a
batch anyway, that batch is replayed one line per transaction so only the offending line is lost.
Re-importing updates: an identical record writes nothing, a changed one becomes a new version.
Should someone change an entry while its batch is written, the batch is replayed the same way, and
a line whose entry keeps changing is reported rather than written over the other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from records.clock import Clock
from records.import_format import ImportedLine, ImportReport, parse_line
from records.import_writer import BatchWriter, EntryChangedMeanwhile
from records.models import User

__all__ = ["BATCH_SIZE", "ImportReport", "import_jsonl"]

BATCH_SIZE = 500
DEFAULT_MAX_TEXT_BYTES = 100_000


def import_jsonl(
    engine: Engine,
    path: Path,
    *,
    publish: bool,
    actor: User | None,
    clock: Clock,
    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
    reason: str | None = None,
) -> ImportReport:
    """Import ``path``; returns counts and (line number, messages) of every refused line.
    ``reason`` is the audit log's "why" of every change (default: the file imported)."""
    report = ImportReport()
    writing = _Writing(
        engine, publish, actor, clock, max_text_bytes, path.name, reason or f"导入文件 {path.name}"
    )
    batch: list[ImportedLine] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line_no, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            record, messages = parse_line(text)
            if record is not None and record.id in seen:
                messages = [f"条目编号「{record.id}」与第 {seen[record.id]} 行重复"]
            if record is None or messages:
                report.errors.append((line_no, messages))
                continue
            seen[record.id] = line_no
            batch.append(ImportedLine(line_no, record, record.content()))
            if len(batch) >= BATCH_SIZE:
                writing.batch(batch, report)
                batch = []
    if batch:
        writing.batch(batch, report)
    report.errors.sort()
    return report


@dataclass(frozen=True)
class _Writing:
    """What every batch of one import is written with."""

    engine: Engine
    publish: bool
    actor: User | None
    clock: Clock
    max_text_bytes: int
    source: str
    reason: str

    def batch(self, lines: list[ImportedLine], report: ImportReport) -> None:
        partial = ImportReport()
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                writer = BatchWriter(
                    session, self.publish, self.actor, self.clock, self.max_text_bytes, partial,
                    source=self.source, reason=self.reason,
                )  # fmt: skip
                writer.write(lines)
                session.commit()
        except (SQLAlchemyError, EntryChangedMeanwhile) as exc:
            if len(lines) == 1:
                report.errors.append((lines[0].line_no, [_refusal(exc)]))
                return
            for line in lines:  # find the one line the store refuses; keep the others
                self.batch([line], report)
            return
        report.created += partial.created
        report.updated += partial.updated
        report.unchanged += partial.unchanged
        report.published += partial.published
        report.expired += partial.expired
        report.errors.extend(partial.errors)


def _refusal(exc: Exception) -> str:
    if isinstance(exc, EntryChangedMeanwhile):
        return f"条目「{exc.public_id}」在导入时被他人修改，该行未导入，请核对后重新导入"
    return "写入数据库失败，该行未导入"
