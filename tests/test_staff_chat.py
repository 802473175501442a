"""Staff in chat: menus and /help by role and language, /revoke of a configured admin,
/member for non-staff, groups, and what owners and the staff chat hear of corrections."""

from __future__ import annotations

from typing import Any

from bot.club.staff.roles import Role, commands_for
from tests.conftest import ADMIN_ID
from tests.flows import join_club, member_of, services
from tests.harness import Bot, joined

MANAGER_TOOLS = {"reverse", "adjust", "settier", "ledgercheck", "templates", "staff"}
STAFF_CHAT = -100777


def chat_menus(bot: Bot, user_id: int) -> dict[str | None, list[dict[str, Any]]]:
    """The newest menu registered for the person's chat, per language code."""
    menus: dict[str | None, list[dict[str, Any]]] = {}
    for call in bot.api.calls:
        if call.params.get("scope") != {"type": "chat", "chat_id": user_id}:
            continue
        if call.method == "setMyCommands":
            menus[call.params.get("language_code")] = call.params["commands"]
        elif call.method == "deleteMyCommands":
            menus.pop(call.params.get("language_code"), None)
    return menus


def names(commands: list[dict[str, Any]]) -> set[str]:
    return {c["command"] for c in commands}


def helped(text: str) -> set[str]:
    return {line.split()[0][1:] for line in text.splitlines() if line.startswith("/")}


async def test_menus_and_help_show_exactly_what_each_role_may_run(bot):
    admin = bot.person(ADMIN_ID, language="en")
    await admin.send("/grant 8101 manager")
    await admin.send("/grant 8102 service_advisor")
    manager_menu = chat_menus(bot, 8101)
    assert set(manager_menu) == {None, "zh", "en"}
    assert names(manager_menu["en"]) >= MANAGER_TOOLS
    assert not {"grant", "revoke"} & names(manager_menu["en"])
    advisor_menu = names(chat_menus(bot, 8102)["en"])
    assert {"member", "visit", "renewfee", "followups"} <= advisor_menu
    assert not {"import", "broadcast", "reverse"} & advisor_menu
    manager_help = helped(joined(await bot.person(8101, language="en").send("/help")))
    assert manager_help == names(manager_menu["en"])
    advisor_help = helped(joined(await bot.person(8102, language="en").send("/help")))
    assert advisor_help == advisor_menu
    # What the menu leaves out is exactly what the advisor is refused.
    for command in ("/import", "/broadcast", "/reverse RO1 x", "/templates", "/staff"):
        assert "for store staff" in joined(await bot.person(8102, language="en").send(command))
    # Revoking the role takes the staff commands off the person's menu.
    await admin.send("/revoke 8102 service_advisor")
    assert chat_menus(bot, 8102) == {}
    assert len(bot.api.calls_to("deleteMyCommands")) >= 3


def test_the_permission_table_gives_each_role_its_commands():
    advisor = commands_for({Role.SERVICE_ADVISOR})
    assert "visit" in advisor and "import" not in advisor and "broadcast" not in advisor
    assert set(commands_for({Role.MANAGER})) >= MANAGER_TOOLS
    assert "grant" in commands_for({Role.ADMIN}) and "grant" not in commands_for({Role.MANAGER})
    assert "member" not in commands_for(set()) and "card" in commands_for(set())
    # The policy decides who broadcasts: a sales consultant may when it says so.
    assert "broadcast" in commands_for({Role.SALES}, {"broadcast": ("sales",)})


async def test_menus_follow_the_language_chosen_not_the_phones(bot):
    zh = services(bot).translator("zh_Hans")
    admin = bot.person(ADMIN_ID, language="en")
    await admin.send("/grant 8103 manager")
    manager = bot.person(8103, language="en")  # the phone says English
    await manager.send("/language")
    calls = await manager.press("简体中文")
    answered = [c for c in calls if c.method == "editMessageText"]  # the prompt, answered
    assert len(answered) == 1 and answered[0].buttons == []
    menus = chat_menus(bot, 8103)
    described = {c["command"]: c["description"] for c in menus["en"]}
    assert described["reverse"] == zh.gettext("Manager: reverse a visit's points")
    assert all(
        {c["description"] for c in menu} == set(described.values()) for menu in menus.values()
    )
    # An owner who picks a language gets a menu of their own in it too.
    owner = bot.person(8104, language="en")
    await join_club(owner)
    await owner.send("/language")
    await owner.press("简体中文")
    owner_menu = chat_menus(bot, 8104)["en"]
    assert "member" not in names(owner_menu)
    card = {"command": "card", "description": zh.gettext("Your member card, tier and points")}
    assert card in owner_menu


async def test_revoking_a_configured_admin_says_they_stay_admin(bot):
    admin = bot.person(ADMIN_ID, language="en")
    text = joined(await admin.send(f"/revoke {ADMIN_ID} admin"))
    assert "through the bot's configuration (ADMIN_IDS)" in text
    assert "does not have the role" not in text
    assert "/grant" in joined(await admin.send("/help"))  # still an admin


async def test_the_manager_is_the_customer_service_manager_in_chinese(bot):
    admin = bot.person(ADMIN_ID, language="zh-hans")
    assert "客服经理" in joined(await admin.send("/grant 8105 manager"))


async def test_bare_member_from_an_owner_is_refused_not_explained(bot):
    text = joined(await bot.person(8106, language="en").send("/member"))
    assert "for store staff" in text and "Usage" not in text


def group_update(user_id: int, text: str, chat_id: int = STAFF_CHAT) -> dict[str, Any]:
    return {
        "message": {
            "message_id": 77,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "supergroup", "title": "Service desk"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Li", "language_code": "en"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        }
    }


async def test_in_a_group_the_bot_points_to_the_private_chat_and_gives_the_group_id(bot):
    for command in ("/start", "/card", "/help", "/visit@club_test_bot"):
        calls = await bot.feed(group_update(8107, command))
        sent = [c for c in calls if c.method == "sendMessage"]
        assert len(sent) == 1 and sent[0].chat_id == STAFF_CHAT
        assert "private chat" in sent[0].text and "https://t.me/club_test_bot" in sent[0].text
    calls = await bot.feed(group_update(8107, "/myid"))
    assert f"STAFF_CHAT_ID={STAFF_CHAT}" in joined(calls)
    # Plain talk in the group is left alone.
    plain = group_update(8107, "hello all")
    del plain["message"]["entities"]
    assert [c for c in await bot.feed(plain) if c.method == "sendMessage"] == []


async def test_a_reversal_is_told_to_the_owner_and_a_set_tier_to_the_staff_chat(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    owner = bot.person(8108, language="en")
    await join_club(owner)
    admin = bot.person(ADMIN_ID, language="en")
    await admin.send("/visit 粤B12345 maintenance 800 RO9")
    await admin.press("Confirm")
    await admin.send("/reverse RO9 wrong car")
    told = owner.last.text
    assert "RO9" in told and "taken back" in told and "redeemable 0" in told
    assert (await member_of(bot, 8108)).redeemable_points == 0
    await admin.send("/settier 粤B12345 gold loyal customer")
    posts = [c.text for c in bot.api.calls_to("sendMessage") if c.chat_id == STAFF_CHAT]
    member = await member_of(bot, 8108)
    zh = services(bot).translator("zh_Hans")  # the staff chat reads the store's language
    gold = services(bot).policy.tier("gold").name("zh_Hans")
    expected = zh.gettext(
        "{name} ({card}) was set to {tier} by staff {staff}.",
        name="Wang Wei",
        card=member.card_code,
        tier=gold,
        staff=ADMIN_ID,
    )
    assert expected in posts


async def test_every_command_the_bot_answers_is_in_the_permission_table(bot):
    from telegram.ext import CommandHandler, filters

    from bot.club.staff.roles import COMMANDS

    answered = {
        name
        for handlers in bot.app.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler) and handler.filters is not filters.ChatType.GROUPS
        for name in handler.commands
    }
    assert answered == set(COMMANDS)


async def test_the_failure_reply_speaks_the_language_chosen(bot, monkeypatch):
    from bot.club.points import corrections

    async def broken(*args: object) -> None:
        raise RuntimeError("boom")

    admin = bot.person(ADMIN_ID, language="zh-hans")  # the phone says Chinese
    await admin.send("/language")
    await admin.press("English")
    monkeypatch.setattr(corrections, "check_ledger", broken)
    text = joined(await admin.send("/ledgercheck"))
    assert "Sorry, something went wrong on our side and nothing was changed" in text
    assert [type(e) for e in bot.errors] == [RuntimeError]
    bot.errors.clear()
