"""How events and sign-ups read in chat, for owners and staff alike: kinds, statuses,
refusals and an event's title. Pure functions of a translator and plain rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.club.common.localized import text_in
from bot.club.events.rules import Kind, Refusal, Status
from bot.i18n import N_, Translator

if TYPE_CHECKING:
    from db.models import Event

FEATURE = "ev"  # owners' buttons: the list, an event, sign up, cancel, offers, .ics
DEEP_LINK_PREFIX = "ev_"  # /start ev_<id>: an event's card (announcements, shared links)
PASS_PREFIX = "ci_"  # /start ci_<code>: a sign-up's check-in pass, scanned by staff

KINDS: dict[str, str] = {
    Kind.CLASS: N_("Owner class"),
    Kind.TRIP: N_("Road trip"),
    Kind.ACTIVITY: N_("Club activity"),
}

STATUS: dict[str, str] = {
    Status.GOING: N_("signed up"),
    Status.WAITING: N_("on the waitlist"),
    Status.OFFERED: N_("a place is held for you"),
    Status.CANCELLED: N_("cancelled"),
    Status.LAPSED: N_("the held place passed on"),
}

REFUSALS: dict[str, str] = {
    Refusal.UNKNOWN: N_("That event does not exist (any more)."),
    Refusal.NOT_OPEN: N_("That event is not open for sign-up."),
    Refusal.CLOSED: N_("Sign-up for that event has closed."),
    Refusal.STARTED: N_("That event has already begun."),
    Refusal.TIER: N_("That event is for a higher tier."),
    Refusal.COMPANIONS: N_("That event does not allow so many companions."),
    Refusal.SHORT: N_("You do not have enough redeemable points for that event."),
    Refusal.NOT_MEMBER: N_("You are not a club member yet. Send /start to join."),
    Refusal.NOT_SIGNED_UP: N_("You are not signed up for that event."),
    Refusal.NO_OFFER: N_("Sorry, that held place has passed on or was taken back."),
    Refusal.CHECKIN_CLOSED: N_("Check-in for that event is not open now."),
    Refusal.NOT_GOING: N_("That owner does not hold a place at this event."),
}


def refusal_text(t: Translator, code: str) -> str:
    return t.gettext(REFUSALS.get(code, REFUSALS[Refusal.UNKNOWN]))


def kind_label(t: Translator, kind: str) -> str:
    return t.gettext(KINDS[kind]) if kind in KINDS else kind


def status_label(t: Translator, status: str) -> str:
    return t.gettext(STATUS[status]) if status in STATUS else status


def title(t: Translator, event: Event) -> str:
    return text_in(event.titles, t.locale)


def description(t: Translator, event: Event) -> str:
    return text_in(event.descriptions, t.locale)
