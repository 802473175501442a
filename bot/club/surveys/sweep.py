"""The surveys after visits: a minute job looks at the service visits recorded lately
(by staff in chat or by a DMS import) and gives each one survey, with its push queued in
the same transaction for the policy's delay later, out of quiet hours. The survey's
unique visit makes this happen once per visit however many instances sweep, and a
restart simply looks again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.points.ledger import EntryKind
from bot.club.stores.context import StoreContext
from bot.club.surveys.rules import survey_closes, survey_time
from bot.messaging import outbox
from bot.messaging.outbox import Purpose
from db.models import Member, PointsEntry, Survey, Visit
from db.writes import insert_once

BATCH = 500  # visits looked at per sweep and store (the next minute takes the rest)


def survey_key(visit_id: int) -> str:
    """The survey push's key: one per visit."""
    return f"visit:{visit_id}"


@dataclass(frozen=True)
class Candidate:
    visit_id: int
    member_id: int
    car_id: int | None
    advisor: str | None
    category: str
    recorded_at: datetime
    chat_id: int


async def _candidates(session: AsyncSession, store: StoreContext, now: datetime) -> list[Candidate]:
    """Service visits recorded within the survey's life, not reversed, not surveyed, of
    owners the bot can reach, oldest first."""
    policy = store.policy.surveys
    reversed_ = exists().where(  # (member, kind) leads a unique index: a short look
        PointsEntry.member_id == Visit.member_id,
        PointsEntry.kind == EntryKind.REVERSAL,
        PointsEntry.visit_id == Visit.id,
    )
    surveyed = exists().where(Survey.visit_id == Visit.id)
    conditions = [~surveyed, ~reversed_]
    if policy.gap_days:  # in SQL, so owners skipped never crowd out the next visits
        recent = Survey.__table__.alias("recent")
        conditions.append(
            ~exists().where(
                recent.c.member_id == Visit.member_id,
                recent.c.created_at >= now - timedelta(days=policy.gap_days),
            )
        )
    oldest_day = store.today(now) - timedelta(days=policy.max_visit_age_days)
    rows = await session.execute(
        select(
            Visit.id,
            Visit.member_id,
            Visit.car_id,
            Visit.advisor,
            Visit.category,
            Visit.created_at,
            Member.telegram_user_id,
        )
        .join(Member, Member.id == Visit.member_id)
        .where(
            Visit.store_id == store.id,
            Visit.created_at >= now - timedelta(days=policy.expire_days),
            Visit.category.in_(policy.categories),
            Visit.visit_date >= oldest_day,
            Member.telegram_user_id.is_not(None),
            Member.blocked_at.is_(None),
            *conditions,
        )
        .order_by(Visit.id)
        .limit(BATCH)
    )
    return [Candidate(*row) for row in rows.all()]


async def queue_surveys(session: AsyncSession, store: StoreContext, now: datetime) -> int:
    """Give each new service visit its survey and queue its push; how many were new.
    The caller commits (each survey and its push together)."""
    policy, pushes = store.policy.surveys, store.policy.pushes
    if not policy.enabled:
        return 0
    candidates = await _candidates(session, store, now)
    skip: set[int] = set()  # with a gap: owners surveyed in this sweep already
    queued = 0
    for c in candidates:
        if c.member_id in skip:
            continue
        sent_after = survey_time(
            policy, store.tz, (pushes.quiet_start, pushes.quiet_end), c.recorded_at
        )
        if survey_closes(policy, sent_after) <= now:
            continue  # the bot was down past the survey's life: none now
        survey_id = await insert_once(
            session,
            Survey,
            {
                "store_id": store.id,
                "member_id": c.member_id,
                "visit_id": c.visit_id,
                "car_id": c.car_id,
                "advisor": c.advisor,
                "category": c.category,
                "status": "pending",
                "sent_after": sent_after,
                "expires_at": survey_closes(policy, sent_after),
                "reasons": [],
                "created_at": now,
            },
        )
        if survey_id is None:
            continue  # another instance surveyed this visit a moment ago
        await outbox.enqueue(
            session,
            store_id=store.id,
            member_id=c.member_id,
            chat_id=c.chat_id,
            purpose=Purpose.SURVEY,
            dedupe_key=survey_key(c.visit_id),
            params={"survey_id": survey_id},
            # Not urgent: a sender that falls behind still holds it in quiet hours; it is
            # exempt from the weekly cap (`weekly_cap.CAP_EXEMPT`): it is about their visit.
            urgent=False,
            not_before=sent_after,
        )
        if policy.gap_days:
            skip.add(c.member_id)
        queued += 1
    return queued
