"""Announce opens the broadcast form, so the desk offers it only to a manager who may
also broadcast ([pushes].broadcast_roles); a forged or stale Announce press from one who
may not is answered on the button, in the staff member's language, and opens nothing."""

from __future__ import annotations

from tests.factories import add_event, staff
from tests.test_events_desk import MANAGER, notices, open_event

NO_BROADCAST = "Announcing sends a broadcast, and your role may not send broadcasts in this store."


async def _bot_where_managers_may_not_broadcast(make_bot, tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(
        '[pushes]\nquiet_start = "00:00"\nquiet_end = "00:00"\n'
        'broadcast_roles = ["customer_service", "admin"]\n',
        encoding="utf-8",
    )
    return await make_bot(policy_file=path)


async def test_a_manager_who_may_not_broadcast_sees_no_announce_and_a_press_is_refused(
    make_bot, tmp_path
):
    bot = await _bot_where_managers_may_not_broadcast(make_bot, tmp_path)
    event = await add_event(bot)
    manager = await staff(bot, MANAGER, "manager")
    await open_event(manager, event)
    labels = manager.last.button_labels
    assert "Cancel event" in labels and "Announce" not in labels  # still a manager
    calls = await manager.press_data(f"evd:announce:{event.id}")  # an old card, or forged
    assert notices(calls) == [NO_BROADCAST]
    assert not [c for c in calls if c.method in ("sendMessage", "editMessageText")]
    await manager.send("冬季活动通知")  # no broadcast form was opened
    assert manager.last.text == "I did not understand that. /help lists what I can do."


async def test_the_refusal_is_in_chinese_for_a_chinese_manager(make_bot, tmp_path):
    bot = await _bot_where_managers_may_not_broadcast(make_bot, tmp_path)
    event = await add_event(bot)
    manager = await staff(bot, MANAGER, "manager", language="zh-hans")
    await open_event(manager, event)
    assert "取消活动" in manager.last.button_labels
    calls = await manager.press_data(f"evd:announce:{event.id}")
    (notice,) = notices(calls)
    assert notice and notice != NO_BROADCAST and "群发" in notice


async def test_staff_allowed_both_still_announce(make_bot, tmp_path):
    bot = await _bot_where_managers_may_not_broadcast(make_bot, tmp_path)
    event = await add_event(bot)
    admin = await staff(bot, 9705, "admin")  # manages events and may broadcast
    await open_event(admin, event)
    await admin.press("Announce")
    assert admin.last.text == "Who should receive it?"
