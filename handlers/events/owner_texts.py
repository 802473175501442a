"""How an event reads to an owner: a line of the /events list, the card and its
buttons, their own sign-up's status, the answers to signing up. Pure functions of a
translator, the policy and plain rows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.club.events.browse import Seen
from bot.club.events.rules import EventStatus, Kind, Status, seats_left, tier_allows
from bot.club.policy.model import ClubPolicy
from bot.i18n import Translator
from handlers.callbacks import encode
from handlers.events.texts import FEATURE, description, kind_label, title

if TYPE_CHECKING:
    from db.models import Event, EventSignup

Rows = list[list[tuple[str, str]]]


def when(t: Translator, event: Event) -> str:
    """Start and end in store time: the end's clock only when it is the same day."""
    start, end = event.starts_at, event.ends_at
    if t.date(start) == t.date(end):
        return f"{t.weekday(start.astimezone(t.tz).date())} {t.datetime(start)} – {t.clock(end)}"
    return f"{t.datetime(start)} – {t.datetime(end)}"


def seats_text(t: Translator, event: Event, status: str | None = None) -> str:
    """Seats left; when none are, the waitlist is offered only to owners not in already."""
    left = seats_left(event)
    if left == 0:
        return (
            t.gettext("Full")
            if status is not None
            else t.gettext("Full — you can join the waitlist")
        )
    return t.ngettext("{n} seat left", "{n} seats left", left, n=t.number(left))


def points_text(t: Translator, event: Event) -> str:
    """What it costs or earns in points (both when both)."""
    parts = []
    if event.points_cost:
        parts.append(
            t.gettext("Costs {points} points a person", points=t.number(event.points_cost))
        )
    if event.points_award:
        parts.append(
            t.gettext("Earns {points} points for attending", points=t.number(event.points_award))
        )
    return " · ".join(parts) if parts else t.gettext("Free")


def tier_text(t: Translator, policy: ClubPolicy, event: Event) -> str | None:
    if event.min_tier is None or policy.tier_rank(event.min_tier) == 0:
        return None
    return t.gettext(
        "Open to {tier} members and above", tier=policy.tier(event.min_tier).name(t.locale)
    )


def mine_text(t: Translator, seen: Seen) -> str | None:
    """Their own sign-up, as the list and the card mark it."""
    signup = seen.signup
    if signup is None or seen.status is None:
        return None
    if seen.status == Status.GOING:
        if signup.companions:
            return t.ngettext(
                "✅ You are signed up, with {n} companion",
                "✅ You are signed up, with {n} companions",
                signup.companions,
            )
        return t.gettext("✅ You are signed up")
    if seen.status == Status.OFFERED and signup.offer_until is not None:
        return t.gettext(
            "🎟 A place is held for you until {time}", time=t.datetime(signup.offer_until)
        )
    return t.gettext("⏳ You are number {place} on the waitlist", place=seen.place or 1)


def list_entry(t: Translator, policy: ClubPolicy, seen: Seen, tier: str | None, n: int) -> str:
    """One event of the /events list: kind and title, when, where, seats, points, and the
    owner's own sign-up or why the event is not for them."""
    event = seen.event
    lines = [
        f"{n}. {kind_label(t, event.kind)} · {title(t, event)}",
        "🗓 " + when(t, event),
        "📍 " + (event.place or "—"),
        " · ".join([seats_text(t, event, seen.status), points_text(t, event)]),
    ]
    above = tier_text(t, policy, event)
    if above and tier is not None and not tier_allows(policy, event, tier):
        lines.append(above)
    mine = mine_text(t, seen)
    if mine:
        lines.append(mine)
    return "\n".join(lines)


def card_text(
    t: Translator, policy: ClubPolicy, seen: Seen, tier: str | None, now: datetime
) -> str:
    """The event's card: everything an owner needs to decide, and where they stand."""
    event = seen.event
    lines = [f"{kind_label(t, event.kind)} · {title(t, event)}"]
    about = description(t, event)
    if about:
        lines += [about, ""]
    lines.append(t.gettext("When: {when}", when=when(t, event)))
    lines.append(t.gettext("Where: {place}", place=event.place or "—"))
    if event.kind == Kind.TRIP and event.meeting_point:
        lines.append(t.gettext("Meeting point: {place}", place=event.meeting_point))
    lines.append(seats_text(t, event, seen.status))
    if event.companions_max:
        lines.append(
            t.ngettext(
                "You may bring up to {n} companion",
                "You may bring up to {n} companions",
                event.companions_max,
            )
        )
    lines.append(t.gettext("Sign up by {time}", time=t.datetime(event.signup_until)))
    lines.append(points_text(t, event))
    above = tier_text(t, policy, event)
    if above:
        lines.append(above)
    lines += _state_lines(t, policy, seen, tier, now)
    return "\n".join(lines)


def _state_lines(
    t: Translator, policy: ClubPolicy, seen: Seen, tier: str | None, now: datetime
) -> list[str]:
    event, mine = seen.event, mine_text(t, seen)
    if event.status == EventStatus.CANCELLED:
        return ["", t.gettext("❌ This event was cancelled.")]
    if mine:
        return ["", mine]
    if tier is None:
        return ["", t.gettext("You are not a club member yet. Send /start to join.")]
    if now >= event.starts_at:
        return ["", t.gettext("This event has begun; sign-up is over.")]
    if now >= event.signup_until:
        return ["", t.gettext("Sign-up for this event has closed.")]
    if not tier_allows(policy, event, tier):
        return ["", t.gettext("Your tier is below this event's; it is not open to you yet.")]
    return []


def back_button(t: Translator) -> tuple[str, str]:
    return (t.gettext("« Back to the list"), encode(FEATURE, "list", 0))


def card_rows(
    t: Translator, policy: ClubPolicy, seen: Seen, tier: str | None, now: datetime
) -> Rows:
    """The card's buttons, by where the owner stands: sign up or join the waitlist;
    their pass, the calendar and cancel; take or let go a held place; the map; back."""
    event, signup = seen.event, seen.signup
    rows: Rows = []
    open_ = event.status == EventStatus.PUBLISHED and now < event.starts_at
    if open_ and tier is not None and seen.status is None:
        if now < event.signup_until and tier_allows(policy, event, tier):
            rows.append([_join_button(t, seen)])
    elif open_ and signup is not None and seen.status == Status.OFFERED:
        rows.append(
            [
                (t.gettext("Take the place"), encode(FEATURE, "take", signup.id)),
                (t.gettext("Let it go"), encode(FEATURE, "decline", signup.id)),
            ]
        )
    running = event.status == EventStatus.PUBLISHED and now <= event.ends_at
    if running and seen.status == Status.GOING:  # latecomers check in after the start
        rows.append([(t.gettext("My check-in pass"), encode(FEATURE, "pass", event.id))])
    if running:
        rows.append([(t.gettext("Add to calendar"), encode(FEATURE, "ics", event.id))])
    if event.latitude is not None and event.longitude is not None:
        rows.append([(t.gettext("Map"), encode(FEATURE, "map", event.id))])
    if open_ and seen.status == Status.GOING:  # a held place has its own two buttons
        rows.append([(t.gettext("Cancel my sign-up"), encode(FEATURE, "cancel", event.id))])
    elif open_ and seen.status == Status.WAITING:
        rows.append([(t.gettext("Leave the waitlist"), encode(FEATURE, "cancel", event.id))])
    rows.append([back_button(t)])
    return rows


def _join_button(t: Translator, seen: Seen) -> tuple[str, str]:
    """Sign up (or join the waitlist when full), straight away or through the companions
    picker; its cost on the button."""
    event = seen.event
    label = t.gettext("Sign up") if seats_left(event) else t.gettext("Join the waitlist")
    if event.points_cost:
        label += " · " + t.gettext("{points} points", points=t.number(event.points_cost))
    if event.companions_max:
        return (label, encode(FEATURE, "join", event.id))
    return (label, encode(FEATURE, "join", event.id, 0))


def waitlisted(t: Translator, event: Event, place: int, hours: int, again: bool) -> str:
    """On the waitlist: their place, and how long a freed place is held for them."""
    text = t.gettext(
        "{title} is full, so you are on the waitlist: number {place}. When a place frees "
        "up it is held for you for {hours} hours and we tell you at once.",
        title=title(t, event),
        place=place,
        hours=hours,
    )
    return t.gettext("You were already on the waitlist.") + "\n" + text if again else text


def going(
    t: Translator, event: Event, mine: EventSignup, again: bool, left: int | None
) -> list[str]:
    """Signed up: what, when, where (and the meeting point), companions, points paid
    (`left`: the redeemable balance after paying; None when nothing was paid now)."""
    head = t.gettext("You were already signed up.") if again else t.gettext("You are signed up!")
    lines = [head, title(t, event), "🗓 " + when(t, event), "📍 " + (event.place or "—")]
    if event.kind == Kind.TRIP and event.meeting_point:
        lines.append(t.gettext("Meeting point: {place}", place=event.meeting_point))
    if mine.companions:
        lines.append(t.ngettext("With {n} companion", "With {n} companions", mine.companions))
    if left is not None:
        lines.append(
            t.gettext(
                "{points} points paid; redeemable points left: {left}",
                points=t.number(mine.points_paid),
                left=t.number(left),
            )
        )
    return lines
