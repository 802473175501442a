"""The survey's and the ticket's rules as plain functions: when a survey goes and until
when it is answered, what counts as unhappy, Net Promoter Score, and when an open
ticket goes to the manager."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.club.common.clock import out_of_quiet
from bot.club.policy.surveys import NPS_TOP, SurveyPolicy

SCORES = range(1, 6)  # overall satisfaction, 1 (very unhappy) to 5 (very happy)
NPS_SCORES = range(0, NPS_TOP + 1)  # likelihood to recommend, 0 to 10
PROMOTER, DETRACTOR = 9, 6  # 9–10 promote, 0–6 detract (the usual NPS cut-offs)
LONGEST_COMMENT = 1000
LONGEST_TEXT = 2000


class Reason(StrEnum):
    """What went wrong, asked after a low score (several may be chosen)."""

    PRICE = "price"
    WAITING = "waiting"
    QUALITY = "quality"
    ATTITUDE = "attitude"
    CLEANLINESS = "cleanliness"
    OTHER = "other"


REASONS = tuple(Reason)


class SurveyStatus(StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"


class TicketKind(StrEnum):
    SURVEY = "survey"  # an unhappy survey answer
    COMPLAINT = "complaint"  # /feedback, a complaint
    SUGGESTION = "suggestion"  # /feedback, a suggestion: noted and thanked, no deadline


class TicketStatus(StrEnum):
    OPEN = "open"  # waiting for a supervisor
    TAKEN = "taken"  # a supervisor said "I'll call"
    RESOLVED = "resolved"  # what was done is written; the owner may say "not solved" once
    CLOSED = "closed"  # a suggestion noted (nothing to reopen)


ACTIVE = (TicketStatus.OPEN, TicketStatus.TAKEN)  # still to be solved


def survey_time(
    policy: SurveyPolicy, tz: ZoneInfo, quiet: tuple[time, time], recorded_at: datetime
) -> datetime:
    """When the survey of a visit recorded at `recorded_at` goes: the policy's delay
    later, moved out of quiet hours (store time)."""
    return out_of_quiet(recorded_at + timedelta(minutes=policy.delay_minutes), tz, quiet)


def survey_closes(policy: SurveyPolicy, sent_after: datetime) -> datetime:
    return sent_after + timedelta(days=policy.expire_days)


def is_low(policy: SurveyPolicy, satisfaction: int, nps: int | None) -> bool:
    """An unhappy answer: it asks what went wrong and opens a ticket."""
    return satisfaction <= policy.low_score or (nps is not None and nps <= policy.low_nps)


def clean_reasons(codes: Iterable[str]) -> list[str]:
    """The known reasons among `codes`, each once, in the survey's order."""
    chosen = set(codes)
    return [r.value for r in REASONS if r.value in chosen]


def clean_text(text: str | None, longest: int = LONGEST_COMMENT) -> str | None:
    """Typed words as kept: trimmed, None when empty, cut at `longest`."""
    text = (text or "").strip()
    return text[:longest] if text else None


def nps_bucket(score: int) -> str:
    if score >= PROMOTER:
        return "promoter"
    return "detractor" if score <= DETRACTOR else "passive"


def net_promoter_score(scores: Iterable[int]) -> int | None:
    """% promoters − % detractors, rounded (−100…100); None without answers."""
    values = list(scores)
    if not values:
        return None
    promoters = sum(1 for s in values if s >= PROMOTER)
    detractors = sum(1 for s in values if s <= DETRACTOR)
    return round(100 * (promoters - detractors) / len(values))


def ticket_due(policy: SurveyPolicy, kind: str, opened_at: datetime) -> datetime | None:
    """When an unsolved ticket first goes to the manager (suggestions never do)."""
    if kind == TicketKind.SUGGESTION:
        return None
    return opened_at + timedelta(hours=policy.ticket_hours)


def next_escalation(policy: SurveyPolicy, now: datetime) -> datetime:
    return now + timedelta(hours=policy.escalate_every_hours)


def reopen_closes(policy: SurveyPolicy, resolved_at: datetime) -> datetime:
    """An owner may say "not solved" until then (as long as a survey stays open)."""
    return resolved_at + timedelta(days=policy.expire_days)
