"""The broadcast form: staff compose a message in chat, pick its audience, preview it,
then send it now or schedule it. Declared to the form engine (state in the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.club.broadcasts import campaigns
from bot.club.broadcasts.campaigns import IDLE_CHOICES
from bot.club.forms.engine import Context, Form, Kind, Rejected, Reply, Step
from bot.messaging.outbox import BROADCAST_KINDS
from db.models import Event

FORM_NAME = "broadcast"
MAX_TEXT = 1000  # a photo caption holds 1,024 characters
AUDIENCES = ("all", "tier", "model", "local", "out_of_town", "idle", "out_of_warranty")
SIMPLE = {
    "all": {},
    "local": {"region": "local"},
    "out_of_town": {"region": "out_of_town"},
    "out_of_warranty": {"out_of_warranty": True},
}
CHOICE = frozenset({Kind.CHOICE})
TEXT_OR_CHOICE = frozenset({Kind.TEXT, Kind.CHOICE})
# The steps that narrow a segment, and the data they leave when the audience is asked again.
NARROWING = ("tier", "model", "idle", "pick")


@dataclass(frozen=True)
class Composed:
    broadcast_id: int
    send_at: datetime
    # Sent now: stored as scheduled at this instant, released after the form's commit
    # (`bot.jobs.release_broadcast`), by ranges of members, never in the form's transaction.
    now: bool


def parse_when(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """'2026-12-01 09:00' in store time → UTC; None unless it is in the future."""
    try:
        local = datetime.strptime(" ".join(text.split()), "%Y-%m-%d %H:%M").replace(tzinfo=tz)
    except ValueError:
        return None
    return local.astimezone(now.tzinfo) if local > now else None


def _one_of(values: Any) -> Any:
    async def parse(reply: Reply, ctx: Context) -> dict[str, Any]:
        if reply.value not in {str(v) for v in values(ctx)}:
            raise Rejected("unexpected")
        return {}

    return parse


async def _kind(reply: Reply, ctx: Context) -> dict[str, Any]:
    await _one_of(lambda _ctx: BROADCAST_KINDS)(reply, ctx)
    return {"kind": reply.value}


def _text(language: str) -> Any:
    async def parse(reply: Reply, ctx: Context) -> dict[str, Any]:
        if reply.kind is Kind.CHOICE:  # "use the Chinese text"
            if reply.value != "copy" or "zh_Hans" not in ctx.data:
                raise Rejected("unexpected")
            return {language: ctx.data["zh_Hans"]}
        text = (reply.value or "").strip()
        if not text or len(text) > MAX_TEXT:
            raise Rejected("text_length")
        return {language: text}

    return parse


async def _photo(reply: Reply, ctx: Context) -> dict[str, Any]:
    return {"photo": reply.value}


async def _audience(reply: Reply, ctx: Context) -> dict[str, Any]:
    choice = reply.value or ""
    if choice not in AUDIENCES:
        raise Rejected("unexpected")
    if choice == "all" and not ctx.extra.get("can_reach_all"):
        raise Rejected("needs_manager")
    return {"pick": choice, "audience": SIMPLE.get(choice)}


async def _tier(reply: Reply, ctx: Context) -> dict[str, Any]:
    await _one_of(lambda c: [t.code for t in c.policy.tiers])(reply, ctx)
    return {"tier": reply.value, "audience": {"tier": reply.value}}


async def _model(reply: Reply, ctx: Context) -> dict[str, Any]:
    model = (reply.value or "").strip()[:40]
    if not model:
        raise Rejected("unexpected")
    return {"model": model, "audience": {"model": model}}


async def _idle(reply: Reply, ctx: Context) -> dict[str, Any]:
    await _one_of(lambda _ctx: IDLE_CHOICES)(reply, ctx)
    days = int(reply.value or 0)
    return {"idle": days, "audience": {"idle_days": days}}


async def _send(reply: Reply, ctx: Context) -> dict[str, Any]:
    await _one_of(lambda _ctx: ("now", "schedule"))(reply, ctx)
    return {"send": reply.value}


async def _when(reply: Reply, ctx: Context) -> dict[str, Any]:
    when = parse_when(reply.value or "", ctx.extra["tz"], ctx.now)
    if when is None:
        raise Rejected("when_invalid")
    return {"when": when.isoformat()}


def _picked(choice: str) -> Any:
    return lambda data: data.get("pick") == choice


async def _check(ctx: Context) -> None:
    """A broadcast to everyone needs a manager, however the form got there."""
    if ctx.data.get("audience") == {} and not ctx.extra.get("can_reach_all"):
        raise Rejected("needs_manager", "audience", clear=NARROWING)


async def _announces(ctx: Context, event_id: int, broadcast_id: int) -> None:
    """The event remembers its announcement (the store's event only)."""
    await ctx.session.execute(
        update(Event)
        .where(Event.id == event_id, Event.store_id == ctx.store_id)
        .values(broadcast_id=broadcast_id)
        .execution_options(synchronize_session=False)
    )


async def _complete(ctx: Context) -> Composed:
    data = ctx.data
    send_at = datetime.fromisoformat(data["when"]) if data.get("when") else ctx.now
    made = await campaigns.create(
        ctx.session,
        store_id=ctx.store_id,
        staff_id=ctx.user_id,
        kind=data["kind"],
        texts={"zh_Hans": data["zh_Hans"], "en": data["en"]},
        photo_file_id=data.get("photo"),
        audience=data["audience"],
        send_at=send_at,
        report_chat_id=ctx.extra.get("chat_id"),
        report_locale=ctx.locale,
        event_id=data.get("event_id"),  # an event's announcement (preset by the event desk)
    )
    if data.get("event_id"):
        await _announces(ctx, int(data["event_id"]), made.id)
    # Sent now is due now: queueing its audience here would hold the write lock for as
    # long as a million rows take. The caller releases it once this is committed, and
    # should that never happen (a crash), the scheduler finds it due.
    return Composed(made.id, send_at, now=send_at <= ctx.now)


FORM = Form(
    FORM_NAME,
    (
        Step("kind", _kind, accepts=CHOICE, choices=lambda ctx: BROADCAST_KINDS),
        Step("zh_Hans", _text("zh_Hans")),
        Step(
            "en",
            _text("en"),
            accepts=frozenset({Kind.TEXT, Kind.CHOICE}),
            choices=lambda c: ["copy"],
        ),
        Step("photo", _photo, accepts=frozenset({Kind.PHOTO}), skippable=True),
        Step("audience", _audience, accepts=CHOICE, choices=lambda ctx: AUDIENCES),
        Step(
            "tier",
            _tier,
            accepts=CHOICE,
            choices=lambda ctx: [t.code for t in ctx.policy.tiers],
            applies=_picked("tier"),
        ),
        Step("model", _model, applies=_picked("model")),
        Step(
            "idle",
            _idle,
            accepts=CHOICE,
            choices=lambda ctx: [str(d) for d in IDLE_CHOICES],
            applies=_picked("idle"),
        ),
        Step("send", _send, accepts=CHOICE, choices=lambda ctx: ["now", "schedule"], review=True),
        Step("when", _when, applies=lambda data: data.get("send") == "schedule"),
    ),
    complete=_complete,
    check=_check,
    wrong_kind="unexpected",
)
