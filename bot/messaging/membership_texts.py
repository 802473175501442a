"""Texts that tell owners and staff what happened to a membership (in their language)."""

from __future__ import annotations

from bot.club.points.membership import UPGRADES, Change, EventKind
from bot.club.points.tiers import next_tier
from bot.club.policy.model import ClubPolicy
from bot.i18n import N_, Translator
from db.models import Member

HOW: dict[EventKind, str] = {
    EventKind.UPGRADE_POINTS: N_("cumulative points reached the threshold"),
    EventKind.UPGRADE_TRADE: N_("traded redeemable points"),
    EventKind.UPGRADE_REPAIR: N_("a qualifying repair"),
    EventKind.UPGRADE_INSURANCE: N_("insurance renewed here two years running"),
    EventKind.MANUAL: N_("set by staff"),
    EventKind.RENEW_FEE: N_("renewal fee paid"),
    EventKind.RENEW_POINTS: N_("renewed with points"),
    EventKind.RENEW_INSURANCE: N_("insurance renewed here"),
}
RENEWALS = {EventKind.RENEW_FEE, EventKind.RENEW_POINTS, EventKind.RENEW_INSURANCE}


def way_to_next_tier(t: Translator, policy: ClubPolicy, tier_code: str, cumulative: int) -> str:
    """ "N more cumulative points to Gold", or "" at the top tier."""
    upcoming = next_tier(policy, tier_code, cumulative)
    if upcoming is None:
        return ""
    return t.gettext(
        "{points} more cumulative points to {tier}",
        points=t.number(upcoming.points_needed),
        tier=upcoming.tier.name(t.locale),
    )


def for_owner(t: Translator, policy: ClubPolicy, change: Change) -> str:
    tier = policy.tier(change.tier_after).name(t.locale)
    until = t.date(change.valid_until)
    if change.kind in UPGRADES:
        return t.gettext(
            "Congratulations! You are now a {tier} member. /card shows your new benefits.",
            tier=tier,
        )
    if change.kind in RENEWALS:
        return t.gettext("Your membership is renewed until {date}.", date=until)
    if change.kind is EventKind.MANUAL:
        return t.gettext("Your membership tier is now {tier}.", tier=tier)
    if change.kind is EventKind.EXPIRED:
        return t.gettext(
            "Your membership expired on {date}; your tier is now {tier}. Renew "
            "with /renew or at the service desk to get your benefits back.",
            date=until,
            tier=tier,
        )
    return t.gettext("Your membership tier is now {tier}.", tier=tier)


def for_staff(t: Translator, policy: ClubPolicy, member: Member, change: Change) -> str:
    how = t.gettext(HOW[change.kind]) if change.kind in HOW else change.kind.value
    if change.kind in RENEWALS:
        return t.gettext(
            "{name} ({card}) renewed until {date}: {how}.",
            name=member.name,
            card=member.card_code,
            date=t.date(change.valid_until),
            how=how,
        )
    return t.gettext(
        "{name} ({card}) is now {tier}: {how}.",
        name=member.name,
        card=member.card_code,
        tier=policy.tier(change.tier_after).name(t.locale),
        how=how,
    )


def worth_telling_staff(change: Change) -> bool:
    return change.kind in UPGRADES or change.kind in RENEWALS
