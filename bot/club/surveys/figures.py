"""The survey figures of a store month (store time): how many surveys went and were
answered, average satisfaction, NPS, what went wrong in unhappy answers, the tickets
opened and how they fared, per advisor and for the last months side by side.

A survey belongs to the month of its `sent_after` and counts once that moment has come;
a ticket to the month it was opened in. Every figure is an aggregate the database
computes (GROUP BY over the store's index on `sent_after`), so a store with thousands
of surveys a month answers in milliseconds; only a month's resolved tickets are read
one by one, for the median time to resolve.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import astuple, dataclass, field
from datetime import UTC, date, datetime, time
from itertools import chain, repeat
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings.figures import months_before
from bot.club.points.tiers import add_months
from bot.club.stores.context import StoreContext
from bot.club.surveys.rules import (
    ACTIVE,
    DETRACTOR,
    PROMOTER,
    REASONS,
    SCORES,
    SurveyStatus,
    TicketKind,
    TicketStatus,
    net_promoter_score,
)
from db.models import Survey, Ticket

MONTHS = 6  # months side by side
DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


@dataclass(frozen=True)
class Scores:
    """The answers of a set of surveys."""

    sent: int = 0
    answered: int = 0
    satisfaction_total: int = 0  # the sum of the answered satisfactions (1–5)
    promoters: int = 0  # likelihood to recommend 9–10
    passives: int = 0  # 7–8
    detractors: int = 0  # 0–6

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None

    @property
    def average(self) -> float | None:
        """Average satisfaction of the answered surveys (None: none answered)."""
        return self.satisfaction_total / self.answered if self.answered else None

    @property
    def nps(self) -> int | None:
        """Net Promoter Score by the rule's own definition (None: no one rated)."""
        scores = chain(
            repeat(PROMOTER, self.promoters),
            repeat(PROMOTER - 1, self.passives),
            repeat(DETRACTOR, self.detractors),
        )
        return net_promoter_score(scores)


@dataclass(frozen=True)
class TicketCounts:
    """The tickets opened in a month and where they stand now."""

    opened: dict[str, int] = field(default_factory=dict)  # by kind
    resolved: int = 0  # resolved, or closed (a suggestion noted)
    still_open: int = 0  # open or taken
    overdue: int = 0  # still open and past their deadline now
    reopened: int = 0  # the owner said "not solved"
    median_hours: float | None = None  # opening to resolution, complaints and surveys

    @property
    def total(self) -> int:
        return sum(self.opened.values())


@dataclass(frozen=True)
class MonthFigures:
    month: date  # its first day
    scores: Scores
    spread: dict[int, int]  # satisfaction 1–5 → answers
    unhappy: int  # answers at or below the policy's thresholds
    reasons: dict[str, int]  # what went wrong → answers naming it (several per answer)
    tickets: TicketCounts


@dataclass(frozen=True)
class AdvisorFigures:
    advisor: str | None  # as the DMS names them; None: no advisor on the visit
    scores: Scores
    tickets: int


@dataclass(frozen=True)
class MonthRow:
    month: date
    scores: Scores
    tickets: int


def month_window(store: StoreContext, first: date) -> tuple[datetime, datetime]:
    """The UTC instants where the store month starting on `first` begins and ends."""

    def start(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=store.tz).astimezone(UTC)

    return start(first), start(add_months(first, 1))


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _score_columns(source: Any = Survey) -> list[Any]:
    """The aggregates a `Scores` is made of, over `source` (the surveys table, or a
    subquery of its status, satisfaction and nps)."""
    answered = source.status == SurveyStatus.ANSWERED
    nps = source.nps
    return [
        func.count(),
        _count(answered),
        func.coalesce(func.sum(case((answered, source.satisfaction), else_=0)), 0),
        _count(and_(answered, nps >= PROMOTER)),
        _count(and_(answered, nps > DETRACTOR, nps < PROMOTER)),
        _count(and_(answered, nps <= DETRACTOR)),
    ]


def _scores(values: Any) -> Scores:
    return Scores(*(int(v or 0) for v in values))


def _sent(store: StoreContext, start: datetime, end: datetime, now: datetime) -> list[Any]:
    """The store's surveys sent between `start` and `end`, as far as `now` has come."""
    return [
        Survey.store_id == store.id,
        Survey.sent_after >= start,
        Survey.sent_after < end,
        Survey.sent_after <= now,
    ]


def _opened(store: StoreContext, start: datetime, end: datetime) -> list[Any]:
    return [Ticket.store_id == store.id, Ticket.created_at >= start, Ticket.created_at < end]


async def _reasons(session: AsyncSession, where: list[Any]) -> dict[str, int]:
    """Each reason with the answers naming it. The lists are grouped as written (their
    order is the survey's, so at most 2⁶ distinct lists) and counted out here."""
    rows = await session.execute(
        select(cast(Survey.reasons, String), func.count())
        .where(*where, Survey.status == SurveyStatus.ANSWERED)
        .group_by(cast(Survey.reasons, String))
    )
    counted = dict.fromkeys((r.value for r in REASONS), 0)
    for written, n in rows.all():
        for code in json.loads(written or "[]"):
            if code in counted:
                counted[code] += int(n)
    return {code: n for code, n in counted.items() if n}


async def _tickets(
    session: AsyncSession, store: StoreContext, start: datetime, end: datetime, now: datetime
) -> TicketCounts:
    where = _opened(store, start, end)
    active = Ticket.status.in_(ACTIVE)
    row = (
        await session.execute(
            select(
                _count(Ticket.status.in_(DONE)),
                _count(active),
                _count(and_(active, Ticket.due_at < now)),
                _count(Ticket.reopened_at.is_not(None)),
                *(_count(Ticket.kind == kind) for kind in TicketKind),
            ).where(*where)
        )
    ).one()
    took = await session.execute(
        select(Ticket.created_at, Ticket.resolved_at).where(
            *where,
            Ticket.status.in_(DONE),
            Ticket.kind != TicketKind.SUGGESTION,
            Ticket.resolved_at.is_not(None),
        )
    )
    hours = [(done - opened).total_seconds() / 3600 for opened, done in took.all()]
    by_kind = zip((k.value for k in TicketKind), row[4:], strict=True)
    return TicketCounts(
        opened={kind: int(n) for kind, n in by_kind if n},
        resolved=int(row[0]),
        still_open=int(row[1]),
        overdue=int(row[2]),
        reopened=int(row[3]),
        median_hours=statistics.median(hours) if hours else None,
    )


async def month(
    session: AsyncSession, store: StoreContext, first: date, now: datetime
) -> MonthFigures:
    """The figures of the store month starting on `first`, as of `now`."""
    start, end = month_window(store, first)
    where = _sent(store, start, end, now)
    policy = store.policy.surveys
    answered = Survey.status == SurveyStatus.ANSWERED
    low = (Survey.satisfaction <= policy.low_score) | (Survey.nps <= policy.low_nps)
    row = (
        await session.execute(
            select(
                *_score_columns(),
                _count(and_(answered, low)),
                *(_count(and_(answered, Survey.satisfaction == score)) for score in SCORES),
            ).where(*where)
        )
    ).one()
    return MonthFigures(
        month=first,
        scores=_scores(row[:6]),
        spread={score: int(n) for score, n in zip(SCORES, row[7:], strict=True)},
        unhappy=int(row[6]),
        reasons=await _reasons(session, where),
        tickets=await _tickets(session, store, start, end, now),
    )


def _advisor(name: str | None) -> str | None:
    return (name or "").strip() or None


async def advisors(
    session: AsyncSession, store: StoreContext, first: date, now: datetime
) -> list[AdvisorFigures]:
    """Each advisor's surveys and tickets in the month, most surveys first (those with
    only tickets after them), "no advisor" last."""
    start, end = month_window(store, first)
    rows = await session.execute(
        select(Survey.advisor, *_score_columns())
        .where(*_sent(store, start, end, now))
        .group_by(Survey.advisor)
    )
    scores: dict[str | None, Scores] = {}
    for name, *values in rows.all():
        key, found = _advisor(name), _scores(values)
        scores[key] = _merge(scores[key], found) if key in scores else found
    ticket_rows = await session.execute(
        select(Ticket.advisor, func.count())
        .where(*_opened(store, start, end))
        .group_by(Ticket.advisor)
    )
    tickets: dict[str | None, int] = {}
    for name, n in ticket_rows.all():
        tickets[_advisor(name)] = tickets.get(_advisor(name), 0) + int(n)
    names = set(scores) | set(tickets)
    found = [AdvisorFigures(n, scores.get(n, Scores()), tickets.get(n, 0)) for n in names]
    return sorted(found, key=lambda a: (a.advisor is None, -a.scores.sent, -a.tickets, a.advisor))


def _merge(a: Scores, b: Scores) -> Scores:
    """Two groups of one advisor (a name written with and without spaces around it)."""
    return Scores(*(x + y for x, y in zip(astuple(a), astuple(b), strict=True)))


async def recent_months(
    session: AsyncSession, store: StoreContext, last: date, now: datetime, count: int = MONTHS
) -> list[MonthRow]:
    """The `count` months ending with the one starting on `last`, oldest first: one
    grouped query for the surveys and one for the tickets (each row's month found by
    comparing with the months' starts)."""
    firsts = [*reversed(months_before(last, count - 1)), last]
    bounds = [month_window(store, m)[0] for m in firsts] + [month_window(store, last)[1]]

    def bucket(column: Any) -> Any:
        return case(*((column < b, i) for i, b in enumerate(bounds[1:-1])), else_=count - 1).label(
            "month"
        )

    # Grouped over a subquery: PostgreSQL would not see two renderings of the CASE (each
    # with its own parameters) in SELECT and GROUP BY as the same expression.
    sent = (
        select(bucket(Survey.sent_after), Survey.status, Survey.satisfaction, Survey.nps)
        .where(*_sent(store, bounds[0], bounds[-1], now))
        .subquery()
    )
    rows = await session.execute(
        select(sent.c.month, *_score_columns(sent.c)).group_by(sent.c.month)
    )
    scores = {int(i): _scores(values) for i, *values in rows.all()}
    opened = (
        select(bucket(Ticket.created_at)).where(*_opened(store, bounds[0], bounds[-1])).subquery()
    )
    ticket_rows = await session.execute(
        select(opened.c.month, func.count()).group_by(opened.c.month)
    )
    tickets = {int(i): int(n) for i, n in ticket_rows.all()}
    return [MonthRow(m, scores.get(i, Scores()), tickets.get(i, 0)) for i, m in enumerate(firsts)]


async def first_month(session: AsyncSession, store: StoreContext) -> date | None:
    """The store month of its first survey (None: never surveyed), where paging stops."""
    earliest = await session.scalar(
        select(func.min(Survey.sent_after)).where(Survey.store_id == store.id)
    )
    return store.today(earliest).replace(day=1) if earliest is not None else None
