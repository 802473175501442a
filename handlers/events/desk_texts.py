"""How an event reads for staff: its card (what owners are told, then the seats), the
desk view's counts and buttons, a sign-up line. Pure functions of a turn and rows, but
for `show_card`, which reads the counts and sends the card (the desk, its forms and
/newevent all end on it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.club.events import roster
from bot.club.events.manage import Refused
from bot.club.events.roster import Counts, Entry
from bot.club.events.rules import EventStatus, Status
from bot.club.staff.roles import Permission
from bot.i18n import N_, Translator
from handlers.callbacks import encode
from handlers.common import Markup, Turn, inline
from handlers.events.texts import description, kind_label, title
from handlers.paging import page_row

if TYPE_CHECKING:
    from db.models import Event

FEATURE = "evd"  # the staff desk's buttons, and its forms' (pick, skip, cancel)
CHECKIN_FEATURE = "evc"  # the check-in list (handlers.events.checkin)

EVENT_STATUS = {
    EventStatus.DRAFT: N_("draft (owners do not see it)"),
    EventStatus.PUBLISHED: N_("published"),
    EventStatus.CANCELLED: N_("cancelled"),
}
SHORT_STATUS = {EventStatus.DRAFT: N_("draft"), EventStatus.CANCELLED: N_("cancelled")}
SIGNUP_STATUS = {
    Status.GOING: N_("going"),
    Status.WAITING: N_("waitlist"),
    Status.OFFERED: N_("held place"),
    Status.CANCELLED: N_("cancelled"),
    Status.LAPSED: N_("held place lapsed"),
}
REFUSED = {
    Refused.UNKNOWN: N_("That event does not exist (any more)."),
    Refused.NOT_DRAFT: N_("That event is published already."),
    Refused.CANCELLED: N_("That event is cancelled; it can no longer be changed."),
    Refused.STARTED: N_("That event has already begun; it can no longer be changed."),
}


def refused_text(turn: Turn, code: str) -> str:
    return turn._(REFUSED.get(code, REFUSED[Refused.UNKNOWN]))


def event_status(turn: Turn, status: str) -> str:
    return turn.label(EVENT_STATUS, status) if status in EVENT_STATUS else status


def signup_status(turn: Turn, status: str) -> str:
    return turn.label(SIGNUP_STATUS, status) if status in SIGNUP_STATUS else status


def when_text(t: Translator, event: Event) -> str:
    """The start and the end: its time, or its date and time when on another day."""
    same_day = t.date(event.starts_at) == t.date(event.ends_at)
    end = t.clock(event.ends_at) if same_day else t.datetime(event.ends_at)
    return f"{t.datetime(event.starts_at)} – {end}"


def event_lines(turn: Turn, event: Event) -> list[str]:
    """What the event is: kind and title (in the owners' order), time, place, seats and
    terms."""
    t, _ = turn.t, turn._
    lines = [f"{kind_label(t, event.kind)} · {title(t, event)}", *where_lines(t, event)]
    lines.append(_("Seats: {n}", n=t.number(event.capacity)))
    if event.companions_max:
        lines.append(_("Companions per owner: up to {n}", n=t.number(event.companions_max)))
    else:
        lines.append(_("No companions"))
    lines.append(_("Sign-up until {when}", when=t.datetime(event.signup_until)))
    policy = turn.store.policy
    tier = policy.tier(event.min_tier).name(t.locale) if event.min_tier else _("any tier")
    lines.append(_("Lowest tier: {tier}", tier=tier))
    if event.points_award:
        lines.append(_("Attending earns {n} points", n=t.number(event.points_award)))
    if event.points_cost:
        lines.append(_("Costs {n} points per seat", n=t.number(event.points_cost)))
    return lines


def card_text(turn: Turn, event: Event, counts: Counts) -> str:
    """The staff view: number and status, the event, then who is coming."""
    t, _ = turn.t, turn._
    head = f"#{event.id} · {event_status(turn, event.status)}"
    seats = _(
        "Seats filled: {taken} of {capacity}",
        taken=t.number(event.seats_taken),
        capacity=t.number(event.capacity),
    )
    going = _(
        "Owners going: {n} · Companions they bring: {companions}",
        n=t.number(counts.going),
        companions=t.number(counts.companions),
    )
    rest = _(
        "Waitlist: {waiting} · Held places: {offered} · Checked in: {checked}",
        waiting=t.number(counts.waiting),
        offered=t.number(counts.offered),
        checked=t.number(counts.checked_in),
    )
    return "\n".join([head, *event_lines(turn, event), "", seats, going, rest])


def card_keyboard(turn: Turn, event: Event, manager: bool, announcer: bool) -> Markup:
    """The desk's buttons; the managers' ones (publish, cancel) only for them, Announce
    only for a manager who may also broadcast (it opens the broadcast form)."""
    _, eid = turn._, event.id
    rows = [
        [
            (_("Sign-ups"), encode(FEATURE, "list", eid, 0)),
            (_("Export XLSX"), encode(FEATURE, "xlsx", eid)),
        ],
    ]
    if event.status == EventStatus.CANCELLED:
        return inline(rows)
    rows.append(
        [
            (_("Check-in list"), encode(CHECKIN_FEATURE, "list", eid, 0)),
            (_("Message attendees"), encode(FEATURE, "msg", eid)),
        ]
    )
    rows.append(
        [
            (_("Change time or place"), encode(FEATURE, "move", eid)),
            (_("Capacity"), encode(FEATURE, "seats", eid)),
        ]
    )
    if manager:
        row = [(_("Cancel event"), encode(FEATURE, "calloff", eid))]
        if event.status == EventStatus.DRAFT:
            row.insert(0, (_("Publish"), encode(FEATURE, "publish", eid)))
        elif announcer:
            row.insert(0, (_("Announce"), encode(FEATURE, "announce", eid)))
        rows.append(row)
    return inline(rows)


async def show_card(turn: Turn, event: Event, *, reply: bool = False) -> None:
    """The event's staff view (in place of the pressed message, or as a new one)."""
    counts = await roster.counts(turn.session, event.id)
    manager = await turn.may(Permission.MANAGE_EVENTS)
    announcer = manager and await turn.may(Permission.BROADCAST)
    markup = card_keyboard(turn, event, manager, announcer)
    (turn.reply if reply else turn.replace)(card_text(turn, event, counts), markup)


def entry_line(turn: Turn, number: int, entry: Entry) -> str:
    """ "3. Wang Wei · +8613… · +1 · waitlist #2 · ✅ checked in"."""
    signup, t = entry.signup, turn.t
    parts = [f"{number}. {entry.member.name}", entry.member.phone or "—"]
    if signup.companions:
        parts.append(f"+{t.number(signup.companions)}")  # companions
    status = signup_status(turn, signup.status)
    if entry.place is not None:
        status += f" #{t.number(entry.place)}"
    parts.append(status)
    if signup.checked_in_at is not None:
        parts.append(turn._("✅ checked in {when}", when=t.clock(signup.checked_in_at)))
    return " · ".join(parts)


def list_buttons(turn: Turn, event_id: int, page: int, pages: int) -> Markup:
    row = page_row(
        page,
        pages,
        turn._("‹ Previous"),
        turn._("Next ›"),
        lambda n: encode(FEATURE, "list", event_id, n),
    )
    back = [(turn._("« Back to the event"), encode(FEATURE, "show", event_id))]
    return inline([row, back] if row else [back])


def desk_button(turn: Turn, event: Event) -> tuple[str, str]:
    label = f"{turn.t.date(event.starts_at)} · {title(turn.t, event)}"
    if event.status in SHORT_STATUS:
        label += turn._(" ({status})", status=turn.label(SHORT_STATUS, event.status))
    return label[:60], encode(FEATURE, "show", event.id)


def where_lines(t: Translator, event: Event, *, pin: bool = True) -> list[str]:
    """When and where: the time, the address, the map location (staff only: owners get
    the pin from the event card's Map button, never raw numbers), the meeting point."""
    lines = [
        f"🕒 {when_text(t, event)}",  # an icon and a value: nothing to translate
        f"📍 {event.place}",
    ]
    if pin and event.latitude is not None and event.longitude is not None:
        lines.append(
            t.gettext("🗺 Map location: {lat}, {lon}", lat=event.latitude, lon=event.longitude)
        )
    if event.meeting_point:
        lines.append(t.gettext("🚗 Meeting point: {place}", place=event.meeting_point))
    return lines


def standing(t: Translator, entry: Entry) -> str:
    """What a change of time leaves each owner with: their seat, their waitlist number,
    or their held place and until when."""
    signup = entry.signup
    if signup.status == Status.OFFERED and signup.offer_until is not None:
        return t.gettext(
            "Your held place stands until {time}; take it or let it go in /events.",
            time=t.datetime(signup.offer_until),
        )
    if signup.status == Status.WAITING:
        return t.gettext(
            "You stay on the waitlist, number {place}.", place=t.number(entry.place or 1)
        )
    return t.gettext("Your seat is kept. The new calendar file is in /events.")


def moved_notice(t: Translator, event: Event, entry: Entry, changed: tuple[str, ...] = ()) -> str:
    """To one owner signed up: the event's new time and place, then what applies to them."""
    head = t.gettext("The time or place of {title} has changed:", title=title(t, event))
    lines = [head, *where_lines(t, event, pin=False)]
    if {"latitude", "longitude"} & set(changed) and event.latitude is not None:
        lines.append(t.gettext("🗺 The map location changed: the Map button in /events shows it."))
    lines.append(standing(t, entry))
    return "\n".join(lines)


def called_off_notice(t: Translator, event: Event, points: int) -> str:
    """To everyone signed up: the event is off (and their points are back)."""
    text = t.gettext(
        "Sorry: {title} on {day} is cancelled.", title=title(t, event), day=t.date(event.starts_at)
    )
    if points:  # a sentence of its own: no language gets a stray space between them
        text += "\n" + t.ngettext(
            "The {n} point you paid is back in your balance.",
            "The {n} points you paid are back in your balance.",
            points,
            n=t.number(points),
        )
    return text


def message_notice(t: Translator, event: Event, text: str) -> str:
    head = t.gettext("About {title} on {day}:", title=title(t, event), day=t.date(event.starts_at))
    return f"{head}\n\n{text}"


def announcement(t: Translator, event: Event, longest: int) -> str:
    """The announcement broadcast's text in `t`'s language: title, time, place, the
    description (cut to fit `longest`)."""
    head = "\n".join([title(t, event), *where_lines(t, event, pin=False)])
    body = description(t, event)
    room = longest - len(head) - 2
    if body and room > 20:
        body = body if len(body) <= room else body[: room - 1] + "…"
        return f"{head}\n\n{body}"
    return head[:longest]
