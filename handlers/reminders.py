"""Care reminders in chat: the owners' one-tap buttons on a reminder; for staff,
/followups (whom to phone) and /templates (the wording). An owner's choice of which
reminders they get is /settings, in `handlers.settings`."""

from __future__ import annotations

from datetime import datetime

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.events import questions
from bot.club.reminders import requests, templates
from bot.club.staff.roles import Permission
from bot.club.surveys import ticket_view
from bot.i18n import N_, SUPPORTED_LOCALES
from bot.messaging import texts
from bot.messaging.claims import follow_ups
from bot.messaging.notify import staff_notice
from bot.messaging.outbox import REMINDERS
from handlers.callbacks import pattern
from handlers.common import Turn, staff_only, turn_handler
from handlers.events.question_texts import overdue_lines
from handlers.texts import push_kind_label

REMINDER = "rem"

WHY = {
    "failed": N_("not delivered after three tries"),
    "blocked": N_("blocked the bot"),
    "capped": N_("weekly message limit reached"),
    "unknown": N_("may not have arrived: the bot stopped while sending it"),
}


@turn_handler
async def on_action(turn: Turn) -> None:
    """rem:book|insure|renew:<push id> — a button on a reminder the owner received."""
    data = turn.callback
    push_id = data.id(0) if data is not None and len(data.args) == 1 else None
    request = None
    if data is not None and push_id is not None:
        request = await requests.tap(
            turn.session, turn.store.id, turn.user_id, push_id, data.action
        )
    if request is None:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    member = request.member
    if request.action is requests.Action.RENEW:
        from handlers.membership import offer_renewal

        await offer_renewal(turn, member)
        return
    if request.repeated:
        turn.callback_notice = turn._("We have your request; the service desk will call you.")
        return
    turn.reply(turn._("Thank you! The service desk will call you soon to find a time."))
    name, phone, plate, purpose = member.name, member.phone, request.plate, request.purpose
    await staff_notice(  # queued with the request: the desk hears of it exactly once
        turn.session,
        turn.services,
        lambda t: t.gettext(
            "{name} ({phone}, {plate}) asks to be called back about: {kind}.",
            name=name,
            phone=phone,
            plate=plate,
            kind=push_kind_label(t, purpose),
        ),
        store=turn.store,
    )


async def _late_tickets(turn: Turn, now: datetime) -> list[str]:
    """Tickets past their deadline, for those who handle tickets."""
    if not await turn.may(Permission.HANDLE_TICKETS):
        return []
    late = await ticket_view.overdue_count(turn.session, turn.store.id, now)
    if not late:
        return []
    return [
        turn.t.ngettext(
            "Tickets past their deadline: {n}, see /tickets.",
            "Tickets past their deadline: {n}, see /tickets.",
            late,
            n=turn.t.number(late),
        )
    ]


@turn_handler
@staff_only(Permission.FOLLOW_UP)
async def on_followups(turn: Turn) -> None:
    rows = await follow_ups(turn.session, turn.store.id, 30)
    asked = await requests.recent(turn.session, turn.store.id, 30)
    now = turn.store.now()
    late, late_total = await questions.overdue(turn.session, turn.store, now, 30)
    late_lines = overdue_lines(turn.t, turn.store.policy.events, late, late_total, now)
    late_lines += await _late_tickets(turn, now)
    if not rows and not asked:
        nobody = turn._("Nobody to phone: every reminder was delivered.")
        turn.reply("\n\n".join([nobody, "\n".join(late_lines)]) if late_lines else nobody)
        return
    lines = [turn._("To phone (reminders that did not reach the owner):")]
    for push, member in rows:
        lines.append(
            turn._(
                "• {name} {phone} — {kind}, {why}",
                name=member.name,
                phone=member.phone,
                kind=push_kind_label(turn.t, push.purpose),
                why=turn.label(WHY, push.status) if push.status in WHY else push.status,
            )
        )
    if asked:
        lines.append(
            turn._("Owners who asked to be called: {count} (see the staff chat).", count=asked)
        )
    if late_lines:
        lines += ["", *late_lines]
    turn.reply("\n".join(lines))


@turn_handler
@staff_only(Permission.EDIT_TEMPLATES)
async def on_templates(turn: Turn) -> None:
    store, args = turn.store, turn.args
    kinds = [str(k) for k in REMINDERS]
    if len(args) >= 3 and args[0] in kinds and args[1] in SUPPORTED_LOCALES:
        text = turn.text.split(maxsplit=3)[3] if len(turn.text.split(maxsplit=3)) > 3 else ""
        if text.strip().lower() == "default":
            await templates.reset(turn.session, store.id, args[0], args[1], turn.user_id)
            turn.reply(turn._("Back to the default wording."))
            return
        bad = texts.bad_placeholders(text)
        if bad or not text.strip():
            turn.reply(
                turn._(
                    "Only these placeholders can be used: {fields}",
                    fields=", ".join("{" + f + "}" for f in texts.FIELDS),
                )
            )
            return
        await templates.save(
            turn.session, store.id, args[0], args[1], text.strip()[:1000], turn.user_id
        )
        turn.reply(turn._("Saved. Reminders of this kind now use your wording."))
        return
    custom = await templates.custom(turn.session, store.id)
    lines = [
        turn._(
            "Usage: /templates <kind> <zh_Hans | en> <text> (or “default”). Placeholders: {fields}",
            fields=", ".join("{" + f + "}" for f in texts.FIELDS),
        )
    ]
    for kind in kinds:
        for locale in SUPPORTED_LOCALES:
            marker = "✎" if (kind, locale) in custom else "·"
            current = custom.get((kind, locale)) or turn.services.translator(locale, store).gettext(
                texts.DEFAULTS[kind]
            )
            lines.append(f"{marker} {kind} {locale}: {current[:90]}")
    turn.reply("\n".join(lines))


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CallbackQueryHandler(on_action, pattern=pattern(REMINDER)),
        CommandHandler("followups", on_followups, filters=private),
        CommandHandler("templates", on_templates, filters=private),
    ]
