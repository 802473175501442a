"""Benchmark: owners' event taps for a store with 20,000 sign-ups over 50 upcoming events,
and a burst of owners racing for the last seats of one event.

    python benchmarks/event_signup.py                        # a fresh SQLite file
    python benchmarks/event_signup.py --database-url postgresql+asyncpg://…  # empty db
    python benchmarks/event_signup.py --events 200 --per-event 1000

Each of the `--events` events has `--per-event` sign-ups: half hold a seat (the event is
full), half wait. Each measure is what one tap costs, from opening a session to the
committed answer:

- list: a page of /events (five events, with the owner's own sign-up and place);
- card: one event's card with the owner's sign-up;
- sign-up: `signup.sign_up` on a full event (joins the waitlist, counts the place);
- cancel: `signup.cancel` of a seat (frees it and offers it to the first in line, in the
  same transaction);
- check-in: `checkin.check_in` of a seat (attendance points through the ledger).

Then `--burst` owners sign up at once for an event with 10 seats: the wall time, and
that exactly 10 hold a seat. Printed: p50, p99 and max latency of each, in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from benchmarks.booking_calendar import figures  # noqa: E402
from bot.app import build_services  # noqa: E402
from bot.club.events import browse, checkin, signup  # noqa: E402
from bot.club.events.rules import EventRefused  # noqa: E402
from bot.config import Settings  # noqa: E402
from db.models import Event, EventSignup, Member  # noqa: E402
from tests.flows import member_rows  # noqa: E402


async def setup(url: str, events: int, per_event: int, extra: int):
    services = await build_services(Settings(bot_token="123456:BENCH", database_url=url))
    store = services.default_store
    now = store.now()
    seats = per_event // 2
    async with services.sessionmaker() as session:
        rows = member_rows(store.id, store.policy.tiers[0].code, 40_000_000, per_event + extra)
        for chunk in range(0, len(rows), 2000):
            await session.execute(insert(Member), rows[chunk : chunk + 2000])
        members = list(await session.scalars(select(Member.id).order_by(Member.id)))
        ids = []
        for i in range(events + 1):
            starts = now + timedelta(days=3 + i % 40, hours=i % 7)
            event = Event(
                store_id=store.id,
                kind="class",
                titles={"zh_Hans": f"车主讲堂 {i}", "en": f"Owner class {i}"},
                descriptions={},
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                signup_until=starts - timedelta(hours=1),
                place="4S店",
                capacity=10 if i == events else seats,
                seats_taken=0 if i == events else seats,
                queued=0 if i == events else per_event,
                companions_max=0,
                points_award=20,
                points_cost=0,
                status="published",
            )
            session.add(event)
            await session.flush()
            ids.append(event.id)
        out = []
        for event_id in ids[:-1]:
            for j, member_id in enumerate(members[:per_event]):
                out.append(
                    {
                        "store_id": store.id,
                        "event_id": event_id,
                        "member_id": member_id,
                        "companions": 0,
                        "status": "going" if j < seats else "waiting",
                        "queued_at": now - timedelta(seconds=per_event - j),
                        "queue_no": j + 1,
                        "code": f"B{event_id:04d}{j:05d}",
                        "turn": 1 if j < seats else 0,
                    }
                )
        for chunk in range(0, len(out), 2000):
            await session.execute(insert(EventSignup), out[chunk : chunk + 2000])
        await session.commit()
        total = await session.scalar(select(func.count()).select_from(EventSignup))
    return services, members, ids, total


async def run(url: str, events: int, per_event: int, runs: int, burst: int) -> None:
    services, members, ids, total = await setup(url, events, per_event, runs + burst)
    store = services.default_store
    rng = random.Random(5)
    measures: dict[str, list[float]] = {k: [] for k in ("list", "card", "sign-up", "cancel")}
    measures["check-in"] = []
    newcomers = iter(members[per_event : per_event + runs])
    seated = {event_id: list(members[: per_event // 2]) for event_id in ids[:-1]}
    async with services.sessionmaker() as session:  # check-in is open at the start
        starts = dict((await session.execute(select(Event.id, Event.starts_at))).all())
    for _ in range(runs):
        member_id = rng.choice(members[:per_event])
        event_id = rng.choice(ids[:-1])
        for name, action in (
            ("list", lambda s, m=member_id: browse.upcoming(s, store.id, m, store.now(), 0, 5)),
            ("card", lambda s, e=event_id, m=member_id: browse.card(s, store.id, e, m)),
        ):
            started = time.perf_counter()
            async with services.sessionmaker() as session:
                await action(session)
                await session.commit()
            measures[name].append(time.perf_counter() - started)
        newcomer = next(newcomers, None)
        if newcomer is not None:
            started = time.perf_counter()
            async with services.sessionmaker() as session:
                await signup.sign_up(session, store, event_id, newcomer, 0, store.now())
                await session.commit()
            measures["sign-up"].append(time.perf_counter() - started)
        leaving = seated[event_id].pop()
        started = time.perf_counter()
        async with services.sessionmaker() as session:
            await signup.cancel(session, store, event_id, leaving, store.now())
            await session.commit()
        measures["cancel"].append(time.perf_counter() - started)
        staying = seated[event_id].pop(0)  # a first check-in every time
        async with services.sessionmaker() as session:
            seat = await signup.signup_of(session, event_id, staying)
        started = time.perf_counter()
        async with services.sessionmaker() as session:
            try:
                await checkin.check_in(session, store, seat.id, 1, starts[event_id])
                await session.commit()
            except EventRefused:
                await session.rollback()
        measures["check-in"].append(time.perf_counter() - started)
    racers = list(members[-burst:])

    async def race(member_id: int) -> None:
        async with services.sessionmaker() as session:
            await signup.sign_up(session, store, ids[-1], member_id, 0, store.now())
            await session.commit()

    started = time.perf_counter()
    await asyncio.gather(*[race(m) for m in racers])
    wall = time.perf_counter() - started
    async with services.sessionmaker() as session:
        going = await session.scalar(
            select(func.count()).where(
                EventSignup.event_id == ids[-1], EventSignup.status == "going"
            )
        )
    print(
        f"database={services.engine.dialect.name} events={len(ids) - 1} sign-ups={total:,}\n"
        + "\n".join(figures(name, values) for name, values in measures.items() if values)
        + f"\n  burst       {burst} owners for 10 seats: {wall * 1000:.0f} ms in all, "
        f"{going} hold a seat"
    )
    await services.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--per-event", type=int, default=400)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument(
        "--database-url", help="default: a fresh SQLite file (PostgreSQL: an empty database)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/events.db"
        asyncio.run(run(url, args.events, args.per_event, args.runs, args.burst))


if __name__ == "__main__":
    main()
