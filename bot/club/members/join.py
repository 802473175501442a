"""Joining the club: a step-by-step dialog kept in the database, then the member row.

The dialog survives restarts; each answer is validated here and the caller only
renders the next prompt or the error code it gets back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common import codes
from bot.club.common.validation import (
    ValidationError,
    normalise_model,
    normalise_name,
    normalise_phone,
    normalise_plate,
    normalise_vin,
    parse_date,
)
from bot.club.forms import dialogs
from bot.club.members import claim
from bot.club.points.tiers import membership_valid_until
from bot.club.policy.model import ClubPolicy
from db import queries
from db.base import utcnow
from db.models import Car, Dialog, JoinLink, Member

FLOW = "join"
JOIN_LINK_DAYS = 7


class JoinStep(StrEnum):
    PHONE = "phone"
    NAME = "name"
    BIRTHDAY = "birthday"
    PLATE = "plate"
    VIN = "vin"
    MODEL = "model"
    DELIVERY = "delivery"
    CHANNEL = "channel"


ORDER = list(JoinStep)
SKIPPABLE = {JoinStep.BIRTHDAY, JoinStep.VIN, JoinStep.DELIVERY}


class JoinError(StrEnum):
    NOT_OWN_CONTACT = "not_own_contact"
    PHONE_TAKEN = "phone_taken"
    SHARE_TO_CLAIM = "share_to_claim"  # on the store's records: prove it by sharing the contact
    PLATE_TAKEN = "plate_taken"
    NOT_SKIPPABLE = "not_skippable"
    UNKNOWN_CHANNEL = "unknown_channel"
    STALE = "stale"
    ALREADY_MEMBER = "already_member"
    TEXT_EXPECTED = "text_expected"


class JoinRejected(Exception):
    def __init__(self, code: JoinError) -> None:
        super().__init__(code.value)
        self.code = code


class RecordFound(Exception):
    """The shared (so verified) phone belongs to a member imported from the DMS."""

    def __init__(self, member: Member) -> None:
        super().__init__(member.id)
        self.member = member


@dataclass(frozen=True)
class Answer:
    """One thing the owner sent: typed text, a shared contact, a skip or a channel button."""

    text: str | None = None
    contact_phone: str | None = None
    contact_user_id: int | None = None
    skip: bool = False
    channel: str | None = None


@dataclass
class JoinOutcome:
    step: JoinStep | None = None
    error: str | None = None
    member: Member | None = None
    data: dict[str, Any] = field(default_factory=dict)
    claimed: bool = False  # an existing (imported) membership was linked to this chat


@dataclass(frozen=True)
class LinkPreset:
    channel: str
    advisor_user_id: int | None
    link_id: int


def link_is_usable(link: JoinLink | None, now: datetime) -> bool:
    return link is not None and link.used_at is None and link.expires_at > now


async def usable_link(
    session: AsyncSession, store_id: int, code: str, now: datetime
) -> LinkPreset | None:
    link = await queries.join_link_by_code(session, store_id, codes.clean_code(code))
    if link is None or not link_is_usable(link, now):
        return None
    return LinkPreset(link.channel, link.advisor_user_id, link.id)


async def create_join_link(
    session: AsyncSession,
    store_id: int,
    staff_id: int,
    channel: str,
    advisor_user_id: int | None,
    now: datetime,
) -> JoinLink:
    """A one-time onboarding link that presets the join channel and the advisor."""
    from bot.club.staff import audit

    link = JoinLink(
        store_id=store_id,
        code=codes.new_code(10),
        channel=channel,
        advisor_user_id=advisor_user_id,
        created_by=staff_id,
        created_at=now,
        expires_at=now + timedelta(days=JOIN_LINK_DAYS),
    )
    session.add(link)
    await session.flush()
    audit.record(session, store_id, staff_id, "joinlink.create", f"link:{link.id}", channel=channel)
    return link


async def begin(
    session: AsyncSession,
    store_id: int,
    user_id: int,
    *,
    now: datetime,
    referral_code: str | None = None,
    link_code: str | None = None,
) -> JoinOutcome:
    """The owner consented: open (or restart) their join dialog at the first step."""
    if await queries.member_by_user(session, store_id, user_id) is not None:
        return JoinOutcome(error=JoinError.ALREADY_MEMBER)
    data: dict[str, Any] = {"consent_at": now.isoformat()}
    if link_code:
        preset = await usable_link(session, store_id, link_code, now)
        if preset is not None:
            data.update(channel=preset.channel, advisor=preset.advisor_user_id, link=preset.link_id)
    if referral_code:
        referrer = await queries.member_by_referral(
            session, store_id, codes.clean_code(referral_code)
        )
        if referrer is not None and referrer.telegram_user_id != user_id:
            data["referrer"] = referrer.id
    await dialogs.start(session, store_id, user_id, FLOW, JoinStep.PHONE, data)
    return JoinOutcome(step=JoinStep.PHONE, data=data)


async def current(session: AsyncSession, user_id: int) -> Dialog | None:
    return await dialogs.current(session, user_id, FLOW)


async def cancel(session: AsyncSession, user_id: int) -> bool:
    """Leave the join dialog; nothing the owner typed is kept."""
    return await dialogs.close(session, user_id, FLOW)


def _next_step(data: dict[str, Any]) -> JoinStep | None:
    """The first step not answered yet (a preset channel counts as answered)."""
    for candidate in ORDER:
        if candidate.value not in data:
            return candidate
    return None


async def _validate(
    session: AsyncSession,
    store_id: int,
    policy: ClubPolicy,
    user_id: int,
    step: JoinStep,
    answer: Answer,
    today: date,
) -> dict[str, Any]:
    """Check one answer; returns the fields to store or raises."""
    if answer.skip:
        if step not in SKIPPABLE:
            raise JoinRejected(JoinError.NOT_SKIPPABLE)
        return {step.value: None}
    if step is JoinStep.CHANNEL:
        if answer.channel not in policy.join_channels:
            raise JoinRejected(JoinError.UNKNOWN_CHANNEL)
        return {"channel": answer.channel}
    if step is JoinStep.PHONE and answer.contact_phone is not None:
        if answer.contact_user_id != user_id:
            raise JoinRejected(JoinError.NOT_OWN_CONTACT)
        raw = answer.contact_phone
        raw = raw if raw.startswith("+") else "+" + raw
    elif answer.text is None:
        raise JoinRejected(JoinError.TEXT_EXPECTED)
    else:
        raw = answer.text
    if step is JoinStep.PHONE:
        phone = normalise_phone(raw)
        existing = await queries.member_by_phone(session, store_id, phone)
        if existing is not None and existing.telegram_user_id is None:
            if answer.contact_phone is None:
                raise JoinRejected(JoinError.SHARE_TO_CLAIM)
            raise RecordFound(existing)
        if existing is not None:
            raise JoinRejected(JoinError.PHONE_TAKEN)
        return {"phone": phone}
    if step is JoinStep.NAME:
        return {"name": normalise_name(raw)}
    if step is JoinStep.BIRTHDAY:
        born = parse_date(raw, today=today, earliest=date(1900, 1, 1))
        return {"birthday": born.isoformat()}
    if step is JoinStep.PLATE:
        plate = normalise_plate(raw)
        if await queries.car_by_plate(session, store_id, plate) is not None:
            raise JoinRejected(JoinError.PLATE_TAKEN)
        return {"plate": plate}
    if step is JoinStep.VIN:
        return {"vin": normalise_vin(raw)}
    if step is JoinStep.MODEL:
        return {"model": normalise_model(raw)}
    delivered = parse_date(raw, today=today, earliest=date(1990, 1, 1))
    return {"delivery": delivered.isoformat()}


async def answer(
    session: AsyncSession,
    store_id: int,
    policy: ClubPolicy,
    user_id: int,
    reply: Answer,
    *,
    today: date,
    expected_step: str | None = None,
    locale: str | None = None,
) -> JoinOutcome:
    """Take the owner's answer to the current step and move on (or say what is wrong).

    `expected_step` comes from a button: a button from another step is stale.
    """
    dialog = await current(session, user_id)
    if dialog is None or (expected_step is not None and expected_step != dialog.step):
        return JoinOutcome(error=JoinError.STALE)
    step = JoinStep(dialog.step)
    try:
        fields = await _validate(session, store_id, policy, user_id, step, reply, today)
    except ValidationError as exc:
        return JoinOutcome(step=step, error=exc.code, data=dialog.data)
    except JoinRejected as exc:
        return JoinOutcome(step=step, error=exc.code, data=dialog.data)
    except RecordFound as found:
        member = await claim.link(session, found.member, user_id, dialog.data, locale)
        return JoinOutcome(member=member, data=dialog.data, claimed=True)
    data = {**dialog.data, **fields}
    following = _next_step(data)
    if following is None:
        # Someone else may have registered this phone or plate since it was checked.
        clash = await _clash(session, store_id, data)
        if clash is not None:
            back, error = clash
            data.pop(back.value)  # ask that one again; the other answers are kept
            dialogs.advance(dialog, back, data)
            return JoinOutcome(step=back, error=error, data=data)
        member = await _complete(session, store_id, policy, user_id, data, today, locale)
        return JoinOutcome(member=member, data=data)
    dialogs.advance(dialog, following, data)
    return JoinOutcome(step=following, data=data)


async def _clash(
    session: AsyncSession, store_id: int, data: dict[str, Any]
) -> tuple[JoinStep, JoinError] | None:
    if await queries.member_by_phone(session, store_id, data["phone"]) is not None:
        return JoinStep.PHONE, JoinError.PHONE_TAKEN
    if await queries.car_by_plate(session, store_id, data["plate"]) is not None:
        return JoinStep.PLATE, JoinError.PLATE_TAKEN
    return None


async def _unique_code(session: AsyncSession, kind: str) -> str:
    while True:
        code = codes.new_code(8)
        if not await queries.code_in_use(session, kind, code):
            return code


async def _complete(
    session: AsyncSession,
    store_id: int,
    policy: ClubPolicy,
    user_id: int,
    data: dict[str, Any],
    today: date,
    locale: str | None,
) -> Member:
    now = utcnow()
    member = Member(
        store_id=store_id,
        telegram_user_id=user_id,
        phone=data["phone"],
        name=data["name"],
        birthday=date.fromisoformat(data["birthday"]) if data.get("birthday") else None,
        tier_code=policy.starting_tier,
        valid_until=membership_valid_until(policy, today),
        cumulative_points=0,
        redeemable_points=0,
        card_code=await _unique_code(session, "card"),
        referral_code=await _unique_code(session, "referral"),
        referred_by_id=data.get("referrer"),
        join_channel=data["channel"],
        advisor_user_id=data.get("advisor"),
        consent_at=datetime.fromisoformat(data["consent_at"]),
        joined_at=now,
    )
    # The language they joined in, unless they chose one with /language: pushes use it.
    chat_user = await queries.chat_user(session, user_id)
    member.locale = chat_user.locale if chat_user and chat_user.locale else locale
    session.add(member)
    await session.flush()
    session.add(
        Car(
            store_id=store_id,
            member_id=member.id,
            plate=data["plate"],
            vin=data.get("vin"),
            model=data["model"],
            delivery_date=date.fromisoformat(data["delivery"]) if data.get("delivery") else None,
        )
    )
    if data.get("link"):
        link = await session.get(JoinLink, data["link"])
        if link is not None and link.used_at is None:
            link.used_at, link.used_by_member_id = now, member.id
    await queries.drop_dialog(session, user_id)
    await session.flush()
    await session.refresh(member, ["cars"])
    return member
