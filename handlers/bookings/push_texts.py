"""How the proactive booking list (/duebook) and the monthly figures (/bookingstats) read
for staff: pure functions of a translator and plain values."""

from __future__ import annotations

from bot.club.bookings.due import PAGE_SIZE, DueCar, DuePage, Invited, Kind
from bot.club.bookings.figures import Figures
from bot.i18n import N_, Translator

DUE_FEATURE = "bkdue"  # callback prefix of /duebook's buttons

DUE_USAGE = N_(
    "Usage: /duebook [days], e.g. /duebook 30 (days ahead, 1 to {max}; default {default})"
)
STATS_USAGE = N_("Usage: /bookingstats [YYYY-MM], e.g. /bookingstats 2026-11")

INVITED: dict[str, str] = {
    Invited.SENT: N_("Invitation queued for {name} ({plate}); it goes out outside quiet hours."),
    Invited.ALREADY: N_("{name} ({plate}) was already invited for this maintenance."),
    Invited.NOT_DUE: N_(
        "This car is no longer on the list (booked, serviced, or the owner cannot be reached)."
    ),
    Invited.NO_SERVICE: N_("Booking in chat is off for this maintenance: please call the owner."),
    Invited.TURNED_OFF: N_(
        "{name} ({plate}) turned maintenance reminders off, so no invitation was sent: "
        "please call them instead."
    ),
}


def due_line(t: Translator, number: int, car: DueCar) -> str:
    head = f"{number}. {car.name} · {car.phone} · {car.plate} · {car.model}"
    if car.kind == Kind.FIRST:
        what = t.gettext("first maintenance by {due}", due=t.date(car.due))
    elif car.km_due is not None:
        what = t.gettext(
            "regular maintenance {due} or at {km} km", due=t.date(car.due), km=t.number(car.km_due)
        )
    else:
        what = t.gettext("regular maintenance {due}", due=t.date(car.due))
    mark = " · " + t.gettext("invited ✓") if car.invited else ""
    return f"{head}\n    {what}{mark}"


def due_text(t: Translator, page: DuePage) -> str:
    if not page.total:
        return t.gettext(
            "No owner is due for maintenance within {days} days without a booking.",
            days=page.days,
        )
    head = t.ngettext(
        "{n} car due for maintenance within {days} days (or overdue) and not booked:",
        "{n} cars due for maintenance within {days} days (or overdue) and not booked:",
        page.total,
        n=t.number(page.total),
        days=page.days,
    )
    start = page.page * PAGE_SIZE
    lines = [due_line(t, start + i + 1, car) for i, car in enumerate(page.items)]
    foot = t.gettext("Page {page} of {pages}", page=page.page + 1, pages=page.pages)
    return "\n".join([head, *lines, foot])


def invite_label(t: Translator, car: DueCar) -> str:
    return t.gettext("Invite {plate}", plate=car.plate)


def invited_text(t: Translator, outcome: Invited, car: DueCar | None) -> str:
    name, plate = (car.name, car.plate) if car else ("", "")
    return t.gettext(INVITED[outcome], name=name, plate=plate)


def rate(t: Translator, part: int, whole: int) -> str:
    return t.percent(part / whole) if whole else "—"


def month_text(t: Translator, figures: Figures) -> str:
    f = figures
    return "\n".join(
        [
            t.gettext("Bookings in {month}", month=f.month),
            t.gettext(
                "Maintenance visits: {visits}, of them booked: {booked}",
                visits=t.number(f.maintenance_visits),
                booked=t.number(f.booked_visits),
            ),
            t.gettext(
                "Appointment rate: {rate}", rate=rate(t, f.booked_visits, f.maintenance_visits)
            ),
            t.gettext(
                "Bookings due: {due} · arrived {arrived} · no-shows {no_show} · "
                "cancelled {cancelled}",
                due=t.number(f.bookings_due),
                arrived=t.number(f.arrived),
                no_show=t.number(f.no_show),
                cancelled=t.number(f.cancelled),
            ),
            t.gettext("Show rate: {rate}", rate=rate(t, f.arrived, f.bookings_due)),
        ]
    )


def history_text(t: Translator, months: list[tuple[str, Figures | None]]) -> str:
    lines = [t.gettext("Earlier months (appointment rate · show rate):")]
    for month, f in months:
        if f is None:
            lines.append(t.gettext("{month}: not computed", month=month))
            continue
        lines.append(
            f"{month}: {rate(t, f.booked_visits, f.maintenance_visits)}"
            f" · {rate(t, f.arrived, f.bookings_due)}"
        )
    return "\n".join(lines)
