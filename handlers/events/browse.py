"""/events and an event's card, for owners in private chat.

The list (`ev:list:<page>`) shows the store's published events still to come, soonest
first, five a page, each with its own sign-up marked; a button per event opens its card
in place (`ev:show:<id>:l`). The card from an announcement's button (`ev:show:<id>`) or
the deep link `/start ev_<id>` comes as a new message, so the announcement stays. The
card's buttons follow where the owner stands (handlers.events.signup acts on those that
move seats); here `ev:map:<id>` sends the place as a map pin, `ev:ics:<id>` the calendar
file and `ev:pass:<id>` the check-in pass (a QR of the deep link staff scan).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.common.numbers import page_count, parse_id
from bot.club.events import browse
from bot.club.events.browse import Seen
from bot.club.events.calendar import event_ics
from bot.club.events.rules import EventStatus, Refusal, Status
from bot.club.members.lookup import member_of
from bot.i18n import N_
from bot.render.pass_image import pass_qr
from handlers import photos
from handlers.callbacks import encode, pattern
from handlers.common import Markup, Turn, inline, turn_handler
from handlers.events import owner_texts
from handlers.events.owner_texts import Rows
from handlers.events.texts import FEATURE, PASS_PREFIX, refusal_text, title
from handlers.paging import page_row

if TYPE_CHECKING:
    from db.models import Event, EventSignup, Member

PAGE = 5
LAST_PAGE = 10_000
LABEL_CHARS = 30
CAPTION_CHARS = 1024  # Telegram's limit for a photo's caption
FROM_LIST = "l"  # ev:show:<id>:l — opened from the list: shown in its place
STALE = N_("That button is no longer active.")


def to_list(turn: Turn) -> tuple[str, str]:
    return owner_texts.back_button(turn.t)


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


async def show_list(turn: Turn, page: int, lead: list[str] | None = None) -> None:
    store = turn.store
    member = await member_of(turn.session, store.id, turn.user_id)
    member_id, tier = (member.id, member.tier_code) if member else (None, None)
    now = store.now()
    rows, total = await browse.upcoming(turn.session, store.id, member_id, now, page * PAGE, PAGE)
    pages = page_count(total, PAGE)
    if total and not rows:  # past the end (a forged page, or fewer since): the last one
        page = pages - 1
        rows, total = await browse.upcoming(
            turn.session, store.id, member_id, now, page * PAGE, PAGE
        )
    parts = list(lead or [])
    if not total:
        parts.append(turn._("No events are planned just now. We will announce the next one."))
        turn.replace("\n\n".join(parts))
        return
    head = turn._("Coming events ({page}/{pages}), in store time:", page=page + 1, pages=pages)
    parts.append(head)
    buttons: Rows = []
    policy = store.policy
    for n, seen in enumerate(rows, start=page * PAGE + 1):
        parts.append(owner_texts.list_entry(turn.t, policy, seen, tier, n))
        label = _short(f"{n}. {title(turn.t, seen.event)}")
        buttons.append([(label, encode(FEATURE, "show", seen.event.id, FROM_LIST))])
    if member is None:
        parts.append(turn._("You are not a club member yet. Send /start to join."))
    nav = page_row(
        page, pages, turn._("◀ Sooner"), turn._("Later ▶"), lambda n: encode(FEATURE, "list", n)
    )
    buttons += [nav] if nav else []
    turn.replace("\n\n".join(parts), inline(buttons))


async def show_card(
    turn: Turn, event_id: int, *, lead: list[str] | None = None, in_place: bool = False
) -> None:
    """The event's card with its photo (when it has one) and its buttons; `in_place`
    shows it instead of the pressed message."""
    store = turn.store
    member = await member_of(turn.session, store.id, turn.user_id)
    seen = await browse.card(turn.session, store.id, event_id, member.id if member else None)
    if seen is None or seen.event.status == EventStatus.DRAFT:
        turn.callback_notice = refusal_text(turn.t, Refusal.UNKNOWN)
        turn.reply(refusal_text(turn.t, Refusal.UNKNOWN), inline([[to_list(turn)]]))
        return
    tier = member.tier_code if member else None
    text = owner_texts.card_text(turn.t, store.policy, seen, tier, store.now())
    text = "\n\n".join([*(lead or []), text])
    markup: Markup = inline(owner_texts.card_rows(turn.t, store.policy, seen, tier, store.now()))
    photo = seen.event.photo
    if photo and len(text) <= CAPTION_CHARS:
        turn.reply_photo(photo, text, markup)
    elif photo:
        turn.reply_photo(photo, title(turn.t, seen.event)[:CAPTION_CHARS])
        turn.reply(text, markup)
    elif in_place:
        turn.replace(text, markup)
    else:
        turn.reply(text, markup)


async def open_event(turn: Turn, arg: str) -> None:
    """An event's card from its deep link (/start ev_<id>)."""
    event_id = parse_id(arg)
    if event_id is None:
        turn.reply(refusal_text(turn.t, Refusal.UNKNOWN), inline([[to_list(turn)]]))
        return
    await show_card(turn, event_id)


@turn_handler
async def on_events(turn: Turn) -> None:
    await show_list(turn, 0)


@turn_handler
async def on_page(turn: Turn) -> None:
    cb = turn.callback  # ev:list:<page>
    page = cb.number(0) if cb is not None and len(cb.args) == 1 else None
    if page is None:
        turn.callback_notice = turn._(STALE)
        return
    await show_list(turn, min(page, LAST_PAGE))


@turn_handler
async def on_show(turn: Turn) -> None:
    cb = turn.callback  # ev:show:<id>[:l]
    event_id = cb.id(0) if cb is not None and len(cb.args) in (1, 2) else None
    if cb is None or event_id is None:
        turn.callback_notice = turn._(STALE)
        return
    await show_card(turn, event_id, in_place=cb.arg(1) == FROM_LIST)


def refused(turn: Turn, code: str, detail: str = "") -> None:
    """Why not, as the pressed button's notice (the card it is on stays as it was)."""
    turn.callback_notice = " ".join(p for p in (refusal_text(turn.t, code), detail) if p)


def pass_link(turn: Turn, code: str) -> str:
    """The deep link in the pass's QR code: scanned by staff, it opens the check-in."""
    return f"https://t.me/{turn.services.bot_username}?start={PASS_PREFIX}{code}"


def send_pass(turn: Turn, event: Event, mine: EventSignup, name: str, lead: list[str]) -> None:
    """The check-in pass (QR, title, name) with `lead` and where to show it."""
    link, heading = pass_link(turn, mine.code), title(turn.t, event)
    hint = turn._("Show this pass when you arrive: staff scan it to check you in.")
    key = photos.key_of("event-pass", link, heading, name)
    caption = "\n".join([*lead, hint])
    turn.reply_drawn(key, lambda: pass_qr(link, heading, name, mine.code), caption)


def send_ics(turn: Turn, event: Event) -> None:
    name, content = event_ics(turn.store, event, turn.t.locale)
    turn.reply_document(name, content, turn._("Add it to your calendar."))


async def _pressed(turn: Turn) -> tuple[Seen, Member | None] | None:
    """The event an `ev:<action>:<id>` button names, with the presser's sign-up (None,
    answered, for forged data or an event owners cannot see)."""
    cb = turn.callback
    event_id = cb.id(0) if cb is not None and len(cb.args) == 1 else None
    if event_id is None:
        turn.callback_notice = turn._(STALE)
        return None
    member = await member_of(turn.session, turn.store.id, turn.user_id)
    seen = await browse.card(turn.session, turn.store.id, event_id, member.id if member else None)
    if seen is None or seen.event.status == EventStatus.DRAFT:
        refused(turn, Refusal.UNKNOWN)
        return None
    return seen, member


@turn_handler
async def on_map(turn: Turn) -> None:
    """`ev:map:<id>`: the place as a map pin (a venue: its name and address)."""
    pressed = await _pressed(turn)
    event = pressed[0].event if pressed else None
    if event is None or event.latitude is None or event.longitude is None:
        turn.callback_notice = turn.callback_notice or refusal_text(turn.t, Refusal.UNKNOWN)
        return
    turn.reply_venue(event.latitude, event.longitude, title(turn.t, event), event.place or "—")
    if event.meeting_point and event.meeting_point != event.place:
        turn.reply(turn._("Meeting point: {place}", place=event.meeting_point))


@turn_handler
async def on_ics(turn: Turn) -> None:
    """`ev:ics:<id>`: the event as a calendar file."""
    pressed = await _pressed(turn)
    if pressed is None:
        return
    if pressed[0].event.status != EventStatus.PUBLISHED:
        refused(turn, Refusal.NOT_OPEN)
        return
    send_ics(turn, pressed[0].event)


@turn_handler
async def on_pass(turn: Turn) -> None:
    """`ev:pass:<id>`: the owner's check-in pass again, while they are going."""
    pressed = await _pressed(turn)
    if pressed is None:
        return
    seen, member = pressed
    if seen.status != Status.GOING or seen.signup is None or member is None:
        refused(turn, Refusal.NOT_SIGNED_UP)
        return
    event, t = seen.event, turn.t
    send_pass(turn, event, seen.signup, member.name, [title(t, event), owner_texts.when(t, event)])


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("events", on_events, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(on_page, pattern=pattern(FEATURE, "list")),
        CallbackQueryHandler(on_show, pattern=pattern(FEATURE, "show")),
        CallbackQueryHandler(on_map, pattern=pattern(FEATURE, "map")),
        CallbackQueryHandler(on_ics, pattern=pattern(FEATURE, "ics")),
        CallbackQueryHandler(on_pass, pattern=pattern(FEATURE, "pass")),
    ]
