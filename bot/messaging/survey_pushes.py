"""What the survey after a visit says when the sender renders it: thanks for the visit
and five buttons for overall satisfaction (`sv:rate:<survey id>:<n>`; the dialog goes
on from the pressed one). The survey is re-read then: one answered meanwhile, expired,
or whose visit was reversed is stale and not sent at all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.stores.context import StoreContext
from bot.club.surveys.rules import SCORES, SurveyStatus
from bot.club.visits.reversals import reversed_visit
from bot.i18n import Translator
from bot.messaging.booking_pushes import Said
from db.models import Car, Push, Survey, Visit

PER_ROW = len(SCORES)  # the five ratings side by side: short labels fit a phone
FACES = {1: "😞", 5: "😀"}  # the ends say which way the scale runs


def rating_label(n: int) -> str:
    return f"{n} {FACES[n]}" if n in FACES else str(n)


def rate_data(survey_id: int, n: int) -> str:
    """The push's button: `sv:rate:<survey id>:<n>` (handlers.surveys.answer reads it)."""
    return f"sv:rate:{survey_id}:{n}"


async def _current(session: AsyncSession, push_member: int | None, survey_id: object):
    """The survey, its visit and the car's plate as they are now (never an earlier copy)."""
    if not isinstance(survey_id, int):
        return None
    row = (
        await session.execute(
            select(Survey, Visit.visit_date, Car.plate, reversed_visit())
            .join(Visit, Visit.id == Survey.visit_id)
            .outerjoin(Car, Car.id == Survey.car_id)
            .where(Survey.id == survey_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None or row[0].member_id != push_member:
        return None
    return row


async def render(
    session: AsyncSession, store: StoreContext, push: Push, t: Translator, now: datetime
) -> Said | None:
    """The survey push, or None when it is stale: answered before it went, past its
    days, or its visit reversed (a visit recorded in error is not asked about)."""
    row = await _current(session, push.member_id, (push.params or {}).get("survey_id"))
    if row is None:
        return None
    survey, visit_date, plate, reversed_ = row
    if survey.status != SurveyStatus.PENDING or now >= survey.expires_at or reversed_:
        return None
    category = store.policy.category(survey.category)
    what = category.name(t.locale) if category is not None else survey.category
    if plate:
        thanks = t.gettext(
            "Thank you for visiting us on {date} ({category}, {plate}).",
            date=t.date(visit_date),
            category=what,
            plate=plate,
        )
    else:
        thanks = t.gettext(
            "Thank you for visiting us on {date} ({category}).",
            date=t.date(visit_date),
            category=what,
        )
    text = "\n".join(
        [
            thanks,
            t.gettext(
                "How satisfied are you overall? Tap from 1 (very unhappy) to 5 (very happy)."
            ),
        ]
    )
    buttons = tuple((rating_label(n), rate_data(survey.id, n)) for n in SCORES)
    return Said(text, buttons)
