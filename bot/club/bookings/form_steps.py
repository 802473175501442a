"""The book dialog's questions: the car, the service, a day with room, a free time.

Choices are read from the database each time they are shown (free days and starts
change as others book). The time step's choices are the day's free starts as "HHMM",
or, after a refusal, the nearest free ones ("YYYYMMDDHHMM", kept as `offer`); their
places left go to data["places"] and the plates of the car step to data["plates"],
for the buttons' labels.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from bot.club.bookings import availability, book
from bot.club.bookings.answers import local_value, parse_clock, parse_day, read_value
from bot.club.bookings.rules import OFFERED, BookingRefused, Refusal
from bot.club.bookings.slots import earliest, last_day, local_instant
from bot.club.forms import steps
from bot.club.forms.engine import Context, Kind, Rejected, Reply
from bot.club.members.lookup import cars_of
from bot.club.policy.bookings import Service
from bot.club.stores.context import StoreContext

DAY_FULL = "day_full"  # a day of the window with no free start for the service
NOT_A_DAY, NOT_A_TIME = "not_a_day", "not_a_time"


def store_of(ctx: Context) -> StoreContext:
    assert ctx.store is not None, "the book dialog runs for a store"
    return ctx.store


def service_of(ctx: Context) -> Service:
    found = ctx.policy.bookings.service(ctx.data.get("service"))
    if found is None:
        raise Rejected(Refusal.UNKNOWN_SERVICE, step="service")
    return found


def moving_of(ctx: Context) -> int | None:
    moving = ctx.data.get("moving")
    return int(moving) if moving is not None else None


def start_of(data: dict[str, Any]) -> datetime | None:
    return datetime.fromisoformat(data["time"]) if data.get("time") else None


# ---- car ----------------------------------------------------------------------------
async def car_choices(ctx: Context) -> list[str]:
    found = await cars_of(ctx.session, ctx.store_id, int(ctx.data["member"]))
    ctx.data["plates"] = {str(c.id): c.plate for c in found}  # the buttons' labels
    return [str(c.id) for c in found]


async def pick_car(reply: Reply, ctx: Context) -> dict[str, Any]:
    mine = await cars_of(ctx.session, ctx.store_id, int(ctx.data["member"]))
    typed = (reply.value or "").strip().upper().replace(" ", "")
    for car in mine:
        if (reply.kind is Kind.CHOICE and reply.value == str(car.id)) or (
            reply.kind is Kind.TEXT and car.plate.upper() == typed
        ):
            return {"car": car.id}
    raise Rejected(Refusal.NOT_YOUR_CAR)


# ---- service ------------------------------------------------------------------------
def service_choices(ctx: Context) -> list[str]:
    return [s.code for s in ctx.policy.bookings.services]


async def pick_service(reply: Reply, ctx: Context) -> dict[str, Any]:
    typed = (reply.value or "").strip().casefold()
    for service in ctx.policy.bookings.services:
        names = {n.casefold() for n in service.names.values()}
        if reply.value == service.code or (reply.kind is Kind.TEXT and typed in names):
            return {"service": service.code}
    raise Rejected(Refusal.UNKNOWN_SERVICE)


# ---- day ----------------------------------------------------------------------------
def reading(ctx: Context) -> dict[str, Any]:
    """What the plans read: this service's places only, the booking being moved on its
    own (so its place counts as free to itself)."""
    return {"ignore": moving_of(ctx), "service": service_of(ctx).code}


async def open_days(ctx: Context) -> dict[date, int]:
    """Each day one may book now → free starts of the service (0: full or closed)."""
    plans = await availability.window(ctx.session, store_of(ctx), ctx.now, **reading(ctx))
    return availability.open_days(plans, service_of(ctx), ctx.now, ignore=moving_of(ctx))


async def day_choices(ctx: Context) -> list[str]:
    return [day.isoformat() for day, free in (await open_days(ctx)).items() if free]


async def pick_day(reply: Reply, ctx: Context) -> dict[str, Any]:
    if reply.kind is Kind.CHOICE:
        day = parse_day(reply.value or "", ctx.today) if len(reply.value or "") == 10 else None
    else:
        day = parse_day(reply.value or "", ctx.today)
    if day is None:
        raise Rejected(NOT_A_DAY)
    if day < ctx.today:
        raise Rejected(Refusal.PAST)
    if day > last_day(ctx.policy.bookings, ctx.today):
        raise Rejected(Refusal.TOO_FAR)
    plans = await availability.window(ctx.session, store_of(ctx), ctx.now, **reading(ctx))
    if day not in plans:  # today, but the lead time runs past its closing
        raise Rejected(Refusal.TOO_SOON)
    if plans[day].closed:
        raise Rejected(Refusal.CLOSED)
    after = earliest(ctx.policy.bookings, ctx.now)
    if not plans[day].free(service_of(ctx), after, ignore=moving_of(ctx)):
        raise Rejected(DAY_FULL)
    return {"day": day.isoformat(), "offer": None}


# ---- time ---------------------------------------------------------------------------
async def time_choices(ctx: Context) -> list[str]:
    """The day's free starts ("HHMM"), or the nearest offered after a refusal
    ("YYYYMMDDHHMM"); their places left go to data["places"] for the buttons."""
    store, service, data = store_of(ctx), service_of(ctx), ctx.data
    ignore = moving_of(ctx)
    if data.get("offer"):
        starts = [datetime.fromisoformat(s) for s in data["offer"]]
        days = {store.today(s) for s in starts}
        plans = await availability.plans(ctx.session, store, min(days), max(days), **reading(ctx))
        free = [(s, plans[store.today(s)].places(service, s, ignore=ignore)) for s in starts]
        with_day = True
    else:
        day = date.fromisoformat(data["day"])
        plan = (await availability.plans(ctx.session, store, day, day, **reading(ctx)))[day]
        free = plan.free(service, earliest(ctx.policy.bookings, ctx.now), ignore=ignore)
        with_day = False
    values = {}
    for start, left in free:
        local = start.astimezone(store.tz)
        values[local_value(local.date(), local.time(), with_day=with_day)] = left
    data["places"] = values
    return list(values)


async def refuse_unless_free(ctx: Context, start: datetime, step: str | None = None) -> None:
    """Rejected unless `start` is free for the service now; a full time (or, at the
    summary, any refusal of `OFFERED`) keeps the three nearest free starts as `offer`."""
    offer_for = OFFERED if step is not None else (Refusal.FULL,)
    try:
        await book.refuse_unless_free(
            ctx.session,
            store_of(ctx),
            service_of(ctx),
            start,
            ctx.now,
            ignore=moving_of(ctx),
            offer_for=offer_for,
        )
    except BookingRefused as refused:
        if refused.code in offer_for:
            ctx.data["offer"] = [s.isoformat() for s in refused.nearest] or None
        raise Rejected(refused.code, step=step) from refused


async def pick_time(reply: Reply, ctx: Context) -> dict[str, Any]:
    store, data = store_of(ctx), ctx.data
    day = date.fromisoformat(data["day"])
    if reply.kind is Kind.CHOICE:
        found = read_value(reply.value or "", day)
        if found is None:
            raise Rejected(steps.FormError.STALE)
        day, clock = found  # checked below like a typed time: it may have filled since
    else:
        typed: time | None = parse_clock(reply.value or "")
        if typed is None:
            raise Rejected(NOT_A_TIME)
        clock = typed
    start = local_instant(day, clock, store.tz)
    await refuse_unless_free(ctx, start)
    return {"time": start.isoformat(), "day": day.isoformat(), "offer": None, "places": None}
