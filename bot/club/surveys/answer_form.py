"""The survey dialog: opened by a rating button on the survey push (satisfaction and
the first tap's time preset), it asks how likely the owner is to recommend the store
(0–10), then — only for an unhappy answer (`rules.is_low`) — what went wrong (reasons
toggled on and off, then Done), and a comment (skippable; for a happy answer an
optional "anything else?"). Complete keeps the answer once (`answer.save`). Declared
to the form engine, so a double tap is stale, the dialog survives a restart and
/cancel works as for every form.

Preset: `survey`, `member`, `satisfaction`, `started_at` (ISO time of the first tap).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.club.forms import engine
from bot.club.forms.engine import Context, Form, Kind, Outcome, Rejected, Reply, Stay, Step
from bot.club.forms.steps import text_parser
from bot.club.surveys import answer
from bot.club.surveys.answer import Answer, Saved, SurveyRefused
from bot.club.surveys.rules import (
    LONGEST_COMMENT,
    NPS_SCORES,
    REASONS,
    clean_reasons,
    is_low,
)

FORM_NAME = "survey"
DONE = "done"  # the reasons step's button that moves on
CHOSEN = "chosen"  # the reasons ticked so far (the step stays open while toggling)
NPS_RANGE = "survey_nps_range"


async def _nps(reply: Reply, ctx: Context) -> dict[str, Any]:
    """0–10, a button or typed; whether the whole answer is unhappy is settled here, as
    the reasons step applies only then."""
    try:
        score = int((reply.value or "").strip())
    except ValueError:
        raise Rejected(NPS_RANGE) from None
    if score not in NPS_SCORES:
        raise Rejected(NPS_RANGE)
    low = is_low(ctx.policy.surveys, int(ctx.data["satisfaction"]), score)
    return {"nps": score, "low": low}


async def _reasons(reply: Reply, ctx: Context) -> dict[str, Any]:
    """A reason's button ticks or unticks it (the step is asked again); Done moves on,
    with whatever is ticked (nothing is fine)."""
    chosen = list(ctx.data.get(CHOSEN) or [])
    if reply.value == DONE:
        return {"reasons": clean_reasons(chosen)}
    if reply.value not in {r.value for r in REASONS}:
        raise Rejected(engine.FormError.WRONG_KIND)
    if reply.value in chosen:
        chosen.remove(reply.value)
    else:
        chosen.append(reply.value)
    raise Stay({CHOSEN: clean_reasons(chosen)})


def _low(data: dict[str, Any]) -> bool:
    return bool(data.get("low"))


def reason_choices(ctx: Context) -> list[str]:
    return [r.value for r in REASONS] + [DONE]


async def _complete(ctx: Context) -> Saved | SurveyRefused:
    """Keep the answer; a refusal (answered elsewhere, closed) ends the dialog with it."""
    assert ctx.store is not None, "a survey is answered in a store"
    data = ctx.data
    given = Answer(
        satisfaction=int(data["satisfaction"]),
        nps=data.get("nps"),
        reasons=tuple(data.get("reasons") or ()),
        comment=data.get("comment"),
    )
    started_at = datetime.fromisoformat(str(data["started_at"]))
    try:
        return await answer.save(
            ctx.session,
            ctx.store,
            int(data["survey"]),
            int(data["member"]),
            given,
            started_at,
            ctx.now,
        )
    except SurveyRefused as refused:
        return refused


FORM = Form(
    FORM_NAME,
    (
        Step(
            "nps",
            _nps,
            accepts=frozenset({Kind.CHOICE, Kind.TEXT}),
            choices=lambda ctx: [str(n) for n in NPS_SCORES],
        ),
        Step(
            "reasons",
            _reasons,
            accepts=frozenset({Kind.CHOICE}),
            choices=reason_choices,
            applies=_low,
        ),
        Step("comment", text_parser("comment", LONGEST_COMMENT), skippable=True),
    ),
    complete=_complete,
)


async def begin(ctx: Context, survey_id: int, member_id: int, satisfaction: int) -> Outcome:
    """Open the dialog with the pressed rating. A second press on the same survey starts
    it afresh with the new rating but keeps the first tap's time (the owner began then)."""
    started_at = ctx.now
    found = await engine.current(ctx.session, ctx.user_id)
    if (
        found is not None
        and found[0].name == FORM_NAME
        and found[1].data.get("survey") == survey_id
    ):
        started_at = datetime.fromisoformat(str(found[1].data["started_at"]))
    preset = {
        "survey": survey_id,
        "member": member_id,
        "satisfaction": satisfaction,
        "started_at": started_at.isoformat(),
    }
    return await engine.begin(FORM, ctx, preset)
