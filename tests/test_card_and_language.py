"""/card, /language, /help and the command menus, in both languages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from bot.commands import ADMIN_COMMANDS, OWNER_COMMANDS
from bot.i18n import translator
from bot.render.card_image import qr_image
from tests.conftest import ADMIN_ID
from tests.flows import join_club, member_of, services
from tests.harness import joined


async def test_card_shows_tier_points_validity_and_a_scannable_qr(bot):
    owner = bot.person(5001, language="en")
    await join_club(owner)  # ends with the new member's card
    card = next(c for c in reversed(owner.received()) if c.method == "sendPhoto")
    again = (await owner.send("/card"))[-1]
    # The same card is not drawn and uploaded again: Telegram's file id for it is sent.
    assert again.method == "sendPhoto" and again.params["photo"] == "photo1"
    assert again.text == card.text
    member = await member_of(bot, 5001)
    t = translator("en", services(bot).default_store.tz)
    assert f"Valid until: {t.date(member.valid_until)}" in card.text
    assert "Tier: Silver" in card.text and "5,000 more cumulative points to Gold" in card.text
    picture = Image.open(io.BytesIO(card.photo))
    assert picture.size == (860, 540)
    # The QR drawn on the card is exactly the deep link staff scan to open this member.
    expected = qr_image(f"https://t.me/club_test_bot?start=m_{member.card_code}")
    expected = expected.resize((300, 300), Image.Resampling.NEAREST)
    region = picture.crop((860 - 300 - 40, 130, 860 - 40, 430))
    assert region.tobytes() == expected.tobytes()


async def test_card_for_non_member(bot):
    assert "Send /start to join" in joined(await bot.person(5002, language="en").send("/card"))


async def test_language_switch_is_remembered(make_bot):
    bot = await make_bot()
    owner = bot.person(5003, language="en")
    await join_club(owner)
    zh = translator("zh_Hans", services(bot).default_store.tz)
    await owner.send("/language")
    assert owner.last.button_labels == ["简体中文", "English"]
    calls = await owner.press("简体中文")
    assert zh.gettext("From now on I will speak English with you.") in joined(calls)
    assert "简体中文" in joined(calls)
    await bot.stop()
    bot = await make_bot()
    owner = bot.person(5003, language="en")  # Telegram still says English
    card = (await owner.send("/card"))[-1].text
    assert zh.gettext("Your benefits:") in card and "银卡" in card
    calls = await owner.press_data("lang:set:xx")
    assert [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"] != [None]


async def test_unknown_telegram_language_falls_back_to_store_default(bot):
    zh = translator("zh_Hans", services(bot).default_store.tz)
    calls = await bot.person(5004, language="pt-br").send("/help")
    assert zh.gettext("Here is what I can do:") in joined(calls)
    calls = await bot.person(5005, language=None).send("/help")
    assert zh.gettext("Here is what I can do:") in joined(calls)


async def test_help_lists_commands_by_role(bot):
    owner_help = joined(await bot.person(5006, language="en").send("/help"))
    assert "/card" in owner_help and "/member" not in owner_help
    admin_help = joined(await bot.person(ADMIN_ID, language="en").send("/help"))
    assert "/member" in admin_help and "/grant" in admin_help


async def test_command_menus_registered_per_language_and_scope(bot):
    calls = bot.api.calls_to("setMyCommands")
    owner_menus = {
        c.params.get("language_code"): c
        for c in calls
        if c.params["scope"] == {"type": "all_private_chats"}
    }
    assert set(owner_menus) == {None, "zh", "en"}
    names = [c["command"] for c in owner_menus["en"].params["commands"]]
    assert names == [name for name, _ in OWNER_COMMANDS]
    zh = translator("zh_Hans", services(bot).default_store.tz)
    assert owner_menus["zh"].params["commands"][1]["description"] == zh.gettext(
        OWNER_COMMANDS[1][1]
    )
    admin_menus = [c for c in calls if c.params["scope"] == {"type": "chat", "chat_id": ADMIN_ID}]
    assert len(admin_menus) == 3
    admin_names = {c["command"] for c in admin_menus[0].params["commands"]}
    assert {name for name, _ in ADMIN_COMMANDS} <= admin_names


def test_dates_have_one_medium_format_in_every_text():
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    en, zh = translator("en", tz), translator("zh_Hans", tz)
    day = date(2027, 12, 2)
    # One format per kind, in every language.
    assert en.date(day) == "Dec 2, 2027"
    assert zh.date(day) == "2027年12月2日"
    moment = datetime(2026, 12, 2, 2, 30, tzinfo=UTC)
    assert en.datetime(moment) == "Dec 2, 2026, 10:30\u202fAM"
    assert "12/2/26" not in en.datetime(moment) and zh.datetime(moment) == "2026年12月2日 10:30"


def test_the_card_picture_draws_the_front_desk_facts_and_falls_back_to_latin():
    from bot.render.card_image import CardFace, can_draw, render_card

    payload = "https://t.me/club_test_bot?start=m_ABCD2345"
    latin = CardFace(
        "OWNERS CLUB", "Wang Wei", "Tier", "Gold", "Valid until", "Dec 2, 2027", "Card"
    )
    chinese = CardFace("星河汽车", "王伟", "会员等级", "金卡", "有效期至", "2027年12月2日", "卡号")
    bare = render_card("ABCD2345", payload, "#c9a227")
    drawn = render_card("ABCD2345", payload, "#c9a227", latin)
    assert drawn != bare  # the name, tier and date are on the card
    other = render_card(
        "ABCD2345", payload, "#c9a227", CardFace(**{**latin.__dict__, "tier": "VIP"})
    )
    assert other != drawn
    fallback = render_card(
        "ABCD2345", payload, "#c9a227", CardFace(**{**chinese.__dict__, "latin": latin})
    )
    assert can_draw("王伟金卡")  # the packaged CJK font: Chinese is drawn as written
    assert fallback != drawn
    assert Image.open(io.BytesIO(fallback)).size == (860, 540)


def test_without_a_cjk_font_the_card_falls_back_to_its_latin_face(monkeypatch):
    from bot.render import card_image

    latin_font = next((p for p in card_image.LATIN_FONTS if Path(p).is_file()), None)
    if latin_font is None:
        pytest.skip("no Latin system font to stand in for a machine without CJK fonts")
    caches = (card_image.font_path, card_image._font, card_image._missing_glyph)
    monkeypatch.setenv("CARD_FONT", latin_font)
    for cached in caches:
        cached.cache_clear()
    try:
        payload = "https://t.me/club_test_bot?start=m_ABCD2345"
        latin = card_image.CardFace(
            "OWNERS CLUB", "Wang Wei", "Tier", "Gold", "Valid until", "Dec 2, 2027", "Card"
        )
        chinese = card_image.CardFace(
            "星河汽车", "王伟", "会员等级", "金卡", "有效期至", "2027年12月2日", "卡号", latin
        )
        assert not card_image.can_draw("王伟金卡")
        drawn = card_image.render_card("ABCD2345", payload, "#c9a227", latin)
        assert card_image.render_card("ABCD2345", payload, "#c9a227", chinese) == drawn
    finally:
        monkeypatch.delenv("CARD_FONT")
        for cached in caches:
            cached.cache_clear()


async def test_a_changed_card_is_drawn_again(bot):
    from tests.factories import give_points

    owner = bot.person(5010, language="en")
    await join_club(owner)
    await give_points(bot, await member_of(bot, 5010), 6000)
    await bot.person(ADMIN_ID, language="en").send("/settier 粤B12345 gold upgrade")
    card = (await owner.send("/card"))[-1]
    assert isinstance(card.photo, bytes) and card.photo.startswith(b"\x89PNG")  # a new picture
    assert "Tier: Gold" in card.text


async def test_a_file_id_telegram_no_longer_takes_is_drawn_again(bot):
    owner = bot.person(5011, language="en")
    await join_club(owner)
    bot.api.fail(
        "sendPhoto", chat_id=5011, status=400, description="Bad Request: wrong file identifier"
    )
    calls = await owner.send("/card")
    refused = [call for _, call in bot.api.refused if call.method == "sendPhoto"]
    assert [c.params["photo"] for c in refused] == ["photo1"]  # the file id was tried first…
    card = [c for c in calls if c.method == "sendPhoto"]
    assert len(card) == 1 and isinstance(card[0].photo, bytes)  # …then the card drawn again
    assert "Tier: Silver" in card[0].text
