"""Seats are never oversold and the waitlist is served in order: signing up, cancelling,
offers taken, declined and run out, racing on SQLite and PostgreSQL; points costs paid
and given back; attendance points once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.club.events import checkin, signup
from bot.club.events.rules import EventRefused, Refusal, Status, party
from bot.club.points import ledger
from bot.messaging.outbox import Purpose
from db.models import Event, EventSignup, Member, PointsEntry, Push
from tests.factories import add_event, add_member, give_points
from tests.flows import services


async def people(bot, count: int, first_user: int) -> list[int]:
    """`count` members: their ids."""
    return [
        (await add_member(bot, first_user + i, phone=f"+86137{first_user + i:08d}", plate=None)).id
        for i in range(count)
    ]


async def attempt(bot, action, *args, now: datetime | None = None) -> object:
    """Run one use-case in its own unit of work, as a handler does: its result, or the
    refusal's code (rolled back)."""
    svc = services(bot)
    async with svc.sessionmaker() as session:
        try:
            done = await action(session, svc.default_store, *args, now or svc.now())
        except EventRefused as refused:
            await session.rollback()
            return refused.code
        await session.commit()
    return done


async def seats(bot, event_id: int) -> tuple[int, int, dict[str, list[int]]]:
    """(seats_taken as stored, seats held counted from the sign-ups, member ids by
    status in waitlist order)."""
    async with services(bot).sessionmaker() as session:
        taken = await session.scalar(select(Event.seats_taken).where(Event.id == event_id))
        rows = (
            await session.execute(
                select(EventSignup)
                .where(EventSignup.event_id == event_id)
                .order_by(EventSignup.queue_no, EventSignup.id)
            )
        ).scalars()
        held, by_status = 0, {}
        for row in rows:
            by_status.setdefault(row.status, []).append(row.member_id)
            if row.status in (Status.GOING, Status.OFFERED):
                held += party(row.companions)
    return int(taken or 0), held, by_status


async def test_a_hundred_owners_with_companions_never_pass_the_capacity(bot):
    event = await add_event(bot, capacity=10, companions_max=2)
    members = await people(bot, 100, 910000)
    results = await asyncio.gather(
        *[attempt(bot, signup.sign_up, event.id, m, i % 3) for i, m in enumerate(members)]
    )
    assert not [r for r in results if isinstance(r, Refusal)]
    taken, held, by_status = await seats(bot, event.id)
    assert taken == held <= 10
    assert len(by_status[Status.GOING]) + len(by_status[Status.WAITING]) == 100
    # Signing up again is the same sign-up, not a second seat.
    again = await attempt(bot, signup.sign_up, event.id, by_status[Status.GOING][0], 0)
    assert again.again and (await seats(bot, event.id))[0] == taken


async def test_cancels_racing_sign_ups_offer_each_freed_seat_once_in_order(bot):
    event = await add_event(bot, capacity=5)
    going = await people(bot, 5, 920000)
    waiting = await people(bot, 10, 920100)
    for m in going + waiting:
        assert not isinstance(await attempt(bot, signup.sign_up, event.id, m, 0), Refusal)
    late = await people(bot, 20, 920200)
    await asyncio.gather(
        *[attempt(bot, signup.cancel, event.id, m) for m in going],
        *[attempt(bot, signup.sign_up, event.id, m, 0) for m in late],
    )
    taken, held, by_status = await seats(bot, event.id)
    assert taken == held == 5
    # The five first in line hold the freed seats; nobody who came later jumped them.
    assert by_status[Status.OFFERED] == waiting[:5]
    assert by_status[Status.WAITING][:5] == waiting[5:]
    assert set(by_status[Status.WAITING][5:]) == set(late)
    async with services(bot).sessionmaker() as session:
        offers = await session.scalar(
            select(func.count()).where(Push.purpose == Purpose.EVENT_OFFER)
        )
    assert offers == 5  # exactly one notice per freed seat


async def test_an_offer_taken_declined_or_run_out_passes_on_in_order(bot):
    svc = services(bot)
    event = await add_event(bot, capacity=1)
    first, second, third, fourth = await people(bot, 4, 930000)
    for m in (first, second, third, fourth):
        await attempt(bot, signup.sign_up, event.id, m, 0)
    await attempt(bot, signup.cancel, event.id, first)
    _, _, by_status = await seats(bot, event.id)
    assert by_status[Status.OFFERED] == [second]
    async with svc.sessionmaker() as session:
        offered = await signup.signup_of(session, event.id, second)
        other = await signup.signup_of(session, event.id, third)
    # Someone else cannot take it, nor can the waiting owner take an offer not theirs.
    assert await attempt(bot, signup.take_offer, offered.id, third) == Refusal.NOT_SIGNED_UP
    assert await attempt(bot, signup.take_offer, other.id, third) == Refusal.NO_OFFER
    await attempt(bot, signup.decline_offer, offered.id, second)
    _, _, by_status = await seats(bot, event.id)
    assert by_status[Status.OFFERED] == [third] and by_status[Status.LAPSED] == [second]
    # Its time runs out: the sweep passes it on, once, however many instances run it.
    later = svc.now() + timedelta(hours=svc.default_store.policy.events.offer_hours, minutes=1)
    await asyncio.gather(*[attempt(bot, signup.lapse_offers, now=later) for _ in range(3)])
    taken, held, by_status = await seats(bot, event.id)
    assert by_status[Status.OFFERED] == [fourth] and taken == held == 1
    async with svc.sessionmaker() as session:
        offer = await signup.signup_of(session, event.id, fourth)
    taken_offer = await attempt(bot, signup.take_offer, offer.id, fourth)
    assert taken_offer.signup.status == Status.GOING
    # A late tap on the offer that passed on is refused, and changes nothing.
    async with svc.sessionmaker() as session:
        lapsed = await signup.signup_of(session, event.id, third)
    assert await attempt(bot, signup.take_offer, lapsed.id, third) == Refusal.NO_OFFER
    assert (await seats(bot, event.id))[:2] == (1, 1)


async def test_a_points_cost_is_paid_per_seat_and_given_back_on_cancel(bot):
    svc = services(bot)
    event = await add_event(bot, capacity=10, companions_max=1, points_cost=100)
    rich = await add_member(bot, 940001, phone="+8613794000001", plate=None)
    poor = await add_member(bot, 940002, phone="+8613794000002", plate=None)
    await give_points(bot, rich, 250)
    await give_points(bot, poor, 150)
    assert await attempt(bot, signup.sign_up, event.id, poor.id, 1) == Refusal.SHORT
    async with svc.sessionmaker() as session:
        assert await signup.signup_of(session, event.id, poor.id) is None  # nothing written
    done = await attempt(bot, signup.sign_up, event.id, rich.id, 1)
    assert done.signup.points_paid == 200
    async with svc.sessionmaker() as session:
        balance = await session.scalar(select(Member.redeemable_points).where(Member.id == rich.id))
    assert balance == 50
    freed = await attempt(bot, signup.cancel, event.id, rich.id)
    assert freed.refunded == 200
    # Signing up again pays again; staff calling the event off gives it back once more.
    await attempt(bot, signup.sign_up, event.id, rich.id, 1)
    called = await attempt(bot, signup.cancel_event, event.id, 1)
    assert called.refunded == 200 and called.told == [rich.id]
    async with svc.sessionmaker() as session:
        balance = await session.scalar(select(Member.redeemable_points).where(Member.id == rich.id))
        assert balance == 250
        assert await ledger.check_ledger(session) == []
        queued = await session.scalar(
            select(func.count()).where(
                Push.member_id == rich.id,
                Push.purpose.in_([Purpose.EVENT_REMINDER, Purpose.EVENT_EVALUATION]),
                Push.status == "queued",
            )
        )
    assert queued == 0  # no reminder or evaluation for a cancelled event


async def test_sign_ups_are_refused_after_the_deadline_below_the_tier_and_for_drafts(bot):
    svc = services(bot)
    member = (await add_member(bot, 950001, phone="+8613795000001", plate=None)).id
    closed = await add_event(bot, signup_until=svc.now() - timedelta(minutes=1))
    assert await attempt(bot, signup.sign_up, closed.id, member, 0) == Refusal.CLOSED
    draft = await add_event(bot, status="draft")
    assert await attempt(bot, signup.sign_up, draft.id, member, 0) == Refusal.NOT_OPEN
    top = svc.default_store.policy.tiers[-1].code
    gold = await add_event(bot, min_tier=top)
    assert await attempt(bot, signup.sign_up, gold.id, member, 0) == Refusal.TIER
    alone = await add_event(bot)
    assert await attempt(bot, signup.sign_up, alone.id, member, 1) == Refusal.COMPANIONS
    assert await attempt(bot, signup.sign_up, 999999, member, 0) == Refusal.UNKNOWN


async def test_attendance_points_once_however_many_scans_race(bot):
    svc = services(bot)
    event = await add_event(bot, starts_at=svc.now() + timedelta(hours=1), points_award=80)
    member = (await add_member(bot, 960001, phone="+8613796000001", plate=None)).id
    done = await attempt(bot, signup.sign_up, event.id, member, 0)
    scans = await asyncio.gather(
        *[attempt(bot, checkin.check_in, done.signup.id, 7) for _ in range(20)]
    )
    assert sum(s.points for s in scans) == 80
    assert sum(not s.again for s in scans) == 1
    async with svc.sessionmaker() as session:
        rows = await session.scalar(
            select(func.count()).where(
                PointsEntry.member_id == member, PointsEntry.kind == "attendance"
            )
        )
        assert rows == 1 and await ledger.check_ledger(session) == []
        found = await checkin.by_code(session, svc.default_store.id, done.signup.code.lower())
    assert found is not None and found[0].id == done.signup.id  # typed in lower case


async def test_check_in_is_refused_too_early_and_for_the_waitlist(bot):
    event = await add_event(bot, capacity=1)  # a week ahead: check-in not open yet
    first, second = await people(bot, 2, 970000)
    going = await attempt(bot, signup.sign_up, event.id, first, 0)
    waiting = await attempt(bot, signup.sign_up, event.id, second, 0)
    assert waiting.place == 1
    assert await attempt(bot, checkin.check_in, going.signup.id, 7) == Refusal.CHECKIN_CLOSED
    svc = services(bot)
    soon = event.starts_at - timedelta(hours=1)
    assert await attempt(bot, checkin.check_in, waiting.signup.id, 7, now=soon) == (
        Refusal.NOT_GOING
    )
    ok = await attempt(bot, checkin.check_in, going.signup.id, 7, now=soon)
    assert ok.points == 50
    assert svc is not None


async def test_more_seats_go_to_the_waitlist_at_once(bot):
    event = await add_event(bot, capacity=1)
    members = await people(bot, 4, 980000)
    for m in members:
        await attempt(bot, signup.sign_up, event.id, m, 0)
    offered = await attempt(bot, signup.change_capacity, event.id, 3)
    assert [s.member_id for s in offered] == members[1:3]
    taken, held, by_status = await seats(bot, event.id)
    assert taken == held == 3 and by_status[Status.WAITING] == members[3:]


async def test_a_seat_queues_its_reminder_and_evaluation_once(bot):
    svc = services(bot)
    event = await add_event(bot)
    member = (await add_member(bot, 990001, phone="+8613799000001", plate=None)).id
    await attempt(bot, signup.sign_up, event.id, member, 0)
    await attempt(bot, signup.sign_up, event.id, member, 0)  # a double tap
    async with svc.sessionmaker() as session:
        rows = (
            await session.execute(
                select(Push.purpose, Push.not_before, Push.status).where(Push.member_id == member)
            )
        ).all()
    kinds = sorted(r.purpose for r in rows)
    assert kinds == [Purpose.EVENT_EVALUATION, Purpose.EVENT_REMINDER]
    tz = svc.default_store.tz
    eve = next(r.not_before for r in rows if r.purpose == Purpose.EVENT_REMINDER)
    assert eve.astimezone(tz).hour == 19
    assert eve.astimezone(tz).date() == event.starts_at.astimezone(tz).date() - timedelta(days=1)
    await attempt(bot, signup.cancel, event.id, member)
    await attempt(bot, signup.sign_up, event.id, member, 0)  # a new turn: its own pushes
    async with svc.sessionmaker() as session:
        statuses = sorted(
            (await session.execute(select(Push.status).where(Push.member_id == member))).scalars()
        )
    assert statuses == ["cancelled", "cancelled", "queued", "queued"]


async def test_an_event_file_carries_its_instants_and_a_new_sequence_after_a_move(bot):
    import icalendar

    from bot.club.events.calendar import event_ics

    store = services(bot).default_store
    event = await add_event(bot, kind="trip", meeting_point="4S店门口", version=3)
    name, content = event_ics(store, event, "en")
    parsed = next(c for c in icalendar.Calendar.from_ical(content).walk("VEVENT"))
    assert name == f"event-{event.id}.ics"
    assert parsed["dtstart"].dt == event.starts_at.astimezone(store.tz)
    assert parsed["summary"] == "Owner class: winter driving"
    assert str(parsed["location"]) == "4S店门口" and int(parsed["sequence"]) == 2
    assert "4S店二楼会议室" in str(parsed["description"])  # the trip's destination
    pinned = await add_event(bot, latitude=23.13, longitude=113.26)
    _, content = event_ics(store, pinned, "zh_Hans")
    parsed = next(c for c in icalendar.Calendar.from_ical(content).walk("VEVENT"))
    assert str(parsed["location"]) == "4S店二楼会议室"
    assert (parsed["geo"].latitude, parsed["geo"].longitude) == (23.13, 113.26)
    assert str(parsed["summary"]) == "车主讲堂：冬季用车"


async def test_mixed_traffic_keeps_seats_counted_and_no_seat_idle_while_the_first_in_line_fits(
    bot,
):
    """Sign-ups with companions, cancels, declines, taken offers and a capacity raise all
    racing, round after round: the stored count is always the seats held, never above the
    capacity, and a free seat never waits while the first in line would fit it."""
    import random

    svc = services(bot)
    event = await add_event(bot, capacity=8, companions_max=2)
    members = await people(bot, 40, 995000)
    rng = random.Random(10)

    async def offered_ids() -> list[tuple[int, int]]:
        async with svc.sessionmaker() as session:
            rows = await session.execute(
                select(EventSignup.id, EventSignup.member_id).where(
                    EventSignup.event_id == event.id, EventSignup.status == Status.OFFERED
                )
            )
            return [tuple(r) for r in rows]

    capacity = 8
    for round_no in range(4):
        offers = await offered_ids()
        jobs = [attempt(bot, signup.sign_up, event.id, m, rng.randint(0, 2)) for m in members]
        jobs += [attempt(bot, signup.cancel, event.id, m) for m in rng.sample(members, 8)]
        for i, (signup_id, member_id) in enumerate(offers):
            action = signup.take_offer if i % 2 else signup.decline_offer
            jobs.append(attempt(bot, action, signup_id, member_id))
        if round_no == 2:
            capacity = 11
            jobs.append(attempt(bot, signup.change_capacity, event.id, capacity))
        rng.shuffle(jobs)
        await asyncio.gather(*jobs)
        taken, held, _ = await seats(bot, event.id)
        assert taken == held <= capacity
        async with svc.sessionmaker() as session:
            head = await session.scalar(
                select(EventSignup)
                .where(EventSignup.event_id == event.id, EventSignup.status == Status.WAITING)
                .order_by(EventSignup.queue_no)
                .limit(1)
            )
        assert head is None or party(head.companions) > capacity - taken


async def test_the_first_in_line_leaving_lets_the_next_who_fits_have_the_free_seat(bot):
    event = await add_event(bot, capacity=3, companions_max=2)
    a, x, b, c = await people(bot, 4, 996000)
    await attempt(bot, signup.sign_up, event.id, a, 1)  # 2 seats
    await attempt(bot, signup.sign_up, event.id, x, 0)  # the last seat
    await attempt(bot, signup.sign_up, event.id, b, 2)  # waits for 3 seats
    await attempt(bot, signup.sign_up, event.id, c, 0)  # waits behind b for 1
    await attempt(bot, signup.cancel, event.id, x)  # 1 seat free: b, first in line, needs 3
    _, _, by_status = await seats(bot, event.id)
    assert by_status[Status.WAITING] == [b, c] and Status.OFFERED not in by_status
    await attempt(bot, signup.cancel, event.id, b)  # b leaves the line: c fits
    taken, held, by_status = await seats(bot, event.id)
    assert by_status[Status.OFFERED] == [c] and taken == held == 3
