"""Staff changing the bookable days in chat: /block, /unblock and /capacity. Each answer
says what changed and lists the bookings already there, which keep their place."""

from __future__ import annotations

from datetime import date

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.club.bookings import manage
from bot.club.bookings.desk import parse_day
from bot.club.bookings.manage import Change, SlotRefusal, SlotRefused
from bot.club.common.numbers import parse_whole
from bot.club.staff.roles import Permission
from bot.i18n import N_
from handlers.bookings import desk_texts as words
from handlers.common import Turn, staff_only, turn_handler

BLOCK_USAGE = N_(
    "Usage: /block <date> [HH:MM-HH:MM] [service code | all] [reason…]\n"
    "Without a time the whole day is closed (for one service: its hours are blocked).\n"
    "Services: {codes}"
)
UNBLOCK_USAGE = N_(
    "Usage: /unblock <date> [HH:MM-HH:MM]\n"
    "Without a time the day is reopened and all its blocks removed."
)
CAPACITY_USAGE = N_(
    "Usage: /capacity <date> <service code | all> <places>\n"
    "Places per slot for that day (0 takes no bookings). Services: {codes}"
)
REFUSALS: dict[str, str] = {
    SlotRefusal.PAST: N_("That day is past: choose today or a later day."),
    SlotRefusal.BAD_RANGE: N_("That is not a time range like 10:00-11:30."),
    SlotRefusal.OUTSIDE_HOURS: N_("That time is outside the opening hours of that day ({hours})."),
    SlotRefusal.NOT_OPEN: N_(
        "The store takes no bookings that day anyway (opening hours or a holiday)."
    ),
    SlotRefusal.UNKNOWN_SERVICE: N_("No service has that code."),
}


def _codes(turn: Turn) -> str:
    return ", ".join([s.code for s in turn.store.policy.bookings.services] + [manage.ALL])


def _usage(turn: Turn, usage: str) -> str:
    return turn._(usage, codes=_codes(turn)) if "{codes}" in usage else turn._(usage)


def _refused(turn: Turn, exc: SlotRefused, usage: str) -> None:
    hours = words.span_text(turn.t, *exc.hours) if exc.hours else ""
    text = turn._(REFUSALS[exc.code], hours=hours) if exc.hours else turn._(REFUSALS[exc.code])
    turn.reply(text + "\n\n" + _usage(turn, usage))


def _day(turn: Turn) -> date | None:
    return parse_day(turn.args[0], turn.store.today()) if turn.args else None


def _answer(turn: Turn, head: str, change: Change, *, listed: bool = True) -> None:
    lines = [head]
    if listed:
        lines += words.call_list(turn.t, turn.store, change.affected)
    turn.reply("\n".join(lines))


def _when(turn: Turn, change: Change) -> str:
    day = f"{turn.t.weekday(change.day)} {turn.t.date(change.day)}"
    return day + (f" {words.span_text(turn.t, *change.span)}" if change.span else "")


@turn_handler
@staff_only(Permission.MANAGE_SLOTS)
async def on_block(turn: Turn) -> None:
    day, rest = _day(turn), turn.args[1:]
    if day is None:
        turn.reply(_usage(turn, BLOCK_USAGE))
        return
    store, now = turn.store, turn.store.now()
    try:
        clock = None
        if rest and rest[0][:1].isdigit():  # a time range, or a typo of one
            clock = manage.parse_range(rest.pop(0))
            if clock is None:
                raise SlotRefused(SlotRefusal.BAD_RANGE)
        service = None
        if rest and (rest[0].lower() == manage.ALL or store.policy.bookings.service(rest[0])):
            service = manage.service_code(store, rest.pop(0))
        reason = " ".join(rest) or None
        if clock is None and service in (None, manage.EVERY):
            change = await manage.close_day(
                turn.session, store, day, by=turn.user_id, now=now, reason=reason
            )
            when = _when(turn, change)
            if change.changed:
                head = turn._("Closed {when} for booking.", when=when)
            else:
                head = turn._("{when} was closed already.", when=when)
            _answer(turn, head, change)
            return
        if clock is None:  # one service, the whole day: its opening hours
            hours = store.policy.bookings.opening(day)
            if hours is None:
                raise SlotRefused(SlotRefusal.NOT_OPEN)
            clock = hours
        change = await manage.block(
            turn.session,
            store,
            day,
            clock,
            by=turn.user_id,
            now=now,
            service=service,
            reason=reason,
        )
    except SlotRefused as exc:
        _refused(turn, exc, BLOCK_USAGE)
        return
    head = turn._(
        "Blocked {when} for {service}.",
        when=_when(turn, change),
        service=words.service_name(turn.t, store, change.service),
    )
    _answer(turn, head, change)


@turn_handler
@staff_only(Permission.MANAGE_SLOTS)
async def on_unblock(turn: Turn) -> None:
    day = _day(turn)
    if day is None or len(turn.args) > 2:
        turn.reply(_usage(turn, UNBLOCK_USAGE))
        return
    try:
        clock = None
        if len(turn.args) == 2:
            clock = manage.parse_range(turn.args[1])
            if clock is None:
                raise SlotRefused(SlotRefusal.BAD_RANGE)
        change = await manage.reopen(
            turn.session, turn.store, day, clock, by=turn.user_id, now=turn.store.now()
        )
    except SlotRefused as exc:
        _refused(turn, exc, UNBLOCK_USAGE)
        return
    when = _when(turn, change)
    if not change.changed:
        head = turn._("Nothing was blocked on {when}.", when=when)
    elif clock is None:
        head = turn._("{when} is open for booking again.", when=when)
    else:
        head = turn._("Reopened {when} for booking.", when=when)
    lines = [head]
    if change.removed:
        lines.append(
            turn.t.ngettext(
                "{count} block removed.",
                "{count} blocks removed.",
                change.removed,
                count=turn.t.number(change.removed),
            )
        )
    if change.policy_closed:
        lines.append(turn._("The opening hours or holidays still keep that day closed."))
    turn.reply("\n".join(lines))


@turn_handler
@staff_only(Permission.MANAGE_SLOTS)
async def on_capacity(turn: Turn) -> None:
    day = _day(turn)
    places = parse_whole(turn.args[2], maximum=manage.MAX_PLACES) if len(turn.args) == 3 else None
    if day is None or places is None:
        turn.reply(_usage(turn, CAPACITY_USAGE))
        return
    store = turn.store
    try:
        service = manage.service_code(store, turn.args[1])
        change = await manage.set_capacity(
            turn.session, store, day, service, places, by=turn.user_id, now=store.now()
        )
    except SlotRefused as exc:
        _refused(turn, exc, CAPACITY_USAGE)
        return
    head = turn._(
        "Places per slot on {when} for {service}: {n}.",
        when=_when(turn, change),
        service=words.service_name(turn.t, store, change.service),
        n=turn.t.number(places),
    )
    _answer(turn, head, change)


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("block", on_block, filters=private),
        CommandHandler("unblock", on_unblock, filters=private),
        CommandHandler("capacity", on_capacity, filters=private),
    ]
