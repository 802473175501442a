"""Odd and forged numbers and buttons get a clear answer, never "something went wrong",
and a confirmation only pays for an offer the bot really made."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.club.points import offers
from bot.club.points.offers import Kind, Verdict
from bot.club.policy.model import load_policy
from db.models import Member
from tests.conftest import ADMIN_ID
from tests.flows import join_club, member_of
from tests.harness import joined

WENT_WRONG = "something went wrong"
HUGE = "99999999999999999999"


def notices(calls) -> list[str | None]:
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/grant ² admin", "Usage: /grant"),
        ("/revoke ² manager", "Usage: /revoke"),
        (f"/grant {HUGE} admin", "Usage: /grant"),
        ("/grant -5 admin", "Usage: /grant"),
        ("/joinlink new_car ²", "must be a Telegram user id"),
        (f"/joinlink new_car {HUGE}", "must be a Telegram user id"),
        ("/adjust 13812345678 +１００ gift", "Usage: /adjust"),
        (f"/adjust 13812345678 +{HUGE} gift", "Usage: /adjust"),
    ],
)
async def test_odd_numbers_in_staff_commands_get_a_clear_answer(bot, command, answer):
    await join_club(bot.person(8201, language="en"))
    admin = bot.person(ADMIN_ID, language="en")
    text = joined(await admin.send(command))
    assert answer in text and WENT_WRONG not in text
    assert (await member_of(bot, 8201)).redeemable_points == 0


@pytest.mark.parametrize(
    "data",
    [
        "pts:page:²",
        f"pts:page:{HUGE}",
        "pts:page:-1",
        "fee:ok:²:abcdef",
        f"fee:ok:{HUGE}:abcdef",
        "rem:book:²",
        f"rem:insure:{HUGE}",
        "rem:bogus:1",
        "privacy:erase:²",
        "set:t:nonsense",
        "mem:renew:anything",
        "mem:up:x:1:1:1:sig",
    ],
)
async def test_forged_button_data_is_refused_on_the_button(bot, data):
    owner = bot.person(8202, language="en")
    await join_club(owner)
    before = await member_of(bot, 8202)
    presser = bot.person(ADMIN_ID, language="en") if data.startswith("fee") else owner
    calls = await presser.press_data(data)
    assert notices(calls) == ["That button is no longer active."]
    assert WENT_WRONG not in joined(calls)
    after = await member_of(bot, 8202)
    assert (after.redeemable_points, after.valid_until) == (
        before.redeemable_points,
        before.valid_until,
    )


async def test_renewal_needs_the_offer_the_bot_made_to_this_owner(bot):
    owner = bot.person(8203, language="en")
    await join_club(owner)
    other = bot.person(8204, language="en")
    await join_club(other, phone="+8613900001111", plate="粤B54321")
    member = await member_of(bot, 8203)
    await bot.person(ADMIN_ID, language="en").send(f"/adjust {member.card_code} +1500 gift")
    until = member.valid_until
    await owner.send("/renew")
    button = next(b for b in owner.last.buttons if b["text"].startswith("Renew"))
    data = button["callback_data"]
    kind, nonce, _cost, term, issued, signature = data.split(":")[1:]
    # Someone else's button, and the same button with a lower price, pay nothing.
    assert notices(await other.press_data(data)) == ["That button is no longer active."]
    cheap = ":".join(["mem", kind, nonce, "1", term, issued, signature])
    assert notices(await owner.press_data(cheap)) == ["That button is no longer active."]
    assert (await member_of(bot, 8203)).redeemable_points == 1500
    # The real offer renews once.
    await owner.press_data(data)
    await owner.press_data(data)
    member = await member_of(bot, 8203)
    assert member.redeemable_points == 1000 and member.valid_until > until


def test_an_offer_reads_back_only_unchanged_fresh_and_signed():
    policy = load_policy(None)
    secret = offers.key_from_token("123:T")
    member = Member(tier_code=policy.tiers[0].code, cumulative_points=0)
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    offer = offers.make(policy, member, Kind.RENEW, now)
    assert offer is not None
    args = offer.args(secret, 42)
    assert len(":".join(["mem", "renew", *args]).encode()) <= 64

    def read(*, user=42, at=now, key=secret, pol=policy, parts=args):
        return offers.read(key, user, "renew", parts, pol, member, at)[0]

    assert read() is Verdict.OK
    assert read(user=43) is Verdict.FORGED
    assert read(key=offers.key_from_token("other")) is Verdict.FORGED
    assert read(parts=args[:-1]) is Verdict.FORGED
    assert read(at=now + timedelta(days=2)) is Verdict.EXPIRED
    dearer = replace(policy, renewal_points_cost=policy.renewal_points_cost + 1)
    assert read(pol=dearer) is Verdict.CHANGED
    up = offers.make(policy, member, Kind.UPGRADE, now)
    assert up is not None and up.term == "1"
