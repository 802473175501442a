"""The evaluation form after an event (five rating buttons in a row) goes to the owners
checked in, or to everyone going when nobody was; never to a cancelled sign-up, after
it closes, or twice. The offer of a freed place carries Take / Let it go and goes only
while that offer stands."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.club.events import signup
from bot.messaging.outbox import Purpose
from db.models import Event, EventSignup, Push
from tests import factories
from tests.flows import member_of, services
from tests.harness import joined
from tests.test_events_checkin import signed_up, soon

CAME, ABSENT, DESK = 7401, 7402, 7499


async def statuses(bot, purpose: str) -> list[str]:
    async with services(bot).sessionmaker() as session:
        rows = await session.scalars(select(Push.status).where(Push.purpose == purpose))
        return sorted(rows.all())


def rows_of(call) -> list[list[str]]:
    return [[b["callback_data"] for b in row] for row in call.markup["inline_keyboard"]]


async def test_the_evaluation_goes_to_those_checked_in_with_five_ratings_in_a_row(make_bot):
    bot = await make_bot()
    event = await soon(bot)
    came, seat = await signed_up(bot, event, CAME)
    absent, _ = await signed_up(bot, event, ABSENT, language="zh-hans")
    desk = await factories.staff(bot, DESK, "customer_service")
    assert "Checked in" in joined(await desk.send(f"/start ci_{seat.code}"))
    before = len(came.received())

    await bot.drain(at=event.ends_at + timedelta(hours=1))
    assert len(came.received()) == before  # two hours after the end ([events])
    await bot.drain(at=event.ends_at + timedelta(hours=2, minutes=1))
    form = came.last
    t = services(bot).translator("en", services(bot).default_store)
    assert form.text.startswith(
        f"Thank you for coming to Owner class: winter driving on {t.date(event.starts_at)}!"
    )
    assert rows_of(form) == [[f"eva:rate:{seat.id}:{n}" for n in range(1, 6)]]
    assert form.button_labels == ["1 ★", "2 ★", "3 ★", "4 ★", "5 ★"]
    assert absent.received() == []  # staff checked owners in: this one did not come
    assert await statuses(bot, Purpose.EVENT_EVALUATION) == ["cancelled", "sent"]

    again = await make_bot()  # a restart: nothing goes twice
    await again.drain(at=event.ends_at + timedelta(hours=3))
    assert again.api.calls_to("sendMessage") == []


async def test_when_nobody_was_checked_in_every_owner_going_is_asked(bot):
    event = await soon(bot)
    one, a = await signed_up(bot, event, CAME)
    two, b = await signed_up(bot, event, ABSENT, language="zh-hans")
    await bot.drain(at=event.ends_at + timedelta(hours=2, minutes=1))
    assert one.last.buttons[0]["callback_data"] == f"eva:rate:{a.id}:1"
    assert two.last.text.startswith("感谢您于") and "打分" in two.last.text
    assert two.last.buttons[4]["callback_data"] == f"eva:rate:{b.id}:5"


async def test_no_evaluation_for_a_cancelled_sign_up_or_after_it_closes(bot):
    event = await soon(bot)
    gone, _ = await signed_up(bot, event, CAME)
    late, _ = await signed_up(bot, event, ABSENT)
    svc = services(bot)
    member = await member_of(bot, CAME)
    async with svc.sessionmaker() as session:
        await signup.cancel(session, svc.default_store, event.id, member.id, svc.now())
        # The sender was down for over a week: the event ended more than 7 days ago.
        await session.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(ends_at=svc.now() - timedelta(days=8), starts_at=svc.now() - timedelta(days=9))
        )
        await session.commit()
    report = await bot.drain(at=event.ends_at + timedelta(hours=3))
    assert gone.received() == [] and late.received() == []
    assert report.cancelled == 1  # the closed one, found stale when it came due
    assert await statuses(bot, Purpose.EVENT_EVALUATION) == ["cancelled", "cancelled"]


async def join_with_points(bot, event, user_id: int, companions: int):
    person = await factories.owner(bot, user_id, phone=f"+86139{user_id:08d}", plate=None)
    member = await member_of(bot, user_id)
    await factories.give_points(bot, member, 100)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        done = await signup.sign_up(
            session, svc.default_store, event.id, member.id, companions, svc.now()
        )
        await session.commit()
    return person, done.signup, member


async def waitlisted(bot):
    """Two seats at 30 points each: one owner going alone, the next waiting with a
    companion; the first cancels, so both seats are offered to the second."""
    event = await factories.add_event(bot, capacity=2, companions_max=1, points_cost=30)
    _, _, first = await join_with_points(bot, event, CAME, 0)
    waiting, seat, _ = await join_with_points(bot, event, ABSENT, 1)
    assert seat.status == "waiting"
    svc = services(bot)
    async with svc.sessionmaker() as session:
        freed = await signup.cancel(session, svc.default_store, event.id, first.id, svc.now())
        await session.commit()
    assert [s.id for s in freed.offered] == [seat.id]
    return event, waiting, seat


async def test_the_offer_says_until_when_and_carries_take_and_let_go(bot):
    event, waiting, seat = await waitlisted(bot)
    await bot.drain()
    svc = services(bot)
    async with svc.sessionmaker() as session:
        held = await session.get(EventSignup, seat.id)
    t = svc.translator("en", svc.default_store)
    text = waiting.last.text
    assert text.startswith("Good news: a place is free for you at Owner class: winter driving")
    assert f"Take it by {t.datetime(held.offer_until)}" in text
    assert "You are bringing 1 companion." in text and "It costs 60 points." in text
    assert rows_of(waiting.last) == [[f"ev:take:{seat.id}", f"ev:decline:{seat.id}"]]
    assert waiting.last.button_labels == ["Take the place", "Let it go"]
    await bot.drain()
    assert len([c for c in waiting.received() if "Good news" in c.text]) == 1
    assert held.event_id == event.id and held.status == "offered"


async def test_an_offer_that_ran_out_before_it_was_sent_is_not_sent(bot):
    _, waiting, seat = await waitlisted(bot)
    svc = services(bot)
    async with svc.sessionmaker() as session:  # the sender was behind; the sweep not yet run
        await session.execute(
            update(EventSignup)
            .where(EventSignup.id == seat.id)
            .values(offer_until=svc.now() - timedelta(minutes=1))
        )
        await session.commit()
    report = await bot.drain()
    assert waiting.received() == [] and report.cancelled == 1
