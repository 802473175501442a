"""The /feedback dialog: a suggestion or a complaint (two buttons), the owner's words
(a photo with a caption is both the words and the photo), then an optional photo, kept
as a ticket (`feedback.submit`). Declared to the form engine: double taps, stale
buttons, /cancel and a sticker instead of words get its usual answers.

Preset: `member`. The caller's `extra` gives `caption`, the caption of a photo sent."""

from __future__ import annotations

from typing import Any

from bot.club.forms import engine
from bot.club.forms.engine import Context, Form, Kind, Outcome, Rejected, Reply, Stay, Step
from bot.club.forms.steps import bounded_text
from bot.club.surveys import feedback
from bot.club.surveys.rules import LONGEST_TEXT
from db.models import Ticket

FORM_NAME = "feedback"
NO_TEXT = "feedback_no_text"


async def _kind(reply: Reply, ctx: Context) -> dict[str, Any]:
    if reply.value not in {str(k) for k in feedback.KINDS}:
        raise Rejected(engine.FormError.WRONG_KIND)
    return {"kind": reply.value}


def _words(text: str | None) -> str:
    words = bounded_text(text, LONGEST_TEXT, empty=NO_TEXT)
    assert words is not None
    return words


async def _text(reply: Reply, ctx: Context) -> dict[str, Any]:
    """Typed words; a photo with a caption gives both; a photo alone is kept and the
    words are asked again."""
    if reply.kind is Kind.PHOTO:
        caption = ctx.extra.get("caption")
        if not (caption or "").strip():
            raise Stay({"photo": reply.value})
        return {"text": _words(caption), "photo": reply.value}
    return {"text": _words(reply.value)}


async def _photo(reply: Reply, ctx: Context) -> dict[str, Any]:
    return {"photo": reply.value}


async def _complete(ctx: Context) -> Ticket:
    assert ctx.store is not None, "feedback is sent to a store"
    data = ctx.data
    return await feedback.submit(
        ctx.session,
        ctx.store,
        int(data["member"]),
        str(data["kind"]),
        data.get("text"),
        data.get("photo"),
        ctx.now,
    )


FORM = Form(
    FORM_NAME,
    (
        Step(
            "kind",
            _kind,
            accepts=frozenset({Kind.CHOICE}),
            choices=lambda ctx: [str(k) for k in feedback.KINDS],
        ),
        Step("text", _text, accepts=frozenset({Kind.TEXT, Kind.PHOTO})),
        Step("photo", _photo, accepts=frozenset({Kind.PHOTO}), skippable=True),
    ),
    complete=_complete,
)


async def begin(ctx: Context, member_id: int) -> Outcome:
    return await engine.begin(FORM, ctx, {"member": member_id})
