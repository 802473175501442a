"""How check-in reads: to staff at the door (a scanned pass, the ticked list, why a
check-in is refused) and to an owner who scans their own pass. Pure functions of a
translator and plain rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.club.events.checkin import CheckedIn, Roll
from bot.club.events.rules import Refusal, Status
from bot.club.policy.events import EventPolicy
from bot.club.policy.model import ClubPolicy
from bot.i18n import N_, Translator
from handlers.callbacks import encode
from handlers.events import texts

if TYPE_CHECKING:
    from db.models import Event, EventSignup, Member

FEATURE = "evc"  # staff's check-in list: evc:list:<event>:<page>, evc:tick:<sign-up>:<page>
PAGE_SIZE = 10  # owners per page: ten lines and ten buttons, well inside Telegram's limits

FOR_STAFF = N_("This QR code is for store staff at the event. Your events: /events")
UNKNOWN_PASS = N_("No sign-up has that check-in code. Check the code and try again.")
OTHER_STORE = N_("That pass is for an event of another store; it cannot be checked in here.")
STALE = N_("This button is out of date.")
NOT_OPEN = N_("{event} is not running (cancelled or not published): nobody is checked in.")
WAITING = N_("{name} is on the waitlist for {event} (place {place}), not going: not checked in.")
OFFERED = N_("{name} has a place held for {event} but has not taken it yet: not checked in.")
GAVE_UP = N_("{name} cancelled their sign-up for {event}: not checked in.")
OPENS = N_("Check-in for {event} opens at {when} ({hours} hours before the start).")
CLOSED = N_("Check-in for {event} closed at {when}.")


def phone_tail(member: Member) -> str:
    """The last four digits of the phone: enough to tell two owners of one name apart."""
    return (member.phone or "")[-4:] or "—"


def party_line(t: Translator, companions: int) -> str:
    if not companions:
        return t.gettext("No companions.")
    return t.ngettext(
        "Party of {party}: the owner and {n} companion.",
        "Party of {party}: the owner and {n} companions.",
        companions,
        party=t.number(companions + 1),
    )


def when_seen(t: Translator, moment: datetime, now: datetime) -> str:
    """A time today as a clock ("14:05"), another day with its date."""
    return t.clock(moment) if t.date(moment) == t.date(now) else t.datetime(moment)


def already(t: Translator, done: CheckedIn, by: str, now: datetime) -> str:
    moment = done.signup.checked_in_at or now
    return t.gettext(
        "{name} was already checked in at {when} by {who}.",
        name=done.member.name,
        when=when_seen(t, moment, now),
        who=by,
    )


def checked_text(t: Translator, policy: ClubPolicy, done: CheckedIn, by: str, now: datetime) -> str:
    """What the staff member reads after a scan: who, which event, the party, the
    points given (and a tier upgrade), or that it was done before."""
    m, event = done.member, done.event
    head = already(t, done, by, now) if done.again else t.gettext("Checked in: {name}", name=m.name)
    lines = [
        ("ℹ️ " if done.again else "✅ ") + head,
        t.gettext(
            "{event} · {when} · phone …{tail}",
            event=texts.title(t, event),
            when=t.datetime(event.starts_at),
            tail=phone_tail(m),
        ),
        party_line(t, done.signup.companions),
    ]
    if done.points and done.balances is not None:
        lines.append(
            t.gettext(
                "+{points} attendance points · redeemable now {r}",
                points=t.number(done.points),
                r=t.number(done.balances.redeemable),
            )
        )
    elif not done.again and event.points_award:
        lines.append(t.gettext("The attendance points for this event were given before."))
    if done.upgrade is not None:
        tier = policy.tier(done.upgrade.tier_after).name(t.locale)
        lines.append(t.gettext("Tier upgrade: now {tier}.", tier=tier))
    return "\n".join(lines)


def ticked(t: Translator, done: CheckedIn) -> str:
    """The short notice of a tick on the list."""
    if done.points:
        return t.gettext(
            "✅ Checked in: {name} · +{points} points", name=done.member.name, points=done.points
        )
    return "✅ " + t.gettext("Checked in: {name}", name=done.member.name)


def owner_thanks(t: Translator, done: CheckedIn, store: str) -> str:
    """The owner's notice when the points for coming arrive."""
    return t.gettext(
        "Welcome to {event} at {store}! You earned {points} points for coming. "
        "Redeemable points: {r}",
        event=texts.title(t, done.event),
        store=store,
        points=t.number(done.points),
        r=t.number(done.balances.redeemable if done.balances else 0),
    )


def refusal(
    t: Translator,
    code: str,
    policy: EventPolicy,
    event: Event | None,
    signup: EventSignup | None,
    member: Member | None,
    place: int | None,
    now: datetime,
) -> str:
    """Why staff cannot check this owner in, in staff's words (with names and times)."""
    if event is None or signup is None or member is None:
        return t.gettext(UNKNOWN_PASS)
    values = {"event": texts.title(t, event), "name": member.name}
    if code == Refusal.NOT_OPEN:
        return t.gettext(NOT_OPEN, **values)
    if code == Refusal.NOT_GOING:
        if signup.status == Status.WAITING:
            return t.gettext(WAITING, place=t.number(place or 0), **values)
        if signup.status == Status.OFFERED:
            return t.gettext(OFFERED, **values)
        return t.gettext(GAVE_UP, **values)
    if code == Refusal.CHECKIN_CLOSED:
        opens = event.starts_at - timedelta(hours=policy.checkin_hours)
        if now < opens:
            return t.gettext(
                OPENS, when=t.datetime(opens), hours=t.number(policy.checkin_hours), **values
            )
        return t.gettext(CLOSED, when=t.datetime(event.ends_at + timedelta(days=1)), **values)
    return texts.refusal_text(t, code)


def own_pass(t: Translator, event: Event, signup: EventSignup, now: datetime) -> str:
    """An owner who scanned their own pass: which event it is for and where they stand."""
    lines = [
        t.gettext("This is your check-in pass for {event}.", event=texts.title(t, event)),
        f"{t.datetime(event.starts_at)} · {event.place or '—'}",
    ]
    if signup.checked_in_at is not None:
        when = when_seen(t, signup.checked_in_at, now)
        lines.append(t.gettext("You were checked in at {when}.", when=when))
    elif signup.status == Status.GOING:
        lines.append(t.gettext("Show this QR code to the staff when you arrive."))
    else:
        lines.append(texts.status_label(t, signup.status))
    return "\n".join(lines)


# --- the check-in list ------------------------------------------------------------------


def roll_text(t: Translator, roll: Roll) -> str:
    event = roll.event
    lines = [
        t.gettext(
            "Check-in · {event} · {when}",
            event=texts.title(t, event),
            when=t.datetime(event.starts_at),
        )
    ]
    if roll.going == 0:
        lines.append(t.gettext("Nobody is going to this event yet."))
        return "\n".join(lines)
    lines.append(
        t.gettext(
            "Checked in {checked} of {going} owners · {seats} seats with companions",
            checked=t.number(roll.checked),
            going=t.number(roll.going),
            seats=t.number(roll.seats),
        )
    )
    first = roll.page * PAGE_SIZE
    for i, (signup, member) in enumerate(roll.rows, start=first + 1):
        mark = "✓" if signup.checked_in_at is not None else "☐"
        extra = f" · +{signup.companions}" if signup.companions else ""
        lines.append(f"{mark} {i}. {member.name} · …{phone_tail(member)}{extra}")
    if roll.pages > 1:
        lines.append(t.gettext("Page {page} of {pages}", page=roll.page + 1, pages=roll.pages))
    lines.append(t.gettext("Tap an owner to check them in."))
    return "\n".join(lines)


def roll_buttons(t: Translator, roll: Roll) -> list[list[tuple[str, str]]]:
    """One button per owner (a tick checks them in), then the pages and a refresh."""
    rows: list[list[tuple[str, str]]] = []
    for signup, member in roll.rows:
        done = signup.checked_in_at is not None
        label = f"{'✓' if done else '☐'} {member.name} · …{phone_tail(member)}"
        rows.append([(label[:60], encode(FEATURE, "tick", signup.id, roll.page))])
    nav: list[tuple[str, str]] = []
    if roll.page > 0:
        nav.append(("‹", encode(FEATURE, "list", roll.event.id, roll.page - 1)))
    nav.append((t.gettext("Refresh"), encode(FEATURE, "list", roll.event.id, roll.page)))
    if roll.page + 1 < roll.pages:
        nav.append(("›", encode(FEATURE, "list", roll.event.id, roll.page + 1)))
    rows.append(nav)
    return rows
