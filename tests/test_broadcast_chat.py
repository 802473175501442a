"""Staff broadcast from the chat; owners get it once, in their language, unless they
turned that kind off."""

from __future__ import annotations

from bot.jobs import release_broadcasts
from handlers.broadcast_report import refresh_reports
from tests import factories
from tests.conftest import ADMIN_ID
from tests.flows import services
from tests.harness import joined


async def two_owners(bot):
    zh = bot.person(7801, language="zh-hans")
    en = await factories.owner(bot, 7802, phone="+8613900000002", plate="粤B00002")
    # The Chinese owner joined in English, then picks Chinese.
    zh_en = await factories.owner(bot, 7801, phone="+8613900000001", plate="沪A00001")
    await zh_en.send("/language")
    await zh_en.press("简体中文")
    return zh, en


async def compose(staff, *, audience: str = "Everyone", photo: bool = False) -> None:
    await staff.send("/broadcast")
    await staff.press("Weather alert")
    await staff.send("台风将至，请将爱车停入地下车库。")
    await staff.press("Use the Chinese text")
    if photo:
        await staff.send_photo("typhoon-map")
    else:
        await staff.press("No photo")
    await staff.press(audience)


async def test_weather_alert_reaches_everyone_once_in_their_language(bot):
    zh, en = await two_owners(bot)
    admin = bot.person(ADMIN_ID, language="en")
    await compose(admin)
    preview = joined(admin.received()[-3:])
    assert "台风将至" in preview and "2 members will receive it" in preview
    calls = await admin.press("Send now")
    assert "Sending to 2 members" in joined(calls)
    await bot.drain()
    assert zh.last.text == "台风将至，请将爱车停入地下车库。"
    assert en.last.text == "台风将至，请将爱车停入地下车库。"  # staff chose to reuse it
    await bot.drain()  # nothing more to send: exactly once each
    assert sum(c.chat_id == 7801 and "台风" in c.text for c in bot.api.calls) == 1
    await refresh_reports(services(bot), bot.app.bot)
    report = [c for c in bot.api.calls if c.method == "editMessageText"][-1]
    assert "finished" in report.text and "Sent 2" in report.text


async def test_photo_broadcast_to_a_tier(bot):
    _zh, _en = await two_owners(bot)
    admin = bot.person(ADMIN_ID, language="en")
    await compose(admin, audience="By tier", photo=True)
    await admin.press("Silver")
    assert "1 members" not in joined(admin.received()[-1:])
    await admin.press("Send now")
    await bot.drain()
    photos = [c for c in bot.api.calls if c.method == "sendPhoto" and c.chat_id in (7801, 7802)]
    assert len([c for c in photos if c.params.get("photo") == "typhoon-map"]) == 2


async def test_everyone_needs_a_manager_and_owners_cannot_broadcast(bot):
    await two_owners(bot)
    admin = bot.person(ADMIN_ID, language="en")
    await admin.send("/grant 7900 customer_service")
    clerk = bot.person(7900, language="en")
    await compose(clerk)
    assert "needs a manager" in clerk.last.text or "needs a manager" in joined(clerk.received())
    await clerk.press("Local plates")
    assert "1 members will receive it" in joined(clerk.received()[-1:])
    owner = bot.person(7802, language="en")
    assert "for store staff" in joined(await owner.send("/broadcast"))


async def test_schedule_list_and_cancel(bot):
    zh, en = await two_owners(bot)
    admin = bot.person(ADMIN_ID, language="en")
    await compose(admin)
    await admin.press("Schedule…")
    assert "Please send a future" in joined(await admin.send("2001-01-01 09:00"))
    assert "Scheduled for" in joined(await admin.send("2999-01-01 09:00"))
    listing = await admin.send("/broadcasts")
    assert "Weather alert" in joined(listing)
    await admin.press(next(b for c in listing for b in c.button_labels if b.startswith("Cancel")))
    svc = services(bot)
    assert await release_broadcasts(svc, svc.now().replace(year=3000)) == 0
    await bot.drain()
    assert not any("台风" in c.text for c in zh.received() + en.received())


async def test_owner_turns_weather_alerts_off(bot):
    zh, en = await two_owners(bot)
    await en.send("/settings")
    calls = await en.press("🔔 Weather alerts")
    assert any("🔕 Weather alerts" in c.button_labels for c in calls)
    admin = bot.person(ADMIN_ID, language="en")
    await compose(admin)
    assert "1 members will receive it" in joined(admin.received()[-1:])
    await admin.press("Send now")
    await bot.drain()
    assert not any("台风" in c.text for c in en.received())
    assert any("台风" in c.text for c in zh.received())


async def test_send_now_tapped_twice_sends_one_broadcast(bot):
    await two_owners(bot)
    admin = bot.person(ADMIN_ID, language="en")
    await compose(admin)
    send = next(b["callback_data"] for b in admin.last.buttons if b["text"] == "Send now")
    await admin.press_data(send)
    calls = await admin.press_data(send)
    notices = [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]
    assert notices == ["That button is no longer active."]
    await bot.drain()
    assert sum(c.chat_id == 7802 and "台风" in c.text for c in bot.api.calls) == 1


async def test_a_photo_where_text_is_asked_repeats_the_step(bot):
    admin = bot.person(ADMIN_ID, language="en")
    await admin.send("/broadcast")
    await admin.press("Weather alert")
    calls = await admin.send_photo("map")
    assert "Please answer with the buttons or the kind of message asked for" in joined(calls)
    assert "Send the text in Chinese" in calls[-1].text
