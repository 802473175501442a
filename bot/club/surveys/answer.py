"""An owner's answer to the survey after a visit: satisfaction 1–5, likelihood to
recommend 0–10, and for an unhappy answer what went wrong and a comment. The answer is
written once, by one conditional update (pending → answered), however many taps race;
an unhappy one opens its ticket in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.stores.context import StoreContext
from bot.club.surveys import tickets
from bot.club.surveys.rules import (
    NPS_SCORES,
    SCORES,
    SurveyStatus,
    TicketKind,
    clean_reasons,
    clean_text,
    is_low,
)
from db.models import Survey, Ticket


class Refusal(StrEnum):
    """Why an answer is not taken; each has an owner-facing text."""

    NOT_YOURS = "survey_not_yours"  # no such survey of this owner (forged or passed on)
    DONE = "survey_done"  # answered already: that answer stands
    EXPIRED = "survey_expired"  # past the policy's days
    SCORE = "survey_score"  # not a score the survey offers (a forged button)


class SurveyRefused(Exception):
    def __init__(self, code: Refusal, survey: Survey | None = None) -> None:
        super().__init__(str(code))
        self.code, self.survey = code, survey


@dataclass(frozen=True)
class Answer:
    satisfaction: int
    nps: int | None = None
    reasons: tuple[str, ...] = ()
    comment: str | None = None


@dataclass(frozen=True)
class Saved:
    survey: Survey
    ticket: Ticket | None  # the ticket an unhappy answer opened


async def _mine(session: AsyncSession, store_id: int, survey_id: int, member_id: int) -> Survey:
    survey = await session.scalar(
        select(Survey)
        .where(Survey.id == survey_id, Survey.store_id == store_id, Survey.member_id == member_id)
        .execution_options(populate_existing=True)
    )
    if survey is None:
        raise SurveyRefused(Refusal.NOT_YOURS)
    return survey


async def open_survey(
    session: AsyncSession, store: StoreContext, survey_id: int, member_id: int, now: datetime
) -> Survey:
    """The owner's survey if it may be answered now; else raises `SurveyRefused`
    (DONE with the answer kept, EXPIRED past its days)."""
    survey = await _mine(session, store.id, survey_id, member_id)
    if survey.status == SurveyStatus.ANSWERED:
        raise SurveyRefused(Refusal.DONE, survey)
    if now >= survey.expires_at:
        raise SurveyRefused(Refusal.EXPIRED, survey)
    return survey


def check_answer(answer: Answer) -> None:
    if answer.satisfaction not in SCORES:
        raise SurveyRefused(Refusal.SCORE)
    if answer.nps is not None and answer.nps not in NPS_SCORES:
        raise SurveyRefused(Refusal.SCORE)


async def save(
    session: AsyncSession,
    store: StoreContext,
    survey_id: int,
    member_id: int,
    answer: Answer,
    started_at: datetime,
    now: datetime,
) -> Saved:
    """Keep the answer once. An owner who began in time (`started_at`, their first tap)
    finishes even if the survey closed meanwhile. An unhappy answer opens its ticket."""
    check_answer(answer)
    policy = store.policy.surveys
    low = is_low(policy, answer.satisfaction, answer.nps)
    reasons = clean_reasons(answer.reasons) if low else []
    comment = clean_text(answer.comment)
    done = await session.execute(
        update(Survey)
        .where(
            Survey.id == survey_id,
            Survey.store_id == store.id,
            Survey.member_id == member_id,  # only the owner's own survey
            Survey.status == SurveyStatus.PENDING,
            Survey.expires_at > min(started_at, now),
        )
        .values(
            status=SurveyStatus.ANSWERED,
            satisfaction=answer.satisfaction,
            nps=answer.nps,
            reasons=reasons,
            comment=comment,
            answered_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    survey = await _mine(session, store.id, survey_id, member_id)  # NOT_YOURS if not theirs
    if not done.rowcount:
        code = Refusal.DONE if survey.status == SurveyStatus.ANSWERED else Refusal.EXPIRED
        raise SurveyRefused(code, survey)
    ticket = None
    if low:
        ticket = await tickets.open_ticket(
            session,
            store,
            member_id=member_id,
            kind=TicketKind.SURVEY,
            survey_id=survey.id,
            visit_id=survey.visit_id,
            car_id=survey.car_id,
            advisor=survey.advisor,
            text=comment,
            now=now,
        )
    return Saved(survey, ticket)
