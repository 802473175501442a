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

from bot.club.stores.context import StoreContext
from bot.club.surveys.rules import survey_closes, survey_time
from bot.club.visits.reversals import reversed_visit
from bot.messaging import outbox
from bot.messaging.outbox import Purpose
from db.models import Member, Survey, Visit
from db.writes import insert_many_once

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
    """Service visits of the last days, recorded within the survey's life, not reversed,
    not surveyed, of owners the bot can reach, in the visit-date index's order (so a
    week's imported history is never walked)."""
    policy = store.policy.surveys
    conditions = [~exists().where(Survey.visit_id == Visit.id), ~reversed_visit()]
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
            Visit.visit_date >= oldest_day,
            Visit.created_at >= now - timedelta(days=policy.expire_days),
            Visit.category.in_(policy.categories),
            Member.telegram_user_id.is_not(None),
            Member.blocked_at.is_(None),
            *conditions,
        )
        .order_by(Visit.visit_date, Visit.id)
        .limit(BATCH)
    )
    return [Candidate(*row) for row in rows.all()]


def _chosen(
    store: StoreContext, candidates: list[Candidate], now: datetime
) -> list[tuple[Candidate, datetime]]:
    """The candidates to survey now, each with its send time: none past its life (the
    bot was down too long), one per owner in this sweep when the policy sets a gap."""
    policy, pushes = store.policy.surveys, store.policy.pushes
    quiet = (pushes.quiet_start, pushes.quiet_end)
    chosen, owners = [], set()
    for c in candidates:
        sent_after = survey_time(policy, store.tz, quiet, c.recorded_at)
        if survey_closes(policy, sent_after) <= now or (policy.gap_days and c.member_id in owners):
            continue
        owners.add(c.member_id)
        chosen.append((c, sent_after))
    return chosen


async def queue_surveys(session: AsyncSession, store: StoreContext, now: datetime) -> int:
    """Give each new service visit its survey and queue its push, in two statements;
    how many were new. The caller commits (each survey and its push together); a
    survey another instance made a moment ago is left out of both (its unique visit)."""
    policy = store.policy.surveys
    if not policy.enabled:
        return 0
    chosen = _chosen(store, await _candidates(session, store, now), now)
    rows = [
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
        }
        for c, sent_after in chosen
    ]
    made = dict(await insert_many_once(session, Survey, rows, Survey.visit_id, Survey.id))
    pushes = [
        outbox.push_row(
            store_id=store.id,
            member_id=c.member_id,
            chat_id=c.chat_id,
            purpose=Purpose.SURVEY,
            dedupe_key=survey_key(c.visit_id),
            params={"survey_id": made[c.visit_id]},
            # Not urgent: a sender that falls behind still holds it in quiet hours; it is
            # exempt from the weekly cap (`weekly_cap.CAP_EXEMPT`): it is about their visit.
            urgent=False,
            not_before=sent_after,
        )
        for c, sent_after in chosen
        if c.visit_id in made
    ]
    await outbox.enqueue_many(session, pushes)
    return len(pushes)
