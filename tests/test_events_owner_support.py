"""Helpers for the owners' event tests (test_events_owner_*.py): reading what the bot
sent (notices, files, the pass's QR code) and what the database holds. No tests here."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlparse

import icalendar
import qrcode
from PIL import Image
from sqlalchemy import select

from bot.render.pass_image import QR_LEFT, QR_SIDE, QR_TOP
from db.models import Event, EventSignup, Member, Push
from tests.flows import services
from tests.harness import BOT_USERNAME, Bot, Call


def notices(calls: list[Call]) -> list[str]:
    """The pop-up texts of the pressed buttons' answers."""
    return [c.params.get("text") or "" for c in calls if c.method == "answerCallbackQuery"]


def notice(calls: list[Call]) -> str:
    """All the pop-up texts as one (a refusal answers the pressed button)."""
    return " ".join(notices(calls))


def sent(calls: list[Call], method: str) -> list[Call]:
    return [c for c in calls if c.method == method]


def ics_of(call: Call) -> icalendar.Event:
    item = call.files["document"]
    content = item[1] if isinstance(item, tuple) else item
    return icalendar.Calendar.from_ical(content).walk("VEVENT")[0]


def qr_matches(png: bytes, payload: str) -> bool:
    """Whether the pass picture's QR square carries exactly `payload`: every module of
    the code `payload` makes, sampled at its centre, has the right colour."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(payload)
    code.make(fit=True)
    matrix = code.get_matrix()
    image = Image.open(io.BytesIO(png)).convert("L")
    size = QR_SIDE / len(matrix)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            pixel = image.getpixel(
                (int(QR_LEFT + (c + 0.5) * size), int(QR_TOP + (r + 0.5) * size))
            )
            if (pixel < 128) != dark:
                return False
    return True


def pass_link(code: str) -> str:
    return f"https://t.me/{BOT_USERNAME}?start=ci_{code}"


def start_arg(link: str) -> str:
    """What Telegram hands the bot as /start's argument when the link is opened."""
    return parse_qs(urlparse(link).query)["start"][0]


async def signups(bot: Bot, event_id: int) -> dict[int, EventSignup]:
    """The event's sign-ups by the owner's Telegram id."""
    async with services(bot).sessionmaker() as session:
        rows = await session.execute(
            select(Member.telegram_user_id, EventSignup)
            .join(Member, Member.id == EventSignup.member_id)
            .where(EventSignup.event_id == event_id)
        )
        return {int(user): signup for user, signup in rows.all()}


async def event_row(bot: Bot, event_id: int) -> Event:
    async with services(bot).sessionmaker() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        return event


async def pushes(bot: Bot, purpose: str) -> list[Push]:
    async with services(bot).sessionmaker() as session:
        return list(
            await session.scalars(select(Push).where(Push.purpose == purpose).order_by(Push.id))
        )


async def points_of(bot: Bot, user_id: int) -> int:
    async with services(bot).sessionmaker() as session:
        found = await session.scalar(
            select(Member.redeemable_points).where(Member.telegram_user_id == user_id)
        )
        return int(found or 0)


async def move(bot: Bot, event_id: int, **columns: object) -> None:
    """Change an event's columns as time passing would (a deadline or start now past)."""
    async with services(bot).sessionmaker() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        for name, value in columns.items():
            setattr(event, name, value)
        await session.commit()


async def hold_until(bot: Bot, signup_id: int, until: object) -> None:
    """Move a held place's deadline (as if the hours had passed)."""
    async with services(bot).sessionmaker() as session:
        signup = await session.get(EventSignup, signup_id)
        assert signup is not None
        signup.offer_until = until
        await session.commit()
