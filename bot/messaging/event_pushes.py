"""An event sign-up's pushes: the reminder the evening before and the evaluation form
after (queued when the owner takes a seat, keyed by the event's version and the
sign-up's turn, so those of a cancelled sign-up, a moved or cancelled event are never
sent, and none twice across restarts), and the notice that a freed place is held for
the first on the waitlist. Also what they say when the sender renders them: each is
re-read then, and one no longer true (stale) is not sent at all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.localized import text_in
from bot.club.events.checkin import anyone_checked_in
from bot.club.events.evaluate import attended
from bot.club.events.rules import (
    RATINGS,
    EventStatus,
    Kind,
    cost_of,
    evaluation_at,
    evaluation_closes,
    reminder_at,
)
from bot.club.events.rules import Status as SignupStatus
from bot.club.stores.context import StoreContext
from bot.i18n import N_, Translator
from bot.messaging import outbox
from bot.messaging.booking_pushes import Said, Venue
from bot.messaging.outbox import Purpose, Status
from db.models import Event, EventSignup, Member, Push

SEAT_PUSHES = (Purpose.EVENT_REMINDER, Purpose.EVENT_EVALUATION)  # keyed by seat_key
EVENT_PUSHES = (*SEAT_PUSHES, Purpose.EVENT_OFFER)


def seat_key(event: Event, signup: EventSignup) -> str:
    """The key of a seat's reminder and evaluation: event, its version, the sign-up's turn."""
    return f"event:{event.id}:{event.version}:{signup.turn}"


async def _chat(session: AsyncSession, member_id: int) -> int | None:
    return await session.scalar(
        select(Member.telegram_user_id).where(Member.id == member_id, Member.blocked_at.is_(None))
    )


async def queue_seat(
    session: AsyncSession, store: StoreContext, event: Event, signup: EventSignup, now: datetime
) -> int:
    """Queue the reminder and the evaluation of a seat the owner now holds; how many
    were new (the same seat twice queues nothing more)."""
    chat = await _chat(session, signup.member_id)
    if chat is None:
        return 0
    policy, pushes = store.policy.events, store.policy.pushes
    params = {
        "event_id": event.id,
        "signup_id": signup.id,
        "version": event.version,
        "turn": signup.turn,
    }
    times: list[tuple[Purpose, datetime]] = []
    if (eve := reminder_at(policy, store.tz, event, now)) is not None:
        times.append((Purpose.EVENT_REMINDER, eve))
    evaluation = evaluation_at(policy, store.tz, (pushes.quiet_start, pushes.quiet_end), event)
    times.append((Purpose.EVENT_EVALUATION, max(evaluation, now)))
    rows = [
        outbox.push_row(
            store_id=store.id,
            member_id=signup.member_id,
            chat_id=chat,
            purpose=purpose,
            dedupe_key=seat_key(event, signup),
            params=params,
            urgent=True,  # the owner's own event, timed by the rule: no weekly cap
            not_before=at,
        )
        for purpose, at in times
    ]
    return await outbox.enqueue_many(session, rows)


async def queue_offer(session: AsyncSession, store: StoreContext, signup: EventSignup) -> None:
    """Tell the first on the waitlist a place is held for them (once per offer)."""
    chat = await _chat(session, signup.member_id)
    if chat is None:
        return
    await outbox.enqueue(
        session,
        store_id=store.id,
        member_id=signup.member_id,
        chat_id=chat,
        purpose=Purpose.EVENT_OFFER,
        dedupe_key=f"event:{signup.event_id}:offer:{signup.offers}",
        params={"event_id": signup.event_id, "signup_id": signup.id, "offer": signup.offers},
        urgent=True,  # it runs out: it must not wait for the quiet hours to end
    )


async def drop(
    session: AsyncSession,
    event_id: int,
    member_id: int | None = None,
    *,
    version: int | None = None,
) -> None:
    """Call off the queued pushes of an event: of one owner's sign-up (`member_id`), or
    only the reminders and evaluations queued for one `version` of it (the old time of a
    moved event; offers stand). The sender also skips any whose sign-up or event is no
    longer as it was."""
    purposes, key = EVENT_PUSHES, f"event:{event_id}:%"
    if version is not None:
        purposes, key = SEAT_PUSHES, f"event:{event_id}:{version}:%"
    statement = (
        update(Push)
        .where(
            Push.purpose.in_([str(p) for p in purposes]),
            Push.dedupe_key.like(key),
            Push.status == Status.QUEUED,
        )
        .values(status=Status.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    if member_id is not None:
        statement = statement.where(Push.member_id == member_id)
    await session.execute(statement)


# --- what they say ----------------------------------------------------------------------

CANCEL_HINT = N_(
    "Cannot come after all? Cancel in /events so the next on the waitlist gets the place."
)
TAKE, DECLINE = N_("Take the place"), N_("Let it go")
PER_ROW = {Purpose.EVENT_EVALUATION: len(RATINGS), Purpose.EVENT_OFFER: 2}  # buttons a row


async def _seat(session: AsyncSession, push: Push) -> tuple[EventSignup, Event] | None:
    """The push's sign-up and event as they are now (never a copy read earlier)."""
    found = (
        await session.execute(
            select(EventSignup, Event)
            .join(Event, Event.id == EventSignup.event_id)
            .where(EventSignup.id == push.params.get("signup_id"))
            .execution_options(populate_existing=True)
        )
    ).first()
    if found is None or found[0].member_id != push.member_id:
        return None
    return found[0], found[1]


def _as_queued(push: Push, event: Event, signup: EventSignup) -> bool:
    """The seat the reminder or evaluation was queued for still stands: the sign-up going
    in the same turn, the event published in the same version."""
    return (
        event.status == EventStatus.PUBLISHED
        and event.version == push.params.get("version")
        and signup.status == SignupStatus.GOING
        and signup.turn == push.params.get("turn")
    )


def _companions(t: Translator, n: int) -> list[str]:
    if not n:
        return []
    return [t.ngettext("You are bringing {n} companion.", "You are bringing {n} companions.", n)]


def reminder(t: Translator, event: Event, signup: EventSignup) -> Said:
    """The evening before: when, where (and where a road trip meets), who comes along."""
    title = text_in(event.titles, t.locale)
    lines = [
        t.gettext(
            "Reminder: tomorrow, {when}: {event}.", when=t.datetime(event.starts_at), event=title
        )
    ]
    if event.place:
        lines.append(t.gettext("Place: {place}", place=event.place))
    if event.kind == Kind.TRIP and event.meeting_point:
        lines.append(
            t.gettext(
                "Meet at {point} at {time}.",
                point=event.meeting_point,
                time=t.clock(event.starts_at),
            )
        )
    lines += _companions(t, signup.companions)
    lines.append(t.gettext(CANCEL_HINT))
    pin = None
    if event.latitude is not None and event.longitude is not None:
        pin = Venue(event.latitude, event.longitude, title, event.place or title)
    return Said("\n".join(lines), venue=pin)


def evaluation(t: Translator, event: Event, signup: EventSignup) -> Said:
    """After the event: a rating from 1 to 5 (the evaluation form goes on from there)."""
    text = t.gettext(
        "Thank you for coming to {event} on {date}! How was it? Tap a rating from 1 (poor) "
        "to 5 (excellent); then you can tell us what was useful and ask the staff a question.",
        event=text_in(event.titles, t.locale),
        date=t.date(event.starts_at),
    )
    buttons = tuple((f"{n} ★", f"eva:rate:{signup.id}:{n}") for n in RATINGS)
    return Said(text, buttons)


def offer(t: Translator, event: Event, signup: EventSignup) -> Said:
    """A freed place held for the first on the waitlist, with the time it is held."""
    lines = [
        t.gettext(
            "Good news: a place is free for you at {event} ({when}). Take it by {until}, or "
            "it passes to the next on the waitlist.",
            event=text_in(event.titles, t.locale),
            when=t.datetime(event.starts_at),
            until=t.datetime(signup.offer_until) if signup.offer_until else "—",
        )
    ]
    lines += _companions(t, signup.companions)
    if cost := cost_of(event, signup.companions):
        lines.append(t.gettext("It costs {points} points.", points=t.number(cost)))
    buttons = (
        (t.gettext(TAKE), f"ev:take:{signup.id}"),
        (t.gettext(DECLINE), f"ev:decline:{signup.id}"),
    )
    return Said("\n".join(lines), buttons)


async def render(
    session: AsyncSession, store: StoreContext, push: Push, t: Translator, now: datetime
) -> Said | None:
    """What an event push says now, or None when it is stale: the reminder and the
    evaluation only for the seat they were queued for (see `_as_queued`), the reminder
    before the start, the evaluation to those checked in (to everyone going when nobody
    was: staff did not use check-in) until it closes; the offer only while that very
    offer stands."""
    found = await _seat(session, push)
    if found is None:
        return None
    signup, event = found
    if push.purpose == Purpose.EVENT_OFFER:
        standing = (
            event.status == EventStatus.PUBLISHED
            and signup.status == SignupStatus.OFFERED
            and signup.offers == push.params.get("offer")
            and signup.offer_until is not None
            and now < signup.offer_until
        )
        return offer(t, event, signup) if standing else None
    if not _as_queued(push, event, signup):
        return None
    if push.purpose == Purpose.EVENT_REMINDER:
        return reminder(t, event, signup) if now < event.starts_at else None
    if now >= evaluation_closes(store.policy.events, event):  # the evaluation: closed
        return None
    if not attended(signup, event, await anyone_checked_in(session, event.id)):
        return None  # staff checked owners in, and this one did not come
    return evaluation(t, event, signup)
