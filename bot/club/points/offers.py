"""Offers the bot makes to an owner (trade points for the next tier, renew with points),
and the check that a confirmation matches an offer really made.

An offer's terms travel in its button: kind, price, what is bought (the target tier's
rank or the term in months), when it was made, and a random nonce, signed with an HMAC keyed
from the bot's token and bound to the owner's Telegram id. A forged or edited button
(`mem:renew:anything`), someone else's button, a stale one, or one whose terms the
policy no longer offers is refused before any point moves. No table is needed, and the
nonce keeps one offer from being paid twice (it is the ledger row's dedupe key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.codes import new_code
from bot.club.common.numbers import parse_whole
from bot.club.points import membership
from bot.club.points.ledger import EntryKind
from bot.club.points.membership import Change, TradeOutcome
from bot.club.points.tiers import next_tier
from bot.club.policy.model import ClubPolicy
from db import queries
from db.models import Member

VALID_MINUTES = 24 * 60  # an offer left unanswered for a day is asked for again
SIGNATURE_CHARS = 12  # 72 bits of HMAC-SHA256


class Kind(StrEnum):
    UPGRADE = "up"
    RENEW = "renew"

    @property
    def entry(self) -> EntryKind:
        return EntryKind.UPGRADE_TRADE if self is Kind.UPGRADE else EntryKind.RENEWAL


class Verdict(StrEnum):
    OK = "ok"
    FORGED = "forged"  # not an offer this bot made to this owner
    EXPIRED = "expired"
    CHANGED = "changed"  # the policy's price or terms moved since


@dataclass(frozen=True)
class Offer:
    kind: Kind
    cost: int
    term: str  # target tier's rank (upgrade) or months (renewal): short, for the button
    issued: int  # minutes since the epoch
    nonce: str

    def args(self, secret: bytes, user_id: int) -> tuple[str, ...]:
        """The button's arguments after `mem:<kind>`."""
        return (
            self.nonce,
            str(self.cost),
            self.term,
            str(self.issued),
            _sign(secret, user_id, self),
        )

    @property
    def key(self) -> str:
        """The ledger's dedupe key: one payment per offer."""
        return f"{self.kind.value}:{self.nonce}"


def key_from_token(token: str) -> bytes:
    """The signing key: derived from the bot token, so it is secret and stable across
    restarts and instances without another setting."""
    return hashlib.sha256(b"owners-club offers\0" + token.encode()).digest()


def _sign(secret: bytes, user_id: int, offer: Offer) -> str:
    message = f"{user_id}|{offer.kind.value}|{offer.cost}|{offer.term}|{offer.issued}|{offer.nonce}"
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]


def _minutes(now: datetime) -> int:
    return int(now.timestamp() // 60)


def current_terms(policy: ClubPolicy, member: Member, kind: Kind) -> tuple[int, str] | None:
    """(price, what is bought) the policy offers this member now; None at the top tier."""
    if kind is Kind.RENEW:
        return policy.renewal_points_cost, str(policy.valid_months)
    upcoming = next_tier(policy, member.tier_code, member.cumulative_points)
    if upcoming is None:
        return None
    return policy.upgrade_points_cost, str(policy.tier_rank(upcoming.tier.code))


def make(policy: ClubPolicy, member: Member, kind: Kind, now: datetime) -> Offer | None:
    terms = current_terms(policy, member, kind)
    if terms is None:
        return None
    return Offer(kind, terms[0], terms[1], _minutes(now), new_code(6))


def read(
    secret: bytes,
    user_id: int,
    kind_text: str,
    args: tuple[str, ...],
    policy: ClubPolicy,
    member: Member,
    now: datetime,
) -> tuple[Verdict, Offer | None]:
    """The offer behind a confirmation button, checked: signature, age, current terms."""
    try:
        kind = Kind(kind_text)
    except ValueError:
        return Verdict.FORGED, None
    if len(args) != 5:
        return Verdict.FORGED, None
    nonce, cost_text, term, issued_text, signature = args
    cost, issued = parse_whole(cost_text), parse_whole(issued_text)
    if cost is None or issued is None or not nonce:
        return Verdict.FORGED, None
    offer = Offer(kind, cost, term, issued, nonce)
    if not hmac.compare_digest(_sign(secret, user_id, offer), signature):
        return Verdict.FORGED, None
    if not 0 <= _minutes(now) - issued <= VALID_MINUTES:
        return Verdict.EXPIRED, offer
    terms = current_terms(policy, member, kind)
    if kind is Kind.UPGRADE and terms is None:
        return Verdict.OK, offer  # the trade finds the top tier and says so
    if terms != (cost, term):
        return Verdict.CHANGED, offer
    return Verdict.OK, offer


@dataclass(frozen=True)
class Confirmed:
    verdict: Verdict
    outcome: TradeOutcome | None = None  # set when the verdict is OK
    member: Member | None = None
    change: Change | None = None


async def confirm(
    session: AsyncSession,
    policy: ClubPolicy,
    secret: bytes,
    store_id: int,
    user_id: int,
    kind_text: str,
    args: tuple[str, ...],
    now: datetime,
    today: date,
) -> Confirmed:
    """The owner confirmed an offer: check it is one the bot made, then trade once."""
    member = await queries.member_by_user(session, store_id, user_id)
    if member is None:
        return Confirmed(Verdict.FORGED)
    verdict, offer = read(secret, user_id, kind_text, args, policy, member, now)
    if verdict is not Verdict.OK or offer is None:
        return Confirmed(verdict, member=member)
    outcome, change = await membership.spend_for(
        session, policy, member.id, offer.kind.entry, offer.key, today
    )
    return Confirmed(verdict, outcome, member, change)
