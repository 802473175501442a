"""/broadcast: staff compose a weather alert or notice, pick the audience, preview, send
now or later; /broadcasts lists what is scheduled (cancel) and how recent ones went."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot import jobs
from bot.club.broadcasts import campaigns as broadcasts
from bot.club.broadcasts.form import FORM, Composed
from bot.club.forms.engine import Outcome
from bot.club.staff import roles as staff
from bot.i18n import N_
from handlers import forms
from handlers.broadcast_report import counts_text
from handlers.callbacks import encode, pattern
from handlers.common import Turn, inline, staff_only, turn_handler

FEATURE = "bc"
KINDS = {
    "weather": N_("Weather alert"),
    "activity": N_("Activity notice"),
    "holiday": N_("Holiday greeting"),
    "other": N_("Other"),
}
AUDIENCES = {
    "all": N_("Everyone"),
    "tier": N_("By tier"),
    "model": N_("By car model"),
    "local": N_("Local plates"),
    "out_of_town": N_("Out-of-town plates"),
    "idle": N_("No visit for a while"),
    "out_of_warranty": N_("Out of warranty"),
}
PROMPTS = {
    "kind": N_("What are you sending?"),
    "zh_Hans": N_("Send the text in Chinese (简体中文), up to 1,000 characters."),
    "en": N_("Now the English text, or use the Chinese text for English readers too."),
    "photo": N_("Send a photo to go with it, or skip."),
    "audience": N_("Who should receive it?"),
    "tier": N_("Which tier?"),
    "model": N_("Which car model? Send part of its name, e.g. Camry."),
    "idle": N_("No visit for how long?"),
    "when": N_("When? Send a store time like 2026-12-01 09:00."),
}
ERRORS = {
    "text_length": N_("Please send between 1 and 1,000 characters."),
    "needs_manager": N_("A broadcast to everyone needs a manager."),
    "unexpected": N_("Please answer with the buttons or the kind of message asked for."),
    "when_invalid": N_("Please send a future store time like 2026-12-01 09:00."),
}


def choice_label(turn: Turn, step: str, value: str) -> str:
    _ = turn._
    if step == "kind":
        return turn.label(KINDS, value)
    if step == "en":
        return _("Use the Chinese text")
    if step == "audience":
        return turn.label(AUDIENCES, value)
    if step == "tier":
        return turn.store.policy.tier(value).name(turn.t.locale)
    if step == "idle":
        return _("{days} days", days=value)
    return _("Send now") if value == "now" else _("Schedule…")


def audience_text(turn: Turn, audience: dict) -> str:
    key, value = broadcasts.describe(audience)
    if key == "tier":
        return turn.store.policy.tier(value).name(turn.t.locale)
    if key == "model":
        return turn._("car model “{model}”", model=value)
    if key == "region":
        return turn.label(AUDIENCES, "local" if value == "local" else "out_of_town")
    if key == "idle_days":
        return turn._("no visit for {days} days", days=value)
    return turn.label(AUDIENCES, "out_of_warranty" if key == "out_of_warranty" else "all")


async def preview(turn: Turn, outcome: Outcome) -> str:
    """Show the message exactly as owners will get it, in both languages, then the count."""
    store, data = turn.store, outcome.data
    for locale in ("zh_Hans", "en"):
        if data.get("photo"):
            turn.reply_photo(data["photo"], data[locale])
        else:
            turn.reply(data[locale])
    count = await broadcasts.count_audience(
        turn.session, store.policy, store.id, data["kind"], data["audience"], store.today()
    )
    return turn._(
        "{kind} to {audience}: {count} members will receive it (members who turned "
        "this kind off or blocked the bot are left out).",
        kind=turn.label(KINDS, data["kind"]),
        audience=audience_text(turn, data["audience"]),
        count=turn.t.number(count),
    )


async def reach(turn: Turn, data: dict) -> int:
    """How many members the composed audience reaches, counted on a reading connection
    (never with the write lock: a million members take a while)."""
    store = turn.store
    async with turn.services.scans() as session:
        return await broadcasts.count_audience(
            session, store.policy, store.id, data["kind"], data["audience"], store.today()
        )


async def sent(turn: Turn, outcome: Outcome) -> None:
    composed: Composed = outcome.result
    if composed.now:
        # The broadcast is stored, due now: committed first, so that owners' writes
        # wait neither for the count nor for the queueing. It is queued after the
        # replies, by ranges of members, its delivery report in the last range's
        # transaction; should that never run (a crash), the scheduler finds it due.
        await turn.release()
        count = await reach(turn, outcome.data)
        turn.replace(
            turn._(
                "Sending to {count} members. The delivery report below updates itself.",
                count=turn.t.number(count),
            )
        )
        services, store, broadcast_id = turn.services, turn.store, composed.broadcast_id
        turn.soon(
            lambda: jobs.release_broadcast(services, store, broadcast_id),
            f"broadcast-release:{broadcast_id}",
        )
    else:
        turn.reply(
            turn._(
                "Scheduled for {when}. /broadcasts lists it and can cancel it.",
                when=turn.t.datetime(composed.send_at),
            )
        )


async def _extra(turn: Turn) -> dict:
    return {
        "can_reach_all": staff.allowed(await turn.roles(), staff.Permission.BROADCAST_ALL),
        "tz": turn.store.tz,
        "chat_id": turn.chat_id,
    }


UI = forms.register(
    forms.FormUI(
        form=FORM,
        feature=FEATURE,
        prompts=PROMPTS,
        cancelled=N_("Cancelled; nothing was sent."),
        done=sent,
        errors=ERRORS,
        permission=staff.Permission.BROADCAST,
        extra=_extra,
        label=choice_label,
        skip_labels={"photo": N_("No photo")},
        columns={"kind": 2, "audience": 2, "tier": 2, "idle": 2, "send": 2},
        screens={"send": preview},
        cancel_on=frozenset({"send"}),
    )
)


@turn_handler
@staff_only(staff.Permission.BROADCAST)
async def on_broadcast(turn: Turn) -> None:
    outcome = await forms.start(turn, UI, resume=True)
    if outcome is not None:
        if outcome.resumed:
            turn.reply(turn._("Let's continue where you left off."))
        await forms.show(turn, UI, outcome)


@turn_handler
@staff_only(staff.Permission.BROADCAST)
async def on_button(turn: Turn) -> None:
    cb = turn.callback  # bc:stop:<id>; other bc buttons are old or forged
    broadcast_id = cb.id(0) if cb is not None and cb.action == "stop" else None
    if broadcast_id is not None and await broadcasts.cancel(
        turn.session, turn.store.id, broadcast_id, turn.user_id
    ):
        turn.replace(
            turn._(
                "Broadcast #{id} is cancelled; what was not sent yet will not be.",
                id=broadcast_id,
            )
        )
    else:
        turn.callback_notice = forms.error_message(turn, UI, "stale")


@turn_handler
@staff_only(staff.Permission.BROADCAST)
async def on_list(turn: Turn) -> None:
    waiting = await broadcasts.scheduled(turn.session, turn.store.id)
    if not waiting:
        turn.reply(turn._("No broadcasts are scheduled."))
    for item in waiting:
        turn.reply(
            turn._(
                "#{id} {kind} at {when}, to {audience}: {text}",
                id=item.id,
                kind=turn.label(KINDS, item.kind if item.kind in KINDS else "other"),
                when=turn.t.datetime(item.send_at),
                audience=audience_text(turn, item.audience),
                text=item.texts.get(turn.t.locale, "")[:80],
            ),
            inline([[(turn._("Cancel #{id}", id=item.id), encode(FEATURE, "stop", item.id))]]),
        )
    for item in await broadcasts.recent(turn.session, turn.store.id, 3):
        turn.reply(await counts_text(turn.session, turn.t, item))


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("broadcast", on_broadcast, filters=private),
        CommandHandler("broadcasts", on_list, filters=private),
        forms.button_handler(FEATURE),
        CallbackQueryHandler(on_button, pattern=pattern(FEATURE)),
    ]
