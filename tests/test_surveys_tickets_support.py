"""What the ticket tests share (no tests here): a ticket opened as the survey or
/feedback opens it and posted to the staff group, a press in that group, the posts."""

from __future__ import annotations

import time
from typing import Any

from bot import jobs
from bot.club.surveys import answer, tickets
from bot.club.surveys.answer import Answer
from bot.club.surveys.rules import TicketKind
from bot.messaging import ticket_notices
from db.models import Member, Ticket
from tests.factories import add_visit
from tests.flows import services
from tests.harness import BOT_ID, Bot, Call

STAFF_CHAT = -100424242


async def post(bot: Bot, ticket: Ticket) -> None:
    """The ticket to the staff group, as the survey's and /feedback's use-cases do."""
    svc = services(bot)
    async with svc.sessionmaker() as session:
        await ticket_notices.post_new(session, svc, svc.default_store, ticket)
        await session.commit()
    await bot.drain()


async def open_ticket(
    bot: Bot,
    member: Member,
    *,
    kind: TicketKind = TicketKind.COMPLAINT,
    text: str | None = "The car came back dirty and nobody called me.",
    photo: str | None = None,
) -> Ticket:
    """A /feedback ticket (linked to the owner's latest visit), posted to the group."""
    svc = services(bot)
    store = svc.default_store
    async with svc.sessionmaker() as session:
        visit, car, advisor = await tickets.latest_visit(session, store.id, member.id, store.now())
        ticket = await tickets.open_ticket(
            session,
            store,
            member_id=member.id,
            kind=kind,
            now=store.now(),
            visit_id=visit,
            car_id=car,
            advisor=advisor,
            text=text,
            photo=photo,
        )
        await session.commit()
    await post(bot, ticket)
    return ticket


async def unhappy_survey(bot: Bot, member: Member) -> Ticket:
    """A visit, its survey, and an unhappy answer (2/5, 3/10, waiting and attitude)."""
    await add_visit(bot, order_no="RO-7788")
    svc = services(bot)
    await jobs.surveys_tick(svc)
    store = svc.default_store
    from sqlalchemy import select

    from db.models import Survey

    async with svc.sessionmaker() as session:
        survey = await session.scalar(select(Survey).where(Survey.member_id == member.id))
        saved = await answer.save(
            session,
            store,
            survey.id,
            member.id,
            Answer(2, 3, ("waiting", "attitude"), "Two hours late"),
            store.now(),
            store.now(),
        )
        await session.commit()
    assert saved.ticket is not None
    await post(bot, saved.ticket)
    return saved.ticket


def group_calls(bot: Bot) -> list[Call]:
    shown = {"sendMessage", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}
    return [c for c in bot.api.calls if c.chat_id == STAFF_CHAT and c.method in shown]


def notices(calls: list[Call]) -> list[str]:
    return [c.params.get("text") or "" for c in calls if c.method == "answerCallbackQuery"]


def button(call: Call, label: str) -> str:
    for b in call.buttons:
        if b["text"] == label:
            return b["callback_data"]
    raise AssertionError(f"no button {label!r} in {call.button_labels}")


async def group_press(
    bot: Bot, user_id: int, data: str, under: Call, language: str = "en"
) -> list[Call]:
    """`user_id` presses a button with `data` under the group's post `under`."""
    message: dict[str, Any] = {
        "message_id": under.message_id or 1,
        "date": int(time.time()),
        "chat": {"id": STAFF_CHAT, "type": "supergroup", "title": "Service desk"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Club"},
    }
    if under.shows_photo:
        size = {"file_id": "photo1", "file_unique_id": "u1", "width": 640, "height": 640}
        message.update(photo=[size], caption=under.text)
    else:
        message["text"] = under.text
    user = {"id": user_id, "is_bot": False, "first_name": "Li", "language_code": language}
    query = {
        "id": str(next(bot._callback_ids)),
        "from": user,
        "chat_instance": str(STAFF_CHAT),
        "data": data,
        "message": message,
    }
    return await bot.feed({"callback_query": query})
