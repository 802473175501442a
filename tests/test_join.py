"""An owner joins the club through the chat, step by step, in their language."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.i18n import translator
from db.models import Car, Dialog, Member
from tests.flows import EN_CONSENT, join_club, member_of, members, services
from tests.harness import joined, texts

MOBILE = "+8613812345678"


async def test_owner_joins_and_gets_card_with_qr(bot):
    owner = bot.person(1001, language="en")
    await owner.send("/start")
    assert "owners club" in owner.received()[-2].text
    assert "never shares them" in owner.last.text  # consent: what is stored and why
    await owner.press(EN_CONSENT)
    assert owner.last.asks_for_contact
    await owner.share_contact("8613812345678")  # Telegram sends it without '+'
    assert "What name" in owner.last.text
    await owner.send("  Wang   Wei ")
    await owner.send("1988-06-15")
    await owner.send("粤b 12345")
    await owner.send("1M8GDM9AXKP042788")
    await owner.send("Camry 2.0 2022")
    await owner.send("2024/3/18")
    assert "how are you joining" in owner.last.text
    await owner.press("Brought my car in for service")

    card = owner.last
    assert card.method == "sendPhoto"
    assert card.photo and card.photo.startswith(b"\x89PNG")
    assert "Name: Wang Wei" in card.text
    assert "Tier: Silver" in card.text
    assert "Cumulative points: 0" in card.text and "Redeemable points: 0" in card.text
    assert "5,000 more cumulative points to Gold" in card.text
    assert "5% off labour" in card.text

    member = await member_of(bot, 1001)
    assert member is not None
    assert member.phone == MOBILE
    assert member.name == "Wang Wei"
    assert member.birthday.isoformat() == "1988-06-15"
    assert member.join_channel == "bring_car"
    assert member.tier_code == "silver"
    today = services(bot).default_store.today()
    assert member.valid_until.year == today.year + 1
    assert member.card_code.replace(" ", "")[:4] in card.text.replace(" ", "")
    async with services(bot).sessionmaker() as session:
        car = await session.scalar(select(Car).where(Car.member_id == member.id))
        assert (car.plate, car.vin, car.model) == (
            "粤B12345",
            "1M8GDM9AXKP042788",
            "Camry 2.0 2022",
        )
        assert car.delivery_date.isoformat() == "2024-03-18"
        assert await session.scalar(select(func.count()).select_from(Dialog)) == 0


async def test_chinese_owner_is_guided_in_chinese(bot):
    zh = translator("zh_Hans", services(bot).default_store.tz)
    owner = bot.person(1002, language="zh-hans")
    await owner.send("/start")
    consent = zh.gettext("I agree, let's join")
    assert consent != "I agree, let's join", "zh_Hans catalog not applied"
    await owner.press(consent)
    assert zh.gettext("Please share your mobile number with the button below, or type it.") in (
        owner.last.text
    )
    calls = await owner.send("12345")
    complaint = zh.gettext(
        "That does not look like a phone number. Please send an 11-digit mobile number, "
        "e.g. 138 1234 5678."
    )
    assert complaint in joined(calls) and "That does not" not in complaint
    await owner.share_contact(MOBILE)
    await owner.send("王伟")
    await owner.press(zh.gettext("Skip"))
    await owner.send("沪AD12345")
    await owner.press(zh.gettext("Skip"))
    await owner.send("Model Y")
    await owner.press(zh.gettext("Skip"))
    await owner.press(zh.gettext("Bought a new car here"))
    assert owner.last.method == "sendPhoto"
    assert "银卡" in owner.last.text
    member = await member_of(bot, 1002)
    assert member.birthday is None and member.cars[0].vin is None
    assert member.cars[0].delivery_date is None


async def test_each_step_rejects_bad_input_and_keeps_asking(bot):
    owner = bot.person(1003, language="en")
    await owner.send("/start")
    await owner.press(EN_CONSENT)
    cases = [
        ("010-12345678", "landlines"),
        ("hello", "does not look like a phone number"),
    ]
    for text, complaint in cases:
        calls = await owner.send(text)
        assert complaint in joined(calls)
        assert owner.last.asks_for_contact  # the same step is asked again
    await owner.send("138 1234 5678")
    calls = await owner.send("   ")
    assert "Please send a name" in joined(calls)
    await owner.send("Li Na")
    for text, complaint in [
        ("31/02/1990", "Please send a date"),
        ("2999-01-01", "in the future"),
        ("1850-01-01", "too long ago"),
    ]:
        assert complaint in joined(await owner.send(text))
    await owner.send("1990-02-03")
    for text in ["ABC123", "粤BI2345", "粤B1234567"]:
        assert "not a licence plate we recognise" in joined(await owner.send(text))
    await owner.send("粤B12345")
    for text, complaint in [
        ("1M8GDM9AXKP04278", "exactly 17 characters"),
        ("1M8GDM9AXKP04278O", "without I, O and Q"),
        ("1M8GDM9A1KP042788", "does not add up"),
    ]:
        assert complaint in joined(await owner.send(text))
    await owner.send("1m8gdm9axkp042788")
    await owner.send("Camry")
    assert "in the future" in joined(await owner.send("2999-01-01"))
    await owner.send("2023-05-06")
    await owner.press("Paid the membership fee")
    member = await member_of(bot, 1003)
    assert member.phone == MOBILE and member.birthday.isoformat() == "1990-02-03"
    assert member.cars[0].vin == "1M8GDM9AXKP042788"


async def test_only_the_owners_own_contact_is_accepted(bot):
    owner = bot.person(1004, language="en")
    await owner.send("/start")
    await owner.press(EN_CONSENT)
    calls = await owner.share_contact("+8613900001111", owner_id=5555)
    assert "your own number" in joined(calls)
    assert owner.last.asks_for_contact
    calls = await owner.share_contact("+8613900001111", owner_id=None)
    assert "What name" in joined(calls)


async def test_declining_consent_stores_nothing(bot):
    owner = bot.person(1005, language="en")
    await owner.send("/start")
    calls = await owner.press("No, thanks")
    assert "nothing was stored" in joined(calls)
    async with services(bot).sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Dialog)) == 0
        assert await session.scalar(select(func.count()).select_from(Member)) == 0


async def test_cancel_leaves_cleanly_and_start_begins_again(bot):
    owner = bot.person(1006, language="en")
    await owner.send("/start")
    await owner.press(EN_CONSENT)
    await owner.share_contact(MOBILE)
    calls = await owner.send("/cancel")
    assert "nothing you typed was kept" in joined(calls)
    assert await members(bot) == []
    calls = await owner.send("Wang")  # no dialog any more: not taken as a name
    assert "/help" in joined(calls)
    assert "nothing to cancel" in joined(await owner.send("/cancel"))
    await join_club(owner)
    assert len(await members(bot)) == 1


def notices(calls) -> list[str | None]:
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


def button_data(owner, label: str) -> str:
    """The data of the newest button labelled `label` the owner was shown."""
    for call in reversed(owner.received()):
        for button in call.buttons:
            if button["text"] == label:
                return button["callback_data"]
    raise AssertionError(label)


async def test_stale_buttons_and_double_taps_change_nothing(bot):
    owner = bot.person(1007, language="en")
    await owner.send("/start")
    await owner.press(EN_CONSENT)
    await owner.share_contact(MOBILE)
    await owner.send("Wang Wei")
    skip_birthday = button_data(owner, "Skip")
    calls = await owner.press("Skip")  # birthday skipped
    assert notices(calls) == [None]
    # The answered prompt loses its button; the next one is asked.
    assert [c.params["message_id"] for c in calls if c.method == "editMessageReplyMarkup"]
    calls = await owner.press_data(skip_birthday)  # the same button tapped again
    assert notices(calls) == ["That button is no longer active."]
    assert texts(calls) == []  # a notice on the button, not a new message
    calls = await owner.press_data("join:skip:birthday")  # an old-format button
    assert notices(calls) == ["That button is no longer active."] and texts(calls) == []
    forged = skip_birthday.replace(":birthday", ":plate")  # the plate cannot be skipped
    calls = await owner.press_data(forged)
    assert "cannot be skipped" in joined(calls)
    assert "(4/8)" in calls[-1].text
    await owner.send("粤B12345")
    await owner.press("Skip")
    await owner.send("Camry")
    await owner.send("2024-01-02")
    channel = button_data(owner, "Bought a new car here")
    await owner.press("Bought a new car here")
    calls = await owner.press_data(channel)  # double tap on the last button
    assert notices(calls) == ["That button is no longer active."] and texts(calls) == []
    calls = await owner.press_data(channel.replace("new_car", "bogus"))
    assert notices(calls) == ["That button is no longer active."]
    assert len(await members(bot)) == 1


async def test_a_stale_button_of_an_earlier_form_is_refused(bot):
    owner = bot.person(1013, language="en")
    await owner.send("/start")
    await owner.press(EN_CONSENT)
    await owner.share_contact(MOBILE)
    await owner.send("Wang Wei")
    old_skip = button_data(owner, "Skip")
    await owner.send("/cancel")
    await owner.send("/start")
    await owner.press(EN_CONSENT)
    await owner.share_contact(MOBILE)
    await owner.send("Wang Wei")
    # Same step, but the button belongs to the cancelled form: it skips nothing.
    calls = await owner.press_data(old_skip)
    assert notices(calls) == ["That button is no longer active."]
    assert "1988-06-15" not in joined(calls)
    await owner.send("1988-06-15")
    assert "licence plate" in owner.last.text


async def test_photo_or_sticker_midway_repeats_the_step(bot):
    owner = bot.person(1014, language="en")
    await owner.send("/start")
    await owner.press(EN_CONSENT)
    await owner.share_contact(MOBILE)
    calls = await owner.send_photo("selfie")
    assert "Please answer with text" in joined(calls)
    assert "(2/8) What name" in calls[-1].text
    sticker = {
        "file_id": "stk",
        "file_unique_id": "stk",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    calls = await bot.feed({"message": owner._message(sticker=sticker)})
    assert "(2/8) What name" in calls[-1].text
    await owner.send("Wang Wei")
    assert "(3/8)" in owner.last.text


async def test_second_start_by_member_creates_no_duplicate(bot):
    owner = bot.person(1008, language="en")
    await join_club(owner)
    calls = await owner.send("/start")
    assert "Welcome back, Wang Wei" in joined(calls)
    assert calls[-1].method == "sendPhoto"
    calls = await owner.press_data("join:ok")  # the old consent button
    assert "already a member" in joined(calls)
    assert len(await members(bot)) == 1


async def test_start_during_join_resumes_at_the_same_step(bot):
    owner = bot.person(1009, language="en")
    await owner.send("/start")
    await owner.press(EN_CONSENT)
    await owner.share_contact(MOBILE)
    await owner.send("Wang Wei")
    calls = await owner.send("/start")
    assert "continue where you left off" in joined(calls)
    assert "(3/8)" in calls[-1].text and calls[-1].button_labels == ["Skip"]


async def test_taken_phone_and_plate_are_refused(bot):
    await join_club(bot.person(1010, language="en"))
    other = bot.person(1011, language="en")
    await other.send("/start")
    await other.press(EN_CONSENT)
    assert "already belongs to a club member" in joined(await other.send("+86 138-1234-5678"))
    await other.send("13900001111")
    await other.send("Li Na")
    await other.press("Skip")
    assert "already registered" in joined(await other.send("粤B 12345"))
    await other.send("粤B54321")
    assert len(await members(bot)) == 1


async def test_text_outside_any_flow_gets_a_hint(bot):
    stranger = bot.person(1012, language="en")
    calls = await stranger.send("hello?")
    assert "/help" in joined(calls)
    assert "Send /start to join" in joined(await stranger.share_contact(MOBILE))
