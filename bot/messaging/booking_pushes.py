"""A booking's reminders: outbox rows queued when it is made or moved (the evening
before and some hours before), keyed by the booking's version, so those of a cancelled
or moved booking are never sent, and none is queued twice across restarts. Also what
they say when the sender renders them (with the store as a map pin), the staff's
invitation to book, and the "Book now" button of the maintenance reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings.rules import BOOKABLE_REMINDERS, reminder_times
from bot.club.bookings.rules import Status as BookingStatus
from bot.club.stores.context import StoreContext
from bot.i18n import N_, Translator
from bot.messaging import outbox
from bot.messaging.outbox import Purpose, Status
from db.models import Booking, Car, Member, Push

BOOKING_REMINDERS = (Purpose.BOOKING_EVE, Purpose.BOOKING_SOON)


def reminder_key(booking: Booking) -> str:
    return f"booking:{booking.id}:{booking.version}"


async def queue_reminders(
    session: AsyncSession, store: StoreContext, booking: Booking, now: datetime
) -> int:
    """Queue the reminders of `booking` as it stands now; how many were new."""
    member = await session.scalar(
        select(Member.telegram_user_id).where(
            Member.id == booking.member_id, Member.blocked_at.is_(None)
        )
    )
    if member is None:
        return 0
    pushes = store.policy.pushes
    times = reminder_times(
        store.policy.bookings,
        store.tz,
        (pushes.quiet_start, pushes.quiet_end),
        booking.starts_at,
        now,
    )
    rows = [
        outbox.push_row(
            store_id=store.id,
            member_id=booking.member_id,
            chat_id=member,
            purpose=purpose,
            dedupe_key=reminder_key(booking),
            params={"booking_id": booking.id, "version": booking.version},
            urgent=True,  # the owner's own appointment, timed by the rule: no cap
            not_before=at,
        )
        for purpose, at in times
    ]
    return await outbox.enqueue_many(session, rows)


async def drop_reminders(session: AsyncSession, booking: Booking) -> None:
    """Call off the queued reminders of a cancelled booking (the sender also skips any
    whose booking is no longer as it was)."""
    await session.execute(
        update(Push)
        .where(
            Push.member_id == booking.member_id,
            Push.purpose.in_([str(p) for p in BOOKING_REMINDERS]),
            Push.dedupe_key.like(f"booking:{booking.id}:%"),
            Push.status == Status.QUEUED,
        )
        .values(status=Status.CANCELLED)
        .execution_options(synchronize_session=False)
    )


# --- what they say ----------------------------------------------------------------------

HINT = N_("Reschedule or cancel: /bookings")
BOOK_NOW = N_("Book now")


@dataclass(frozen=True)
class Venue:
    """The store as a map pin, sent right after a reminder's text."""

    latitude: float
    longitude: float
    title: str
    address: str


@dataclass(frozen=True)
class Said:
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (label, callback data)
    venue: Venue | None = None


def venue(store: StoreContext, locale: str) -> Venue | None:
    where = store.policy.bookings.location
    if where is None:
        return None
    address = store.policy.bookings.address_in(locale)
    return Venue(where[0], where[1], store.name, address or store.name)


def book_button(store: StoreContext, car_id: int | None, category: str) -> str | None:
    """`book:go:<car>:<service>` (the owners' booking form, car and service preset), or
    None when the store takes no bookings in chat or has no service for `category`."""
    policy = store.policy.bookings
    service = policy.service_for(category) if policy.enabled else None
    if service is None or car_id is None:
        return None
    return f"book:go:{car_id}:{service.code}"


def car_of(push: Push) -> int | None:
    """The car a car reminder is about: its params' car_id, else its key ("car:<id>…")."""
    raw = push.params.get("car_id")
    if raw is None and push.dedupe_key.startswith("car:"):
        raw = push.dedupe_key.split(":")[1]
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def maintenance_button(store: StoreContext, push: Push) -> str | None:
    """The "Book now" data of a first or regular maintenance reminder, or None."""
    category = BOOKABLE_REMINDERS.get(push.purpose)  # type: ignore[call-overload]
    return book_button(store, car_of(push), category) if category else None


async def render_reminder(
    session: AsyncSession, store: StoreContext, push: Push, t: Translator
) -> Said | None:
    """The evening-before or soon reminder of a booking, or None when the booking is no
    longer booked or has moved since (another version's reminders are its own)."""
    found = (
        await session.execute(
            select(Booking, Car.plate)
            .outerjoin(Car, Car.id == Booking.car_id)
            .where(Booking.id == push.params.get("booking_id"))
            .execution_options(populate_existing=True)  # never a copy read earlier
        )
    ).first()
    if found is None:
        return None
    booking, plate = found
    if booking.status != BookingStatus.BOOKED or booking.version != push.params.get("version"):
        return None
    what = store.policy.bookings.service_name(booking.service, t.locale)
    if push.purpose == Purpose.BOOKING_EVE:
        head = t.gettext(
            "Reminder: tomorrow, {when}, {service} for {plate} at {store}.",
            when=t.datetime(booking.starts_at),
            service=what,
            plate=plate or "",
            store=store.name,
        )
    else:
        hours = max(1, round((booking.starts_at - push.not_before).total_seconds() / 3600))
        head = t.ngettext(
            "Reminder: in about {n} hour, at {time}, {service} for {plate} at {store}.",
            "Reminder: in about {n} hours, at {time}, {service} for {plate} at {store}.",
            hours,
            time=t.clock(booking.starts_at),
            service=what,
            plate=plate or "",
            store=store.name,
        )
    lines = [head]
    if where := store.policy.bookings.address_in(t.locale):
        lines.append(t.gettext("Address: {address}", address=where))
    lines.append(t.gettext(HINT))
    return Said("\n".join(lines), venue=venue(store, t.locale))


def render_invite(
    store: StoreContext, params: dict[str, Any], t: Translator, values: dict[str, str]
) -> Said:
    """Staff's invitation to book a maintenance that is due, with "Book now"; `values`
    are the reminders' placeholders (name, model, plate, due, km, store) filled."""
    if params.get("kind") == "first":
        text = t.gettext(
            "Dear {name}, your {model} ({plate}) is due for its first maintenance (首保) from "
            "{due}. Book a time that suits you at {store} in three taps.",
            **values,
        )
    else:
        text = t.gettext(
            "Dear {name}, your {model} ({plate}) is due for regular maintenance around "
            "{due}{km}. Book a time that suits you at {store} in three taps.",
            **values,
        )
    data = book_button(store, params.get("car_id"), params.get("category", ""))
    return Said(text, ((t.gettext(BOOK_NOW), data),) if data else ())
