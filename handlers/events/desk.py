"""/eventdesk: staff run the store's events. A list of upcoming and recent ones (drafts
for managers), each opening its staff view: seats, who is going, the waitlist, offers
and check-ins; the sign-up list, the attendee XLSX, the check-in list, a message to
attendees, a change of time or place, the seats; for managers also publish and cancel,
and announce (the broadcast form, preset with the event) for those who may broadcast.

Buttons are `evd:<action>:<event id>[:<page>]`; each press re-reads the event in the
turn's store and the use-case re-checks its state (a forged id, another store's event,
a cancelled one are refused).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.broadcasts.form import MAX_TEXT
from bot.club.events import manage, manage_form, roster
from bot.club.events.export import attendees_xlsx
from bot.club.events.manage import ManageRefused, Refused
from bot.club.events.rules import EventStatus
from bot.club.staff import audit
from bot.club.staff.roles import Permission
from bot.i18n import Translator
from bot.messaging.notify import notify_members, staff_notice
from handlers import broadcast, forms
from handlers.callbacks import encode, pattern
from handlers.common import Turn, inline, staff_only, turn_handler
from handlers.events.desk_forms import MESSAGE_UI, MOVE_UI, SEATS_UI
from handlers.events.desk_texts import (
    FEATURE,
    announcement,
    called_off_notice,
    desk_button,
    entry_line,
    list_buttons,
    refused_text,
    show_card,
    signup_status,
)
from handlers.events.texts import title

if TYPE_CHECKING:
    from db.models import Event

ACTIONS = ("show", "list", "xlsx", "msg", "move", "seats", "publish", "announce")
ACTIONS += ("calloff", "callok")
MANAGERS = ("publish", "announce", "calloff", "callok")


@turn_handler
@staff_only(Permission.RUN_EVENTS)
async def on_desk(turn: Turn) -> None:
    manager = await turn.may(Permission.MANAGE_EVENTS)
    found = await manage.desk_events(turn.session, turn.store.id, turn.store.now(), drafts=manager)
    if not found:
        turn.reply(turn._("No upcoming or recent events. /newevent creates one."))
        return
    rows = [[desk_button(turn, event)] for event in found]
    turn.reply(turn._("Upcoming and recent events: choose one to run it."), inline(rows))


async def _sign_ups(turn: Turn, event: Event, number: int) -> None:
    found = await roster.entries(turn.session, event.id)
    shown, pages = roster.page(found, number)
    number = min(max(number, 0), pages - 1)
    head = turn._(
        "Sign-ups for {title} (page {page} of {pages}):",
        title=title(turn.t, event),
        page=turn.t.number(number + 1),
        pages=turn.t.number(pages),
    )
    lines = [entry_line(turn, number * roster.PAGE + i + 1, e) for i, e in enumerate(shown)]
    body = "\n".join(lines) if lines else turn._("Nobody has signed up yet.")
    audit.record(turn.session, turn.store.id, turn.user_id, "event.signups", f"event:{event.id}")
    turn.replace(f"{head}\n{body}", list_buttons(turn, event.id, number, pages))


async def _export(turn: Turn, event: Event) -> None:
    content = await attendees_xlsx(
        turn.session, turn.store.policy, event, turn.t, lambda s: signup_status(turn, s)
    )
    audit.record(turn.session, turn.store.id, turn.user_id, "event.export", f"event:{event.id}")
    day = event.starts_at.astimezone(turn.store.tz).strftime("%Y%m%d")
    caption = turn._("Attendee list of {title}.", title=title(turn.t, event))
    turn.reply_document(f"event-{event.id}-{day}.xlsx", content, caption)


async def _announce(turn: Turn, event: Event) -> None:
    """The broadcast form, with the event's texts, photo and id already given: staff
    choose the audience and the time there as usual."""
    if event.status != EventStatus.PUBLISHED:
        turn.callback_notice = refused_text(turn, Refused.CANCELLED)
        return
    services, store = turn.services, turn.store
    texts = {
        locale: announcement(services.translator(locale, store), event, MAX_TEXT)
        for locale in ("zh_Hans", "en")
    }
    preset = {"kind": "activity", **texts, "photo": event.photo, "event_id": event.id}
    outcome = await forms.start(turn, broadcast.UI, preset)
    if outcome is not None:
        audit.record(turn.session, store.id, turn.user_id, "event.announce", f"event:{event.id}")
        await forms.show(turn, broadcast.UI, outcome)


async def _call_off_asked(turn: Turn, event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise ManageRefused(Refused.CANCELLED, event)
    counts = await roster.counts(turn.session, event.id)
    told = counts.going + counts.waiting + counts.offered
    question = turn.t.ngettext(
        "Cancel {title}? The {n} owner signed up will be told, and any points paid are "
        "given back. This cannot be undone.",
        "Cancel {title}? All {n} owners signed up will be told, and any points they paid "
        "are given back. This cannot be undone.",
        told,
        title=title(turn.t, event),
        n=turn.t.number(told),
    )
    buttons = [
        [
            (turn._("Yes, cancel the event"), encode(FEATURE, "callok", event.id)),
            (turn._("No, keep the event"), encode(FEATURE, "show", event.id)),
        ]
    ]
    turn.replace(question, inline(buttons))


async def _call_off(turn: Turn, event: Event) -> None:
    store, session = turn.store, turn.session
    called = await manage.call_off(session, store, event.id, turn.user_id, store.now())
    event = called.event
    told = await notify_members(
        session,
        turn.services,
        await roster.members(session, list(called.refunds)),
        lambda m: lambda t: called_off_notice(t, event, called.refunds[m.id]),
        f"event-off:{event.id}",
    )

    def post(t: Translator) -> str:  # the staff group, in the store's language
        return t.gettext(
            "Event #{id} {title} ({day}) was cancelled by {name}. Owners told: {n}; "
            "points given back: {points}.",
            id=event.id,
            title=title(t, event),
            day=t.date(event.starts_at),
            name=turn.user_name or turn.user_id,
            n=t.number(len(called.refunds)),
            points=t.number(called.refunded),
        )

    await staff_notice(session, turn.services, post, store)
    turn.replace(
        turn.t.ngettext(
            "The event is cancelled. {n} owner is being told. Points given back: {points}.",
            "The event is cancelled. {n} owners are being told. Points given back: {points}.",
            told,
            n=turn.t.number(told),
            points=turn.t.number(called.refunded),
        )
    )


async def _act(turn: Turn, action: str, event: Event, page: int) -> None:
    now = turn.store.now()
    if action == "show":
        await show_card(turn, event)
    elif action == "list":
        await _sign_ups(turn, event, page)
    elif action == "xlsx":
        await _export(turn, event)
    elif action in ("msg", "move", "seats"):
        ui = {"msg": MESSAGE_UI, "move": MOVE_UI, "seats": SEATS_UI}[action]
        if event.status == EventStatus.CANCELLED:
            raise ManageRefused(Refused.CANCELLED, event)
        if action != "msg" and now >= event.starts_at:
            raise ManageRefused(Refused.STARTED, event)
        outcome = await manage_form.begin(await forms.context(turn, ui), ui.form, event)
        await forms.show(turn, ui, outcome)
    elif action == "publish":
        event = await manage.publish(turn.session, turn.store, event.id, turn.user_id, now)
        turn.callback_notice = turn._("Published: owners see it in /events.")
        await show_card(turn, event)
    elif action == "announce":
        await _announce(turn, event)
    elif action == "calloff":
        await _call_off_asked(turn, event)
    else:
        await _call_off(turn, event)


@turn_handler
@staff_only(Permission.RUN_EVENTS)
async def on_button(turn: Turn) -> None:
    cb = turn.callback
    if cb is None or cb.action not in ACTIONS:
        turn.callback_notice = forms.error_message(turn, MOVE_UI, "stale")
        return
    if cb.action in MANAGERS and not await turn.may(Permission.MANAGE_EVENTS):
        turn.callback_notice = turn._("Sorry, this command is for store staff with the right role.")
        return
    if cb.action == "announce" and not await turn.may(Permission.BROADCAST):
        # The card shows Announce only to those who may broadcast too; this is a stale
        # card (the policy or a role changed) or forged data.
        turn.callback_notice = turn._(
            "Announcing sends a broadcast, and your role may not send broadcasts in this store."
        )
        return
    event_id = cb.id(0)
    event = None
    if event_id is not None:
        event = await manage.event_of(turn.session, turn.store.id, event_id)
    manager = await turn.may(Permission.MANAGE_EVENTS)
    if event is None or (event.status == EventStatus.DRAFT and not manager):
        turn.callback_notice = refused_text(turn, Refused.UNKNOWN)
        return
    try:
        await _act(turn, cb.action, event, cb.number(1) or 0)
    except ManageRefused as refused:
        await turn.session.rollback()
        turn.callback_notice = refused_text(turn, refused.code)
        fresh = await manage.event_of(turn.session, turn.store.id, event_id)
        if fresh is not None:  # show the event as it is now
            await show_card(turn, fresh)


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("eventdesk", on_desk, filters=filters.ChatType.PRIVATE),
        forms.button_handler(FEATURE),  # the change, seats and message forms' buttons
        CallbackQueryHandler(on_button, pattern=pattern(FEATURE, *ACTIONS)),
    ]
