"""Checking owners in at an event, for staff who run events: a scanned check-in pass
(/start ci_<code>) or a tick on the event's check-in list (evc:), which gives the
attendance points once. An owner who scans their own pass sees what it is for; anyone
else is told the QR is for store staff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.club.events import checkin, signup
from bot.club.events.checkin import CheckedIn
from bot.club.events.rules import EventRefused, Refusal, Status
from bot.club.members import join
from bot.club.staff import audit
from bot.club.staff.names import staff_name
from bot.club.staff.roles import Permission
from bot.messaging.notify import notify_member
from handlers.announce import announce
from handlers.callbacks import encode, pattern
from handlers.common import Turn, inline, staff_only, turn_handler
from handlers.events import checkin_texts as words
from handlers.events.checkin_texts import FEATURE, PAGE_SIZE
from handlers.events.texts import FEATURE as OWNERS_FEATURE
from handlers.events.texts import refusal_text
from handlers.texts import who

if TYPE_CHECKING:
    from db.models import Event, EventSignup, Member


async def _by(turn: Turn, signup_row: EventSignup) -> str:
    """Who checked the owner in, as staff call them ("you" for oneself)."""
    user_id = signup_row.checked_in_by
    name = signup_row.checked_in_by_name or await staff_name(turn.session, turn.store.id, user_id)
    return who(turn.t, user_id, name, turn.user_id)


async def _check_in(turn: Turn, found: tuple[EventSignup, Event, Member]) -> CheckedIn | str:
    """Check the owner in (the owner told of their points, a tier upgrade announced,
    the action audited); or the staff's text of why not."""
    signup_row, event, member = found
    now = turn.store.now()
    try:
        done = await checkin.check_in(
            turn.session,
            turn.store,
            signup_row.id,
            turn.user_id,
            now,
            staff_name=turn.user_name,
        )
    except EventRefused as refused:
        place = await signup.waitlist_place(turn.session, signup_row)
        policy = turn.store.policy.events
        return words.refusal(turn.t, refused.code, policy, event, signup_row, member, place, now)
    if done.again:
        return done
    audit.record(
        turn.session, turn.store.id, turn.user_id, "events.checkin", f"signup:{done.signup.id}"
    )
    if done.points:
        store = turn.store.name
        await notify_member(
            turn.session,
            turn.services,
            done.member,
            lambda t: words.owner_thanks(t, done, store),
            f"checkin:{done.signup.id}",
        )
    if done.upgrade is not None:
        await announce(turn, done.member, [done.upgrade])
    return done


async def _owners_own(turn: Turn, code: str) -> None:
    """Not staff: the owner sees their own pass; anyone else is told it is for staff."""
    member = await join.member_of_chat(turn.session, turn.store.id, turn.user_id)
    found = await checkin.by_code(turn.session, turn.store.id, code)
    if found is None or member is None or found[2].id != member.id:
        turn.reply(turn._(words.FOR_STAFF))
        return
    signup_row, event, _ = found
    text = words.own_pass(turn.t, event, signup_row, turn.store.now())
    rows = [[(turn._("Open the event"), encode(OWNERS_FEATURE, "show", event.id))]]
    if signup_row.status == Status.GOING:
        rows.insert(0, [(turn._("My check-in pass"), encode(OWNERS_FEATURE, "pass", event.id))])
    turn.reply(text, inline(rows))


async def _elsewhere(turn: Turn, code: str) -> bool:
    """Whether `code` is a pass of another store of the group."""
    for store in turn.services.stores.values():
        if store.id != turn.store.id and await checkin.by_code(turn.session, store.id, code):
            return True
    return False


async def open_pass(turn: Turn, arg: str) -> None:
    """A sign-up's check-in pass scanned (/start ci_<code>): staff check the owner in;
    its owner sees their own pass."""
    if not await turn.may(Permission.RUN_EVENTS):
        await _owners_own(turn, arg)
        return
    found = await checkin.by_code(turn.session, turn.store.id, arg)
    if found is None:
        elsewhere = await _elsewhere(turn, arg)
        turn.reply(turn._(words.OTHER_STORE if elsewhere else words.UNKNOWN_PASS))
        return
    outcome = await _check_in(turn, found)
    list_button = (turn._("Check-in list"), encode(FEATURE, "list", found[1].id, 0))
    if isinstance(outcome, str):
        turn.reply(outcome, inline([[list_button]]))
        return
    by = await _by(turn, outcome.signup)
    text = words.checked_text(turn.t, turn.store.policy, outcome, by, turn.store.now())
    turn.reply(text, inline([[list_button]]))


async def _show_roll(turn: Turn, event_id: int, page: int) -> None:
    roll = await checkin.roll(turn.session, turn.store.id, event_id, page, PAGE_SIZE)
    if roll is None:
        turn.callback_notice = refusal_text(turn.t, Refusal.UNKNOWN)
        turn.replace(turn.callback_notice)
        return
    turn.replace(words.roll_text(turn.t, roll), inline(words.roll_buttons(turn.t, roll)))


@turn_handler
@staff_only(Permission.RUN_EVENTS)
async def on_list(turn: Turn) -> None:
    cb = turn.callback  # evc:list:<event id>:<page>
    event_id = cb.id(0) if cb is not None else None
    if event_id is None:
        turn.callback_notice = turn._(words.STALE)
        return
    await _show_roll(turn, event_id, (cb.number(1) if cb else None) or 0)


@turn_handler
@staff_only(Permission.RUN_EVENTS)
async def on_tick(turn: Turn) -> None:
    cb = turn.callback  # evc:tick:<sign-up id>:<page>
    signup_id = cb.id(0) if cb is not None else None
    found = await checkin.by_id(turn.session, turn.store.id, signup_id) if signup_id else None
    if found is None:  # forged, or another store's
        turn.callback_notice = turn._(words.UNKNOWN_PASS)
        return
    outcome = await _check_in(turn, found)
    if isinstance(outcome, str):
        notice = outcome
    elif outcome.again:
        notice = words.already(turn.t, outcome, await _by(turn, outcome.signup), turn.store.now())
    else:
        notice = words.ticked(turn.t, outcome)
    turn.callback_notice = notice[:200]
    await _show_roll(turn, found[1].id, (cb.number(1) if cb else None) or 0)


def build_handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_list, pattern=pattern(FEATURE, "list")),
        CallbackQueryHandler(on_tick, pattern=pattern(FEATURE, "tick")),
    ]
