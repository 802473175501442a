"""A half-finished join survives the bot being stopped and started again."""

from __future__ import annotations

from tests.flows import EN_CONSENT, member_of
from tests.harness import joined


async def test_owner_continues_join_after_restart(make_bot):
    first = await make_bot()
    owner = first.person(2001, language="en")
    await owner.send("/start")
    await owner.press(EN_CONSENT)
    await owner.share_contact("+8613812345678")
    await owner.send("Wang Wei")
    await owner.press("Skip")
    await first.stop()

    second = await make_bot()  # same database, new process state
    owner = second.person(2001, language="en")
    calls = await owner.send("粤B12345")  # answers the plate step asked before the restart
    assert "VIN" in joined(calls)
    await owner.press("Skip")
    await owner.send("Camry")
    await owner.send("2024-01-02")
    await owner.press("Bought a new car here")
    member = await member_of(second, 2001)
    assert member is not None and member.phone == "+8613812345678"
    assert member.cars[0].plate == "粤B12345"


async def test_buttons_from_before_a_restart_still_work(make_bot):
    first = await make_bot()
    owner = first.person(2002, language="en")
    await owner.send("/start")
    await first.stop()
    second = await make_bot()
    owner = second.person(2002, language="en")
    # The consent button was sent by the first process; its data is a plain string.
    calls = await owner.press_data("join:ok")
    assert any(c.asks_for_contact for c in calls)
