"""Composing a broadcast in chat, step by step, kept in the dialogs table until sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.broadcasts.campaigns import IDLE_CHOICES
from bot.club.forms import dialogs
from bot.club.policy.model import ClubPolicy
from bot.messaging.outbox import BROADCAST_KINDS

FLOW = "broadcast"
MAX_TEXT = 1000  # a photo caption holds 1,024 characters


class Step(StrEnum):
    KIND = "kind"
    TEXT_ZH = "text_zh"
    TEXT_EN = "text_en"
    PHOTO = "photo"
    AUDIENCE = "audience"
    TIER = "tier"
    MODEL = "model"
    IDLE = "idle"
    PREVIEW = "preview"
    WHEN = "when"


AUDIENCES = ("all", "tier", "model", "local", "out_of_town", "idle", "out_of_warranty")


@dataclass
class FormOutcome:
    step: Step | None
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


async def begin(session: AsyncSession, store_id: int, staff_id: int) -> FormOutcome:
    await dialogs.start(session, store_id, staff_id, FLOW, Step.KIND, {})
    return FormOutcome(Step.KIND)


def _audience(choice: str) -> tuple[Step | None, dict[str, Any]]:
    """The next step for an audience button, or the finished audience."""
    simple = {
        "all": {},
        "local": {"region": "local"},
        "out_of_town": {"region": "out_of_town"},
        "out_of_warranty": {"out_of_warranty": True},
    }
    if choice in simple:
        return None, simple[choice]
    return {"tier": Step.TIER, "model": Step.MODEL, "idle": Step.IDLE}[choice], {}


def parse_when(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """'2026-12-01 09:00' in store time → UTC; None unless it is in the future."""
    try:
        local = datetime.strptime(" ".join(text.split()), "%Y-%m-%d %H:%M").replace(tzinfo=tz)
    except ValueError:
        return None
    return local.astimezone(now.tzinfo) if local > now else None


async def answer(
    session: AsyncSession,
    policy: ClubPolicy,
    staff_id: int,
    *,
    text: str | None = None,
    choice: str | None = None,
    photo: str | None = None,
    expected: str | None = None,
    can_reach_all: bool = False,
) -> FormOutcome:
    """Take one answer (typed text, a button choice or a photo) and move on."""
    dialog = await dialogs.current(session, staff_id, FLOW)
    if dialog is None or (expected is not None and expected != dialog.step):
        return FormOutcome(None, error="stale")
    step, data = Step(dialog.step), dict(dialog.data)
    following: Step | None
    if step is Step.KIND and choice in BROADCAST_KINDS:
        data["kind"], following = choice, Step.TEXT_ZH
    elif step in (Step.TEXT_ZH, Step.TEXT_EN) and text is not None:
        if not text.strip() or len(text) > MAX_TEXT:
            return FormOutcome(step, data, error="text_length")
        data["zh_Hans" if step is Step.TEXT_ZH else "en"] = text.strip()
        following = Step.TEXT_EN if step is Step.TEXT_ZH else Step.PHOTO
    elif step is Step.TEXT_EN and choice == "copy":
        data["en"], following = data["zh_Hans"], Step.PHOTO
    elif step is Step.PHOTO and (photo or choice == "skip"):
        data["photo"], following = photo, Step.AUDIENCE
    elif step is Step.AUDIENCE and choice in AUDIENCES:
        if choice == "all" and not can_reach_all:
            return FormOutcome(step, data, error="needs_manager")
        following, audience = _audience(choice)
        data["audience"] = audience
        following = following or Step.PREVIEW
    elif step is Step.TIER and choice in {t.code for t in policy.tiers}:
        data["audience"], following = {"tier": choice}, Step.PREVIEW
    elif step is Step.MODEL and text and text.strip():
        data["audience"], following = {"model": text.strip()[:40]}, Step.PREVIEW
    elif step is Step.IDLE and choice in {str(d) for d in IDLE_CHOICES}:
        data["audience"], following = {"idle_days": int(choice)}, Step.PREVIEW
    elif step is Step.PREVIEW and choice == "schedule":
        following = Step.WHEN
    else:
        return FormOutcome(step, data, error="unexpected")
    dialogs.advance(dialog, following, data)
    return FormOutcome(following, data)


async def finish(session: AsyncSession, staff_id: int) -> dict[str, Any] | None:
    """The composed broadcast, ending the dialog; None when there is none ready."""
    dialog = await dialogs.current(session, staff_id, FLOW)
    if dialog is None or dialog.step not in (Step.PREVIEW, Step.WHEN):
        return None
    data = dict(dialog.data)
    await dialogs.close(session, staff_id, FLOW)
    return data
