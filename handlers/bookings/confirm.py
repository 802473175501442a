"""What follows a booking made or moved: the confirmation with its details and an .ics
file, and the post to the staff group (new, changed from … to …, cancelled)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.club.bookings import mine
from bot.club.bookings.book import Booked, Moved
from bot.club.bookings.rules import BookingRefused
from bot.club.common.ics import calendar_file
from bot.club.members.lookup import member_by_id
from bot.club.policy.model import ClubPolicy
from bot.club.stores.context import StoreContext
from bot.i18n import Translator
from bot.messaging.notify import staff_notice
from handlers.bookings import texts
from handlers.common import Turn

if TYPE_CHECKING:
    from bot.club.forms.engine import Outcome
    from db.models import Booking


async def member_line(turn: Turn, member_id: int) -> str:
    member = await member_by_id(turn.session, turn.store.id, member_id)
    name = member.name if member is not None else "—"
    phone = member.phone if member is not None else "—"
    return turn._("Owner: {name} ({phone})", name=name, phone=phone)


def ics_file(t: Translator, store: StoreContext, booking: Booking) -> tuple[str, bytes]:
    """The booking as an .ics file (its file name and bytes)."""
    policy = store.policy
    summary = f"{texts.service_name(t, policy, booking.service)} · {store.name}"
    content = calendar_file(
        f"booking-{booking.id}@{store.code}.owners-club",
        booking.starts_at,
        booking.ends_at,
        store.tz,
        summary,
        texts.address(t, policy) or store.name,
        sequence=booking.version - 1,
    )
    return f"booking-{booking.id}.ics", content


def confirmation(
    t: Translator, policy: ClubPolicy, booking: Booking, plate: str | None, lead: str
) -> str:
    lines = [lead, *texts.booking_lines(t, policy, booking, plate), texts.zone(t)]
    where = texts.address(t, policy)
    if where:
        lines.append(t.gettext("Address: {address}", address=where))
    return "\n".join(lines)


async def post_to_staff(turn: Turn, booking: Booking, result: Booked | Moved | None = None) -> None:
    """Tell the staff group of a new or moved booking (`result`), or, with no result,
    that `booking` is cancelled."""
    store = turn.store
    member = await member_by_id(turn.session, store.id, booking.member_id)
    plate = await mine.plate_of(turn.session, booking.car_id) or "—"
    who = member.name if member is not None else "—"
    cancelled = result is None

    def render(t: Translator) -> str:
        service = texts.service_name(t, store.policy, booking.service)
        args = {"member": who, "plate": plate, "service": service}
        if cancelled:
            return t.gettext(
                "Booking cancelled: {member}, {plate}, {service}, {when}",
                when=texts.when(t, booking.starts_at),
                **args,
            )
        if isinstance(result, Moved):
            return t.gettext(
                "Booking changed: {member}, {plate}, {service}: from {old} to {new}",
                old=texts.when(t, result.old_start),
                new=texts.when(t, booking.starts_at),
                **args,
            )
        return t.gettext(
            "New booking: {member}, {plate}, {service}, {when}",
            when=texts.when(t, booking.starts_at),
            **args,
        )

    await staff_notice(turn.session, turn.services, render, store)


async def owner_done(turn: Turn, outcome: Outcome) -> None:
    """The owner's booking made or moved: the details, the .ics file, the staff post; or
    why not."""
    result = outcome.result
    if isinstance(result, BookingRefused):
        turn.reply(texts.refusal_text(turn.t, result.code))
        return
    assert isinstance(result, Booked | Moved)
    booking = result.booking
    plate = await mine.plate_of(turn.session, booking.car_id)
    if isinstance(result, Moved):
        lead = turn._(
            "Done! Your booking is moved (it was {old}).", old=texts.when(turn.t, result.old_start)
        )
    else:
        lead = turn._("Done! You are booked.")
    turn.reply(confirmation(turn.t, turn.store.policy, booking, plate, lead))
    name, content = ics_file(turn.t, turn.store, booking)
    turn.reply_document(name, content, turn._("Add it to your calendar."))
    if not (isinstance(result, Booked) and result.again):
        await post_to_staff(turn, booking, result)
