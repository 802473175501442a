"""/book and the "Book now" button: the book dialog in chat (car, service, a calendar
day, a time with places left, a summary to confirm), then a confirmation with an .ics
file and a post to the staff group.

`book:go:<car id>:<service code>` (on maintenance reminders and staff invitations)
opens the dialog with that car and service, once the car is known to be the presser's:
a day, a time and Confirm are three taps.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.bookings import form as book_form
from bot.club.bookings import mine
from bot.club.bookings.form_steps import start_of
from bot.club.bookings.rules import Channel, Refusal
from bot.club.forms.engine import Form, Outcome
from bot.club.members.lookup import cars_of
from bot.club.staff.roles import Permission
from bot.i18n import N_
from handlers import forms
from handlers.bookings import calendar, confirm, texts
from handlers.bookings.texts import FEATURE
from handlers.callbacks import pattern
from handlers.card import current_member
from handlers.common import Turn, turn_handler

PROMPTS = {
    "car": N_("Which car is it for?"),
    "service": N_("Which service do you need?"),
}
ERRORS = dict(texts.REFUSALS)
CANCEL_ON = frozenset({"car", "service", "day", "time", "confirm"})


async def day_screen(turn: Turn, outcome: Outcome) -> str:
    t, policy = turn.t, turn.store.policy
    first, last = calendar.window(turn)
    service = texts.service_name(t, policy, str(outcome.data.get("service")))
    lines = [
        turn._("Pick a day for {service}:", service=service),
        turn._("Days with room show their date; · means fully booked."),
        texts.window_text(t, policy),
        turn._(
            "Open for booking: {first} – {last}. You can also type a date like 2026-12-05.",
            first=t.date(first),
            last=t.date(last),
        ),
    ]
    if not outcome.choices:
        lines.append(turn._("Sorry, there is no free time in the coming days; please call us."))
    return "\n".join(lines)


async def time_screen(turn: Turn, outcome: Outcome) -> str:
    t, data = turn.t, outcome.data
    service = texts.service_name(t, turn.store.policy, str(data.get("service")))
    if data.get("offer"):
        head = turn._("The nearest free times for {service}:", service=service)
    else:
        day = datetime.fromisoformat(data["day"]).date()
        head = turn._(
            "Free times on {weekday} {day} for {service} (places left in brackets):",
            weekday=t.weekday(day),
            day=t.date(day),
            service=service,
        )
    lines = [head, texts.zone(t)]
    if not outcome.choices:
        lines.append(turn._("No free time is left that day; send /book to pick another."))
    else:
        lines.append(turn._("You can also type a time like 10:30."))
    return "\n".join(lines)


async def summary(turn: Turn, outcome: Outcome) -> str:
    """The booking to confirm: car, service, when (store time, its zone named), how
    long, notes and mileage; typed text here is a note (a number: the mileage now)."""
    t, data = turn.t, outcome.data
    start = start_of(data)
    assert start is not None
    plate = await mine.plate_of(turn.session, data.get("car"))
    head = [turn._("Please check your booking:")]
    if data.get("moving"):
        head = [turn._("Move your booking to:")]
    if outcome.form.name == book_form.STAFF_FORM_NAME:
        head.insert(0, await confirm.member_line(turn, int(data["member"])))
    lines = texts.details(
        t,
        turn.store.policy,
        service=str(data["service"]),
        start=start,
        plate=plate,
        notes=data.get("notes"),
        mileage=data.get("mileage"),
    )
    tail = [
        texts.zone(t),
        turn._("Type a note for the advisor, or the mileage now (e.g. 23500 km), or confirm."),
    ]
    return "\n".join([*head, *lines, *tail])


def label(turn: Turn, step: str, value: str) -> str:
    if step == "service":
        return texts.service_name(turn.t, turn.store.policy, value)
    return turn._("Confirm") if step == "confirm" else value


def form_ui(
    form: Form,
    done: Callable[[Turn, Outcome], Awaitable[None]],
    permission: Permission | None = None,
) -> forms.FormUI:
    """The book dialog's look (the owner's and the staff's forms share it)."""
    return forms.FormUI(
        form=form,
        feature=FEATURE,
        prompts=PROMPTS,
        cancelled=N_("Cancelled; nothing was booked."),
        done=done,
        permission=permission,
        errors=ERRORS,
        label=label,
        keyboards={
            "car": calendar.car_rows,
            "day": calendar.day_rows,
            "time": calendar.time_rows,
        },
        columns={"service": 2},
        screens={"day": day_screen, "time": time_screen, "confirm": summary},
        cancel_on=CANCEL_ON,
    )


UI = forms.register(form_ui(book_form.FORM, confirm.owner_done))


async def open_form(turn: Turn, preset: dict[str, object]) -> None:
    """Open the owner's book dialog with `preset` (member included)."""
    ctx = await forms.context(turn, UI)
    outcome = await book_form.begin(ctx, preset)
    await forms.show(turn, UI, outcome)


async def bookable_member(turn: Turn) -> int | None:
    """The member's id if they may book now (else the answer is given)."""
    member = await current_member(turn)
    if member is None:
        return None
    if not turn.store.policy.bookings.enabled:
        turn.reply(texts.refusal_text(turn.t, Refusal.DISABLED))
        return None
    if not await cars_of(turn.session, turn.store.id, member.id):
        turn.reply(turn._("We have no car of yours on file; please tell the service desk."))
        return None
    return member.id


@turn_handler
async def on_book(turn: Turn) -> None:
    member_id = await bookable_member(turn)
    if member_id is not None:
        await open_form(turn, {"member": member_id, "channel": Channel.OWNER.value})


@turn_handler
async def on_go(turn: Turn) -> None:
    """`book:go:<car id>:<service code>`: the dialog with that car and service."""
    cb = turn.callback
    car_id = cb.id(0) if cb is not None else None
    member_id = await bookable_member(turn)
    if member_id is None:
        return
    car = await mine.car(turn.session, turn.store.id, member_id, car_id) if car_id else None
    if car is None:
        turn.callback_notice = texts.refusal_text(turn.t, Refusal.NOT_YOUR_CAR)
        turn.reply(texts.refusal_text(turn.t, Refusal.NOT_YOUR_CAR))
        return
    preset: dict[str, object] = {"member": member_id, "car": car.id}
    preset["channel"] = Channel.INVITE.value
    code = cb.arg(1) if cb is not None else None
    if turn.store.policy.bookings.service(code) is not None:
        preset["service"] = code
    await open_form(turn, preset)


@turn_handler
async def on_full(turn: Turn) -> None:
    """A calendar day without room, or a header or blank cell."""
    cb = turn.callback
    if cb is not None and cb.action == "full":
        turn.callback_notice = texts.refusal_text(turn.t, texts.DAY_FULL)
    else:
        turn.callback_notice = turn._("Please pick a day that shows its date.")


def build_handlers() -> list[BaseHandler]:
    return [
        forms.button_handler(FEATURE),
        CallbackQueryHandler(on_go, pattern=pattern(FEATURE, "go")),
        CallbackQueryHandler(on_full, pattern=pattern(FEATURE, "full", "nop")),
        CommandHandler("book", on_book, filters=filters.ChatType.PRIVATE),
    ]
