"""Joining the club: the join form's steps, the one-time join links, then the member row.

The form engine (`bot.club.forms.engine`) keeps the half-finished join in the database;
this module only declares the steps, checks each answer and completes the join.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common import codes
from bot.club.common.validation import (
    normalise_model,
    normalise_name,
    normalise_phone,
    normalise_plate,
    normalise_vin,
    parse_date,
)
from bot.club.forms import engine
from bot.club.forms.engine import Context, Form, Kind, Outcome, Rejected, Reply, Step
from bot.club.members import claim
from bot.club.members.join_links import (
    JOIN_LINK_DAYS,
    create_join_link,
    release_link,
    reserve_link,
    usable_link,
    use_link,
)
from bot.club.points.tiers import membership_valid_until
from db import queries
from db.base import utcnow
from db.models import Car, JoinLink, Member

__all__ = ["FORM", "JOIN_LINK_DAYS", "Joined", "begin", "create_join_link", "usable_link"]

FORM_NAME = "join"


class JoinError(StrEnum):
    NOT_OWN_CONTACT = "not_own_contact"
    PHONE_TAKEN = "phone_taken"
    SHARE_TO_CLAIM = "share_to_claim"  # on the store's records: prove it by sharing the contact
    PLATE_TAKEN = "plate_taken"
    UNKNOWN_CHANNEL = "unknown_channel"
    ALREADY_MEMBER = "already_member"
    TEXT_EXPECTED = "text_expected"
    LINK_TAKEN = "link_taken"  # another owner is joining (or joined) with this one-time link


@dataclass(frozen=True)
class Joined:
    member: Member
    claimed: bool = False  # an existing (imported) membership was linked to this chat


# The steps, in order. Each parser gets the answer and the context and returns the fields.


async def _phone(reply: Reply, ctx: Context) -> dict[str, Any]:
    if reply.kind is Kind.CONTACT:
        if reply.contact_user_id != ctx.user_id:
            raise Rejected(JoinError.NOT_OWN_CONTACT)
        raw = reply.value or ""
        raw = raw if raw.startswith("+") else "+" + raw
    else:
        raw = reply.value or ""
    phone = normalise_phone(raw)
    existing = await queries.member_by_phone(ctx.session, ctx.store_id, phone)
    if existing is not None and existing.telegram_user_id is None:
        if reply.kind is not Kind.CONTACT:
            raise Rejected(JoinError.SHARE_TO_CLAIM)
        return {"phone": phone, "claim": existing.id}  # the rest is on the store's records
    if existing is not None:
        raise Rejected(JoinError.PHONE_TAKEN)
    return {"phone": phone}


async def _name(reply: Reply, ctx: Context) -> dict[str, Any]:
    return {"name": normalise_name(reply.value or "")}


async def _birthday(reply: Reply, ctx: Context) -> dict[str, Any]:
    born = parse_date(reply.value or "", today=ctx.today, earliest=date(1900, 1, 1))
    return {"birthday": born.isoformat()}


async def _plate(reply: Reply, ctx: Context) -> dict[str, Any]:
    plate = normalise_plate(reply.value or "")
    if await queries.car_by_plate(ctx.session, ctx.store_id, plate) is not None:
        raise Rejected(JoinError.PLATE_TAKEN)
    return {"plate": plate}


async def _vin(reply: Reply, ctx: Context) -> dict[str, Any]:
    return {"vin": normalise_vin(reply.value or "")}


async def _model(reply: Reply, ctx: Context) -> dict[str, Any]:
    return {"model": normalise_model(reply.value or "")}


async def _delivery(reply: Reply, ctx: Context) -> dict[str, Any]:
    delivered = parse_date(reply.value or "", today=ctx.today, earliest=date(1990, 1, 1))
    return {"delivery": delivered.isoformat()}


async def _channel(reply: Reply, ctx: Context) -> dict[str, Any]:
    if reply.value not in ctx.policy.join_channels:
        raise Rejected(JoinError.UNKNOWN_CHANNEL)
    return {"channel": reply.value}


def _new_member(data: dict[str, Any]) -> bool:
    return "claim" not in data  # a claimed record needs nothing more


def _step(name: str, parse: engine.Parser, **kw: Any) -> Step:
    return Step(name, parse, applies=_new_member, **kw)


async def _check(ctx: Context) -> None:
    """Someone else may have registered this phone or plate since it was checked."""
    data = ctx.data
    if "claim" in data:
        return
    if await queries.member_by_phone(ctx.session, ctx.store_id, data["phone"]) is not None:
        raise Rejected(JoinError.PHONE_TAKEN, "phone")
    if await queries.car_by_plate(ctx.session, ctx.store_id, data["plate"]) is not None:
        raise Rejected(JoinError.PLATE_TAKEN, "plate")


async def _complete(ctx: Context) -> Joined:
    data = ctx.data
    if "claim" in data:
        found = await ctx.session.get(Member, data["claim"])
        if found is None or found.telegram_user_id is not None:
            raise Rejected(JoinError.PHONE_TAKEN, "phone", clear=("claim",))
        member = await claim.link(ctx.session, found, ctx.user_id, data, ctx.locale)
        return Joined(member, claimed=True)
    if data.get("link") and not await use_link(ctx.session, data["link"], ctx.user_id, ctx.now):
        raise Rejected(JoinError.LINK_TAKEN, "channel", clear=("advisor", "link"))
    return Joined(await _create(ctx, data))


FORM = Form(
    FORM_NAME,
    (
        Step("phone", _phone, accepts=frozenset({Kind.TEXT, Kind.CONTACT})),
        _step("name", _name),
        _step("birthday", _birthday, skippable=True),
        _step("plate", _plate),
        _step("vin", _vin, skippable=True),
        _step("model", _model),
        _step("delivery", _delivery, skippable=True),
        _step(
            "channel",
            _channel,
            accepts=frozenset({Kind.CHOICE}),
            choices=lambda ctx: ctx.policy.join_channels,
            wrong_kind=JoinError.UNKNOWN_CHANNEL,
        ),
    ),
    complete=_complete,
    check=_check,
    wrong_kind=JoinError.TEXT_EXPECTED,
    on_cancel=release_link,
)
STEPS = tuple(step.name for step in FORM.steps)


async def begin(
    ctx: Context, *, referral_code: str | None = None, link_code: str | None = None
) -> tuple[Outcome | None, JoinError | None]:
    """The owner consented: open (or restart) their join form at the first step.

    Returns the outcome and a notice: ALREADY_MEMBER (no form then), or LINK_TAKEN when
    another owner holds the one-time link (the join goes on without its preset).
    """
    session, user_id = ctx.session, ctx.user_id
    if await queries.member_by_user(session, ctx.store_id, user_id) is not None:
        return None, JoinError.ALREADY_MEMBER
    data: dict[str, Any] = {"consent_at": ctx.now.isoformat()}
    notice: JoinError | None = None
    if link_code:
        preset = await usable_link(session, ctx.store_id, link_code, ctx.now, user_id)
        if preset is not None and await reserve_link(session, preset.link_id, user_id, ctx.now):
            data.update(channel=preset.channel, advisor=preset.advisor_user_id, link=preset.link_id)
        else:
            notice = JoinError.LINK_TAKEN
    if referral_code:
        referrer = await queries.member_by_referral(
            session, ctx.store_id, codes.clean_code(referral_code)
        )
        if referrer is not None and referrer.telegram_user_id != user_id:
            data["referrer"] = referrer.id
    return await engine.begin(FORM, ctx, data), notice


async def member_of_chat(session: AsyncSession, store_id: int, user_id: int) -> Member | None:
    """The member this chat belongs to, if it joined already."""
    return await queries.member_by_user(session, store_id, user_id)


async def joining(session: AsyncSession, user_id: int) -> bool:
    """Whether the user has a join form open."""
    found = await engine.current(session, user_id)
    return found is not None and found[0].name == FORM_NAME


async def _unique_code(session: AsyncSession, kind: str) -> str:
    while True:
        code = codes.new_code(8)
        if not await queries.code_in_use(session, kind, code):
            return code


async def _create(ctx: Context, data: dict[str, Any]) -> Member:
    session, store_id, policy, user_id = ctx.session, ctx.store_id, ctx.policy, ctx.user_id
    today, locale, now = ctx.today, ctx.locale, utcnow()
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
        if link is not None:
            link.used_by_member_id = member.id
    await session.flush()
    await session.refresh(member, ["cars"])
    return member
