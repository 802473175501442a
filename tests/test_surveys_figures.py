"""The month's survey figures as the use-cases compute them: surveys made by the sweep and
answered through `answer.save`, tickets opened, resolved and reopened through their
use-cases; and, for many months, rows written straight in. A survey counts in the store
month of its `sent_after`, once that moment has come; a ticket in the month it opened."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot import jobs
from bot.club.common.codes import new_code
from bot.club.surveys import answer, figures, tickets
from bot.club.surveys.answer import Answer
from bot.club.surveys.rules import TicketKind
from db.models import Member, Survey, Visit
from tests.factories import add_member, add_visit
from tests.flows import services

NOW = datetime(2026, 11, 20, 6, tzinfo=UTC)  # 14:00 in Shanghai
NOVEMBER = date(2026, 11, 1)


async def run(bot, action):
    """One use-case in its own unit of work, committed."""
    async with services(bot).sessionmaker() as session:
        done = await action(session)
        await session.commit()
    return done


async def surveyed(bot, owners: list[tuple[int, str, str | None]]) -> dict[int, Survey]:
    """Members (telegram id, plate, advisor) with a visit each, given their surveys by the
    minute job; the surveys by telegram id."""
    user_of = {}
    for user_id, plate, advisor in owners:
        member = await add_member(bot, user_id, phone=f"+86139{user_id:08d}", plate=plate)
        user_of[member.id] = user_id
        await add_visit(bot, plate, advisor=advisor)
    await jobs.surveys_tick(services(bot))
    async with services(bot).sessionmaker() as session:
        found = await session.scalars(select(Survey))
        return {user_of[s.member_id]: s for s in found}


def store_of(bot):
    return services(bot).default_store


async def write_survey(
    bot,
    member: Member,
    sent_after: datetime,
    *,
    advisor: str | None = "Li Na",
    satisfaction: int | None = None,
    nps: int | None = None,
    reasons: list[str] | None = None,
    comment: str | None = None,
) -> Survey:
    """A survey (and the visit it is about) written straight in; answered when it has a
    satisfaction."""
    store = store_of(bot)
    async with services(bot).sessionmaker() as session:
        visit = Visit(
            store_id=store.id,
            member_id=member.id,
            car_id=member.cars[0].id if member.cars else None,
            order_no=f"RO{new_code(8)}",
            visit_date=store.today(sent_after),
            category="maintenance",
            amount_fen=50000,
            advisor=advisor,
            created_at=sent_after - timedelta(hours=1),
        )
        session.add(visit)
        await session.flush()
        survey = Survey(
            store_id=store.id,
            member_id=member.id,
            visit_id=visit.id,
            car_id=visit.car_id,
            advisor=advisor,
            category="maintenance",
            status="answered" if satisfaction else "pending",
            sent_after=sent_after,
            expires_at=sent_after + timedelta(days=7),
            satisfaction=satisfaction,
            nps=nps,
            reasons=reasons or [],
            comment=comment,
            answered_at=sent_after + timedelta(minutes=5) if satisfaction else None,
            created_at=sent_after - timedelta(hours=1),
        )
        session.add(survey)
        await session.commit()
    return survey


async def test_a_month_of_answers_and_tickets_through_the_use_cases(bot):
    store = store_of(bot)
    found = await surveyed(
        bot,
        [(6101, "粤B61001", "Li Na"), (6102, "粤B61002", "Li Na"), (6103, "粤B61003", "Zhou Jie")],
    )
    happy, unhappy, silent = found[6101], found[6102], found[6103]
    sent = max(s.sent_after for s in found.values())
    first, at = store.today(sent).replace(day=1), sent + timedelta(minutes=1)
    await run(
        bot,
        lambda s: answer.save(s, store, happy.id, happy.member_id, Answer(5, 10), at, at),
    )
    saved = await run(
        bot,
        lambda s: answer.save(
            s,
            store,
            unhappy.id,
            unhappy.member_id,
            Answer(2, 3, ("waiting", "price"), "Two hours late"),
            at,
            at,
        ),
    )
    complaint = await run(
        bot,
        lambda s: tickets.open_ticket(
            s,
            store,
            member_id=silent.member_id,
            kind=TicketKind.COMPLAINT,
            now=at,
            advisor="Zhou Jie",
            text="Scratch on the door",
        ),
    )
    await run(
        bot,
        lambda s: tickets.resolve(
            s,
            store.id,
            saved.ticket.id,
            7001,
            "Chen",
            "Refunded the labour",
            at + timedelta(hours=5),
        ),
    )
    later = at + timedelta(hours=30)  # past the complaint's 24 h deadline
    month = await run(bot, lambda s: figures.month(s, store, first, later))
    scores = month.scores
    assert (scores.sent, scores.answered) == (3, 2)
    assert scores.response_rate == 2 / 3 and scores.average == 3.5
    assert (scores.promoters, scores.passives, scores.detractors, scores.nps) == (1, 0, 1, 0)
    assert month.spread == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert month.unhappy == 1 and month.reasons == {"price": 1, "waiting": 1}
    counts = month.tickets
    assert counts.opened == {"survey": 1, "complaint": 1} and counts.total == 2
    assert (counts.resolved, counts.still_open, counts.overdue, counts.reopened) == (1, 1, 1, 0)
    assert counts.median_hours == 5.0
    # Before its deadline the complaint is open, not overdue; before the surveys went,
    # nothing was sent yet.
    earlier = await run(bot, lambda s: figures.month(s, store, first, at + timedelta(hours=1)))
    assert earlier.tickets.overdue == 0 and earlier.tickets.still_open == 1
    before = await run(bot, lambda s: figures.month(s, store, first, sent - timedelta(hours=2)))
    assert before.scores.sent == 0 and before.scores.average is None
    # The owner's "not solved" counts as reopened and open again.
    await run(bot, lambda s: tickets.reopen(s, store, saved.ticket.id, unhappy.member_id, later))
    again = await run(bot, lambda s: figures.month(s, store, first, later))
    assert (again.tickets.reopened, again.tickets.still_open, again.tickets.resolved) == (1, 2, 0)
    assert again.tickets.median_hours is None
    by_advisor = await run(bot, lambda s: figures.advisors(s, store, first, later))
    assert [a.advisor for a in by_advisor] == ["Li Na", "Zhou Jie"]
    li, zhou = by_advisor
    assert (li.scores.sent, li.scores.answered, li.scores.nps, li.tickets) == (2, 2, 0, 1)
    assert (zhou.scores.sent, zhou.scores.answered, zhou.scores.nps, zhou.tickets) == (
        1,
        0,
        None,
        1,
    )
    assert complaint.advisor == "Zhou Jie"


async def test_months_follow_the_store_clock_and_the_last_six_stand_side_by_side(bot):
    member = await add_member(bot, 6201)
    shanghai = store_of(bot).tz

    def at(*moment: int) -> datetime:
        return datetime(*moment, tzinfo=shanghai).astimezone(UTC)

    # Late on 31 October store time is October, just after midnight is November,
    # though both are 31 October in UTC.
    await write_survey(bot, member, at(2026, 10, 31, 23, 30), satisfaction=4, nps=8)
    await write_survey(bot, member, at(2026, 11, 1, 0, 10), satisfaction=5, nps=10)
    await write_survey(bot, member, at(2026, 11, 3, 9), satisfaction=1, nps=0, reasons=["other"])
    await write_survey(bot, member, at(2026, 11, 4, 9))  # not answered
    await write_survey(bot, member, at(2026, 11, 25, 9), satisfaction=5)  # after NOW: not yet
    await write_survey(bot, member, at(2026, 6, 10, 9), satisfaction=3, nps=7)
    await write_survey(bot, member, at(2026, 5, 10, 9), satisfaction=3)  # seven months back
    store = store_of(bot)
    november = await run(bot, lambda s: figures.month(s, store, NOVEMBER, NOW))
    assert (november.scores.sent, november.scores.answered, november.scores.nps) == (3, 2, 0)
    assert november.reasons == {"other": 1} and november.unhappy == 1
    rows = await run(bot, lambda s: figures.recent_months(s, store, NOVEMBER, NOW))
    assert [r.month for r in rows] == [date(2026, m, 1) for m in range(6, 12)]
    assert [r.scores.sent for r in rows] == [1, 0, 0, 0, 1, 3]
    assert [r.scores.answered for r in rows] == [1, 0, 0, 0, 1, 2]
    october = rows[4].scores
    assert (october.average, october.passives, october.nps) == (4.0, 1, 0)
    assert rows[1].scores.average is None and rows[1].scores.nps is None
    assert await run(bot, lambda s: figures.first_month(s, store)) == date(2026, 5, 1)


async def test_no_advisor_is_one_row_last_and_an_empty_month_divides_nothing(bot):
    member = await add_member(bot, 6301)
    store = store_of(bot)
    moment = datetime(2026, 11, 10, 2, tzinfo=UTC)
    await write_survey(bot, member, moment, advisor=None, satisfaction=4)
    await write_survey(bot, member, moment, advisor="  ", satisfaction=2)
    await write_survey(bot, member, moment, advisor="Zhou Jie", satisfaction=5, nps=9)
    await write_survey(bot, member, moment, advisor="Zhou Jie ")
    rows = await run(bot, lambda s: figures.advisors(s, store, NOVEMBER, NOW))
    assert [(r.advisor, r.scores.sent, r.scores.answered) for r in rows] == [
        ("Zhou Jie", 2, 1),
        (None, 2, 2),
    ]
    assert rows[1].scores.average == 3.0
    empty = await run(bot, lambda s: figures.month(s, store, date(2026, 9, 1), NOW))
    assert empty.scores == figures.Scores() and empty.tickets.total == 0
    assert (empty.scores.response_rate, empty.scores.average, empty.scores.nps) == (None,) * 3
    assert empty.spread == dict.fromkeys(range(1, 6), 0) and empty.reasons == {}
    assert await run(bot, lambda s: figures.advisors(s, store, date(2026, 9, 1), NOW)) == []
