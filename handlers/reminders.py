"""Owners' side of pushes: /settings (which kinds they get) and the one-tap buttons on
reminders. Staff side: /followups (whom to phone) and /templates (the wording)."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.reminders import preferences, templates
from bot.club.staff import audit
from bot.club.staff.roles import Permission
from bot.i18n import N_, SUPPORTED_LOCALES
from bot.messaging import texts
from bot.messaging.claims import follow_ups
from bot.messaging.notify import tell_staff
from bot.messaging.outbox import OPT_OUT_KINDS, REMINDERS
from db import queries
from db.models import Push
from handlers.card import current_member
from handlers.common import Turn, inline, staff_only, turn_handler

KIND_LABELS = {
    "weather": N_("Weather alerts"),
    "activity": N_("Activity notices"),
    "first_maintenance": N_("First maintenance"),
    "regular_maintenance": N_("Regular maintenance"),
    "warranty": N_("Warranty expiry"),
    "inspection": N_("Annual inspection"),
    "insurance": N_("Insurance expiry"),
    "birthday": N_("Birthday wishes"),
    "membership": N_("Membership expiry"),
    "holiday": N_("Holiday greetings"),
}


WHY = {
    "failed": N_("not delivered after three tries"),
    "blocked": N_("blocked the bot"),
    "capped": N_("weekly message limit reached"),
    "unknown": N_("may not have arrived: the bot stopped while sending it"),
}


async def _settings_view(turn: Turn, member_id: int) -> None:
    off = await preferences.turned_off(turn.session, member_id)
    rows = [
        [(("🔕 " if kind in off else "🔔 ") + turn._(KIND_LABELS[kind]), f"set:t:{kind}")]
        for kind in OPT_OUT_KINDS
    ]
    turn.replace(turn._("Messages I may send you. Tap one to turn it on or off:"), inline(rows))


@turn_handler
async def on_settings(turn: Turn) -> None:
    member = await current_member(turn)
    if member is not None:
        await _settings_view(turn, member.id)


@turn_handler
async def on_toggle(turn: Turn) -> None:
    member = await current_member(turn)
    parts = turn.callback_parts
    if member is None or len(parts) != 3:
        return
    state = await preferences.toggle(turn.session, member.id, parts[2])
    if state is None:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    turn.callback_notice = turn._("Turned on.") if state else turn._("Turned off.")
    await _settings_view(turn, member.id)


@turn_handler
async def on_action(turn: Turn) -> None:
    """rem:book|insure|renew:<push id> — from a reminder the owner received."""
    parts = turn.callback_parts
    member = await current_member(turn)
    push = (
        await turn.session.get(Push, int(parts[2]))
        if len(parts) == 3 and parts[2].isdigit()
        else None
    )
    if member is None or push is None or push.member_id != member.id:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    if parts[1] == "renew":
        from handlers.membership import offer_renewal

        await offer_renewal(turn, member)
        return
    audit.record(
        turn.session,
        member.store_id,
        turn.user_id,
        "callback.request",
        f"member:{member.id}",
        purpose=push.purpose,
        push=push.id,
    )
    turn.reply(turn._("Thank you! The service desk will call you soon to find a time."))
    services, bot, name, phone = turn.services, turn.context.bot, member.name, member.phone
    plate = push.params.get("plate", "")

    async def tell() -> None:
        await tell_staff(
            bot,
            services,
            lambda t: t.gettext(
                "{name} ({phone}, {plate}) asks to be called back about: {kind}.",
                name=name,
                phone=phone,
                plate=plate,
                kind=t.gettext(KIND_LABELS.get(push.purpose, "")),
            ),
        )

    turn.after_commit.append(tell)


@turn_handler
@staff_only(Permission.FOLLOW_UP)
async def on_followups(turn: Turn) -> None:
    rows = await follow_ups(turn.session, turn.services.store_id, 30)
    requests = await queries.recent_audit(
        turn.session, turn.services.store_id, "callback.request", 30
    )
    if not rows and not requests:
        turn.reply(turn._("Nobody to phone: every reminder was delivered."))
        return
    lines = [turn._("To phone (reminders that did not reach the owner):")]
    for push, member in rows:
        lines.append(
            turn._(
                "• {name} {phone} — {kind}, {why}",
                name=member.name,
                phone=member.phone,
                kind=turn._(KIND_LABELS[push.purpose])
                if push.purpose in KIND_LABELS
                else push.purpose,
                why=turn.label(WHY, push.status) if push.status in WHY else push.status,
            )
        )
    if requests:
        lines.append(
            turn._(
                "Owners who asked to be called: {count} (see the staff chat).", count=len(requests)
            )
        )
    turn.reply("\n".join(lines))


@turn_handler
@staff_only(Permission.EDIT_TEMPLATES)
async def on_templates(turn: Turn) -> None:
    svc, args = turn.services, turn.args
    kinds = [str(k) for k in REMINDERS]
    if len(args) >= 3 and args[0] in kinds and args[1] in SUPPORTED_LOCALES:
        text = turn.text.split(maxsplit=3)[3] if len(turn.text.split(maxsplit=3)) > 3 else ""
        if text.strip().lower() == "default":
            await templates.reset(turn.session, svc.store_id, args[0], args[1], turn.user_id)
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
            turn.session, svc.store_id, args[0], args[1], text.strip()[:1000], turn.user_id
        )
        turn.reply(turn._("Saved. Reminders of this kind now use your wording."))
        return
    custom = await templates.custom(turn.session, svc.store_id)
    lines = [
        turn._(
            "Usage: /templates <kind> <zh_Hans | en> <text> (or “default”). Placeholders: {fields}",
            fields=", ".join("{" + f + "}" for f in texts.FIELDS),
        )
    ]
    for kind in kinds:
        for locale in SUPPORTED_LOCALES:
            marker = "✎" if (kind, locale) in custom else "·"
            current = custom.get((kind, locale)) or svc.translator(locale).gettext(
                texts.DEFAULTS[kind]
            )
            lines.append(f"{marker} {kind} {locale}: {current[:90]}")
    turn.reply("\n".join(lines))


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("settings", on_settings, filters=private),
        CallbackQueryHandler(on_toggle, pattern=r"^set:t:"),
        CallbackQueryHandler(on_action, pattern=r"^rem:"),
        CommandHandler("followups", on_followups, filters=private),
        CommandHandler("templates", on_templates, filters=private),
    ]
