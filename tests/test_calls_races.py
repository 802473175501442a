"""Races on call tasks (SQLite and PostgreSQL): many sweeps make each task once; many
colleagues pressing Take give it to one; a caller's Done, No answer and Not needed
pressed together change the task once; a burst of No answer counts one try."""

from __future__ import annotations

import asyncio
import random

from bot.club.calls import marks
from bot.club.calls.marks import CallRefused, Refusal
from tests.calls_support import SALES, delivered_owner, make, task_of, tasks
from tests.flows import services


async def attempt(bot, action, *args):
    """One use-case in its own unit of work: the task it returned, or the refusal's code."""
    svc = services(bot)
    async with svc.sessionmaker() as session:
        try:
            done = await action(session, *args)
        except CallRefused as refused:
            await session.rollback()
            return refused.code
        await session.commit()
    return done


async def test_sweeps_racing_make_each_task_once(make_bot):
    first, second = await make_bot(), await make_bot()
    for n in range(5):
        await delivered_owner(first, None, phone=f"+861390000000{n}", plate=f"粤B1000{n}")
    made = await asyncio.gather(*[make(b) for b in (first, second) * 10])
    assert sum(made) == 10
    assert len(await tasks(first)) == 10


async def test_forty_colleagues_press_take_one_gets_it(bot):
    await delivered_owner(bot, None, advisor=None)
    await make(bot)
    task = await task_of(bot, "delivery_1")
    store, now = services(bot).default_store, services(bot).now()
    users = list(range(8000, 8040))
    results = await asyncio.gather(
        *[attempt(bot, marks.take, store.id, task.id, user, now) for user in users]
    )
    winners = [r for r in results if not isinstance(r, str)]
    assert len(winners) == 1
    assert sorted(set(r for r in results if isinstance(r, str))) == [Refusal.TAKEN]
    assert (await task_of(bot, "delivery_1")).assignee_user_id == winners[0].assignee_user_id


async def test_done_no_answer_and_not_needed_together_change_the_task_once(bot):
    await delivered_owner(bot, None)
    await make(bot)
    task = await task_of(bot, "delivery_1")
    store, now = services(bot).default_store, services(bot).now()

    async def press(kind: str):
        if kind == "done":
            return kind, await attempt(bot, marks.mark_done, store.id, task.id, SALES, "ok", now)
        if kind == "not_needed":
            return kind, await attempt(bot, marks.not_needed, store.id, task.id, SALES, now)
        return kind, await attempt(bot, marks.no_answer, store, task.id, SALES, 0, now)

    kinds = ["done", "not_needed", "try"] * 20
    random.shuffle(kinds)
    results = await asyncio.gather(*[press(k) for k in kinds])
    won = [kind for kind, r in results if not isinstance(r, str)]
    closed = [k for k in won if k != "try"]
    final = await task_of(bot, "delivery_1")
    assert len(closed) == 1 and final.status == closed[0] and final.done_by == SALES
    assert won.count("try") <= 1  # a try counts once, and only before the task closed
    assert final.tries == won.count("try") == len(final.attempts)
    refusals = {r for _, r in results if isinstance(r, str)}
    assert refusals <= {Refusal.CLOSED, Refusal.TRIED}


async def test_a_burst_of_no_answer_counts_one_try(bot):
    await delivered_owner(bot, None)
    await make(bot)
    task = await task_of(bot, "delivery_1")
    store, now = services(bot).default_store, services(bot).now()
    results = await asyncio.gather(
        *[attempt(bot, marks.no_answer, store, task.id, SALES, 0, now) for _ in range(50)]
    )
    assert sum(not isinstance(r, str) for r in results) == 1
    final = await task_of(bot, "delivery_1")
    assert (final.tries, len(final.attempts), final.status) == (1, 1, "open")
