"""A one-time join link is used once, however two owners who opened it interleave."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.club.members.join_links import LINK_HOLD, link_is_usable
from db.models import JoinLink
from tests.conftest import ADMIN_ID
from tests.flows import EN_CONSENT, member_of, services
from tests.harness import joined

CHANNEL = "Bought a new car here"


async def new_link(bot) -> str:
    text = joined(await bot.person(ADMIN_ID, language="en").send("/joinlink new_car me"))
    return text.split("start=j_")[1].split()[0]


async def finish_join(owner, phone: str, plate: str) -> None:
    await owner.share_contact(phone)
    await owner.send("Owner")
    await owner.press("Skip")
    await owner.send(plate)
    await owner.press("Skip")
    await owner.send("Camry")
    await owner.send("2024-03-18")


async def test_two_owners_open_one_link_and_only_the_first_to_consent_gets_it(bot):
    code = await new_link(bot)
    first, second = bot.person(5101, language="en"), bot.person(5102, language="en")
    await first.send(f"/start j_{code}")
    await second.send(f"/start j_{code}")  # both were offered the link's join
    await first.press(EN_CONSENT)
    calls = await second.press(EN_CONSENT)
    assert "Another owner is already joining with this one-time link" in joined(calls)
    assert second.last.asks_for_contact  # the normal join goes on
    # The second finishes first, and is asked the channel the link would have preset.
    await finish_join(second, "+8613800005102", "粤B51020")
    assert "how are you joining" in second.last.text
    await second.press("Paid the membership fee")
    await finish_join(first, "+8613800005101", "粤B51010")
    assert first.last.method == "sendPhoto"  # no channel question: the link preset it
    one, two = await member_of(bot, 5101), await member_of(bot, 5102)
    assert (one.join_channel, one.advisor_user_id) == ("new_car", ADMIN_ID)
    assert (two.join_channel, two.advisor_user_id) == ("fee", None)
    async with services(bot).sessionmaker() as session:
        link = await session.scalar(select(JoinLink).where(JoinLink.code == code))
        assert link.used_by_member_id == one.id and link.used_at is not None


async def test_a_link_held_by_one_owner_is_refused_to_another_at_start(bot):
    code = await new_link(bot)
    first, late = bot.person(5103, language="en"), bot.person(5104, language="en")
    await first.send(f"/start j_{code}")
    await first.press(EN_CONSENT)
    calls = await late.send(f"/start j_{code}")
    assert "expired or was already used" in joined(calls)


async def test_cancelling_lets_the_next_owner_use_the_link(bot):
    code = await new_link(bot)
    first, second = bot.person(5105, language="en"), bot.person(5106, language="en")
    await first.send(f"/start j_{code}")
    await first.press(EN_CONSENT)
    await first.send("/cancel")
    await second.send(f"/start j_{code}")
    await second.press(EN_CONSENT)
    await finish_join(second, "+8613800005106", "粤B51060")
    assert second.last.method == "sendPhoto"
    assert (await member_of(bot, 5106)).join_channel == "new_car"


async def test_a_hold_lapses_so_an_abandoned_join_does_not_lock_the_link(bot):
    svc = services(bot)
    code = await new_link(bot)
    async with svc.sessionmaker() as session:
        link = await session.scalar(select(JoinLink).where(JoinLink.code == code))
        now = svc.now()
        assert link_is_usable(link, now, 1)
        link.reserved_by, link.reserved_until = 1, now + LINK_HOLD
        assert not link_is_usable(link, now, 2) and link_is_usable(link, now, 1)
        assert link_is_usable(link, now + LINK_HOLD + timedelta(seconds=1), 2)
        link.used_at = now
        assert not link_is_usable(link, now, 1)
