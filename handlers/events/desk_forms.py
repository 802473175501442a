"""The desk's three forms on one event (`handlers.events.desk` opens them): change its
time or place (everyone signed up is told), set its seats (new ones are offered to the
waitlist at once), write to everyone holding a seat. They ask the /newevent form's
steps again, so they share its error texts and button labels (`handlers.events.manage`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.club.events import manage, roster
from bot.club.events.manage import ManageRefused, Refused
from bot.club.events.manage_form import MESSAGE_FORM, MOVE_FORM, SEATS_FORM
from bot.club.events.manage_steps import TIME_STEPS, columns
from bot.club.forms.engine import Outcome
from bot.club.staff import audit
from bot.club.staff.roles import Permission
from bot.i18n import N_, Translator
from bot.messaging.notify import notify_members
from handlers import forms
from handlers.common import Turn
from handlers.events.desk_texts import FEATURE as DESK_FEATURE
from handlers.events.desk_texts import (
    message_notice,
    moved_notice,
    refused_text,
    show_card,
    where_lines,
)
from handlers.events.manage import ERRORS, choice_label

if TYPE_CHECKING:
    from db.models import Event

MOVE_PROMPTS = {
    "starts": N_("The new start (store time, e.g. 12-19 14:00)? Skip to keep it."),
    "ends": N_("The new end (a time the same day, or a date and time)? Skip to keep the length."),
    "deadline": N_(
        "Until when may owners sign up now? A store time like 12-18 20:00, or until the "
        "start. Skip to keep the deadline as it is."
    ),
    "place": N_("The new address? Skip to keep it."),
    "location": N_("Share the new map location, or skip to keep it."),
    "meeting": N_("The new meeting point? Skip to keep it."),
}
KEEP = {name: N_("Keep as it is") for name in MOVE_PROMPTS}


def _before(t: Translator, gap: timedelta) -> str:
    """How long before the start sign-up closes: "7 days", "12 hours", "7 days and 12
    hours" before the new start, or "at the new start"."""
    days, rest = divmod(max(gap, timedelta(0)), timedelta(days=1))
    hours = round(rest / timedelta(hours=1))
    if hours == 24:
        days, hours = days + 1, 0
    if not days and not hours:
        return t.gettext("at the new start")
    day_text = t.ngettext("{n} day", "{n} days", days, n=t.number(days))
    hour_text = t.ngettext("{n} hour", "{n} hours", hours, n=t.number(hours))
    if days and hours:
        span = t.gettext("{days} and {hours}", days=day_text, hours=hour_text)
    else:
        span = day_text if days else hour_text
    return t.gettext("{span} before the new start", span=span)


def deadline_line(t: Translator, event: Event, *, relative: bool = False) -> str:
    line = t.gettext("Sign-up until {when}", when=t.datetime(event.signup_until))
    if relative:
        gap = _before(t, event.starts_at - event.signup_until)
        line += t.gettext(" ({gap})", gap=gap)
    return line


async def move_summary(turn: Turn, outcome: Outcome) -> str:
    """The time and place now, then as they will be (a new start keeps the length; a
    kept deadline is shown against the new start, as it does not move with it)."""
    data = outcome.data
    event = await manage.event_of(turn.session, turn.store.id, int(data["event"]))
    if event is None:
        return refused_text(turn, Refused.UNKNOWN)
    shown = manage.as_moved(event, columns({k: data.get(k) for k in TIME_STEPS}))
    kept = data.get("deadline") is None and shown.starts_at != event.starts_at
    return turn._(
        "Now:\n{was}\n\nNew:\n{now}\n\nEveryone signed up will be told. Save this change?",
        was="\n".join([*where_lines(turn.t, event), deadline_line(turn.t, event)]),
        now="\n".join([*where_lines(turn.t, shown), deadline_line(turn.t, shown, relative=kept)]),
    )


async def moved(turn: Turn, outcome: Outcome) -> None:
    result: manage.Moved | ManageRefused = outcome.result
    if isinstance(result, ManageRefused):
        turn.replace(refused_text(turn, result.code))
        return
    if not result.changed:
        turn.replace(turn._("Nothing changed."))
        return
    event, tell = result.event, set(result.told)
    entries = {e.member.id: e for e in await roster.entries(turn.session, event.id)}
    told = await notify_members(
        turn.session,
        turn.services,
        [e.member for member_id, e in entries.items() if member_id in tell],
        lambda m: lambda t: moved_notice(t, event, entries[m.id], result.changed),
        f"event-move:{event.id}:{event.version}",
    )
    if not result.told and result.changed == ("signup_until",):
        turn.replace(deadline_line(turn.t, event))
    else:
        turn.replace(
            turn.t.ngettext(
                "Saved. {n} owner signed up is being told.",
                "Saved. {n} owners signed up are being told.",
                told,
                n=turn.t.number(told),
            )
        )
    await show_card(turn, event, reply=True)


async def seats_set(turn: Turn, outcome: Outcome) -> None:
    result = outcome.result
    if isinstance(result, ManageRefused):
        turn.replace(refused_text(turn, result.code))
        return
    event, offered = result
    text = turn._("Seats set to {n}.", n=turn.t.number(event.capacity))
    # Each sentence on its own line: joined with a space, Chinese shows a stray one.
    if offered:
        text += "\n" + turn.t.ngettext(
            "A place is held for {n} owner from the waitlist.",
            "Places are held for {n} owners from the waitlist.",
            len(offered),
            n=turn.t.number(len(offered)),
        )
    if event.capacity < event.seats_taken:
        text += "\n" + turn._("More seats are filled than that; nobody loses a seat.")
    turn.replace(text)
    await show_card(turn, event, reply=True)


async def messaged(turn: Turn, outcome: Outcome) -> None:
    written = outcome.result
    event = await manage.event_of(turn.session, turn.store.id, written["event"])
    if event is None:
        turn.replace(refused_text(turn, Refused.UNKNOWN))
        return
    text = written["text"]
    told = await notify_members(
        turn.session,
        turn.services,
        await roster.holders(turn.session, event.id),
        lambda m: lambda t: message_notice(t, event, text),
        f"event-msg:{event.id}:{outcome.token}",
    )
    audit.record(
        turn.session, turn.store.id, turn.user_id, "event.message", f"event:{event.id}", told=told
    )
    turn.replace(
        turn.t.ngettext(
            "Your message is on its way to {n} owner.",
            "Your message is on its way to {n} owners.",
            told,
            n=turn.t.number(told),
        )
    )


def _desk_ui(form: Any, prompts: dict[str, str], done: Any, **more: Any) -> forms.FormUI:
    return forms.register(
        forms.FormUI(
            form=form,
            feature=DESK_FEATURE,
            prompts=prompts,
            cancelled=N_("Cancelled; the event was not changed."),
            done=done,
            errors={**ERRORS, "message_length": N_("Please send between 1 and 1,000 characters.")},
            permission=more.pop("permission", Permission.RUN_EVENTS),
            label=choice_label,
            cancel_on=frozenset({"confirm", "capacity", "text"}),
            **more,
        )
    )


MOVE_UI = _desk_ui(
    MOVE_FORM, MOVE_PROMPTS, moved, skip_labels=KEEP, screens={"confirm": move_summary}
)
SEATS_UI = _desk_ui(
    SEATS_FORM, {"capacity": N_("How many seats now, companions included?")}, seats_set
)
MESSAGE_UI = _desk_ui(
    MESSAGE_FORM,
    {"text": N_("Write the message for everyone holding a seat (up to 1,000 characters).")},
    messaged,
)
