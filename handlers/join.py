"""The join dialog: consent, phone by contact, name, birthday, car, channel, card."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.club.members import join
from bot.club.members.join import Answer, JoinError, JoinOutcome, JoinStep
from bot.i18n import N_, Translator
from handlers.card import send_card
from handlers.common import Markup, Turn, inline, turn_handler
from handlers.texts import channel_label, error_text

PROMPTS: dict[JoinStep, str] = {
    JoinStep.PHONE: N_("Please share your mobile number with the button below, or type it."),
    JoinStep.NAME: N_("What name should we address you by?"),
    JoinStep.BIRTHDAY: N_(
        "Your birthday (e.g. 1988-06-15), so we can send you birthday wishes. You may skip this."
    ),
    JoinStep.PLATE: N_("Your car's licence plate, e.g. 粤B12345 or 沪AD12345."),
    JoinStep.VIN: N_(
        "Your car's VIN: 17 characters, printed on the registration certificate. You may skip this."
    ),
    JoinStep.MODEL: N_("Your car's model, e.g. Camry 2.0 2022."),
    JoinStep.DELIVERY: N_(
        "When was the car delivered to you (e.g. 2024-03-18)? We use it to "
        "remind you of the first maintenance. You may skip this."
    ),
    JoinStep.CHANNEL: N_("Last question: how are you joining the club?"),
}


def consent_keyboard(t: Translator, suffix: str) -> Markup:
    return inline(
        [
            [(t.gettext("I agree, let's join"), f"join:ok{suffix}")],
            [(t.gettext("No, thanks"), "join:no")],
        ]
    )


def step_markup(t: Translator, step: JoinStep, channels: tuple[str, ...]) -> Markup:
    """The keyboard that goes with a step's prompt (pure: translator and data in)."""
    if step is JoinStep.PHONE:
        button = KeyboardButton(t.gettext("📱 Share my phone number"), request_contact=True)
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    if step in join.SKIPPABLE:
        return inline([[(t.gettext("Skip"), f"join:skip:{step.value}")]])
    if step is JoinStep.CHANNEL:
        return inline([[(channel_label(t, c), f"join:ch:{c}")] for c in channels])
    return ReplyKeyboardRemove()


def prompt(turn: Turn, step: JoinStep) -> None:
    number = join.ORDER.index(step) + 1
    text = turn._("({n}/{total}) ", n=number, total=len(join.ORDER)) + turn._(PROMPTS[step])
    turn.reply(text, step_markup(turn.t, step, turn.services.policy.join_channels))


def consent_text(turn: Turn) -> str:
    return turn._(
        "Before you join: the club keeps your mobile number, your name, your birthday if "
        "you give it, and your car (plate, model, delivery date and, if you give it, the VIN). "
        "{store} uses them only for your membership, care reminders and bookings, and never "
        "shares them. You can ask the store to delete them at any time.",
        store=turn.services.settings.store_name,
    )


async def show_outcome(turn: Turn, outcome: JoinOutcome) -> None:
    """Render what the use-case decided: an error and the same step, the next step, or done."""
    if outcome.error:
        turn.reply(error_text(turn.t, outcome.error))
        if outcome.error == JoinError.ALREADY_MEMBER:
            return
    if outcome.member is not None and outcome.claimed:
        turn.reply(
            turn._(
                "Welcome, {name}! The store already knew you and your car: your "
                "membership is now linked to this chat.",
                name=outcome.member.name,
            ),
            ReplyKeyboardRemove(),
        )
        await send_card(turn, outcome.member)
    elif outcome.member is not None:
        turn.reply(
            turn._(
                "Welcome to the club, {name}! Here is your member card.", name=outcome.member.name
            ),
            ReplyKeyboardRemove(),
        )
        await send_card(turn, outcome.member)
    elif outcome.step is not None and outcome.error != JoinError.STALE:
        prompt(turn, outcome.step)


async def resume(turn: Turn) -> bool:
    """Re-ask the current step of a half-finished join; False if there is none."""
    dialog = await join.current(turn.session, turn.user_id)
    if dialog is None:
        return False
    turn.reply(turn._("Let's continue where you left off."))
    prompt(turn, JoinStep(dialog.step))
    return True


@turn_handler
async def on_consent(turn: Turn) -> None:
    parts = turn.callback_parts  # join:ok[:r|j:<code>] or join:no
    if parts[1] == "no":
        turn.reply(turn._("No problem: nothing was stored. Send /start whenever you want to join."))
        return
    kind, code = (parts[2], parts[3]) if len(parts) >= 4 else ("", "")
    outcome = await join.begin(
        turn.session,
        turn.services.store_id,
        turn.user_id,
        now=turn.services.now(),
        referral_code=code if kind == "r" else None,
        link_code=code if kind == "j" else None,
    )
    await show_outcome(turn, outcome)


async def _answer(turn: Turn, reply: Answer, expected: str | None = None) -> None:
    outcome = await join.answer(
        turn.session,
        turn.services.store_id,
        turn.services.policy,
        turn.user_id,
        reply,
        today=turn.services.today(),
        expected_step=expected,
        locale=turn.t.locale,
    )
    await show_outcome(turn, outcome)


@turn_handler
async def on_button(turn: Turn) -> None:
    parts = turn.callback_parts  # join:skip:<step> or join:ch:<channel>
    if len(parts) != 3:
        turn.callback_notice = error_text(turn.t, JoinError.STALE)
        return
    if parts[1] == "skip":
        await _answer(turn, Answer(skip=True), expected=parts[2])
    else:
        await _answer(turn, Answer(channel=parts[2]), expected=JoinStep.CHANNEL.value)


@turn_handler
async def on_contact(turn: Turn) -> None:
    contact = turn.update.effective_message.contact if turn.update.effective_message else None
    if contact is None or await join.current(turn.session, turn.user_id) is None:
        turn.reply(turn._("Send /start to join the club."))
        return
    await _answer(turn, Answer(contact_phone=contact.phone_number, contact_user_id=contact.user_id))


async def take_text(turn: Turn) -> None:
    """Typed text while a join dialog is open (the router sends it here)."""
    await _answer(turn, Answer(text=turn.text))


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CallbackQueryHandler(on_consent, pattern=r"^join:(ok|no)(:|$)"),
        CallbackQueryHandler(on_button, pattern=r"^join:(skip|ch):"),
        MessageHandler(private & filters.CONTACT, on_contact),
    ]
