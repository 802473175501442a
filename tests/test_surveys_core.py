"""One survey per visit however many sweeps race (and across two bot instances); one
answer per survey however many taps race, an unhappy one opening one ticket; a ticket
taken by one supervisor, resolved once, reopened once by its owner only; escalations
kept in the database across a restart. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot import jobs
from bot.club.surveys import answer, tickets
from bot.club.surveys.answer import Answer, SurveyRefused
from bot.club.surveys.rules import TicketKind, TicketStatus, survey_time
from bot.club.surveys.tickets import Refusal, TicketRefused
from bot.club.visits.record import reverse_visit
from bot.messaging.outbox import Purpose
from db.models import Push, Survey, Ticket
from tests.factories import add_member, add_visit
from tests.flows import services


async def count(bot, model, *where) -> int:
    async with services(bot).sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def the_survey(bot) -> Survey:
    async with services(bot).sessionmaker() as session:
        return (await session.scalars(select(Survey).order_by(Survey.id))).first()


async def tick(bot, now=None) -> dict[str, int]:
    return await jobs.surveys_tick(services(bot), now)


async def attempt(bot, action, *args):
    """One use-case in its own unit of work: its result, or the refusal's code."""
    svc = services(bot)
    async with svc.sessionmaker() as session:
        try:
            done = await action(session, *args)
        except (SurveyRefused, TicketRefused) as refused:
            await session.rollback()
            return refused.code
        await session.commit()
    return done


async def test_a_service_visit_gets_one_survey_however_many_sweeps_race(make_bot):
    first = await make_bot()
    second = await make_bot()  # a second instance on the same database
    member = await add_member(first, 4100)
    visit = await add_visit(first)
    results = await asyncio.gather(*[tick(b) for b in (first, second) * 5])
    assert sum(r["surveys"] for r in results) == 1
    assert await count(first, Survey) == 1
    assert await count(first, Push, Push.purpose == Purpose.SURVEY) == 1
    survey = await the_survey(first)
    assert (survey.visit_id, survey.member_id, survey.advisor) == (visit.id, member.id, "Li Na")
    store = services(first).default_store
    pushes = store.policy.pushes
    expected = survey_time(
        store.policy.surveys, store.tz, (pushes.quiet_start, pushes.quiet_end), visit.created_at
    )
    assert survey.sent_after == expected
    async with services(first).sessionmaker() as session:
        push = await session.scalar(select(Push).where(Push.purpose == Purpose.SURVEY))
    assert push.not_before == expected and push.params == {"survey_id": survey.id}
    # A restart sweeps again and finds nothing new.
    third = await make_bot()
    assert (await tick(third))["surveys"] == 0


async def test_only_recent_service_visits_not_reversed_are_surveyed(bot):
    await add_member(bot, 4200)
    await add_visit(bot, category="parts")  # a parts sale: no survey
    today = services(bot).default_store.today()
    await add_visit(bot, visit_date=today - timedelta(days=10))  # history from the DMS
    reversed_ = await add_visit(bot, order_no="RO-REV")
    svc = services(bot)
    async with svc.sessionmaker() as session:
        await reverse_visit(session, svc.default_store.id, 1, reversed_.order_no, "typo")
        await session.commit()
    assert (await tick(bot))["surveys"] == 0
    kept = await add_visit(bot, category="repair")
    assert (await tick(bot))["surveys"] == 1
    assert (await the_survey(bot)).visit_id == kept.id


async def test_owners_the_bot_cannot_reach_get_no_survey(bot):
    await add_member(bot, None, plate="粤B00001")  # imported, never joined in chat
    await add_visit(bot, plate="粤B00001")
    assert (await tick(bot))["surveys"] == 0


async def _pending_survey(bot, user_id: int) -> tuple[int, int]:
    member = await add_member(bot, user_id)
    await add_visit(bot)
    await tick(bot)
    survey = await the_survey(bot)
    return survey.id, member.id


async def test_a_hundred_taps_keep_one_answer_and_open_one_ticket(bot):
    survey_id, member_id = await _pending_survey(bot, 4300)
    store = services(bot).default_store
    now = store.now()
    results = await asyncio.gather(
        *[
            attempt(
                bot,
                lambda s, n=i: answer.save(
                    s, store, survey_id, member_id, Answer(1 + n % 2, n % 11), now, now
                ),
            )
            for i in range(100)
        ]
    )
    saved = [r for r in results if isinstance(r, answer.Saved)]
    assert len(saved) == 1
    assert {r for r in results if not isinstance(r, answer.Saved)} == {answer.Refusal.DONE}
    survey = await the_survey(bot)
    assert (survey.satisfaction, survey.nps) == (saved[0].survey.satisfaction, saved[0].survey.nps)
    assert await count(bot, Ticket) == 1
    assert await count(bot, Ticket, Ticket.survey_id == survey_id) == 1


async def test_a_happy_answer_opens_no_ticket_and_keeps_no_reasons(bot):
    survey_id, member_id = await _pending_survey(bot, 4310)
    store = services(bot).default_store
    now = store.now()
    done = await attempt(
        bot,
        lambda s: answer.save(
            s, store, survey_id, member_id, Answer(5, 10, ("price",), " great "), now, now
        ),
    )
    assert done.ticket is None
    survey = await the_survey(bot)
    assert (survey.reasons, survey.comment) == ([], "great")
    assert await count(bot, Ticket) == 0


async def test_another_owner_cannot_answer_and_an_expired_survey_is_refused(bot):
    survey_id, member_id = await _pending_survey(bot, 4320)
    other = await add_member(bot, 4321, phone="+8613900004321", plate=None)
    store = services(bot).default_store
    now = store.now()
    forged = await attempt(
        bot, lambda s: answer.save(s, store, survey_id, other.id, Answer(1, 0), now, now)
    )
    assert forged == answer.Refusal.NOT_YOURS
    late = now + timedelta(days=store.policy.surveys.expire_days + 1)
    refused = await attempt(
        bot, lambda s: answer.save(s, store, survey_id, member_id, Answer(2, 3), late, late)
    )
    assert refused == answer.Refusal.EXPIRED
    # Begun in time (the first tap), the answer is kept even though it closed meanwhile.
    begun = late - timedelta(days=2)
    kept = await attempt(
        bot, lambda s: answer.save(s, store, survey_id, member_id, Answer(2, 3), begun, late)
    )
    assert isinstance(kept, answer.Saved) and kept.ticket is not None


async def _ticket(bot, user_id: int) -> Ticket:
    member = await add_member(bot, user_id)
    store = services(bot).default_store
    async with services(bot).sessionmaker() as session:
        ticket = await tickets.open_ticket(
            session,
            store,
            member_id=member.id,
            kind=TicketKind.COMPLAINT,
            now=store.now(),
            text="The car was returned dirty.",
        )
        await session.commit()
    return ticket


async def test_one_supervisor_takes_a_ticket_when_a_hundred_press(bot):
    ticket = await _ticket(bot, 4400)
    store = services(bot).default_store
    now = store.now()
    results = await asyncio.gather(
        *[
            attempt(bot, lambda s, u=u: tickets.take(s, store.id, ticket.id, u, f"S{u}", now))
            for u in range(500, 600)
        ]
    )
    taken = [r for r in results if isinstance(r, tickets.Taken)]
    assert len(taken) == 1
    assert {r for r in results if not isinstance(r, tickets.Taken)} == {Refusal.TAKEN}
    async with services(bot).sessionmaker() as session:
        row = await session.get(Ticket, ticket.id)
    assert row.taken_by == taken[0].ticket.taken_by and row.status == TicketStatus.TAKEN


async def test_resolved_once_and_reopened_once_by_its_owner_only(bot):
    ticket = await _ticket(bot, 4500)
    stranger = await add_member(bot, 4501, phone="+8613900004501", plate=None)
    store = services(bot).default_store
    now = store.now()
    results = await asyncio.gather(
        *[
            attempt(
                bot, lambda s, u=u: tickets.resolve(s, store.id, ticket.id, u, "S", "Fixed", now)
            )
            for u in range(20)
        ]
    )
    assert len([r for r in results if isinstance(r, Ticket)]) == 1
    forged = await attempt(bot, lambda s: tickets.reopen(s, store, ticket.id, stranger.id, now))
    assert forged == Refusal.UNKNOWN
    member_id = ticket.member_id
    results = await asyncio.gather(
        *[
            attempt(bot, lambda s: tickets.reopen(s, store, ticket.id, member_id, now))
            for _ in range(20)
        ]
    )
    reopened = [r for r in results if isinstance(r, Ticket)]
    assert len(reopened) == 1 and reopened[0].status == TicketStatus.OPEN
    assert reopened[0].taken_by is None and reopened[0].due_at > now
    await attempt(
        bot, lambda s: tickets.resolve(s, store.id, ticket.id, 7, "S", "Fixed again", now)
    )
    again = await attempt(bot, lambda s: tickets.reopen(s, store, ticket.id, member_id, now))
    assert again == Refusal.REOPENED


async def test_escalation_comes_from_the_database_once_per_period_across_restarts(make_bot):
    first = await make_bot()
    ticket = await _ticket(first, 4600)
    policy = services(first).policy.surveys
    due = ticket.due_at + timedelta(minutes=1)
    before = await asyncio.gather(
        *[tick(first, ticket.due_at - timedelta(minutes=1)) for _ in range(3)]
    )
    assert sum(r["escalated"] for r in before) == 0
    results = await asyncio.gather(*[tick(first, due) for _ in range(5)])
    assert sum(r["escalated"] for r in results) == 1
    await first.stop()
    restarted = await make_bot()  # a restart remembers the next deadline
    assert (await tick(restarted, due + timedelta(hours=1)))["escalated"] == 0
    later = due + timedelta(hours=policy.escalate_every_hours, minutes=1)
    assert (await tick(restarted, later))["escalated"] == 1
    async with services(restarted).sessionmaker() as session:
        assert (await session.get(Ticket, ticket.id)).escalations == 2


async def test_with_a_gap_an_owner_surveyed_lately_gets_no_second_survey(make_bot, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text("[surveys]\ngap_days = 7\n", encoding="utf-8")
    bot = await make_bot(policy_file=policy)
    await add_member(bot, 4700)
    await add_visit(bot)
    await add_visit(bot, category="repair")  # the same owner, the same day
    other = await add_member(bot, 4701, phone="+8613900004701", plate="粤B47010")
    await add_visit(bot, plate="粤B47010")
    assert (await tick(bot))["surveys"] == 2
    assert (await tick(bot))["surveys"] == 0
    assert await count(bot, Survey, Survey.member_id == other.id) == 1


async def test_a_failing_step_does_not_stop_the_escalations(bot, monkeypatch):
    ticket = await _ticket(bot, 4800)

    async def broken(session, store, now):
        raise RuntimeError("a bad row")

    monkeypatch.setattr(jobs.survey_sweep, "queue_surveys", broken)
    monkeypatch.setattr(jobs.call_sweep, "make_tasks", broken)
    done = await tick(bot, ticket.due_at + timedelta(minutes=1))
    assert done == {"surveys": 0, "call_tasks": 0, "escalated": 1}
