"""Bulk import of entries from JSON Lines (``hotline import``, demo data, eval corpora).

Each line is checked completely before anything is written (types, 要素齐全, that its region
exists), so a bad line is reported with its number and skipped without creating even a
department. Good lines are written in batches, one transaction each; should the store refuse a
batch anyway, that batch is replayed one line per transaction so only the offending line is lost.
Re-importing updates: an identical record writes nothing, a changed one becomes a new version.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from records.clock import Clock
from records.import_format import ImportedLine, ImportReport, parse_line
from records.import_writer import BatchWriter
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
) -> ImportReport:
    """Import ``path``; returns counts and (line number, messages) of every refused line."""
    report = ImportReport()
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
                _write_batch(engine, batch, publish, actor, clock, max_text_bytes, report)
                batch = []
    if batch:
        _write_batch(engine, batch, publish, actor, clock, max_text_bytes, report)
    report.errors.sort()
    return report


def _write_batch(
    engine: Engine,
    lines: list[ImportedLine],
    publish: bool,
    actor: User | None,
    clock: Clock,
    max_text_bytes: int,
    report: ImportReport,
) -> None:
    try:
        with Session(engine, expire_on_commit=False) as session:
            partial = ImportReport()
            BatchWriter(session, publish, actor, clock, max_text_bytes, partial).write(lines)
            session.commit()
    except SQLAlchemyError:
        if len(lines) == 1:
            report.errors.append((lines[0].line_no, ["写入数据库失败，该行未导入"]))
            return
        for line in lines:  # find the one line the store refuses; keep the others
            _write_batch(engine, [line], publish, actor, clock, max_text_bytes, report)
        return
    report.created += partial.created
    report.updated += partial.updated
    report.unchanged += partial.unchanged
    report.published += partial.published
    report.expired += partial.expired
    report.errors.extend(partial.errors)
