"""What each push says, in the member's language: broadcasts as staff wrote them,
reminders from the manager's template (or the default wording) with one-tap actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from string import Formatter
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.messaging import booking_pushes, event_pushes, survey_pushes
from bot.messaging.booking_pushes import Venue
from bot.messaging.outbox import Purpose
from bot.services import Services
from db.models import Broadcast, Member, Push, Template

DEFAULTS: dict[str, str] = {
    Purpose.FIRST_MAINTENANCE: N_(
        "Dear {name}, your {model} ({plate}) is due for its first maintenance (首保) by "
        "{due}. Please bring the maintenance handbook and your driving licence. It takes "
        "about an hour; we look forward to seeing you at {store}."
    ),
    Purpose.REGULAR_MAINTENANCE: N_(
        "Dear {name}, your {model} ({plate}) is due for regular maintenance around {due}{km}. "
        "Book a time that suits you and skip the wait at {store}."
    ),
    Purpose.WARRANTY: N_(
        "Dear {name}, the warranty of your {model} ({plate}) ends on {due}. Come for a free "
        "check before then so anything covered is fixed under warranty."
    ),
    Purpose.INSPECTION: N_(
        "Dear {name}, the annual inspection (年检) of your {model} ({plate}) is due by {due}. "
        "We can check the car beforehand so it passes first time."
    ),
    Purpose.INSURANCE: N_(
        "Dear {name}, the insurance of your {model} ({plate}) ends on {due}. Renew it with us "
        "and earn points; an insurance renewal of ¥3,000 or more also renews your membership."
    ),
    Purpose.BIRTHDAY: N_(
        "Happy birthday, {name}! Everyone at {store} wishes you a wonderful year and safe driving."
    ),
    Purpose.MEMBERSHIP: N_(
        "Dear {name}, your membership card expires on {due}. Renew it with "
        "/renew or at the service desk to keep your benefits."
    ),
    Purpose.HOLIDAY: N_("Happy {holiday}, {name}! Best wishes from everyone at {store}."),
    Purpose.POINTS_EXPIRY: N_(
        "Dear {name}, {points} of your redeemable points expire after {due}. Exchange them "
        "for a gift or a voucher before then."
    ),
}
FIELDS = ("name", "plate", "model", "due", "km", "store", "holiday", "points")
ACTIONS = {
    Purpose.FIRST_MAINTENANCE: ("book", N_("Call me to book")),
    Purpose.REGULAR_MAINTENANCE: ("book", N_("Call me to book")),
    Purpose.WARRANTY: ("book", N_("Call me to book")),
    Purpose.INSPECTION: ("book", N_("Call me to book")),
    Purpose.INSURANCE: ("insure", N_("Call me about insurance")),
    Purpose.MEMBERSHIP: ("renew", N_("Renew my membership")),
}
# Buttons that open another feature rather than answer the reminder: their whole data.
LINKS = {
    Purpose.POINTS_EXPIRY: ("gift:page:0:0", N_("See the gifts")),  # the owners' catalog
}


@dataclass(frozen=True)
class Message:
    text: str
    photo: str | None = None
    buttons: tuple[tuple[str, str], ...] = ()  # (label, callback data)
    venue: Venue | None = None  # a map pin sent right after the text
    per_row: int = 1  # buttons side by side (an evaluation's five ratings in one row)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def bad_placeholders(text: str) -> set[str]:
    """Placeholders a manager's template uses that the bot cannot fill."""
    try:
        return placeholders(text) - set(FIELDS)
    except ValueError:
        return {"{"}


async def template_for(
    session: AsyncSession, store_id: int, purpose: str, locale: str, t: Translator
) -> str:
    custom = await session.scalar(
        select(Template.text).where(
            Template.store_id == store_id, Template.kind == purpose, Template.locale == locale
        )
    )
    return custom or t.gettext(DEFAULTS[purpose])


SEE_EVENT = N_("See the event and sign up")


def _values(services: Services, t: Translator, member: Member, params: dict[str, Any]) -> dict:
    # First maintenance is due *by* the end of its window; the others on their date.
    due = params.get("window_end") or params.get("due") or params.get("valid_until")
    holiday = next(
        (
            h.names.get(t.locale, h.names["en"])
            for h in services.store(member.store_id).policy.reminders.holidays
            if h.month_day == params.get("holiday")
        ),
        "",
    )
    km = params.get("km_due")
    return {
        "name": member.name,
        "plate": params.get("plate", ""),
        "model": params.get("model", ""),
        "due": t.date(date.fromisoformat(due)) if due else "",
        "km": t.gettext(" or at {km} km", km=t.number(km)) if km else "",
        "store": services.store(member.store_id).name,
        "holiday": holiday,
        "points": t.number(int(params["points"])) if "points" in params else "",
    }


async def render(
    services: Services, session: AsyncSession, push: Push, member: Member | None
) -> Message | None:
    """The message for `push`, or None if there is nothing to send any more."""
    if push.purpose in (Purpose.NOTICE, Purpose.STAFF, Purpose.REPORT):
        # Written in the reader's language when queued; a staff post may carry a photo
        # (a complaint's) and buttons ("I'll call"), an owner's notice buttons ("Not solved").
        params = push.params
        buttons = tuple((str(label), str(data)) for label, data in params.get("buttons") or ())
        return Message(params["text"], params.get("photo"), buttons)
    if member is None:
        return None
    store = services.store(member.store_id)
    t = services.translator(member.locale or store.default_locale, store)
    if push.purpose == Purpose.BROADCAST:
        item = await session.get(Broadcast, push.params.get("broadcast_id"))
        if item is None or item.status == "cancelled":
            return None
        text = item.texts.get(t.locale) or item.texts["zh_Hans"]
        if item.event_id is not None:  # an event's announcement: one tap to see it and sign up
            button = ((t.gettext(SEE_EVENT), f"ev:show:{item.event_id}"),)
            return Message(text, item.photo_file_id, button)
        return Message(text, item.photo_file_id)
    if push.purpose in booking_pushes.BOOKING_REMINDERS:
        said = await booking_pushes.render_reminder(session, store, push, t)
        return Message(said.text, None, said.buttons, said.venue) if said else None
    if push.purpose in event_pushes.EVENT_PUSHES:
        said = await event_pushes.render(session, store, push, t, services.now())
        if said is None:
            return None
        per_row = event_pushes.PER_ROW.get(push.purpose, 1)
        return Message(said.text, None, said.buttons, said.venue, per_row)
    if push.purpose == Purpose.SURVEY:
        said = await survey_pushes.render(session, store, push, t, services.now())
        if said is None:
            return None
        return Message(said.text, None, said.buttons, per_row=survey_pushes.PER_ROW)
    if push.purpose == Purpose.BOOKING_INVITE:
        values = _values(services, t, member, push.params)
        said = booking_pushes.render_invite(store, push.params, t, values)
        return Message(said.text, None, said.buttons)
    template = await template_for(session, member.store_id, push.purpose, t.locale, t)
    text = template.format(**_values(services, t, member, push.params))
    action, link = ACTIONS.get(push.purpose), LINKS.get(push.purpose)
    buttons: tuple[tuple[str, str], ...] = ()
    book_now = booking_pushes.maintenance_button(store, push)
    if book_now:  # booking is open in chat: three taps instead of a call back
        buttons = ((t.gettext(booking_pushes.BOOK_NOW), book_now),)
    elif action:
        buttons = ((t.gettext(action[1]), f"rem:{action[0]}:{push.id}"),)
    elif link:
        buttons = ((t.gettext(link[1]), link[0]),)
    return Message(text, None, buttons)


def push_renderer(services: Services) -> Any:
    """The sender's render callable: `render` turned into text, photo and buttons."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    from bot.messaging.sender import Rendered

    async def render_push(
        session: AsyncSession, push: Push, member: Member | None
    ) -> Rendered | None:
        message = await render(services, session, push, member)
        if message is None:
            return None
        buttons = [
            InlineKeyboardButton(label, callback_data=data) for label, data in message.buttons
        ]
        step = max(1, message.per_row)
        rows = [buttons[i : i + step] for i in range(0, len(buttons), step)]
        markup = InlineKeyboardMarkup(rows) if rows else None
        return Rendered(message.text, message.photo, markup, message.venue)

    return render_push


# --- a broadcast's delivery report, for the staff member who sent it --------------------


def waiting(counts: dict[str, int]) -> int:
    return counts.get("queued", 0) + counts.get("claimed", 0) + counts.get("sending", 0)


def report_text(t: Translator, item: Broadcast, counts: dict[str, int]) -> str:
    """Sent, failed, blocked, capped, still queued, cancelled — of how many."""
    left = waiting(counts)
    head = (
        t.gettext("Broadcast #{id}: sending…", id=item.id)
        if left and item.status == "queued"
        else t.gettext("Broadcast #{id}: finished.", id=item.id)
    )
    return (
        head
        + "\n"
        + t.gettext(
            "Sent {sent} · failed {failed} · blocked {blocked} · capped {capped} · still queued "
            "{queued} · cancelled {cancelled} (of {total})",
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
            blocked=counts.get("blocked", 0),
            capped=counts.get("capped", 0),
            queued=left,
            cancelled=counts.get("cancelled", 0),
            total=item.recipients,
        )
        + _unknown_line(t, counts.get("unknown", 0))
    )


def _unknown_line(t: Translator, unknown: int) -> str:
    if not unknown:
        return ""
    return "\n" + t.gettext(
        "Unknown {unknown}: being sent when the bot stopped, maybe delivered; not sent again. "
        "/followups lists them.",
        unknown=unknown,
    )
