"""The Telegram side of the form engine, once for every dialog.

A feature declares a `FormUI` (its form, its callback prefix, prompt texts, button
labels, what to show when done) and registers it; this module renders prompts (step
n/total, choice and skip buttons built with `handlers.callbacks.encode`, the contact
button), takes typed text, photos, contacts, shared locations (`handlers.router` hands
them in) and button presses for whichever form is open, refuses stale buttons with a
notice on the button, removes the buttons of a prompt once it is answered, and cancels.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.club.forms import dialogs, engine
from bot.club.forms.engine import Context, Kind, Outcome, Reply
from bot.club.forms.steps import ANY_TIER
from bot.club.staff import roles as staff
from bot.i18n import N_
from handlers.callbacks import encode, pattern
from handlers.common import Markup, Outgoing, Turn, inline, turn_handler
from handlers.texts import error_text

ERRORS: dict[str, str] = {
    # bot.club.forms.engine.FormError
    "stale": N_("That button is no longer active."),
    "not_skippable": N_("This step cannot be skipped."),
    "wrong_kind": N_("I cannot take that as an answer here; please answer the question below."),
    "too_long": N_("Please keep it under {n} characters."),
    # bot.club.forms.steps.tier_step
    "tier_unknown": N_("That is not one of the club's tiers; please choose one of the buttons."),
}
ACTIONS = ("pick", "skip", "cancel")

SKIP = N_("Skip")  # a skippable step's button, unless the form names its own


@dataclass(frozen=True)
class FormUI:
    """How one form looks in chat. Texts are N_-marked; `done` renders the result."""

    form: engine.Form
    feature: str  # the callback-data prefix of its buttons
    prompts: Mapping[str, str]
    cancelled: str
    done: Callable[[Turn, Outcome], Awaitable[None]]
    errors: Mapping[str, str] = field(default_factory=dict)
    permission: staff.Permission | None = None
    extra: Callable[[Turn], Awaitable[dict[str, Any]]] | None = None
    label: Callable[[Turn, str, str], str] | None = None  # (turn, step, choice) -> label
    skip_labels: Mapping[str, str] = field(default_factory=dict)
    columns: Mapping[str, int] = field(default_factory=dict)
    numbered: bool = False  # "(3/8) " before each prompt
    # Steps whose prompt is more than a text (a summary, a preview): returns the text
    # that goes with the step's buttons, after replying anything else it needs.
    screens: Mapping[str, Callable[[Turn, Outcome], Awaitable[str]]] = field(default_factory=dict)
    cancel_on: frozenset[str] = frozenset()  # steps that show a Cancel button
    # Steps whose choice buttons are laid out by the feature (a calendar): rows of
    # (label, callback data), built with `pick_data` for the choices.
    keyboards: Mapping[str, Callable[[Turn, FormUI, Outcome], list[list[tuple[str, str]]]]] = field(
        default_factory=dict
    )
    contact_label: str = N_("📱 Share my phone number")


UIS: dict[str, FormUI] = {}


def tier_label(turn: Turn, value: str) -> str:
    """A button of the shared lowest-tier step (`steps.tier_step`)."""
    if value == ANY_TIER:
        return turn._("Any tier")
    return turn.store.policy.tier(value).name(turn.t.locale)


def register(ui: FormUI) -> FormUI:
    """Make `ui` the renderer of its form (the router continues open dialogs with it)."""
    engine.register(ui.form)
    UIS[ui.form.name] = ui
    return ui


def error_message(turn: Turn, ui: FormUI, code: str, limit: int | None = None) -> str:
    """The form's own wording for `code`, else the engine's; a step's `limit` (words
    too long) fills `{n}`."""
    values = {"n": turn.t.number(limit)} if limit is not None else {}
    if code in ui.errors:
        return turn._(ui.errors[code], **values)
    if code in ERRORS:
        return turn._(ERRORS[code], **values)
    return error_text(turn.t, code)


async def allowed(turn: Turn, ui: FormUI) -> bool:
    """The form's permission, checked on every answer (a role may be revoked midway)."""
    if ui.permission is None:
        return True
    if await turn.may(ui.permission):
        return True
    turn.reply(turn._("Sorry, this command is for store staff with the right role."))
    return False


async def context(turn: Turn, ui: FormUI) -> Context:
    store = turn.store
    extra = await ui.extra(turn) if ui.extra is not None else {}
    return Context(
        turn.session,
        store.id,
        store.policy,
        turn.user_id,
        store.today(),
        store.now(),
        turn.t.locale,
        extra,
        store=store,
    )


async def start(
    turn: Turn,
    ui: FormUI,
    preset: dict[str, Any] | None = None,
    answers: Sequence[tuple[str, str]] = (),
    *,
    resume: bool = False,
) -> Outcome | None:
    """Open `ui`'s form (or, with `resume`, continue the open one); None if not allowed.
    The caller shows the outcome with `show`."""
    if not await allowed(turn, ui):
        return None
    ctx = await context(turn, ui)
    return await engine.begin(ui.form, ctx, preset, answers, resume=resume)


def pick_data(ui: FormUI, outcome: Outcome, value: str) -> str:
    """The callback data of the button that answers the outcome's step with `value`."""
    assert outcome.step is not None
    return encode(ui.feature, "pick", outcome.token, outcome.step.name, value)


def keyboard(turn: Turn, ui: FormUI, outcome: Outcome) -> Markup:
    """The buttons that go with the step's prompt (pure: turn's translator and data in)."""
    step = outcome.step
    assert step is not None
    if Kind.CONTACT in step.accepts:
        button = KeyboardButton(turn._(ui.contact_label), request_contact=True)
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    token, name = outcome.token, step.name
    if name in ui.keyboards:
        rows = ui.keyboards[name](turn, ui, outcome)
    else:
        label = ui.label or (lambda _turn, _step, value: value)
        pairs = [
            (label(turn, name, value), pick_data(ui, outcome, value)) for value in outcome.choices
        ]
        width = ui.columns.get(name, 1)
        rows = [pairs[i : i + width] for i in range(0, len(pairs), width)]
    if step.skippable:
        skip = turn._(ui.skip_labels.get(name, SKIP))
        rows.append([(skip, encode(ui.feature, "skip", token, name))])
    if name in ui.cancel_on:
        rows.append([(turn._("Cancel"), encode(ui.feature, "cancel", token))])
    return inline(rows) if rows else ReplyKeyboardRemove()


def _remember(turn: Turn, version: int) -> Callable[[Any], Awaitable[None]]:
    """After the prompt is sent: note its message, so its buttons go once it is answered."""
    sessionmaker, user_id = turn.services.sessionmaker, turn.user_id

    async def sent(message: Any) -> None:
        async with sessionmaker() as session:
            await dialogs.remember_prompt(session, user_id, version, message.message_id)
            await session.commit()

    return sent


async def prompt(turn: Turn, ui: FormUI, outcome: Outcome) -> None:
    step = outcome.step
    assert step is not None
    markup = keyboard(turn, ui, outcome)
    if step.name in ui.screens:
        text = await ui.screens[step.name](turn, outcome)
    else:
        text = turn._(ui.prompts[step.name])
    if ui.numbered:  # every prompt, a custom screen's too
        n, total = ui.form.position(step, dict(outcome.data))
        text = turn._("({n}/{total}) ", n=n, total=total) + text
    remember = (
        _remember(turn, outcome.version) if isinstance(markup, InlineKeyboardMarkup) else None
    )
    turn.outbox.append(Outgoing(text, markup, sent=remember))


def _strip(turn: Turn, message_id: int | None) -> None:
    """Remove the buttons of an answered prompt, before anything else this turn sends."""
    if message_id is not None:
        turn.outbox.insert(0, Outgoing("", strip=message_id))


async def show(turn: Turn, ui: FormUI, outcome: Outcome) -> None:
    """Render what the engine decided: a notice for a stale button, an error and the same
    step again, the next step, or the finished form."""
    if outcome.stale:
        turn.callback_notice = error_message(turn, ui, "stale")
        return
    _strip(turn, outcome.old_prompt)
    if outcome.error:
        turn.reply(error_message(turn, ui, outcome.error, outcome.limit))
    if outcome.done:
        await ui.done(turn, outcome)
    elif outcome.step is not None:
        await prompt(turn, ui, outcome)


async def take(
    turn: Turn, reply: Reply, *, token: str | None = None, step: str | None = None
) -> bool:
    """Give `reply` to the user's open form; False when none is open."""
    found = await engine.current(turn.session, turn.user_id)
    ui = UIS.get(found[0].name) if found is not None else None
    if ui is None:
        return False
    if not await allowed(turn, ui):
        return True
    outcome = await engine.answer(await context(turn, ui), reply, token=token, step=step)
    if outcome is None:
        return False
    await show(turn, ui, outcome)
    return True


async def cancel(turn: Turn, token: str | None = None) -> FormUI | None:
    """Close the open form (only instance `token`, if given); its UI, or None."""
    closed = await engine.cancel(turn.session, turn.user_id, token)
    if closed is None:
        return None
    _strip(turn, closed.old_prompt)
    return UIS.get(closed.form.name)


@turn_handler
async def on_button(turn: Turn) -> None:
    """`<feature>:pick:<token>:<step>:<value>`, `…:skip:<token>:<step>`, `…:cancel:<token>`."""
    cb = turn.callback
    token = (cb.arg(0) or "") if cb is not None else ""
    if cb is not None and cb.action == "cancel":
        await _cancel_button(turn, cb.feature, token)
        return
    taken = False
    if cb is not None and cb.action in ("pick", "skip"):
        kind = Kind.SKIP if cb.action == "skip" else Kind.CHOICE
        reply = Reply(kind, cb.arg(2))
        taken = await take(turn, reply, token=token, step=cb.arg(1) or "")
    if not taken:
        turn.callback_notice = turn._(ERRORS["stale"])


async def _cancel_button(turn: Turn, feature: str, token: str) -> None:
    found = await engine.current(turn.session, turn.user_id)
    ui = UIS.get(found[0].name) if found is not None else None
    if ui is None or ui.feature != feature:
        turn.callback_notice = turn._(ERRORS["stale"])
    elif not await allowed(turn, ui):
        return
    elif await cancel(turn, token) is None:
        turn.callback_notice = turn._(ERRORS["stale"])
    else:
        turn.outbox = [o for o in turn.outbox if o.strip is None]  # the message is replaced
        turn.replace(turn._(ui.cancelled))


def button_handler(feature: str) -> BaseHandler:
    """The handler for a form's buttons; a feature lists it before its other buttons."""
    return CallbackQueryHandler(on_button, pattern=pattern(feature, *ACTIONS))
