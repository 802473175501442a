"""The book dialog against a fixed clock (past and too-soon times need one), and a store
that takes no bookings in chat."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.club.bookings import form as book_form
from bot.club.bookings.rules import Refusal
from bot.club.forms import engine
from bot.club.forms.engine import Context, Kind, Reply
from tests.factories import add_member
from tests.flows import services
from tests.harness import joined


def _monday(bot) -> date:
    """A Monday in the booking window (not a holiday), at least two days ahead."""
    store = services(bot).default_store
    day = store.today() + timedelta(days=2)
    while day.weekday() != 0 or store.policy.bookings.opening(day) is None:
        day += timedelta(days=1)
    return day


async def test_past_and_too_soon_times_are_refused_on_the_day_itself(bot):
    member = await add_member(bot, 9401)
    store = services(bot).default_store
    day = _monday(bot)
    now = datetime(day.year, day.month, day.day, 9, 0, tzinfo=store.tz).astimezone(UTC)
    async with services(bot).sessionmaker() as session:
        ctx = Context(session, store.id, store.policy, 9401, day, now, "en", store=store)
        preset = {"member": member.id, "service": "regular_maintenance"}
        opened = await book_form.begin(ctx, preset)
        assert opened.step is not None and opened.step.name == "day"
        assert opened.choices[0] == day.isoformat()  # 12:00 on is still free today

        async def typed(text: str):
            return await engine.answer(ctx, Reply(Kind.TEXT, text))

        assert (await typed("today")).step.name == "time"
        assert (await typed("08:30")).error == Refusal.PAST
        assert (await typed("10:00")).error == Refusal.TOO_SOON  # under the 3 hours
        shown = await typed("11:30")
        assert shown.error == Refusal.TOO_SOON and shown.choices[0] == "1200"
        assert (await typed("12:00")).step.name == "confirm"
        await session.rollback()


async def test_a_store_that_takes_no_bookings_says_so(make_bot, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[pushes]\nquiet_start = "00:00"\nquiet_end = "00:00"\n[bookings]\nenabled = false\n'
    )
    bot = await make_bot(policy_file=policy)
    member = await add_member(bot, 9402)
    owner = bot.person(9402, language="en")
    assert "not open at this store" in joined(await owner.send("/book"))
    calls = await owner.press_data(f"book:go:{member.cars[0].id}:regular_maintenance")
    assert "not open at this store" in joined(calls)
