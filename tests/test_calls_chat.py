"""A salesperson's calls after a delivery, in chat: the sweep makes them once, /calls
lists what is due now, Done asks for a note, No answer three times makes the call
unreached (another channel), Not needed closes it; stale, forged and non-staff presses
are refused plainly. In English and Chinese."""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date
from sqlalchemy import delete

from db.models import CallTask
from tests.calls_support import (
    SALES,
    delivered_owner,
    make,
    move,
    task_of,
    tasks,
    tick,
    today,
)
from tests.factories import owner, staff
from tests.flows import services
from tests.harness import joined
from tests.test_surveys_tickets_support import notices


def medium(day: date) -> str:
    """A date as the English texts show it ("Dec 1, 2026"), not a fixed day: the tests
    run on any day, at any hour of the store's clock."""
    return format_date(day, "medium", locale="en")


async def test_a_delivery_gets_its_two_calls_once_however_often_the_job_runs(make_bot):
    bot = await make_bot()
    other = await make_bot()  # a second instance on the same database
    member = await delivered_owner(bot, None, days_ago=1)
    assert await tick(bot) == 2
    assert await tick(other) == 0 and await make(bot) == 0
    made = {t.kind: t for t in await tasks(bot)}
    assert set(made) == {"delivery_1", "delivery_3"}
    store = services(bot).default_store
    first, third = made["delivery_1"], made["delivery_3"]
    assert (first.member_id, first.assignee_user_id, first.key) == (
        member.id,
        SALES,
        f"d1:car:{member.cars[0].id}",
    )
    assert store.local(first.opens_at).date() == store.today()
    assert store.local(first.opens_at).hour == 0 and store.local(first.due_at).hour == 23
    assert store.local(third.opens_at).date() == store.today() + timedelta(days=2)


async def test_old_deliveries_are_history(bot):
    await delivered_owner(bot, None, days_ago=30)
    assert await tick(bot) == 0


async def test_calls_lists_the_due_call_and_done_keeps_a_note(bot):
    member = await delivered_owner(bot, None, days_ago=1)
    seller = await staff(bot, SALES, "sales")
    await tick(bot)
    task = await task_of(bot, "delivery_1")
    text = joined(await seller.send("/calls"))
    assert f"#{task.id} Wang Wei · {member.phone}" in text
    assert "粤B12345 · Camry 2.0 2022" in text
    delivered, due = today(bot) - timedelta(days=1), today(bot)
    assert f"Delivery on {medium(delivered)} — day-1 call" in text
    assert f"Call by {medium(due)}" in text
    assert f"#{(await task_of(bot, 'delivery_3')).id}" not in text  # opens in two days
    await seller.press(f"Done #{task.id}")
    assert "what was said?" in seller.last.text
    text = joined(await seller.send("Owner happy with the car, asked about first service."))
    assert f"Call #{task.id} marked done." in text
    assert "No calls of yours are due now." in text
    done = await task_of(bot, "delivery_1")
    assert (done.status, done.done_by) == ("done", SALES)
    assert done.note == "Owner happy with the car, asked about first service."
    # The old list's buttons are stale now: told plainly, nothing changes.
    calls = await seller.press_data(f"cl:nn:{task.id}")
    done_on = f"You marked that call done already, on {medium(today(bot))}"
    assert notices(calls)[0].startswith(done_on)
    assert (await task_of(bot, "delivery_1")).status == "done"


async def test_done_may_skip_the_note(bot):
    await delivered_owner(bot, None)
    seller = await staff(bot, SALES, "sales")
    await tick(bot)
    task = await task_of(bot, "delivery_1")
    await seller.send("/calls")
    await seller.press(f"Done #{task.id}")
    text = joined(await seller.send("x" * 1001))
    assert "Please keep the note under 1,000 characters." in text and "what was said?" in text
    assert "marked done" in joined(await seller.press("No note"))
    assert (await task_of(bot, "delivery_1")).note is None


async def test_three_unanswered_tries_at_different_times_then_another_channel(bot):
    await delivered_owner(bot, None)
    seller = await staff(bot, SALES, "sales")
    await tick(bot)
    task = await task_of(bot, "delivery_1")
    await seller.send("/calls")
    text = joined(await seller.press(f"No answer #{task.id}"))
    assert f"Call #{task.id}: no answer noted. Try again at" in text
    assert "1 more waits for its next try" in text
    first = await task_of(bot, "delivery_1")
    assert first.tries == 1 and len(first.attempts) == 1
    now = services(bot).now()
    assert timedelta(hours=2.9) < first.next_try_at - now <= timedelta(hours=3)
    # The same button again (a double tap): nothing is counted twice.
    calls = await seller.press_data(f"cl:no:{task.id}:0")
    assert notices(calls) == ["That try was recorded already (1 so far)."]
    assert "recorded already" not in joined(calls)  # said once, on the button
    assert (await task_of(bot, "delivery_1")).tries == 1
    await move(bot, task.id, next_try_at=now - timedelta(minutes=1))
    text = joined(await seller.send("/calls"))
    assert "1 unanswered try so far, the last on" in text
    await seller.press(f"No answer #{task.id}")
    second = await task_of(bot, "delivery_1")
    now = services(bot).now()
    assert timedelta(hours=19.9) < second.next_try_at - now <= timedelta(hours=20)
    await move(bot, task.id, next_try_at=now - timedelta(minutes=1))
    await seller.send("/calls")
    text = joined(await seller.press(f"No answer #{task.id}"))
    assert "3 tries failed; reach the owner another way (SMS, WeChat)" in text
    last = await task_of(bot, "delivery_1")
    assert (last.status, last.tries, len(last.attempts), last.next_try_at) == (
        "unreached",
        3,
        3,
        None,
    )
    assert f"#{task.id} " not in joined(await seller.send("/calls"))


async def test_not_needed_in_chinese(bot):
    await delivered_owner(bot, None)
    seller = await staff(bot, SALES, "sales", language="zh-hans")
    await tick(bot)
    task = await task_of(bot, "delivery_1")
    text = joined(await seller.send("/calls"))
    assert "交车" in text and "Wang Wei" in text
    text = joined(await seller.press(f"无需回访 #{task.id}"))
    assert f"回访 #{task.id} 已标记为无需回访" in text
    assert (await task_of(bot, "delivery_1")).status == "not_needed"


async def test_a_colleagues_call_and_forged_buttons_are_refused(bot):
    await delivered_owner(bot, None)
    await staff(bot, SALES, "sales")
    other = await staff(bot, 7009, "sales", first_name="Zhou")
    await tick(bot)
    task = await task_of(bot, "delivery_1")
    for data in (f"cl:nn:{task.id}", f"cl:no:{task.id}:0", f"cl:done:{task.id}"):
        assert notices(await other.press_data(data)) == [
            "That call is staff member 7001's, not yours."
        ]
    assert (await task_of(bot, "delivery_1")).status == "open"
    assert "does not exist" in notices(await other.press_data("cl:nn:999999"))[0]
    calls = await other.press_data("cl:nn:abc")
    assert any(c.params.get("text") == "That button is no longer active." for c in calls)
    calls = await other.press_data("cl:take:99999999999999999999")
    assert any(c.params.get("text") == "That button is no longer active." for c in calls)


async def test_owners_are_refused_calls_and_their_buttons(bot):
    await delivered_owner(bot, None)
    await tick(bot)
    task = await task_of(bot, "delivery_1")
    person = await owner(bot, 7100, phone="+8613900000001", plate="粤B77777")
    for text in (
        joined(await person.send("/calls")),
        joined(await person.press_data(f"cl:nn:{task.id}")),
        joined(await person.send("/dmsname Li Na")),
    ):
        assert "for store staff with the right role" in text
    assert (await task_of(bot, "delivery_1")).status == "open"


async def test_cancelling_the_note_leaves_the_call_open(bot):
    await delivered_owner(bot, None)
    seller = await staff(bot, SALES, "sales")
    await tick(bot)
    task = await task_of(bot, "delivery_1")
    await seller.send("/calls")
    await seller.press(f"Done #{task.id}")
    assert "Cancelled; the call is still open." in joined(await seller.press("Cancel"))
    assert (await task_of(bot, "delivery_1")).status == "open"
    assert f"Done #{task.id}" in (await seller.send("/calls"))[-1].button_labels


async def test_a_call_gone_while_its_note_is_asked_is_answered_plainly(bot):
    await delivered_owner(bot, None, days_ago=1)
    seller = await staff(bot, SALES, "sales")
    await tick(bot)
    task = await task_of(bot, "delivery_1")
    await seller.send("/calls")
    await seller.press(f"Done #{task.id}")
    async with services(bot).sessionmaker() as session:  # removed meanwhile (say, a merge)
        await session.execute(delete(CallTask).where(CallTask.id == task.id))
        await session.commit()
    text = joined(await seller.send("x" * 1001))  # too long: the note is asked again
    assert "That call does not exist (any more)." in text
    assert "went wrong" not in text


async def test_staff_opening_the_chat_are_told_it_now_reaches_them(bot):
    seller = await staff(bot, SALES, "sales")
    text = joined(await seller.send("/start"))
    assert "staff: /help lists your commands, and I can now send you tickets and calls" in text
    zh = await staff(bot, 7077, "service_advisor", language="zh-hans")
    assert "工作人员：/help 列出了您可用的命令" in joined(await zh.send("/start"))
    owner_text = joined(await bot.person(7078, language="en").send("/start"))
    assert "staff" not in owner_text and "Welcome to the" in owner_text
