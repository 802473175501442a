"""What tickets tell people unasked, through the outbox and in the reader's language: a
new (or reopened) ticket to the staff group with an "I'll call" button, the taker's
card in private, and the owner told what was done (with "Not solved"); the overdue
posts are `ticket_escalation`'s. The lines that describe a ticket (member, car,
visit, scores, words, deadline) are written here once; /tickets' card adds to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.clock import whole_hours
from bot.club.stores.context import StoreContext
from bot.club.surveys import ticket_view
from bot.club.surveys.labels import kind_heading, reasons_text
from bot.club.surveys.rules import TicketKind, TicketStatus
from bot.club.surveys.ticket_view import TicketView
from bot.i18n import N_, Translator
from bot.messaging.notify import Button, notify_member, queue_staff_post
from db.models import Member, Ticket

if TYPE_CHECKING:
    from bot.services import Services

FEATURE = "tk"  # the tickets' callback prefix (handlers.surveys.tickets)
CAPTION = 1024  # Telegram's longest photo caption: a post with a photo is cut to it

REOPENED = N_("🔁 Reopened")
TAKE = N_("📞 I'll call")
NOTED = N_("✅ Noted")
NOT_SOLVED = N_("Not solved")
OPEN = N_("Open the ticket")


def data(action: str, *args: object) -> str:
    """`tk:<action>:<args>` (the same shape `handlers.callbacks.encode` makes)."""
    return ":".join([FEATURE, action, *(str(a) for a in args)])


def kind_label(t: Translator, ticket: Ticket) -> str:
    """The ticket's kind as a heading; a reopened one says so before it."""
    heading = kind_heading(t, ticket.kind)
    if ticket.reopened_at is not None and ticket.status != TicketStatus.RESOLVED:
        return f"{t.gettext(REOPENED)} · {heading}"
    return heading


def due_text(t: Translator, due: datetime, now: datetime) -> str:
    """ "solve by <when>", or "overdue by N hours" (whole hours, at least one)."""
    if now < due:
        return t.gettext("Solve by {when}", when=t.datetime(due))
    late = whole_hours(now - due)
    return t.ngettext("Overdue by {n} hour", "Overdue by {n} hours", late, n=t.number(late))


def summary_lines(
    t: Translator, store: StoreContext, view: TicketView, now: datetime, *, phone: bool = False
) -> list[str]:
    """A ticket as staff read it: what and whose, the car and the visit, the scores and
    the reasons, the deadline, then the owner's words (last: a caption is cut there).
    The phone only with `phone` (the taker's card, never the group)."""
    ticket, member, car, visit, survey = (
        view.ticket,
        view.member,
        view.car,
        view.visit,
        view.survey,
    )
    tier = store.policy.tier(member.tier_code).name(t.locale)
    lines = [f"{kind_label(t, ticket)} · #{ticket.id}"]
    lines.append(t.gettext("Owner: {name} · {tier}", name=member.name, tier=tier))
    if phone:
        lines.append(t.gettext("Phone: {phone}", phone=member.phone))
    if car is not None:
        lines.append(t.gettext("Car: {plate} · {model}", plate=car.plate, model=car.model or "—"))
    if visit is not None:
        category = store.policy.category(visit.category)
        lines.append(
            t.gettext(
                "Visit: {order} · {date} · {category} · advisor {advisor}",
                order=visit.order_no,
                date=t.date(visit.visit_date),
                category=category.name(t.locale) if category else visit.category,
                advisor=ticket.advisor or visit.advisor or "—",
            )
        )
    elif ticket.advisor:
        lines.append(t.gettext("Advisor: {advisor}", advisor=ticket.advisor))
    if survey is not None and survey.satisfaction is not None:
        nps = t.number(survey.nps) if survey.nps is not None else "—"
        lines.append(
            t.gettext(
                "Satisfaction {score}/5 · recommend {nps}/10",
                score=t.number(survey.satisfaction),
                nps=nps,
            )
        )
        if survey.reasons:
            lines.append(
                t.gettext("What went wrong: {reasons}", reasons=reasons_text(t, survey.reasons))
            )
    if ticket.due_at is not None and ticket.status in (TicketStatus.OPEN, TicketStatus.TAKEN):
        lines.append(due_text(t, ticket.due_at, now))
    if ticket.reopened_at is not None and ticket.resolution:
        lines.append(t.gettext("Done before: {text}", text=ticket.resolution))
    words = ticket.text or (survey.comment if survey is not None else None)
    if words:
        lines.append(t.gettext("In the owner's words: “{text}”", text=words))
    return lines


def fit(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def group_buttons(t: Translator, ticket: Ticket) -> tuple[Button, ...]:
    """ "I'll call" while nobody has it; "Noted" for a suggestion still open."""
    if ticket.status != TicketStatus.OPEN:
        return ()
    if ticket.kind == TicketKind.SUGGESTION:
        return ((t.gettext(NOTED), data("solve", ticket.id)),)
    return ((t.gettext(TAKE), data("take", ticket.id)),)


def post_text(t: Translator, store: StoreContext, view: TicketView, now: datetime) -> str:
    """The staff group's post of a ticket (no phone); cut to a caption with a photo."""
    text = "\n".join(summary_lines(t, store, view, now))
    return fit(text, CAPTION) if view.ticket.photo else text


def group(services: Services, store: StoreContext) -> tuple[int | None, Translator]:
    return services.settings.staff_chat_id, services.translator(store.default_locale, store)


async def post_new(
    session: AsyncSession, services: Services, store: StoreContext, ticket: Ticket
) -> bool:
    """A new (or reopened) ticket, to the staff group; False if no staff chat is set."""
    chat_id, t = group(services, store)
    if chat_id is None:
        return False
    view = await ticket_view.card(session, store.id, ticket.id, calls=False)
    text = post_text(t, store, view, services.now())
    key = f"tk-new:{ticket.id}:{'reopen' if view.ticket.reopened_at else 'new'}"
    buttons = group_buttons(t, view.ticket)
    queued = await queue_staff_post(
        session,
        services,
        chat_id=chat_id,
        text=text,
        key=key,
        store_id=store.id,
        photo=view.ticket.photo,
        buttons=buttons,
    )
    return queued is not None


async def send_card(
    session: AsyncSession,
    services: Services,
    store: StoreContext,
    user_id: int,
    text: str,
    buttons: Sequence[Button],
    key: str,
) -> bool:
    """The taker's card (with the phone), to their private chat: they took the ticket
    in the group, where it must not be shown."""
    queued = await queue_staff_post(
        session, services, chat_id=user_id, text=text, key=key, store_id=store.id, buttons=buttons
    )
    return queued is not None


def resolved_text(t: Translator, ticket: Ticket) -> str:
    if ticket.kind == TicketKind.SUGGESTION:
        return t.gettext(
            "Thank you for your suggestion (your feedback #{id}). What we did with it:\n{text}",
            id=ticket.id,
            text=ticket.resolution or "",
        )
    return t.gettext(
        "Your feedback #{id} has been dealt with. What we did:\n{text}\n\n"
        "If it is not solved for you, press “Not solved” and a supervisor will call you again.",
        id=ticket.id,
        text=ticket.resolution or "",
    )


async def tell_resolved(
    session: AsyncSession, services: Services, store: StoreContext, ticket: Ticket
) -> bool:
    """The owner hears what was done, in their language, with "Not solved" (not for a
    suggestion); False if they cannot be reached in chat."""
    member = await session.get(Member, ticket.member_id)
    if member is None:
        return False

    def buttons(t: Translator) -> tuple[Button, ...]:
        if ticket.kind == TicketKind.SUGGESTION:
            return ()
        return ((t.gettext(NOT_SOLVED), data("reopen", ticket.id)),)

    return await notify_member(
        session,
        services,
        member,
        lambda t: resolved_text(t, ticket),
        f"tk-done:{ticket.id}:{ticket.version}",
        buttons=buttons,
    )
