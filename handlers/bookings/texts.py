"""How bookings read in chat, for owners and staff alike: service names, why a booking
cannot be made, when it is, and a booking's details. Pure functions of a translator
and plain values; every booking module says these things through here."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.club.bookings.form_steps import DAY_FULL, NOT_A_DAY, NOT_A_TIME
from bot.club.bookings.rules import Refusal
from bot.club.policy.model import ClubPolicy
from bot.i18n import N_, Translator

if TYPE_CHECKING:
    from db.models import Booking

FEATURE = "book"  # the book dialog's buttons, "Book now" (book:go) and full days
MINE_FEATURE = "bkme"  # /bookings: reschedule and cancel

REFUSALS: dict[str, str] = {
    Refusal.DISABLED: N_("Booking in chat is not open at this store; please call us to book."),
    Refusal.UNKNOWN_SERVICE: N_("That service cannot be booked."),
    Refusal.NOT_YOUR_CAR: N_("That car is not one of yours on file."),
    Refusal.PAST: N_("That time has already passed."),
    Refusal.TOO_SOON: N_("That is sooner than bookings are taken; please pick a later time."),
    Refusal.TOO_FAR: N_("That is further ahead than bookings are open."),
    Refusal.CLOSED: N_("We are closed then."),
    Refusal.NOT_A_SLOT: N_("That is not one of the start times; please pick one below."),
    Refusal.FULL: N_("Sorry, that time is fully booked. The nearest free times are below."),
    Refusal.ALREADY: N_("This car is already booked for that service; see /bookings."),
    Refusal.NOT_FOUND: N_("That booking was not found among yours."),
    Refusal.NOT_ACTIVE: N_("That booking is cancelled or its time has passed."),
    DAY_FULL: N_("That day is fully booked; please pick another day."),
    NOT_A_DAY: N_("Please pick a day below, or type a date like 2026-12-05."),
    NOT_A_TIME: N_("Please pick a time below, or type one like 10:30."),
}


def refusal_text(t: Translator, code: str) -> str:
    """Why a booking (or a move) cannot be made."""
    return t.gettext(REFUSALS.get(code, REFUSALS[Refusal.NOT_FOUND]))


def window_text(t: Translator, policy: ClubPolicy) -> str:
    """How early and how far ahead one may book."""
    bookings = policy.bookings
    return t.gettext(
        "Bookings are taken at least {hours} hours ahead, up to {days} days ahead.",
        hours=t.number(bookings.lead_hours),
        days=t.number(bookings.days_ahead),
    )


def service_name(t: Translator, policy: ClubPolicy, code: str) -> str:
    return policy.bookings.service_name(code, t.locale)


def when(t: Translator, booking_start: datetime) -> str:
    """The weekday, date and time of a start, in the store's time zone."""
    return f"{t.weekday(booking_start.astimezone(t.tz).date())} {t.datetime(booking_start)}"


def zone(t: Translator) -> str:
    """The store's time zone named once ("Times are store time: Asia/Shanghai")."""
    return t.gettext("Times are store time ({zone}).", zone=t.tz.key)


def duration(t: Translator, minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return t.gettext("{hours} h {minutes} min", hours=hours, minutes=rest)
    if hours:
        return t.ngettext("{n} hour", "{n} hours", hours)
    return t.gettext("{minutes} min", minutes=rest)


def details(
    t: Translator,
    policy: ClubPolicy,
    *,
    service: str,
    start: datetime,
    plate: str | None,
    notes: str | None = None,
    mileage: int | None = None,
) -> list[str]:
    """A booking's lines: car, service, when, how long, notes and mileage if any."""
    found = policy.bookings.service(service)
    lines = []
    if plate:
        lines.append(t.gettext("Car: {plate}", plate=plate))
    lines.append(t.gettext("Service: {service}", service=service_name(t, policy, service)))
    lines.append(t.gettext("When: {when}", when=when(t, start)))
    if found is not None:
        lines.append(t.gettext("Takes about {time}", time=duration(t, found.minutes)))
    if mileage is not None:
        lines.append(t.gettext("Mileage now: {km} km", km=t.number(mileage)))
    if notes:
        lines.append(t.gettext("Notes: {notes}", notes=notes))
    return lines


def booking_lines(
    t: Translator, policy: ClubPolicy, booking: Booking, plate: str | None
) -> list[str]:
    return details(
        t,
        policy,
        service=booking.service,
        start=booking.starts_at,
        plate=plate,
        notes=booking.notes,
        mileage=booking.mileage,
    )


def address(t: Translator, policy: ClubPolicy) -> str:
    """The store's address in `t`'s language (else English, else any), or ""."""
    return policy.bookings.address_in(t.locale)
