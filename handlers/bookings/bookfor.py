"""/bookfor <phone | plate | card code>: a staff member books for an owner who phoned.

The same dialog as the owner's /book (a form of its own name, for staff with
VIEW_BOOKINGS, checked on every answer), preset with the member and the staff
channel. Done: the confirmation to staff, the owner told through the outbox with the
details, and the staff group's post.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.club.bookings import form as book_form
from bot.club.bookings import mine
from bot.club.bookings.book import Booked, Moved
from bot.club.bookings.rules import BookingRefused, Channel, Refusal
from bot.club.forms.engine import Outcome
from bot.club.members.lookup import cars_of, member_by_id, open_member_for_staff
from bot.club.staff.roles import Permission
from bot.messaging.notify import notify_member
from handlers import forms, staff
from handlers.bookings import confirm, texts
from handlers.bookings.book import form_ui
from handlers.common import Turn, staff_only, turn_handler


async def staff_done(turn: Turn, outcome: Outcome) -> None:
    result = outcome.result
    if isinstance(result, BookingRefused):
        turn.reply(texts.refusal_text(turn.t, result.code))
        return
    assert isinstance(result, Booked | Moved)
    booking, store = result.booking, turn.store
    member = await member_by_id(turn.session, store.id, booking.member_id)
    plate = await mine.plate_of(turn.session, booking.car_id)
    lead = turn._("Booked for {name}.", name=member.name if member else "—")
    turn.reply(confirm.confirmation(turn.t, store.policy, booking, plate, lead))
    if isinstance(result, Booked) and result.again:
        return
    told = False
    if member is not None:
        told = await notify_member(
            turn.session,
            turn.services,
            member,
            lambda t: (
                confirm.confirmation(
                    t,
                    store.policy,
                    booking,
                    plate,
                    t.gettext("The store has booked a service for you:"),
                )
                + "\n"
                + t.gettext("See /bookings to reschedule or cancel.")
            ),
            key=f"booking:{booking.id}:booked",
        )
    if not told:
        turn.reply(turn._("The owner cannot be reached in chat; please tell them by phone."))
    await confirm.post_to_staff(turn, booking, result)


UI = forms.register(form_ui(book_form.STAFF_FORM, staff_done, permission=Permission.VIEW_BOOKINGS))


@turn_handler
@staff_only(Permission.VIEW_BOOKINGS)
async def on_bookfor(turn: Turn) -> None:
    if not turn.args:
        turn.reply(turn._("Usage: /bookfor <phone | plate | card number>"))
        return
    if not turn.store.policy.bookings.enabled:
        turn.reply(texts.refusal_text(turn.t, Refusal.DISABLED))
        return
    query = " ".join(turn.args)
    store = turn.store
    member = await open_member_for_staff(turn.session, store.id, turn.user_id, query)
    if member is None:
        staff.member_not_found(turn, query)
        return
    if not await cars_of(turn.session, store.id, member.id):
        turn.reply(turn._("This member has no car on file."))
        return
    ctx = await forms.context(turn, UI)
    preset = {"member": member.id, "channel": Channel.STAFF.value}
    outcome = await book_form.begin(ctx, preset, staff=True)
    await forms.show(turn, UI, outcome)


def build_handlers() -> list[BaseHandler]:
    return [CommandHandler("bookfor", on_bookfor, filters=filters.ChatType.PRIVATE)]
