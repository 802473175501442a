"""The book dialog: car, service, day, time, then a summary to confirm (notes and the
mileage now may be typed at the summary). Declared to the form engine, so a double tap
on Confirm is stale, the dialog survives a restart, and /cancel works as for every form.

Preset (by /book, the "Book now" button, /bookfor and a reschedule): `member` always;
`car`, `service`; `moving` (a booking id: confirm moves it); `channel` (owner, staff,
invite). The dialog reads the store's clock from `ctx.store`. A time that is
taken (typed, or filled before Confirm) is asked again with the three nearest free
starts as its choices (kept in the data as `offer`).
"""

from __future__ import annotations

from typing import Any

from bot.club.bookings import book
from bot.club.bookings.book import Booked, Moved
from bot.club.bookings.form_steps import (
    car_choices,
    day_choices,
    moving_of,
    pick_car,
    pick_day,
    pick_service,
    pick_time,
    refuse_unless_free,
    service_choices,
    start_of,
    store_of,
    time_choices,
)
from bot.club.bookings.rules import OFFERED, TIME_REFUSALS, BookingRefused, Channel
from bot.club.common.validation import ValidationError
from bot.club.common.validation.quantities import parse_mileage
from bot.club.forms import engine, steps
from bot.club.forms.engine import Context, Form, Kind, Outcome, Rejected, Reply, Stay, Step
from bot.club.members.lookup import cars_of
from db.models import Booking

FORM_NAME = "book"
STAFF_FORM_NAME = "bookfor"
BOTH = frozenset({Kind.CHOICE, Kind.TEXT})


async def _typed_at_summary(reply: Reply, ctx: Context) -> dict[str, Any]:
    """A note for the advisor, or (a number) the mileage now; the summary again."""
    text = (reply.value or "").strip()
    try:
        mileage = parse_mileage(text) if any(ch.isdigit() for ch in text) else None
    except ValidationError:
        mileage = None
    raise Stay({"mileage": mileage} if mileage is not None else {"notes": text[:500] or None})


async def _check(ctx: Context) -> None:
    """Before the summary: is the time still free? (At Confirm the use-case asks again
    after its lock, so the question is not asked twice.)"""
    start = start_of(ctx.data)
    if start is not None and not ctx.data.get("confirm"):
        await refuse_unless_free(ctx, start, step="time")


async def _complete(ctx: Context) -> Booked | Moved | BookingRefused:
    """Book (or move); a taken time is asked again with the nearest free ones, other
    refusals end the dialog (the result says why)."""
    store, data = store_of(ctx), ctx.data
    start = start_of(data)
    assert start is not None
    channel = Channel(data.get("channel") or Channel.OWNER)
    try:
        if moving_of(ctx) is not None:
            member = None if channel is Channel.STAFF else int(data["member"])
            moved = await book.reschedule(
                ctx.session, store, int(data["moving"]), start, now=ctx.now, member_id=member
            )
            await _note(ctx, moved.booking)
            return moved
        return await book.book(
            ctx.session,
            store,
            member_id=int(data["member"]),
            car_id=int(data["car"]),
            service=str(data["service"]),
            starts_at=start,
            request_key=f"{data[engine.INSTANCE]}:{data['member']}",
            now=ctx.now,
            notes=data.get("notes"),
            mileage=data.get("mileage"),
            channel=channel,
            booked_by=ctx.user_id if channel is Channel.STAFF else None,
        )
    except BookingRefused as refused:
        if refused.code in TIME_REFUSALS:  # the time is asked again, nearest offered
            if refused.code in OFFERED:
                data["offer"] = [s.isoformat() for s in refused.nearest] or None
            raise Rejected(refused.code, step="time") from refused
        return refused


async def _note(ctx: Context, booking: Booking) -> None:
    """Notes and the mileage typed at a move's summary go on the booking too."""
    notes, mileage = ctx.data.get("notes"), ctx.data.get("mileage")
    if notes:
        booking.notes = str(notes)[:500]
    if mileage is not None:
        booking.mileage = int(mileage)
        if booking.car_id is not None:
            await book.note_mileage(ctx.session, booking.car_id, ctx.today, int(mileage))


STEPS = (
    Step("car", pick_car, accepts=BOTH, choices=car_choices),
    Step("service", pick_service, accepts=BOTH, choices=service_choices),
    Step("day", pick_day, accepts=BOTH, choices=day_choices),
    Step("time", pick_time, accepts=BOTH, choices=time_choices),
    steps.confirm_step(typed=_typed_at_summary),
)
FORM = Form(FORM_NAME, STEPS, complete=_complete, check=_check)
STAFF_FORM = Form(STAFF_FORM_NAME, STEPS, complete=_complete, check=_check)


async def begin(ctx: Context, preset: dict[str, Any], *, staff: bool = False) -> Outcome:
    """Open the dialog with `preset`; a member's only car is taken without asking."""
    preset = dict(preset)
    if "car" not in preset:
        found = await cars_of(ctx.session, ctx.store_id, int(preset["member"]))
        if len(found) == 1:
            preset["car"] = found[0].id
    return await engine.begin(STAFF_FORM if staff else FORM, ctx, preset)
