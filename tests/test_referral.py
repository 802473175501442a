"""Referral deep links: who brought whom, no self-referral, no double credit."""

from __future__ import annotations

from tests.flows import join_club, member_of
from tests.harness import joined


async def test_invite_link_records_the_referrer(bot):
    alice = bot.person(3001, language="en")
    await join_club(alice, phone="+8613800000001", plate="粤B00001")
    calls = await alice.send("/invite")
    text = joined(calls)
    referrer = await member_of(bot, 3001)
    link = f"https://t.me/club_test_bot?start=ref_{referrer.referral_code}"
    assert link in text
    assert "0 members" in text

    bob = bot.person(3002, language="en")
    await join_club(
        bob, phone="+8613800000002", plate="粤B00002", start=f"/start ref_{referrer.referral_code}"
    )
    assert (await member_of(bot, 3002)).referred_by_id == referrer.id
    assert "1 member so far" in joined(await alice.send("/invite"))


async def test_unknown_code_and_existing_member_get_no_credit(bot):
    alice = bot.person(3003, language="en")
    await join_club(alice, phone="+8613800000003", plate="粤B00003")
    code = (await member_of(bot, 3003)).referral_code

    carol = bot.person(3004, language="en")
    await join_club(carol, phone="+8613800000004", plate="粤B00004", start="/start ref_NOSUCH99")
    assert (await member_of(bot, 3004)).referred_by_id is None

    # A member opening someone's link later is already a member: nothing changes.
    calls = await carol.send(f"/start ref_{code}")
    assert "Welcome back" in joined(calls)
    assert (await member_of(bot, 3004)).referred_by_id is None
    # Nor can a member refer themself through their own old consent button.
    calls = await alice.press_data(f"join:ok:r:{code}")
    assert "already a member" in joined(calls)
    assert (await member_of(bot, 3003)).referred_by_id is None
    assert "0 members" in joined(await alice.send("/invite"))


async def test_invite_needs_membership(bot):
    calls = await bot.person(3005, language="en").send("/invite")
    assert "not a club member yet" in joined(calls)
