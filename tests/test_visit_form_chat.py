"""The visit form in chat: partial one-line visits, every rule checked before the
summary, answered prompts losing their buttons, stray messages, resume."""

from __future__ import annotations

from tests.conftest import ADMIN_ID
from tests.flows import join_club, member_of
from tests.harness import joined, texts

DELIVERED = "2024-03-18"  # join_club's delivery date


async def advisor_of(bot):
    await join_club(bot.person(9201, language="en"))
    await bot.person(ADMIN_ID, language="en").send("/grant 9202 service_advisor")
    return bot.person(9202, language="en")


def notices(calls) -> list[str | None]:
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


async def test_one_line_without_order_number_asks_for_it(bot):
    advisor = await advisor_of(bot)
    calls = await advisor.send("/visit 粤B12345 保养 1280")
    assert "Sorry" not in joined(calls)
    assert "repair order number" in advisor.last.text
    await advisor.send("RO-77")
    summary = advisor.last.text
    assert "Record this visit?" in summary and "¥1,280.00 → 1,280 points" in summary
    assert "Order: RO-77" in summary and "Mileage" not in summary
    await advisor.press("Confirm")
    assert (await member_of(bot, 9201)).cumulative_points == 1280


async def test_one_line_with_plate_and_category_asks_the_rest_step_by_step(bot):
    advisor = await advisor_of(bot)
    await advisor.send("/visit 粤B12345 保养")
    assert "Amount paid" in advisor.last.text
    await advisor.send("300")
    assert "repair order number" in advisor.last.text
    await advisor.send("RO-78")
    assert "Record this visit?" in advisor.last.text


async def test_one_line_with_only_the_plate_asks_the_category(bot):
    advisor = await advisor_of(bot)
    await advisor.send("/visit 粤B12345")
    assert "What kind of visit" in advisor.last.text
    assert "Maintenance" in advisor.last.button_labels
    await advisor.press("Maintenance")
    assert "Amount paid" in advisor.last.text


async def test_a_bad_value_in_one_line_keeps_the_good_ones(bot):
    advisor = await advisor_of(bot)
    calls = await advisor.send("/visit 粤B12345 maintenance lots RO5")
    assert "Please send an amount" in joined(calls) and "Usage: /visit" in joined(calls)
    assert "Amount paid" in advisor.last.text
    await advisor.send("500")
    summary = advisor.last.text  # the plate, category and order number were kept
    assert "Record this visit?" in summary and "Order: RO5" in summary


async def test_a_visit_before_delivery_is_refused_at_the_date_step(bot):
    advisor = await advisor_of(bot)
    calls = await advisor.send("/visit 粤B12345 maintenance 800 RO9 20000 2024-01-01")
    assert "before the car was delivered" in joined(calls)
    assert "Record this visit?" not in joined(calls)
    assert "Date of the visit" in advisor.last.text  # asked again; the rest is kept
    await advisor.send("2024-05-01")
    summary = advisor.last.text
    assert "Record this visit?" in summary and "Mileage: 20,000 km" in summary
    await advisor.press("Confirm")
    assert (await member_of(bot, 9201)).cumulative_points == 800


async def test_step_by_step_date_before_delivery_never_reaches_the_summary(bot):
    advisor = await advisor_of(bot)
    await advisor.send("/visit")
    await advisor.send("粤B12345")
    await advisor.press("Maintenance")
    await advisor.send("100")
    await advisor.press("Skip")
    await advisor.send("RO10")
    calls = await advisor.send("2023-12-31")
    assert "before the car was delivered" in joined(calls)
    assert "Date of the visit" in calls[-1].text
    assert (await member_of(bot, 9201)).cumulative_points == 0


async def test_an_order_recorded_meanwhile_is_asked_again_before_confirm(bot):
    advisor = await advisor_of(bot)
    await advisor.send("/visit 粤B12345 maintenance 100 RO11")
    other = bot.person(9203, language="en")
    await bot.person(ADMIN_ID, language="en").send("/grant 9203 service_advisor")
    await other.send("/visit 粤B12345 maintenance 100 RO11")
    await other.press("Confirm")
    calls = await advisor.press("Confirm")
    assert "recorded already" in joined(calls)
    assert "repair order number" in calls[-1].text  # the form is kept, at the order step
    await advisor.send("RO12")
    await advisor.press("Confirm")
    assert (await member_of(bot, 9201)).cumulative_points == 200


async def test_answered_prompts_lose_their_buttons_and_old_ones_get_a_notice(bot):
    advisor = await advisor_of(bot)
    await advisor.send("/visit")
    await advisor.send("粤B12345")
    category_prompt = advisor.last
    old = next(b["callback_data"] for b in category_prompt.buttons if b["text"] == "Repair")
    calls = await advisor.press("Maintenance")
    stripped = [c for c in calls if c.method == "editMessageReplyMarkup"]
    assert stripped and stripped[0].params.get("reply_markup") in (None, "", {})
    calls = await advisor.press_data(old)  # a button of the answered prompt
    assert notices(calls) == ["That button is no longer active."]
    assert texts(calls) == []
    await advisor.send("100")
    await advisor.press("Skip")  # mileage: a typed answer also removes the skip button
    await advisor.send("RO20")
    date_prompt = advisor.last
    calls = await advisor.send("2026-01-05")
    assert any(c.method == "editMessageReplyMarkup" for c in calls)
    assert date_prompt.button_labels == ["Today"]


async def test_a_photo_midway_repeats_the_step_and_cancel_closes(bot):
    advisor = await advisor_of(bot)
    await advisor.send("/visit 粤B12345 maintenance")
    calls = await advisor.send_photo("receipt")
    assert "cannot take that as an answer" in joined(calls)
    assert "Amount paid" in calls[-1].text
    calls = await advisor.send("/visit")  # a second /visit continues the open form
    assert "continue where you left off" in joined(calls)
    assert "Amount paid" in calls[-1].text
    assert "nothing was recorded" in joined(await advisor.send("/cancel"))
    assert "/help" in joined(await advisor.send("100"))


async def test_a_revoked_advisor_cannot_finish_an_open_form(bot):
    advisor = await advisor_of(bot)
    await advisor.send("/visit 粤B12345 maintenance 100 RO30")
    await bot.person(ADMIN_ID, language="en").send("/revoke 9202 service_advisor")
    calls = await advisor.press("Confirm")
    assert "for store staff" in joined(calls)
    assert (await member_of(bot, 9201)).cumulative_points == 0


async def test_preview_gives_plain_values_for_the_summary(bot):
    from datetime import date

    from bot.club.visits.preview import preview
    from bot.club.visits.record import VisitInput
    from tests.flows import services

    await advisor_of(bot)
    svc = services(bot)
    visit = VisitInput("粤B12345", "maintenance", 128_000, date(2026, 5, 6), "RO-1", 35_000)
    async with svc.sessionmaker() as session:
        shown = await preview(session, svc.policy, svc.default_store.id, visit)
    assert (shown.member_name, shown.points, shown.amount_fen) == ("Wang Wei", 1280, 128_000)
    assert (shown.order_no, shown.mileage, shown.visit_date) == ("RO-1", 35_000, date(2026, 5, 6))


async def test_amount_and_order_rules_are_answered_at_their_step(bot):
    advisor = await advisor_of(bot)
    calls = await advisor.send("/visit 粤B12345 maintenance 9999999 RO40")
    assert "too large for one visit" in joined(calls)
    assert "Amount paid" in calls[-1].text
    await advisor.send("100")
    assert "Record this visit?" in advisor.last.text
    await advisor.send("/visit 粤B12345 maintenance 100")
    calls = await advisor.send("R" * 41)
    assert "up to 40 characters" in joined(calls)
    assert "repair order number" in calls[-1].text
