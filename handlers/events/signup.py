"""Signing up from an event's card, the companions picker, cancelling, a held place
taken or let go (the answers carry the check-in pass and the .ics file).

Buttons: `ev:join:<event>` (the companions picker), `ev:join:<event>:<companions>` (sign
up, or join the waitlist when full), `ev:cancel:<event>` (asks), `ev:cancel:<event>:y`
(does it), `ev:keep:<event>` (keeps it: the card again), `ev:take:<sign-up>` and
`ev:decline:<sign-up>` (on the card and on the offer push). Only ids: who presses,
whose sign-up it is and where it stands are checked again by the use-cases
(bot.club.events.signup) on every press, so a double tap gives the same sign-up and an
old button after a restart still works.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.club.events import browse, signup
from bot.club.events.rules import EventRefused, EventStatus, Refusal, Status, cost_of
from bot.i18n import N_
from handlers.callbacks import encode, pattern
from handlers.card import current_member
from handlers.common import Turn, inline, turn_handler
from handlers.events import owner_texts
from handlers.events.browse import refused, send_ics, send_pass, show_card, to_list
from handlers.events.texts import FEATURE, title

if TYPE_CHECKING:
    from db.models import Member

T = TypeVar("T")
YES = "y"
STALE = N_("That button is no longer active.")


def _args(turn: Turn, *counts: int) -> tuple[int, tuple[str, ...]] | None:
    """The pressed button's id and its other arguments, if it has one of the shapes
    `counts` (else None, the press answered as stale)."""
    cb = turn.callback
    first = cb.id(0) if cb is not None and len(cb.args) in counts else None
    if cb is None or first is None:
        turn.callback_notice = turn._(STALE)
        return None
    return first, cb.args[1:]


async def _attempt(
    turn: Turn,
    action: Callable[..., Awaitable[T]],
    *args: object,
    member: Member,
    companions: int | None = None,
) -> T | None:
    """Run a sign-up use-case (`action(session, store, *args, now)`) for the press; None
    when it was refused: then nothing is kept, and the owner is told why (short of
    points: what the seats cost and what they hold)."""
    store = turn.store
    try:
        return await action(turn.session, store, *args, store.now())
    except EventRefused as no:
        detail = ""  # read before the rollback expires the rows
        if no.code == Refusal.SHORT and no.event is not None:
            need = cost_of(no.event, companions if companions is not None else 0)
            detail = turn._(
                "It needs {need} points; you have {have}.",
                need=turn.t.number(need),
                have=turn.t.number(member.redeemable_points),
            )
        await turn.session.rollback()
        refused(turn, no.code, detail)
        return None


async def _seated(turn: Turn, member: Member, done: signup.SignedUp) -> None:
    """Going: what, when, where, the points paid, then the pass and the .ics file. On
    the waitlist: their place and what happens when one frees up."""
    t, event, mine = turn.t, done.event, done.signup
    if mine.status == Status.WAITING:
        hours = turn.store.policy.events.offer_hours
        text = owner_texts.waitlisted(t, event, done.place or 1, hours, done.again)
        leave = [(turn._("Leave the waitlist"), encode(FEATURE, "cancel", event.id))]
        turn.reply(text, inline([leave, [to_list(turn)]]))
        return
    if mine.status == Status.OFFERED:  # signed up again while a place is held for them
        await show_card(turn, event.id)
        return
    if done.again:  # a second tap: say so, and leave the pass and the file already sent
        pass_button = (turn._("My check-in pass"), encode(FEATURE, "pass", event.id))
        head = turn._("You were already signed up for {title}.", title=title(t, event))
        turn.reply(head, inline([[pass_button], [to_list(turn)]]))
        return
    left = None
    if mine.points_paid:
        await turn.session.refresh(member, ["redeemable_points"])
        left = member.redeemable_points
    send_pass(turn, event, mine, member.name, owner_texts.going(t, event, mine, done.again, left))
    send_ics(turn, event)


async def _picker(turn: Turn, event_id: int) -> None:
    """How many companions come: a button for each count the event allows."""
    seen = await browse.card(turn.session, turn.store.id, event_id, None)
    if seen is None or seen.event.status != EventStatus.PUBLISHED:
        refused(turn, Refusal.UNKNOWN if seen is None else Refusal.NOT_OPEN)
        return
    event, t = seen.event, turn.t
    buttons = [(turn._("Just me"), encode(FEATURE, "join", event.id, 0))]
    buttons += [
        (f"+{n}", encode(FEATURE, "join", event.id, n)) for n in range(1, 1 + event.companions_max)
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    text = turn._("How many companions will come with you to {title}?", title=title(t, event))
    if event.points_cost:
        cost = turn._("Each seat costs {points} points.", points=t.number(event.points_cost))
        text += "\n" + cost
    turn.replace(text, inline([*rows, [to_list(turn)]]))


@turn_handler
async def on_join(turn: Turn) -> None:
    pressed = _args(turn, 1, 2)
    if pressed is None:
        return
    event_id, rest = pressed
    member = await current_member(turn)
    if member is None:
        return
    if not rest:
        await _picker(turn, event_id)
        return
    companions = turn.callback.number(1) if turn.callback else None
    if companions is None:
        turn.callback_notice = turn._(STALE)
        return
    done = await _attempt(
        turn, signup.sign_up, event_id, member.id, companions, member=member, companions=companions
    )
    if done is None:
        return
    await _seated(turn, member, done)


@turn_handler
async def on_take(turn: Turn) -> None:
    """`ev:take:<sign-up>`: the owner takes the place held for them."""
    pressed = _args(turn, 1)
    member = await current_member(turn) if pressed else None
    if pressed is None or member is None:
        return
    done = await _attempt(turn, signup.take_offer, pressed[0], member.id, member=member)
    if done is None:
        return
    await _seated(turn, member, done)


@turn_handler
async def on_decline(turn: Turn) -> None:
    """`ev:decline:<sign-up>`: the held place passes on to the next in line."""
    pressed = _args(turn, 1)
    member = await current_member(turn) if pressed else None
    if pressed is None or member is None:
        return
    store = turn.store
    freed = await _attempt(turn, signup.decline_offer, pressed[0], member.id, member=member)
    if freed is None:
        return
    event = await browse.card(turn.session, store.id, freed.signup.event_id, None)
    name = title(turn.t, event.event) if event else ""
    text = turn._(
        "You let the place at {title} go; it passes to the next owner waiting. Thank you!",
        title=name,
    )
    turn.replace(text, inline([[to_list(turn)]]))


@turn_handler
async def on_cancel(turn: Turn) -> None:
    """`ev:cancel:<event>` asks (saying the points come back); `…:y` cancels."""
    pressed = _args(turn, 1, 2)
    member = await current_member(turn) if pressed else None
    if pressed is None or member is None:
        return
    event_id, rest = pressed
    if rest and rest[0] != YES:
        turn.callback_notice = turn._(STALE)
        return
    store = turn.store
    seen = await browse.card(turn.session, store.id, event_id, member.id)
    if seen is None:
        refused(turn, Refusal.UNKNOWN)
        return
    name = title(turn.t, seen.event)
    if seen.status is None:
        refused(turn, Refusal.NOT_SIGNED_UP)
        return
    if not rest:
        _ask(turn, seen)
        return
    freed = await _attempt(turn, signup.cancel, event_id, member.id, member=member)
    if freed is None:
        return
    lines = [turn._("Cancelled: {title}.", title=name)]
    if freed.refunded:
        await turn.session.refresh(member, ["redeemable_points"])
        lines.append(
            turn._(
                "{points} points are back; your redeemable points: {balance}.",
                points=turn.t.number(freed.refunded),
                balance=turn.t.number(member.redeemable_points),
            )
        )
    turn.replace("\n".join(lines), inline([[to_list(turn)]]))


def _ask(turn: Turn, seen: browse.Seen) -> None:
    event, mine = seen.event, seen.signup
    assert mine is not None
    lines = [turn._("Cancel your sign-up for {title}?", title=title(turn.t, event))]
    if mine.points_paid:
        lines.append(
            turn._("Your {points} points come back.", points=turn.t.number(mine.points_paid))
        )
    if seen.status == Status.GOING:
        lines.append(turn._("If anyone is waiting, your seat goes to the next in line."))
    yes = encode(FEATURE, "cancel", event.id, YES)
    keep = encode(FEATURE, "keep", event.id)
    turn.replace(
        "\n".join(lines), inline([[(turn._("Yes, cancel"), yes), (turn._("No, keep it"), keep)]])
    )


@turn_handler
async def on_keep(turn: Turn) -> None:
    pressed = _args(turn, 1)
    if pressed is not None:
        await show_card(turn, pressed[0], in_place=True)


def build_handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_join, pattern=pattern(FEATURE, "join")),
        CallbackQueryHandler(on_take, pattern=pattern(FEATURE, "take")),
        CallbackQueryHandler(on_decline, pattern=pattern(FEATURE, "decline")),
        CallbackQueryHandler(on_cancel, pattern=pattern(FEATURE, "cancel")),
        CallbackQueryHandler(on_keep, pattern=pattern(FEATURE, "keep")),
    ]
