"""/newevent: managers create an owner class, a road trip or another club activity step
by step (`bot.club.events.manage_form.NEW_FORM`), see a summary, then save it as a draft
or publish it. Who may is the policy's [events].manage_roles. The desk's forms on an
existing event are `handlers.events.desk_forms`; they reuse this form's error texts
and button labels, as they ask the same steps again.

The map step takes a shared location, which `handlers.router` hands to whichever form
is open (as kind OTHER carrying "latitude,longitude").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.club.events.manage_form import NEW_FORM, PUBLISH
from bot.club.events.manage_steps import AT_START, NONE, draft_of
from bot.club.events.rules import EventStatus
from bot.club.forms.engine import Outcome
from bot.club.staff.roles import Permission
from bot.i18n import N_
from handlers import forms
from handlers.common import Turn, staff_only, turn_handler
from handlers.events.desk_texts import event_lines, show_card
from handlers.events.texts import kind_label

if TYPE_CHECKING:
    from db.models import Event

FEATURE = "evn"  # the create form's buttons

PROMPTS = {
    "kind": N_("What kind of event is it?"),
    "title_zh": N_("What is the event's title in Chinese? Up to 80 characters."),
    "title_en": N_("And its title in English? Up to 80 characters."),
    "desc_zh": N_("Describe it in Chinese: what will owners do or learn?"),
    "desc_en": N_("And the description in English? You may skip this."),
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
    "points_invalid": N_("Please send a whole number of points, 0 for none."),
    "cost_invalid": N_("Please send a seat's cost as a whole number of points, 0 for free."),
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
        return forms.tier_label(turn, value)
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


async def summary(turn: Turn, outcome: Outcome) -> str:
    event = draft_of(outcome.data)
    text = "\n".join(event_lines(turn, event))
    question = turn._("Save it as a draft, or publish it so owners see it in /events?")
    if event.photo:
        turn.reply_photo(event.photo, text)
        return question
    return text + "\n\n" + question


async def created(turn: Turn, outcome: Outcome) -> None:
    event: Event = outcome.result
    if event.status == EventStatus.PUBLISHED:
        turn.replace(turn._("Published: owners see it in /events. Manage it with /eventdesk."))
    else:
        turn.replace(turn._("Saved as a draft: owners do not see it until you publish it."))
    await show_card(turn, event, reply=True)


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


@turn_handler
@staff_only(Permission.MANAGE_EVENTS)
async def on_new_event(turn: Turn) -> None:
    outcome = await forms.start(turn, NEW_UI, resume=True)
    if outcome is not None:
        if outcome.resumed:
            turn.reply(turn._("Let's continue where you left off."))
        await forms.show(turn, NEW_UI, outcome)


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("newevent", on_new_event, filters=private),
        forms.button_handler(FEATURE),
    ]
