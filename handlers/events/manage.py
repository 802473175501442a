"""The staff's event forms. /newevent: managers create an owner class, a road trip
or another club activity step by step (`bot.club.events.manage_form.NEW_FORM`), see a
summary, then save it as a draft or publish it. Who may is the policy's [events].manage_roles. From
the desk (`handlers.events.desk`): change its time or place (everyone signed up is
told), set its seats (new ones are offered to the waitlist at once), write to everyone
holding a seat.

A location shared in chat reaches whichever form is open as an answer of kind OTHER
carrying "latitude,longitude" (only the event forms' map step takes it).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.club.events import manage, roster
from bot.club.events.manage import ManageRefused, Refused
from bot.club.events.manage_form import MESSAGE_FORM, MOVE_FORM, NEW_FORM, PUBLISH, SEATS_FORM
from bot.club.events.manage_steps import AT_START, NONE, TIME_STEPS, columns
from bot.club.events.rules import EventStatus
from bot.club.forms.engine import Kind, Outcome, Reply
from bot.club.forms.steps import ANY_TIER
from bot.club.staff import audit
from bot.club.staff.roles import Permission
from bot.i18n import N_
from bot.messaging.notify import notify_member
from db.models import Event
from handlers import forms
from handlers.common import Turn, staff_only, turn_handler
from handlers.events.desk_texts import FEATURE as DESK_FEATURE
from handlers.events.desk_texts import (
    card_keyboard,
    card_text,
    event_lines,
    message_notice,
    moved_notice,
    refused_text,
    where_lines,
)
from handlers.events.texts import kind_label

FEATURE = "evn"  # the create form's buttons

PROMPTS = {
    "kind": N_("What kind of event is it?"),
    "title_zh": N_("The title in Chinese (简体中文), up to 80 characters?"),
    "title_en": N_("The title in English?"),
    "desc_zh": N_("A description in Chinese: what will owners do or learn?"),
    "desc_en": N_("The description in English? You may skip this."),
    "photo": N_("Send a photo for the event, or skip."),
    "starts": N_("When does it start? Store time, e.g. 2026-12-19 14:00 or 12-19 14:00."),
    "ends": N_("When does it end? A time the same day (e.g. 16:00), or a date and time."),
    "place": N_("Where is it? The address owners go to."),
    "location": N_("Share its map location (📎 → Location), or skip."),
    "meeting": N_("Where do the cars meet before setting off (the meeting point)?"),
    "capacity": N_("How many seats, companions included?"),
    "deadline": N_(
        "Until when may owners sign up? A store time like 12-18 20:00, or until the start."
    ),
    "tier": N_("The lowest tier that may sign up?"),
    "award": N_("How many points for attending (given at check-in)? 0 for none."),
    "cost": N_(
        "How many points does a seat cost at sign-up (given back if cancelled)? 0 for free."
    ),
}
ERRORS = {
    "unexpected": N_("Please answer with the buttons or the kind of message asked for."),
    "title_length": N_("Please send a title of 1 to 80 characters."),
    "description_length": N_("Please send a description of up to 1,000 characters."),
    "when_invalid": N_(
        "Please send a date and time like 2026-12-19 14:00, 12-19 14:00 or 12/19 14:00."
    ),
    "when_past": N_("That time has already passed; please send a later one."),
    "end_invalid": N_("Please send the end as a time like 16:00, or a date and time."),
    "end_before_start": N_("The end must be after the start."),
    "deadline_after_start": N_("Sign-up cannot close after the event starts."),
    "place_length": N_("Please send an address of 1 to 300 characters."),
    "location_invalid": N_("Please share a location (📎 → Location), or skip this step."),
    "capacity_invalid": N_("Please send the seats as a whole number above 0, e.g. 30."),
    "companions_invalid": N_(
        "Please send a whole number of companions, 0 for none, within the club's limit."
    ),
    "tier_unknown": N_("That is not one of the club's tiers; please choose one of the buttons."),
    "points_invalid": N_("Please send a whole number of points, 0 for none."),
}
SKIPS = {
    "desc_en": N_("No English description"),
    "photo": N_("No photo"),
    "location": N_("No map location"),
}


def choice_label(turn: Turn, step: str, value: str) -> str:
    _ = turn._
    if step == "kind":
        return kind_label(turn.t, value)
    if step == "tier":
        return (
            _("Any tier")
            if value == ANY_TIER
            else turn.store.policy.tier(value).name(turn.t.locale)
        )
    if step == "deadline" and value == AT_START:
        return _("Until the start")
    if step == "cost" and value == NONE:
        return _("Free")
    if value == NONE:
        return _("None")
    if step == "save":
        return _("Publish now") if value == PUBLISH else _("Save as draft")
    return _("Confirm")


async def companions_prompt(turn: Turn, outcome: Outcome) -> str:
    most = turn.store.policy.events.max_companions
    return turn._(
        "How many companions may each owner bring? 0 for none; at most {n}.", n=turn.t.number(most)
    )


def preview(data: dict) -> Event:
    """The event as the answers so far describe it (not stored)."""
    values = {"descriptions": {}, "capacity": 0, "companions_max": 0, "seats_taken": 0}
    values |= {"points_award": 0, "points_cost": 0, "status": "draft", "version": 1}
    return Event(**{**values, **columns(data)})


async def summary(turn: Turn, outcome: Outcome) -> str:
    event = preview(outcome.data)
    text = "\n".join(event_lines(turn, event))
    question = turn._("Save it as a draft, or publish it so owners see it in /events?")
    if event.photo:
        turn.reply_photo(event.photo, text)
        return question
    return text + "\n\n" + question


async def created(turn: Turn, outcome: Outcome) -> None:
    event: Event = outcome.result
    if event.status == EventStatus.PUBLISHED:
        turn.replace(turn._("Published: owners see it in /events. /eventdesk runs it."))
    else:
        turn.replace(turn._("Saved as a draft: owners do not see it until you publish it."))
    await show_card(turn, event, reply=True)


async def show_card(turn: Turn, event: Event, *, reply: bool = False) -> None:
    """The event's staff view (in place of the pressed message, or as a new one)."""
    counts = await roster.counts(turn.session, event.id)
    manager = await turn.may(Permission.MANAGE_EVENTS)
    text, markup = card_text(turn, event, counts), card_keyboard(turn, event, manager)
    (turn.reply if reply else turn.replace)(text, markup)


NEW_UI = forms.register(
    forms.FormUI(
        form=NEW_FORM,
        feature=FEATURE,
        prompts=PROMPTS,
        cancelled=N_("Cancelled; no event was created."),
        done=created,
        errors=ERRORS,
        permission=Permission.MANAGE_EVENTS,
        label=choice_label,
        skip_labels=SKIPS,
        columns={"kind": 3, "tier": 2, "save": 2},
        numbered=True,
        screens={"companions": companions_prompt, "save": summary},
        cancel_on=frozenset({"save"}),
    )
)


MOVE_PROMPTS = {
    "starts": N_("The new start (store time, e.g. 12-19 14:00)? Skip to keep it."),
    "ends": N_("The new end (a time the same day, or a date and time)? Skip to keep the length."),
    "place": N_("The new address? Skip to keep it."),
    "location": N_("Share the new map location, or skip to keep it."),
    "meeting": N_("The new meeting point? Skip to keep it."),
}
KEEP = {name: N_("Keep it") for name in MOVE_PROMPTS}


async def move_summary(turn: Turn, outcome: Outcome) -> str:
    """The time and place now, then as they will be (a new start keeps the length)."""
    data = outcome.data
    event = await manage.event_of(turn.session, turn.store.id, int(data["event"]))
    if event is None:
        return refused_text(turn, Refused.UNKNOWN)
    new = manage.planned(event, columns({k: data.get(k) for k in TIME_STEPS}))
    shown = Event(**{name: getattr(event, name) for name in manage.MOVED}, kind=event.kind)
    for name, value in new.items():
        setattr(shown, name, value)
    return turn._(
        "Now:\n{was}\n\nNew:\n{now}\n\nEveryone signed up will be told. Save this change?",
        was="\n".join(where_lines(turn.t, event)),
        now="\n".join(where_lines(turn.t, shown)),
    )


async def moved(turn: Turn, outcome: Outcome) -> None:
    result: manage.Moved | ManageRefused = outcome.result
    if isinstance(result, ManageRefused):
        turn.replace(refused_text(turn, result.code))
        return
    if not result.changed:
        turn.replace(turn._("Nothing changed."))
        return
    event, told = result.event, 0
    for member in await roster.members(turn.session, result.told):
        key = f"event-move:{event.id}:{event.version}"
        told += await notify_member(
            turn.session, turn.services, member, lambda t: moved_notice(t, event), key
        )
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
    if offered:
        text += " " + turn.t.ngettext(
            "A place is offered to {n} owner from the waitlist.",
            "Places are offered to {n} owners from the waitlist.",
            len(offered),
            n=turn.t.number(len(offered)),
        )
    if event.capacity < event.seats_taken:
        text += " " + turn._("More seats are taken than that; nobody loses a place.")
    turn.replace(text)
    await show_card(turn, event, reply=True)


async def messaged(turn: Turn, outcome: Outcome) -> None:
    written = outcome.result
    event = await manage.event_of(turn.session, turn.store.id, written["event"])
    if event is None:
        turn.replace(refused_text(turn, Refused.UNKNOWN))
        return
    told, text = 0, written["text"]
    for member in await roster.holders(turn.session, event.id):
        key = f"event-msg:{event.id}:{outcome.token}"
        told += await notify_member(
            turn.session, turn.services, member, lambda t: message_notice(t, event, text), key
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


@turn_handler
@staff_only(Permission.MANAGE_EVENTS)
async def on_new_event(turn: Turn) -> None:
    outcome = await forms.start(turn, NEW_UI, resume=True)
    if outcome is not None:
        if outcome.resumed:
            turn.reply(turn._("Let's continue where you left off."))
        await forms.show(turn, NEW_UI, outcome)


@turn_handler
async def on_location(turn: Turn) -> None:
    """A shared location: the open form's answer (its map step), else not understood."""
    message = turn.update.effective_message
    where = message.location if message is not None else None
    value = f"{where.latitude},{where.longitude}" if where is not None else None
    if not await forms.take(turn, Reply(Kind.OTHER, value)):
        turn.reply(turn._("I did not understand that. /help lists what I can do."))


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("newevent", on_new_event, filters=private),
        forms.button_handler(FEATURE),
        MessageHandler(private & filters.LOCATION, on_location),
    ]
