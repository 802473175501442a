"""The steps of the event dialogs: one parser per answer a manager gives (kind, texts,
start and end, place, map location, seats, companions, deadline, tier, points), and
the Event columns the answers set.

/newevent asks them all; "Change time or place" asks the time and place steps again,
each skippable (a skip keeps what the event has). Moments are typed in store time
("2026-12-19 14:00", "12-19 14:00", "12/19 14:00": the booking form's day and clock
readers) and kept in the dialog as UTC ISO strings.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.club.bookings.answers import parse_clock, parse_day
from bot.club.common.numbers import parse_whole
from bot.club.events.rules import Kind as EventKind
from bot.club.forms.engine import Context, Kind, Rejected, Reply, Step
from bot.club.forms.steps import tier_step
from db.models import Event

AT_START, NONE = "start", "0"
MAX_TITLE, MAX_DESCRIPTION, MAX_PLACE, MAX_SEATS = 80, 1000, 300, 100_000
CHOICE = frozenset({Kind.CHOICE})
BOTH = frozenset({Kind.TEXT, Kind.CHOICE})
# A shared location reaches the form as OTHER with "lat,lon" (handlers.router).
WHERE = frozenset({Kind.TEXT, Kind.OTHER})
TEXTS = {"title_zh": ("titles", "zh_Hans"), "title_en": ("titles", "en")}
TEXTS |= {"desc_zh": ("descriptions", "zh_Hans"), "desc_en": ("descriptions", "en")}
# A change of time or place asks these again (the deadline hangs on the start).
TIME_STEPS = ("starts", "ends", "deadline", "place", "location", "meeting")


def _text(reply: Reply) -> str:
    return " ".join((reply.value or "").split())


def _typed(reply: Reply) -> str:
    """A typed number or moment after NFKC: Chinese keyboards often give full-width
    digits and colons ("１０", "１４：００"). Only here, where a person types: callback
    data keeps refusing anything but ASCII digits (`parse_whole`)."""
    return unicodedata.normalize("NFKC", _text(reply))


def _tz(ctx: Context) -> ZoneInfo:
    assert ctx.store is not None
    return ctx.store.tz


def known(data: dict[str, Any], key: str) -> Any:
    """This dialog's answer, else the event's current value (a change's `was`)."""
    value = data.get(key)
    return value if value is not None else data.get("was", {}).get(key)


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def parse_moment(text: str, tz: ZoneInfo, today: Any) -> datetime | None:
    """'2026-12-19 14:00', '12-19 14:00' or '12/19 14:00' in store time, as UTC."""
    parts = " ".join(text.split()).rsplit(" ", 1)
    if len(parts) != 2:
        return None
    day, clock = parse_day(parts[0], today, words=True), parse_clock(parts[1])
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _words(key: str, longest: int, code: str) -> Any:
    async def parse(reply: Reply, ctx: Context) -> dict[str, Any]:
        text = _text(reply)
        if not text or len(text) > longest:
            raise Rejected(code)
        return {key: text}

    return parse


async def _kind(reply: Reply, ctx: Context) -> dict[str, Any]:
    if reply.value not in {str(k) for k in EventKind}:
        raise Rejected("unexpected")
    return {"kind": reply.value}


async def _photo(reply: Reply, ctx: Context) -> dict[str, Any]:
    return {"photo": reply.value}


async def _starts(reply: Reply, ctx: Context) -> dict[str, Any]:
    starts = parse_moment(_typed(reply), _tz(ctx), ctx.today)
    if starts is None:
        raise Rejected("when_invalid")
    if starts <= ctx.now:
        raise Rejected("when_past")
    return {"starts": starts.isoformat()}


async def _ends(reply: Reply, ctx: Context) -> dict[str, Any]:
    """A time the same day as the start, or a date and time."""
    text, tz = _typed(reply), _tz(ctx)
    starts = moment(known(ctx.data, "starts"))
    assert starts is not None
    ends = parse_moment(text, tz, starts.astimezone(tz).date())
    if ends is None and (clock := parse_clock(text)) is not None:
        ends = datetime.combine(starts.astimezone(tz).date(), clock, tzinfo=tz).astimezone(UTC)
    if ends is None:
        raise Rejected("end_invalid")
    if ends <= starts:
        raise Rejected("end_before_start")
    return {"ends": ends.isoformat()}


async def _location(reply: Reply, ctx: Context) -> dict[str, Any]:
    """A shared location, or typed 'latitude, longitude'."""
    parts = unicodedata.normalize("NFKC", reply.value or "").split(",")
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise Rejected("location_invalid") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Rejected("location_invalid")
    return {"location": [lat, lon]}


def _whole(key: str, code: str, minimum: int, maximum: Any) -> Any:
    async def parse(reply: Reply, ctx: Context) -> dict[str, Any]:
        number = parse_whole(_typed(reply), minimum=minimum, maximum=maximum(ctx))
        if number is None:
            raise Rejected(code)
        return {key: number}

    return parse


async def _deadline(reply: Reply, ctx: Context) -> dict[str, Any]:
    starts = moment(known(ctx.data, "starts"))
    assert starts is not None
    if reply.kind is Kind.CHOICE:
        if reply.value != AT_START:
            raise Rejected("unexpected")
        return {"deadline": starts.isoformat()}
    until = parse_moment(_typed(reply), _tz(ctx), ctx.today)
    if until is None:
        raise Rejected("when_invalid")
    if until > starts:
        raise Rejected("deadline_after_start")
    if until <= ctx.now:
        raise Rejected("when_past")
    return {"deadline": until.isoformat()}


def _trip(data: dict[str, Any]) -> bool:
    return known(data, "kind") == EventKind.TRIP


def _most_companions(ctx: Context) -> int:
    return ctx.policy.events.max_companions


STEPS = (
    Step("kind", _kind, accepts=CHOICE, choices=lambda ctx: [str(k) for k in EventKind]),
    Step("title_zh", _words("title_zh", MAX_TITLE, "title_length")),
    Step("title_en", _words("title_en", MAX_TITLE, "title_length")),
    Step("desc_zh", _words("desc_zh", MAX_DESCRIPTION, "description_length")),
    Step("desc_en", _words("desc_en", MAX_DESCRIPTION, "description_length"), skippable=True),
    Step("photo", _photo, accepts=frozenset({Kind.PHOTO}), skippable=True),
    Step("starts", _starts),
    Step("ends", _ends),
    Step("place", _words("place", MAX_PLACE, "place_length")),
    Step("location", _location, accepts=WHERE, skippable=True, wrong_kind="location_invalid"),
    Step("meeting", _words("meeting", MAX_PLACE, "place_length"), applies=_trip),
    Step("capacity", _whole("capacity", "capacity_invalid", 1, lambda ctx: MAX_SEATS)),
    Step(
        "companions",
        _whole("companions", "companions_invalid", 0, _most_companions),
        accepts=BOTH,
        choices=lambda ctx: [NONE],
    ),
    Step("deadline", _deadline, accepts=BOTH, choices=lambda ctx: [AT_START]),
    tier_step(),
    Step(
        "award",
        _whole("award", "points_invalid", 0, lambda ctx: 10**6),
        accepts=BOTH,
        choices=lambda ctx: [NONE],
    ),
    Step(
        "cost",
        _whole("cost", "cost_invalid", 0, lambda ctx: 10**6),
        accepts=BOTH,
        choices=lambda ctx: [NONE],
    ),
)
BY_NAME = {step.name: step for step in STEPS}
# A change of time or place: the same steps, each skippable (a skip keeps the old value).
CHANGE_STEPS = tuple(replace(BY_NAME[name], skippable=True) for name in TIME_STEPS)


MOMENTS = {"starts": "starts_at", "ends": "ends_at", "deadline": "signup_until"}


def _utc(value: str | None) -> datetime | None:
    return moment(value)


def columns(data: dict[str, Any]) -> dict[str, Any]:
    """The Event columns the answers in `data` set (only those given: a change of time
    or place leaves the skipped ones as they are)."""
    out: dict[str, Any] = {}
    for step, (column, locale) in TEXTS.items():
        if data.get(step):
            out.setdefault(column, {})[locale] = data[step]
    plain = {
        "kind": "kind",
        "photo": "photo",
        "place": "place",
        "meeting": "meeting_point",
        "capacity": "capacity",
        "companions": "companions_max",
        "award": "points_award",
        "cost": "points_cost",
    }
    for step, column in plain.items():
        if data.get(step) is not None:
            out[column] = data[step]
    for step, column in MOMENTS.items():
        if data.get(step):
            out[column] = _utc(data[step])
    if data.get("location"):
        out["latitude"], out["longitude"] = data["location"]
    if "tier" in data:
        out["min_tier"] = data["tier"]
    return out


def draft_of(data: dict[str, Any]) -> Event:
    """The event as the form's answers so far describe it (not stored): its summary."""
    values: dict[str, Any] = {"descriptions": {}, "capacity": 0, "companions_max": 0}
    values |= {"seats_taken": 0, "points_award": 0, "points_cost": 0, "status": "draft"}
    return Event(**{**values, "version": 1, **columns(data)})
