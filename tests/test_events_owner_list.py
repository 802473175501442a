"""/events and an event's card as owners see them: what is listed and in which order,
their own sign-ups marked, paging, the card's photo and meeting point, who may not sign
up and why (not a member, the deadline, the tier), forged buttons and a restart."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import add_event, owner
from tests.flows import services
from tests.harness import joined
from tests.test_events_owner_support import move, notice, notices, sent


async def test_the_list_is_upcoming_published_events_soonest_first_with_mine_marked(bot):
    wei = await owner(bot, 8601)
    other = await owner(bot, 8602, phone="+8613900008602", plate=None)
    later = await add_event(bot, titles={"en": "Spring picnic"}, kind="activity", points_cost=150)
    soon = await add_event(
        bot, titles={"en": "Road trip to the coast"}, kind="trip", capacity=1, points_award=0
    )
    await move(bot, soon.id, starts_at=soon.starts_at - timedelta(days=2))
    await move(bot, later.id, starts_at=later.starts_at + timedelta(days=3))
    gold = await add_event(bot, titles={"en": "Gold gala"}, min_tier="gold")
    await add_event(bot, titles={"en": "Draft"}, status="draft")
    await add_event(bot, titles={"en": "Called off"}, status="cancelled")
    past = await add_event(bot, titles={"en": "Last month"})
    await move(bot, past.id, starts_at=past.starts_at - timedelta(days=30))
    await other.press_data(f"ev:join:{soon.id}:0")
    await wei.press_data(f"ev:join:{soon.id}:0")  # full: the waitlist
    await wei.press_data(f"ev:join:{gold.id}:0")  # refused: silver
    text = (await wei.send("/events"))[-1].text
    assert "Draft" not in text and "Called off" not in text and "Last month" not in text
    assert text.index("Road trip to the coast") < text.index("Gold gala")
    assert text.index("Gold gala") < text.index("Spring picnic")
    trip, gala, picnic = text.split("\n\n")[1:]
    assert trip.startswith("1. Road trip · Road trip to the coast")
    assert "Full · Free" in trip  # they are in the waitlist already
    assert "⏳ You are number 1 on the waitlist" in trip
    assert "Open to Gold members and above" in gala and "20 seats left" in gala
    assert "Earns 50 points for attending" in gala and "You are" not in gala
    assert "3. Club activity · Spring picnic" in picnic
    assert "Costs 150 points a person · Earns 50 points for attending" in picnic
    assert wei.last.button_labels == [
        "1. Road trip to the coast",
        "2. Gold gala",
        "3. Spring picnic",
    ]
    # The tier above theirs: the card says so and offers no sign-up.
    card = (await wei.press("2. Gold gala"))[-1]
    assert card.method == "editMessageText"
    assert "Your tier is below this event's; it is not open to you yet." in card.text
    assert card.button_labels == ["Add to calendar", "« Back to the list"]
    assert "That event is for a higher tier." in notice(
        await wei.press_data(f"ev:join:{gold.id}:0")
    )
    back = (await wei.press("« Back to the list"))[-1]
    assert back.method == "editMessageText" and "Coming events (1/1)" in back.text


async def test_a_long_list_pages_in_place(bot):
    wei = await owner(bot, 8603)
    for i in range(7):
        event = await add_event(bot, titles={"en": f"Class {i}"})
        await move(bot, event.id, starts_at=event.starts_at + timedelta(hours=i))
    first = (await wei.send("/events"))[-1]
    assert "(1/2)" in first.text and "Class 4" in first.text and "Class 5" not in first.text
    assert first.button_labels[-1] == "Later ▶"
    second = (await wei.press("Later ▶"))[-1]
    assert second.method == "editMessageText" and "6. Owner class · Class 5" in second.text
    assert second.button_labels == ["6. Class 5", "7. Class 6", "◀ Sooner"]
    assert "(2/2)" in (await wei.press_data("ev:list:40"))[-1].text  # past the end: the last
    assert notices(await wei.press_data("ev:list:-1")) == ["That button is no longer active."]


async def test_nothing_planned(bot):
    wei = await owner(bot, 8604)
    assert "No events are planned just now." in (await wei.send("/events"))[-1].text


async def test_a_card_with_its_photo_meeting_point_and_map_in_chinese(bot):
    wei = await owner(bot, 8605, language="zh-hans")
    event = await add_event(
        bot,
        kind="trip",
        titles={"zh_Hans": "自驾游：海边", "en": "Road trip: the coast"},
        photo="AgADphoto",
        meeting_point="4S店停车场",
        latitude=22.5,
        longitude=114.1,
        companions_max=2,
    )
    calls = await wei.send(f"/start ev_{event.id}")
    card = sent(calls, "sendPhoto")[0]
    assert card.params["photo"] == "AgADphoto"
    assert "自驾游 · 自驾游：海边" in card.text and "集合地点：4S店停车场" in card.text
    assert "最多可带 2 位同行人" in card.text and "剩余 20 个名额" in card.text
    assert "地图" in card.button_labels
    venue = sent(await wei.press("地图"), "sendVenue")[0]
    assert venue.params["title"] == "自驾游：海边"
    assert "集合地点：4S店停车场" in wei.last.text


async def test_a_non_member_sees_the_card_and_is_told_to_join(bot):
    event = await add_event(bot)
    stranger = bot.person(8606, language="en")
    card = (await stranger.send(f"/start ev_{event.id}"))[-1]
    assert "Owner class: winter driving" in card.text
    assert "You are not a club member yet. Send /start to join." in card.text
    assert "Sign up" not in card.button_labels
    assert "Send /start to join" in joined(await stranger.press_data(f"ev:join:{event.id}:0"))
    listed = (await stranger.send("/events"))[-1].text
    assert "1. Owner class" in listed and "Send /start to join" in listed


async def test_the_deadline_passed_and_forged_or_stale_cards(bot):
    wei = await owner(bot, 8607)
    event = await add_event(bot)
    await move(bot, event.id, signup_until=services(bot).now() - timedelta(minutes=1))
    card = (await wei.send(f"/start ev_{event.id}"))[-1]
    assert "Sign-up for this event has closed." in card.text
    assert "Sign up" not in card.button_labels
    calls = await wei.press_data(f"ev:join:{event.id}:0")
    assert "Sign-up for that event has closed." in notice(calls)
    draft = await add_event(bot, status="draft")
    for data in ("ev:show:99999", f"ev:show:{draft.id}", f"ev:map:{draft.id}"):
        assert "That event does not exist (any more)." in notices(await wei.press_data(data))
    calls = await wei.press_data(f"ev:join:{draft.id}:0")
    assert "That event is not open for sign-up." in notice(calls)
    for data in ("ev:show:abc", "ev:show", "ev:join:1:x", "ev:map:1:2", "ev:pass:0"):
        assert notices(await wei.press_data(data)) == ["That button is no longer active."]
    assert "That event does not exist" in joined(await wei.send("/start ev_12ab"))
    assert "You are not signed up for that event." in notice(
        await wei.press_data(f"ev:pass:{event.id}")
    )


async def test_old_buttons_still_work_after_a_restart(make_bot):
    bot = await make_bot()
    wei = await owner(bot, 8608)
    event = await add_event(bot)
    await wei.send("/events")
    await bot.stop()
    bot = await make_bot()  # the same database, a new process
    wei = bot.person(8608, language="en")
    card = (await wei.press_data(f"ev:show:{event.id}:l"))[-1]
    assert "Owner class: winter driving" in card.text
    calls = await wei.press_data(f"ev:join:{event.id}:0")
    assert sent(calls, "sendPhoto")[0].text.startswith("You are signed up!")
    assert "✅ You are signed up" in (await wei.press_data("ev:list:0"))[-1].text
