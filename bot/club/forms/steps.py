"""What a form declares: its steps, the answers they take, and what an answer led to.

A form is plain data (`Form` of `Step`s with parser functions); `bot.club.forms.engine`
runs it. Nothing here knows about Telegram.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.policy.model import ClubPolicy
from bot.club.stores.context import StoreContext

INSTANCE = "_form"  # the data key holding the form instance's token (buttons carry it)


class Kind(StrEnum):
    """What the person sent."""

    TEXT = "text"
    CHOICE = "choice"  # a button from the step's choices
    CONTACT = "contact"  # a shared contact
    PHOTO = "photo"
    SKIP = "skip"
    OTHER = "other"  # a sticker, voice, location, ...: never an answer


class FormError(StrEnum):
    STALE = "stale"
    NOT_SKIPPABLE = "not_skippable"
    WRONG_KIND = "wrong_kind"
    TOO_LONG = "too_long"  # typed words past a step's limit (`Rejected.limit` says it)


@dataclass(frozen=True)
class Reply:
    kind: Kind
    value: str | None = None
    contact_user_id: int | None = None  # whose contact was shared


@dataclass
class Context:
    """What a parser, check or completion may use: plain values and the session."""

    session: AsyncSession
    store_id: int
    policy: ClubPolicy
    user_id: int
    today: date
    now: datetime
    locale: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # what a form's caller adds
    data: dict[str, Any] = field(default_factory=dict)  # the answers so far
    store: StoreContext | None = None  # the store's context (its clock and time zone)


class Rejected(Exception):
    """An answer (or, from `check`/`complete`, the whole form) is not acceptable.

    From `check` or `complete`, `step` names the step to ask again; `clear` lists other
    fields to forget with it.
    """

    def __init__(
        self,
        code: str,
        step: str | None = None,
        clear: Sequence[str] = (),
        limit: int | None = None,
    ) -> None:
        super().__init__(code)
        self.code, self.step, self.clear = str(code), step, tuple(clear)
        self.limit = limit  # for TOO_LONG: the most characters the step takes


class Stay(Exception):
    """From a parser: keep `fields` but ask the same step again (a note typed at a
    summary is taken, and the summary is shown again with it)."""

    def __init__(self, fields: dict[str, Any]) -> None:
        super().__init__("stay")
        self.fields = dict(fields)


Parser = Callable[[Reply, Context], Awaitable[dict[str, Any]]]
Choices = Callable[[Context], Sequence[str] | Awaitable[Sequence[str]]]


@dataclass(frozen=True)
class Step:
    """One question. `parse` returns the fields to store; the step's own name is always
    stored (None when the parser leaves it out), and a step whose name is already in the
    data (preset, or answered) is not asked."""

    name: str
    parse: Parser
    accepts: frozenset[Kind] = frozenset({Kind.TEXT})
    skippable: bool = False
    choices: Choices | None = None  # may read the database (free slots)
    applies: Callable[[dict[str, Any]], bool] | None = None
    review: bool = False  # a summary to confirm: the form's check runs before it is shown
    wrong_kind: str | None = None  # the error for an answer of a kind it does not accept


@dataclass(frozen=True)
class Form:
    name: str
    steps: tuple[Step, ...]
    complete: Callable[[Context], Awaitable[Any]]
    check: Callable[[Context], Awaitable[None]] | None = None
    wrong_kind: str = FormError.WRONG_KIND
    # Undo what opening the form held (e.g. a reserved join link) when it is cancelled.
    on_cancel: Callable[[AsyncSession, int, dict[str, Any]], Awaitable[None]] | None = None

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def next_step(self, data: dict[str, Any]) -> Step | None:
        for step in self.steps:
            if step.name not in data and (step.applies is None or step.applies(data)):
                return step
        return None

    def position(self, step: Step, data: dict[str, Any]) -> tuple[int, int]:
        """(n, total) for "step n of total", among the steps this instance asks: a step
        that does not apply to its answers so far (a class has no meeting point) is
        counted nowhere."""
        asked = [s for s in self.steps if s is step or s.applies is None or s.applies(data)]
        return asked.index(step) + 1, len(asked)


@dataclass
class Outcome:
    """What happened to one answer: ask `step` (after `error`), or done with `result`."""

    form: Form
    step: Step | None = None
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    stale: bool = False
    done: bool = False
    result: Any = None
    resumed: bool = False
    version: int = 0  # the state the prompt belongs to
    old_prompt: int | None = None  # the earlier prompt, whose buttons are now dead
    limit: int | None = None  # with error TOO_LONG: the step's limit, for the message
    choices: list[str] = field(default_factory=list)

    @property
    def token(self) -> str:
        return str(self.data.get(INSTANCE, ""))


CONFIRM = "ok"  # the one choice of a confirm step


async def _confirmed(reply: Reply, ctx: Context) -> dict[str, Any]:
    if reply.value != CONFIRM:
        raise Rejected(FormError.WRONG_KIND)
    return {"confirm": True}


def confirm_step(typed: Parser | None = None) -> Step:
    """The summary a form shows before it completes, with one Confirm button (the form's
    `check` runs before it; the renderer's screen for "confirm" draws the summary).
    `typed` takes text sent at the summary (a note: it raises `Stay` to show it again)."""
    if typed is None:
        return Step(
            "confirm",
            _confirmed,
            accepts=frozenset({Kind.CHOICE}),
            choices=lambda ctx: [CONFIRM],
            review=True,
        )

    async def parse(reply: Reply, ctx: Context) -> dict[str, Any]:
        return await (_confirmed if reply.kind is Kind.CHOICE else typed)(reply, ctx)

    return Step(
        "confirm",
        parse,
        accepts=frozenset({Kind.CHOICE, Kind.TEXT}),
        choices=lambda ctx: [CONFIRM],
        review=True,
    )


ANY_TIER = "any"  # the lowest-tier step's answer for "every member"


async def _tier(reply: Reply, ctx: Context) -> dict[str, Any]:
    wanted = (reply.value or "").strip().casefold()
    if wanted == ANY_TIER:
        return {"tier": None}
    for tier in ctx.policy.tiers:
        if wanted in {tier.code.casefold(), *(n.casefold() for n in tier.names.values())}:
            return {"tier": tier.code}
    raise Rejected("tier_unknown")


def _tiers(ctx: Context) -> list[str]:
    return [t.code for t in ctx.policy.tiers] + [ANY_TIER]


def tier_step() -> Step:
    """The lowest tier something is for (a gift, an event): a tier's button, its code or
    its name typed in either language, or "any"; `tier` is None for every member. An
    unknown name is rejected as "tier_unknown"."""
    return Step("tier", _tier, accepts=frozenset({Kind.TEXT, Kind.CHOICE}), choices=_tiers)


def bounded_text(text: str | None, longest: int, *, empty: str | None = None) -> str | None:
    """Typed words as a form keeps them: trimmed, None when empty (or Rejected with
    `empty` when words are required), Rejected TOO_LONG past `longest` characters."""
    words = (text or "").strip()
    if len(words) > longest:
        raise Rejected(FormError.TOO_LONG, limit=longest)
    if not words and empty is not None:
        raise Rejected(empty)
    return words or None


def text_parser(name: str, longest: int, *, empty: str | None = None) -> Parser:
    """A step's parser for typed words up to `longest` characters (see `bounded_text`)."""

    async def parse(reply: Reply, ctx: Context) -> dict[str, Any]:
        return {name: bounded_text(reply.value, longest, empty=empty)}

    return parse
