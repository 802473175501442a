"""Fast typists, double taps and races between owners: nothing is lost or duplicated."""

from __future__ import annotations

import asyncio

from tests.flows import EN_CONSENT, member_of, members
from tests.harness import joined

CHANNEL = "Bought a new car here"


async def start_join(owner, phone: str | None = None) -> None:
    await owner.send("/start")
    await owner.press(EN_CONSENT)
    if phone:
        await owner.share_contact(phone)


async def test_answers_typed_in_a_burst_are_taken_in_order(bot):
    owner = bot.person(6001, language="en")
    await start_join(owner, "+8613812345678")
    burst = ["Wang Wei", "1988-06-15", "粤B12345", "1M8GDM9AXKP042788", "Camry", "2024-03-18"]
    calls = await bot.through_queue([owner.text_update(t) for t in burst], replies=len(burst))
    assert "how are you joining" in calls[-1].text, joined(calls)
    await owner.press("Bought a new car here")
    member = await member_of(bot, 6001)
    assert member.name == "Wang Wei" and member.birthday.isoformat() == "1988-06-15"
    assert member.cars[0].plate == "粤B12345" and member.cars[0].model == "Camry"


async def test_double_tap_on_the_last_button_makes_one_member(bot):
    owner = bot.person(6002, language="en")
    await start_join(owner, "+8613812345678")
    for text in ["Wang Wei", "1988-06-15", "粤B12345", "1M8GDM9AXKP042788", "Camry", "2024-03-18"]:
        await owner.send(text)
    data = next(b["callback_data"] for b in owner.last.buttons if b["text"] == CHANNEL)
    before = len(bot.api.calls)
    await bot.through_queue([owner.press_update(data), owner.press_update(data)], replies=2)
    for _ in range(100):  # the second tap is answered on the button, not with a message
        calls = bot.api.calls[before:]
        if sum(c.method == "answerCallbackQuery" for c in calls) == 2:
            break
        await asyncio.sleep(0.01)
    notices = [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]
    assert sorted(notices, key=str) == [None, "That button is no longer active."]
    assert "Welcome to the club" in joined(calls)
    assert len(await members(bot)) == 1


async def test_two_owners_racing_for_one_phone_number(bot):
    first, second = bot.person(6003, language="en"), bot.person(6004, language="en")
    for owner in (first, second):
        await start_join(owner)
    # Both type the same number at the same moment; exactly one may have it.
    await asyncio.gather(first.send("13812345678"), second.send("13812345678"))
    texts = [first.last.text, second.last.text]
    assert sum("What name" in t for t in texts) == 2 or any("already belongs" in t for t in texts)
    for owner, plate in ((first, "粤B00001"), (second, "粤B00002")):
        for text in ["Li", "1990-01-01", plate, "1M8GDM9AXKP042788", "Camry", "2024-03-18"]:
            await owner.send(text)
    label = CHANNEL
    await asyncio.gather(first.press(label), second.press(label))
    phones = [m.phone for m in await members(bot)]
    assert phones == ["+8613812345678"]  # one member; the other was told, nothing broke
    told = joined(first.received() + second.received())
    assert "already belongs" in told or "clashes with something already stored" in told
    # The one who lost is not stuck: they are (or, pressing again, get) sent back to the
    # phone step, and can finish with another number.
    loser = first if await member_of(bot, 6003) is None else second
    if not loser.last.asks_for_contact:
        calls = await loser.press(label)
        assert "already belongs" in joined(calls)
    assert loser.last.asks_for_contact
    await loser.send("13900001111")
    assert loser.last.method == "sendPhoto"  # every other answer was kept: joined at once
    assert sorted(m.phone for m in await members(bot)) == ["+8613812345678", "+8613900001111"]
