"""/broadcast: staff compose a weather alert or notice, pick the audience, preview, send
now or later; /broadcasts lists what is scheduled (cancel) and how recent ones went."""

from __future__ import annotations

from datetime import datetime

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.broadcasts import campaigns as broadcasts
from bot.club.broadcasts import form
from bot.club.broadcasts.campaigns import IDLE_CHOICES
from bot.club.broadcasts.form import FormOutcome, Step
from bot.club.staff import roles as staff
from bot.i18n import N_
from bot.messaging.outbox import BROADCAST_KINDS
from handlers.broadcast_report import counts_text, start_report
from handlers.common import Markup, Turn, inline, staff_only, turn_handler

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
    Step.KIND: N_("What are you sending?"),
    Step.TEXT_ZH: N_("Send the text in Chinese (简体中文), up to 1,000 characters."),
    Step.TEXT_EN: N_("Now the English text, or use the Chinese text for English readers too."),
    Step.PHOTO: N_("Send a photo to go with it, or skip."),
    Step.AUDIENCE: N_("Who should receive it?"),
    Step.TIER: N_("Which tier?"),
    Step.MODEL: N_("Which car model? Send part of its name, e.g. Camry."),
    Step.IDLE: N_("No visit for how long?"),
    Step.WHEN: N_("When? Send a store time like 2026-12-01 09:00."),
}
ERRORS = {
    "text_length": N_("Please send between 1 and 1,000 characters."),
    "needs_manager": N_("A broadcast to everyone needs a manager."),
    "unexpected": N_("Please answer with the buttons or the kind of message asked for."),
    "stale": N_("That button is no longer active."),
}


def _buttons(pairs: list[tuple[str, str]]) -> Markup:
    return inline([pairs[i : i + 2] for i in range(0, len(pairs), 2)])


def step_markup(turn: Turn, step: Step) -> Markup | None:
    _ = turn._
    if step is Step.KIND:
        return _buttons([(_(KINDS[k]), f"bc:pick:{k}") for k in BROADCAST_KINDS])
    if step is Step.TEXT_EN:
        return inline([[(_("Use the Chinese text"), "bc:pick:copy")]])
    if step is Step.PHOTO:
        return inline([[(_("No photo"), "bc:pick:skip")]])
    if step is Step.AUDIENCE:
        return _buttons([(_(label), f"bc:pick:{key}") for key, label in AUDIENCES.items()])
    if step is Step.TIER:
        tiers = turn.services.policy.tiers
        return _buttons([(t.name(turn.t.locale), f"bc:pick:{t.code}") for t in tiers])
    if step is Step.IDLE:
        return _buttons([(_("{days} days", days=d), f"bc:pick:{d}") for d in IDLE_CHOICES])
    return None


def audience_text(turn: Turn, audience: dict) -> str:
    key, value = broadcasts.describe(audience)
    if key == "tier":
        return turn.services.policy.tier(value).name(turn.t.locale)
    if key == "model":
        return turn._("car model “{model}”", model=value)
    if key == "region":
        return turn.label(AUDIENCES, "local" if value == "local" else "out_of_town")
    if key == "idle_days":
        return turn._("no visit for {days} days", days=value)
    return turn.label(AUDIENCES, "out_of_warranty" if key == "out_of_warranty" else "all")


async def preview(turn: Turn, data: dict) -> None:
    """Show the message exactly as owners will get it, in both languages, then the count."""
    svc = turn.services
    for locale in ("zh_Hans", "en"):
        if data.get("photo"):
            turn.reply_photo(data["photo"], data[locale])
        else:
            turn.reply(data[locale])
    count = await broadcasts.count_audience(
        turn.session, svc.policy, svc.store_id, data["kind"], data["audience"], svc.today()
    )
    turn.reply(
        turn._(
            "{kind} to {audience}: {count} members will receive it (members who turned "
            "this kind off or blocked the bot are left out).",
            kind=turn.label(KINDS, data["kind"]),
            audience=audience_text(turn, data["audience"]),
            count=turn.t.number(count),
        ),
        inline(
            [
                [(turn._("Send now"), "bc:send"), (turn._("Schedule…"), "bc:pick:schedule")],
                [(turn._("Cancel"), "bc:cancel")],
            ]
        ),
    )


async def show(turn: Turn, outcome: FormOutcome) -> None:
    if outcome.error == "stale":
        turn.callback_notice = turn.label(ERRORS, "stale")
        return
    if outcome.error:
        turn.reply(turn._(ERRORS[outcome.error]))
    if outcome.step is Step.PREVIEW:
        await preview(turn, outcome.data)
    elif outcome.step is not None:
        turn.reply(turn._(PROMPTS[outcome.step]), step_markup(turn, outcome.step))


async def _answer(turn: Turn, **kwargs: object) -> None:
    roles = await turn.roles()
    outcome = await form.answer(
        turn.session,
        turn.services.policy,
        turn.user_id,
        can_reach_all=staff.allowed(roles, staff.Permission.BROADCAST_ALL),
        **kwargs,
    )
    await show(turn, outcome)


@staff_only(staff.Permission.BROADCAST)
async def take_text(turn: Turn) -> None:
    """Typed text while composing (the router sends it here): a text, a model or a time."""
    from bot.club.forms import dialogs

    dialog = await dialogs.current(turn.session, turn.user_id, form.FLOW)
    if dialog is not None and dialog.step == Step.WHEN:
        await _schedule(turn, turn.text)
    else:
        await _answer(turn, text=turn.text)


@staff_only(staff.Permission.BROADCAST)
async def take_photo(turn: Turn) -> None:
    message = turn.update.effective_message
    photo = message.photo[-1].file_id if message and message.photo else None
    await _answer(turn, photo=photo)


@turn_handler
@staff_only(staff.Permission.BROADCAST)
async def on_broadcast(turn: Turn) -> None:
    await show(turn, await form.begin(turn.session, turn.services.store_id, turn.user_id))


async def _create(turn: Turn, data: dict, send_at: datetime) -> None:
    svc = turn.services
    made = await broadcasts.create(
        turn.session,
        store_id=svc.store_id,
        staff_id=turn.user_id,
        kind=data["kind"],
        texts={"zh_Hans": data["zh_Hans"], "en": data["en"]},
        photo_file_id=data.get("photo"),
        audience=data["audience"],
        send_at=send_at,
        report_chat_id=turn.chat_id,
        report_locale=turn.t.locale,
    )
    if send_at <= svc.now():
        count = await broadcasts.release(turn.session, svc.policy, made.id, svc.today(), svc.now())
        turn.replace(
            turn._(
                "Sending to {count} members. The delivery report below updates itself.",
                count=turn.t.number(count or 0),
            )
        )
        start_report(turn, made.id)
    else:
        turn.reply(
            turn._(
                "Scheduled for {when}. /broadcasts lists it and can cancel it.",
                when=turn.t.datetime(send_at, "short"),
            )
        )


async def _schedule(turn: Turn, text: str) -> None:
    when = form.parse_when(text, turn.services.settings.tz, turn.services.now())
    if when is None:
        turn.reply(turn._("Please send a future store time like 2026-12-01 09:00."))
        return
    data = await form.finish(turn.session, turn.user_id)
    if data is not None:
        await _create(turn, data, when)


@turn_handler
@staff_only(staff.Permission.BROADCAST)
async def on_button(turn: Turn) -> None:
    parts = turn.callback_parts  # bc:pick:<value> | bc:send | bc:cancel | bc:stop:<id>
    action = parts[1] if len(parts) > 1 else ""
    if action == "pick" and len(parts) == 3:
        await _answer(turn, choice=parts[2])
    elif action == "send":
        data = await form.finish(turn.session, turn.user_id)
        if data is None:
            turn.callback_notice = turn.label(ERRORS, "stale")
            return
        if not data.get("audience") and not staff.allowed(
            await turn.roles(), staff.Permission.BROADCAST_ALL
        ):
            turn.reply(turn.label(ERRORS, "needs_manager"))
            return
        await _create(turn, data, turn.services.now())
    elif action == "cancel":
        await form.finish(turn.session, turn.user_id)
        turn.replace(turn._("Cancelled; nothing was sent."))
    elif action == "stop" and len(parts) == 3 and parts[2].isdigit():
        if await broadcasts.cancel(
            turn.session, turn.services.store_id, int(parts[2]), turn.user_id
        ):
            turn.replace(
                turn._(
                    "Broadcast #{id} is cancelled; what was not sent yet will not be.", id=parts[2]
                )
            )
        else:
            turn.callback_notice = turn.label(ERRORS, "stale")
    else:
        turn.callback_notice = turn.label(ERRORS, "stale")


@turn_handler
@staff_only(staff.Permission.BROADCAST)
async def on_list(turn: Turn) -> None:
    svc = turn.services
    waiting = await broadcasts.scheduled(turn.session, svc.store_id)
    if not waiting:
        turn.reply(turn._("No broadcasts are scheduled."))
    for item in waiting:
        turn.reply(
            turn._(
                "#{id} {kind} at {when}, to {audience}: {text}",
                id=item.id,
                kind=turn.label(KINDS, item.kind if item.kind in KINDS else "other"),
                when=turn.t.datetime(item.send_at, "short"),
                audience=audience_text(turn, item.audience),
                text=item.texts.get(turn.t.locale, "")[:80],
            ),
            inline([[(turn._("Cancel #{id}", id=item.id), f"bc:stop:{item.id}")]]),
        )
    for item in await broadcasts.recent(turn.session, svc.store_id, 3):
        turn.reply(await counts_text(turn.session, turn.t, item))


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("broadcast", on_broadcast, filters=private),
        CommandHandler("broadcasts", on_list, filters=private),
        CallbackQueryHandler(on_button, pattern=r"^bc:"),
    ]
