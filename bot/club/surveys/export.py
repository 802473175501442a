"""A month's survey figures as an XLSX workbook for the store's own spreadsheets: the
summary, every answer, every ticket, the advisors and the last six months, one sheet
each. Headers and words (reasons, kinds, statuses) in the reader's language, moments on
the store's wall clock, shares in percent. The chat's /surveys uses the same words, so
the file and the chat say the same thing."""

from __future__ import annotations

from datetime import date, datetime

from babel import dates
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.xlsx import Row, label, local, sheets_workbook
from bot.club.stores.context import StoreContext
from bot.club.surveys import figures
from bot.club.surveys.figures import MonthFigures, Scores
from bot.club.surveys.labels import KINDS, NO_ADVISOR, REASONS, STATUSES
from bot.club.surveys.rules import SurveyStatus
from bot.i18n import N_, Translator
from db.models import Car, Member, Survey, Ticket

SUMMARY_HEADERS = (N_("Figure"), N_("Value"))
ANSWER_HEADERS = (
    N_("Sent"),
    N_("Answered at"),
    N_("Member"),
    N_("Phone"),
    N_("Plate"),
    N_("Advisor"),
    N_("Category"),
    N_("Satisfaction (1–5)"),
    N_("Likelihood to recommend (0–10)"),
    N_("What went wrong"),
    N_("Comment"),
)
TICKET_HEADERS = (
    N_("Opened"),
    N_("Kind"),
    N_("Member"),
    N_("Phone"),
    N_("Plate"),
    N_("Advisor"),
    N_("Status"),
    N_("Owner's words"),
    N_("Taken by"),
    N_("Resolved at"),
    N_("Resolution"),
    N_("Reopened at"),
)
SCORE_HEADERS = (
    N_("Surveys sent"),
    N_("Answered"),
    N_("Response rate (%)"),
    N_("Average satisfaction"),
    N_("NPS"),
    N_("Tickets"),
)


def percent(value: float | None) -> float | None:
    """A share as a percentage with one decimal (70.4), a number a spreadsheet sums."""
    return None if value is None else round(100 * value, 1)


def _score_cells(s: Scores, tickets: int) -> Row:
    average = None if s.average is None else round(s.average, 2)
    return [s.sent, s.answered, percent(s.response_rate), average, s.nps, tickets]


def month_label(t: Translator, first: date) -> str:
    """A month as the chat writes it ("Dec 2026" / "2026年12月"), not a raw "2026-12"."""
    return dates.format_skeleton("yMMM", first, locale=t.babel_locale)


def _summary(t: Translator, f: MonthFigures) -> list[Row]:
    s, c = f.scores, f.tickets
    rows: list[Row] = [
        [t.gettext("Month"), month_label(t, f.month)],
        *zip((t.gettext(h) for h in SCORE_HEADERS[:5]), _score_cells(s, 0), strict=False),
        [t.gettext("Promoters (9–10)"), s.promoters],
        [t.gettext("Passives (7–8)"), s.passives],
        [t.gettext("Detractors (0–6)"), s.detractors],
        *(
            [t.gettext("Answers scoring {score}", score=score), f.spread[score]]
            for score in sorted(f.spread, reverse=True)
        ),
        [t.gettext("Unhappy answers"), f.unhappy],
        *(
            [t.gettext("What went wrong: {reason}", reason=label(t, REASONS, code)), n]
            for code, n in f.reasons.items()
        ),
        [t.gettext("Tickets opened"), c.total],
        *([label(t, KINDS, kind), c.opened.get(kind, 0)] for kind in KINDS),
        [t.gettext("Resolved"), c.resolved],
        [t.gettext("Still open"), c.still_open],
        [t.gettext("Overdue now"), c.overdue],
        [t.gettext("Reopened"), c.reopened],
        [
            t.gettext("Median hours to resolve"),
            None if c.median_hours is None else round(c.median_hours, 1),
        ],
    ]
    return [list(row) for row in rows]


async def _answers(
    session: AsyncSession, store: StoreContext, first: date, now: datetime, t: Translator
) -> list[Row]:
    start, end = figures.month_window(store, first)
    found = await session.execute(
        select(
            Survey.sent_after,
            Survey.answered_at,
            Member.name,
            Member.phone,
            Car.plate,
            Survey.advisor,
            Survey.category,
            Survey.satisfaction,
            Survey.nps,
            Survey.reasons,
            Survey.comment,
        )
        .join(Member, Member.id == Survey.member_id)
        .outerjoin(Car, Car.id == Survey.car_id)
        .where(
            Survey.store_id == store.id,
            Survey.sent_after >= start,
            Survey.sent_after < end,
            Survey.sent_after <= now,
            Survey.status == SurveyStatus.ANSWERED,
        )
        .order_by(Survey.sent_after, Survey.id)
    )
    policy = store.policy

    def row(sent, answered, name, phone, plate, advisor, code, score, nps, reasons, comment):
        category = policy.category(code)
        return [
            local(t, sent),
            local(t, answered),
            name,
            phone,
            plate,
            advisor or t.gettext(NO_ADVISOR),
            category.name(t.locale) if category else code,
            score,
            nps,
            ", ".join(label(t, REASONS, r) for r in reasons or []),
            comment,
        ]

    return [row(*values) for values in found.all()]


async def _tickets(
    session: AsyncSession, store: StoreContext, first: date, t: Translator
) -> list[Row]:
    start, end = figures.month_window(store, first)
    found = await session.execute(
        select(Ticket, Member.name, Member.phone, Car.plate)
        .join(Member, Member.id == Ticket.member_id)
        .outerjoin(Car, Car.id == Ticket.car_id)
        .where(Ticket.store_id == store.id, Ticket.created_at >= start, Ticket.created_at < end)
        .order_by(Ticket.created_at, Ticket.id)
    )
    return [
        [
            local(t, k.created_at),
            label(t, KINDS, k.kind),
            name,
            phone,
            plate,
            k.advisor or t.gettext(NO_ADVISOR),
            label(t, STATUSES, k.status),
            k.text,
            k.taken_by_name,
            local(t, k.resolved_at),
            k.resolution,
            local(t, k.reopened_at),
        ]
        for k, name, phone, plate in found.all()
    ]


async def month_xlsx(
    session: AsyncSession, store: StoreContext, first: date, now: datetime, t: Translator
) -> bytes:
    """The workbook of the store month starting on `first`, as of `now`."""
    f = await figures.month(session, store, first, now)
    advisors = await figures.advisors(session, store, first, now)
    months = await figures.recent_months(session, store, first, now)
    return sheets_workbook(
        t,
        [
            (t.gettext("Summary"), SUMMARY_HEADERS, _summary(t, f)),
            (t.gettext("Answers"), ANSWER_HEADERS, await _answers(session, store, first, now, t)),
            (t.gettext("Tickets"), TICKET_HEADERS, await _tickets(session, store, first, t)),
            (
                t.gettext("Advisors"),
                (N_("Advisor"), *SCORE_HEADERS),
                [
                    [a.advisor or t.gettext(NO_ADVISOR), *_score_cells(a.scores, a.tickets)]
                    for a in advisors
                ],
            ),
            (
                t.gettext("Months"),
                (N_("Month"), *SCORE_HEADERS),
                [[month_label(t, m.month), *_score_cells(m.scores, m.tickets)] for m in months],
            ),
        ],
    )
