"""A citizen's submission: rate limit, region lookup, public number, and "this answered me".

Why the rate limit reads the store: API workers are stateless and many, so a per-process
counter would let a burst through N times; counting the client's recent questions in the
store (with the injected clock) holds across workers and restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from records.audit import CITIZEN
from records.clock import Clock
from records.desk.audit import change_state, now_utc
from records.desk.models import DeskQuestion, QuestionState
from records.desk.validation import clean_contact, clean_question
from records.errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationFailed
from records.models import Entry, EntryStatus, Region
from records.reference import Resolver

RATE_WINDOW = timedelta(minutes=1)
OPEN_STATES = (QuestionState.received, QuestionState.routed)
NUMBER_ATTEMPTS = 5


class RateLimited(TooManyRequests):
    """429 that carries Retry-After (search_api.errors renders ``headers``)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"提交过于频繁，请 {retry_after} 秒后再试",
            code="question_rate_limited",
            details={"retry_after": retry_after},
        )
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class Submitted:
    question: DeskQuestion
    citizen_token: str  # shown once; lets the asker mark the question resolved


def client_key(client: str, secret: str) -> str:
    """A keyed hash of the client address: enough to count a burst, not enough to identify anyone."""
    return hmac.new(secret.encode(), client.encode(), hashlib.sha256).hexdigest()[:32]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_rate(session: Session, key: str, limit: int, clock: Clock) -> None:
    since = now_utc(clock) - RATE_WINDOW
    recent = list(
        session.exec(
            select(DeskQuestion.created_at)
            .where(DeskQuestion.client_key == key)
            .where(col(DeskQuestion.created_at) > since)
            .order_by(col(DeskQuestion.created_at))
        )
    )
    if len(recent) >= limit:
        oldest = recent[len(recent) - limit]
        wait = (oldest + RATE_WINDOW - now_utc(clock)).total_seconds()
        raise RateLimited(max(1, int(wait) + (0 if wait == int(wait) else 1)))


def find_region(session: Session, value: str | None) -> Region | None:
    """A region by name or path, resolved like an entry's region (records.reference); unknown → 422."""
    if value is None or not value.strip():
        return None
    found = Resolver(session, create=False).region(value.strip()[:100])
    if not isinstance(found, Region):
        raise ValidationFailed("未知的地区，请从列表中选择", code="region_unknown", details=[found])
    return found


def _next_number(session: Session, clock: Clock, timezone: str) -> str:
    from records.desk.workdays import local_date

    prefix = f"Q{local_date(now_utc(clock), timezone):%Y%m%d}"
    latest = session.exec(
        select(func.max(DeskQuestion.number)).where(col(DeskQuestion.number).startswith(prefix))
    ).one()
    sequence = int(latest[len(prefix) :]) + 1 if latest else 1
    return f"{prefix}{sequence:05d}"


def submit_question(
    session: Session,
    *,
    text: object,
    region: str | None,
    contact: object,
    client: str,
    clock: Clock,
    secret: str,
    timezone: str,
    rate_per_minute: int,
) -> Submitted:
    cleaned = clean_question(text)
    cleaned_contact = clean_contact(contact)
    found_region = find_region(session, region)
    key = client_key(client, secret)
    check_rate(session, key, rate_per_minute, clock)
    token = secrets.token_urlsafe(24)
    for _ in range(NUMBER_ATTEMPTS):
        question = DeskQuestion(
            number=_next_number(session, clock, timezone),
            text=cleaned,
            region_id=found_region.id if found_region else None,
            contact=cleaned_contact,
            client_key=key,
            citizen_token_hash=_token_hash(token),
            created_at=now_utc(clock),
            updated_at=now_utc(clock),
        )
        try:
            with session.begin_nested():  # a concurrent submission took the number: take the next
                session.add(question)
                session.flush()
        except IntegrityError:
            continue
        question.lock_version = 0  # change_state bumps it to 1 for the first recorded state
        change_state(
            session,
            question,
            QuestionState.received,
            action="submit",
            actor=None,
            clock=clock,
            details={"region": found_region.path if found_region else None},
            initial=True,
            actor_name=CITIZEN,
        )
        return Submitted(question, token)
    raise Conflict("系统繁忙，请稍后重试", code="question_number_busy")


def get_question(session: Session, number: str) -> DeskQuestion:
    question = session.exec(select(DeskQuestion).where(DeskQuestion.number == number)).first()
    if question is None:
        raise NotFound("问题不存在", code="question_not_found", details={"number": number[:40]})
    return question


def existing_answer_exists(session: Session, doc_id: str, own_number: str) -> bool:
    """A published entry or another published desk answer with this id."""
    entry = session.exec(select(Entry).where(Entry.public_id == doc_id)).first()
    if entry is not None:
        return entry.status in (EntryStatus.published, EntryStatus.takedown_requested)
    other = session.exec(select(DeskQuestion).where(DeskQuestion.number == doc_id)).first()
    return other is not None and other.number != own_number and other.state == QuestionState.published


def is_asker(question: DeskQuestion, token: object) -> bool:
    """Whether ``token`` is the one handed out when ``question`` was submitted."""
    return isinstance(token, str) and hmac.compare_digest(_token_hash(token), question.citizen_token_hash)


def resolve_by_existing(
    session: Session, question: DeskQuestion, *, token: object, doc_id: object, clock: Clock
) -> DeskQuestion:
    """The citizen says an existing answer answered them: close without department work."""
    if not is_asker(question, token):
        raise Forbidden("只有提问人可以确认问题已解决", code="citizen_token_invalid")
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise ValidationFailed(
            "请指明解决问题的答复", code="answer_ref_missing", details=[{"field": "doc_id"}]
        )
    doc_id = doc_id.strip()
    if not existing_answer_exists(session, doc_id, question.number):
        raise ValidationFailed(
            "所选答复不存在或未公开", code="answer_ref_unknown", details=[{"field": "doc_id"}]
        )
    if question.state not in OPEN_STATES:
        raise Conflict(
            "该问题已处理，无法再标记为已解决",
            code="question_not_open",
            details={"state": question.state.value},
        )
    question.resolved_by_doc = doc_id
    question.closed_at = now_utc(clock)
    change_state(
        session,
        question,
        QuestionState.resolved_by_existing,
        action="resolved_by_existing",
        actor=None,
        clock=clock,
        details={"doc_id": doc_id},
        actor_name=CITIZEN,
    )
    return question
