"""A shared location goes, like text and photos, to whichever form is open: the
/newevent map step takes it, a step without one answers with its reminder and stays,
and with no form open the owner gets the usual "not understood" answer."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Event
from tests.factories import owner, staff
from tests.test_events_manage import MANAGER, fill_class, share_location


async def _events(bot) -> list[Event]:
    async with bot.app.bot_data["services"].sessionmaker() as session:
        return list(await session.scalars(select(Event).order_by(Event.id)))


async def test_a_location_shared_at_the_map_step_is_the_events_place_on_the_map(bot):
    manager = await staff(bot, MANAGER, "manager")
    await fill_class(manager, where=(30.657, 104.066))
    await manager.press("Save as draft")
    (event,) = await _events(bot)
    assert (event.latitude, event.longitude) == (30.657, 104.066)


async def test_a_location_at_a_step_without_a_map_is_answered_and_the_step_stays(bot):
    manager = await staff(bot, MANAGER, "manager")
    await manager.send("/newevent")
    await manager.press("Owner class")
    calls = await share_location(manager, 30.657, 104.066)  # the title is asked
    texts = [c.text for c in calls if c.method == "sendMessage"]
    assert "Please answer with the buttons or the kind of message asked for." in texts
    assert "did not understand" not in " ".join(texts)
    assert "title in Chinese" in manager.last.text
    await manager.send("冬季用车讲堂")
    assert "title in English" in manager.last.text


async def test_a_location_with_no_form_open_is_not_understood_in_both_languages(bot):
    english = await owner(bot, 9611)
    await share_location(english, 30.657, 104.066)
    assert english.last.text == "I did not understand that. /help lists what I can do."
    chinese = await owner(bot, 9612, language="zh-hans", phone="+8613900009612", plate=None)
    await share_location(chinese, 30.657, 104.066)
    assert chinese.last.text == "抱歉，我没看懂。发送 /help 查看我能做什么。"
    assert await _events(bot) == []
