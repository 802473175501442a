"""The join dialog in chat: consent, then the join form's prompts, then the card."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.club.forms import engine
from bot.club.members import join
from bot.club.members.join import Joined, JoinError
from bot.i18n import N_, Translator
from handlers import forms
from handlers.callbacks import encode, pattern
from handlers.card import send_card
from handlers.common import Markup, Turn, inline, turn_handler
from handlers.texts import channel_label

FEATURE = "join"
PROMPTS: dict[str, str] = {
    "phone": N_("Please share your mobile number with the button below, or type it."),
    "name": N_("What name should we address you by?"),
    "birthday": N_(
        "Your birthday (e.g. 1988-06-15), so we can send you birthday wishes. You may skip this."
    ),
    "plate": N_("Your car's licence plate, e.g. 粤B12345 or 沪AD12345."),
    "vin": N_(
        "Your car's VIN: 17 characters, printed on the registration certificate. You may skip this."
    ),
    "model": N_("Your car's model, e.g. Camry 2.0 2022."),
    "delivery": N_(
        "When was the car delivered to you (e.g. 2024-03-18)? We use it to "
        "remind you of the first maintenance. You may skip this."
    ),
    "channel": N_("Last question: how are you joining the club?"),
}
ERRORS: dict[str, str] = {
    # bot.club.members.join.JoinError
    "not_own_contact": N_(
        "Please share your own number with the button below, not someone else's contact."
    ),
    "phone_taken": N_(
        "This number already belongs to a club member. If that is you on "
        "another account, please contact the store."
    ),
    "share_to_claim": N_(
        "This number is in the store's records. To link your membership, "
        "please share it with the button below so we know it is yours."
    ),
    "plate_taken": N_(
        "This car is already registered in the club. If it is yours, please contact the store."
    ),
    "unknown_channel": N_("Please choose one of the buttons."),
    "already_member": N_("You are already a member."),
    "text_expected": N_("Please answer with text."),
    "link_taken": N_(
        "Another owner is already joining with this one-time link, so it cannot be used "
        "again. You can still join: we will ask how you are joining at the end."
    ),
}


def consent_keyboard(t: Translator, kind: str = "", code: str = "") -> Markup:
    """Consent buttons; `kind` r (referral) or j (join link) carries `code` along."""
    code = "".join(c for c in code if c.isascii() and c.isalnum())
    args = (kind, code) if kind and code else ()
    return inline(
        [
            [(t.gettext("I agree, let's join"), encode(FEATURE, "ok", *args))],
            [(t.gettext("No, thanks"), encode(FEATURE, "no"))],
        ]
    )


def consent_text(turn: Turn) -> str:
    return turn._(
        "Before you join: the club keeps your mobile number, your name, your birthday if "
        "you give it, and your car (plate, model, delivery date and, if you give it, the VIN). "
        "{store} uses them only for your membership, care reminders and bookings, and never "
        "shares them. You can ask the store to delete them at any time.",
        store=turn.store.name,
    )


async def welcome(turn: Turn, outcome: engine.Outcome) -> None:
    """The join form is complete: greet the new (or newly linked) member with their card."""
    joined: Joined = outcome.result
    if joined.claimed:
        text = turn._(
            "Welcome, {name}! The store already knew you and your car: your "
            "membership is now linked to this chat.",
            name=joined.member.name,
        )
    else:
        text = turn._(
            "Welcome to the club, {name}! Here is your member card.", name=joined.member.name
        )
    turn.reply(text, ReplyKeyboardRemove())
    await send_card(turn, joined.member)


UI = forms.register(
    forms.FormUI(
        form=join.FORM,
        feature=FEATURE,
        prompts=PROMPTS,
        cancelled=N_("Joining cancelled; nothing you typed was kept. Send /start to begin again."),
        done=welcome,
        errors=ERRORS,
        label=lambda turn, _step, channel: channel_label(turn.t, channel),
        numbered=True,
    )
)


async def resume(turn: Turn) -> bool:
    """Re-ask the current step of a half-finished join; False if there is none."""
    if not await join.joining(turn.session, turn.user_id):
        return False
    outcome = await forms.start(turn, UI, resume=True)
    if outcome is None:
        return False
    turn.reply(turn._("Let's continue where you left off."))
    await forms.show(turn, UI, outcome)
    return True


@turn_handler
async def on_consent(turn: Turn) -> None:
    cb = turn.callback  # join:ok[:r|j:<code>] or join:no
    if cb is None or cb.action == "no":
        turn.reply(turn._("No problem: nothing was stored. Send /start whenever you want to join."))
        return
    kind, code = cb.arg(0) or "", cb.arg(1) or ""
    ctx = await forms.context(turn, UI)
    outcome, notice = await join.begin(
        ctx,
        referral_code=code if kind == "r" else None,
        link_code=code if kind == "j" else None,
    )
    if notice is not None:
        turn.reply(forms.error_message(turn, UI, notice))
    if outcome is not None:
        await forms.show(turn, UI, outcome)


@turn_handler
async def on_old_button(turn: Turn) -> None:
    """A join button from an older version of the bot, or forged: changes nothing."""
    turn.callback_notice = forms.error_message(turn, UI, engine.FormError.STALE)


def build_handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_consent, pattern=pattern(FEATURE, "ok", "no")),
        forms.button_handler(FEATURE),
        CallbackQueryHandler(on_old_button, pattern=pattern(FEATURE)),
    ]


__all__ = ["UI", "JoinError", "consent_keyboard", "consent_text", "resume"]
