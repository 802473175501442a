"""/bookings: the owner's upcoming bookings, each with Reschedule and Cancel.

Cancel is one tap: the place is free at once, the message says so, the staff group
hears of it. Reschedule opens the book dialog on a day and a time for the same car and
service; Confirm moves the booking in one transaction and sends a new .ics file. The
buttons carry only the booking id: whose it is and whether it can still change are
checked again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.bookings import book, mine
from bot.club.bookings.rules import BookingRefused, Channel, Refusal
from handlers.bookings import book as book_flow
from handlers.bookings import confirm, texts
from handlers.bookings.texts import MINE_FEATURE
from handlers.callbacks import encode, pattern
from handlers.card import current_member
from handlers.common import Turn, inline, turn_handler

if TYPE_CHECKING:
    from db.models import Member


def buttons(turn: Turn, booking_id: int) -> object:
    return inline(
        [
            [
                (turn._("Reschedule"), encode(MINE_FEATURE, "move", booking_id)),
                (turn._("Cancel booking"), encode(MINE_FEATURE, "cancel", booking_id)),
            ]
        ]
    )


@turn_handler
async def on_bookings(turn: Turn) -> None:
    member = await current_member(turn)
    if member is None:
        return
    store = turn.store
    found = await mine.upcoming(turn.session, store.id, member.id, store.now())
    if not found:
        turn.reply(turn._("You have no upcoming bookings. Send /book to make one."))
        return
    turn.reply(
        turn.t.ngettext("Your upcoming booking ({n}):", "Your upcoming bookings ({n}):", len(found))
        + "\n"
        + texts.zone(turn.t)
    )
    for item in found:
        lines = texts.booking_lines(turn.t, store.policy, item.booking, item.plate)
        turn.reply("\n".join(lines), buttons(turn, item.booking.id))


def _refused(turn: Turn, refused: BookingRefused) -> None:
    text = texts.refusal_text(turn.t, refused.code)
    turn.callback_notice = text
    turn.reply(text)


async def _pressed(turn: Turn) -> tuple[Member, int] | None:
    """The owner and the booking id a `bkme:` button names (None, answered, if either is
    missing: not a member, or forged data)."""
    cb = turn.callback
    booking_id = cb.id(0) if cb is not None else None
    member = await current_member(turn)
    if member is None:
        return None
    if booking_id is None:
        _refused(turn, BookingRefused(Refusal.NOT_FOUND))
        return None
    return member, booking_id


@turn_handler
async def on_cancel(turn: Turn) -> None:
    """`bkme:cancel:<booking id>`: cancel the owner's own booking."""
    pressed = await _pressed(turn)
    if pressed is None:
        return
    member, booking_id = pressed
    store = turn.store
    try:
        booking = await book.cancel(
            turn.session, store, booking_id, now=store.now(), member_id=member.id
        )
    except BookingRefused as refused:
        _refused(turn, refused)
        return
    plate = await mine.plate_of(turn.session, booking.car_id)
    lines = texts.booking_lines(turn.t, store.policy, booking, plate)
    turn.replace("\n".join([turn._("Cancelled; the place is free again."), *lines]))
    await confirm.post_to_staff(turn, booking)


@turn_handler
async def on_move(turn: Turn) -> None:
    """`bkme:move:<booking id>`: pick a new day and time for the owner's booking."""
    pressed = await _pressed(turn)
    if pressed is None:
        return
    member, booking_id = pressed
    store = turn.store
    try:
        booking = await mine.movable(turn.session, store.id, member.id, booking_id, store.now())
    except BookingRefused as refused:
        _refused(turn, refused)
        return
    preset = {
        "member": member.id,
        "car": booking.car_id,
        "service": booking.service,
        "moving": booking.id,
        "channel": Channel.OWNER.value,
    }
    await book_flow.open_form(turn, preset)


def build_handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_cancel, pattern=pattern(MINE_FEATURE, "cancel")),
        CallbackQueryHandler(on_move, pattern=pattern(MINE_FEATURE, "move")),
        CommandHandler("bookings", on_bookings, filters=filters.ChatType.PRIVATE),
    ]
