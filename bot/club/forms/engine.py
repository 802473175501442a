"""The one engine behind every multi-step dialog (join, visit, broadcast, and the next ones).

A form declares its steps (`bot.club.forms.steps`: a name, a parser for the kinds of
answer it accepts, choices, skippable, when it applies), an optional `check` run before
its summary and before completion, and a `complete` use-case. The engine keeps the
state in the dialogs table (`bot.club.forms.dialogs`), finds the next unanswered step
(a preset value counts as answered), refuses stale and out-of-order buttons, and closes
the form on completion. Nothing here knows about Telegram: callers pass a `Reply` and
render the `Outcome`.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common import codes
from bot.club.common.validation import ValidationError
from bot.club.forms import dialogs
from bot.club.forms.steps import (
    INSTANCE,
    Context,
    Form,
    FormError,
    Kind,
    Outcome,
    Parser,
    Rejected,
    Reply,
    Stay,
    Step,
)

__all__ = [
    "INSTANCE",
    "Context",
    "Form",
    "FormError",
    "Kind",
    "Outcome",
    "Parser",
    "Rejected",
    "Reply",
    "Stay",
    "Step",
    "answer",
    "begin",
    "cancel",
    "current",
    "register",
]

# The forms by name: the open dialog's `flow` says which one to continue.
REGISTRY: dict[str, Form] = {}


def register(form: Form) -> Form:
    REGISTRY[form.name] = form
    return form


async def _parse(step: Step, reply: Reply, ctx: Context, form: Form) -> dict[str, Any]:
    if reply.kind is Kind.SKIP:
        if not step.skippable:
            raise Rejected(FormError.NOT_SKIPPABLE)
        return {step.name: None}
    if reply.kind not in step.accepts:
        raise Rejected(step.wrong_kind or form.wrong_kind)
    fields = await step.parse(reply, ctx)
    return {step.name: None, **fields}


async def _choices(step: Step | None, ctx: Context) -> list[str]:
    """The step's choices now (a form may read them from the database: free slots)."""
    if step is None or step.choices is None:
        return []
    found = step.choices(ctx)
    if inspect.isawaitable(found):
        found = await found
    return list(found)


async def _settle(form: Form, ctx: Context, data: dict[str, Any]) -> Outcome:
    """From `data`, the step to ask next or again; step None means ready to complete."""
    ctx.data = data
    following = form.next_step(data)
    if form.check is not None and (following is None or following.review):
        try:
            await form.check(ctx)
        except (Rejected, ValidationError) as exc:
            return await _back(form, ctx, data, exc)
    return Outcome(form, following, data, choices=await _choices(following, ctx))


async def _complete(form: Form, ctx: Context, outcome: Outcome) -> Outcome:
    """Run the completion (the caller holds the state); a refusal asks a step again."""
    ctx.data = outcome.data
    try:
        result = await form.complete(ctx)
    except Rejected as exc:
        return await _back(form, ctx, outcome.data, exc)
    return replace(outcome, done=True, result=result)


async def _back(form: Form, ctx: Context, data: dict[str, Any], exc: Exception) -> Outcome:
    step_name = getattr(exc, "step", None)
    code = str(getattr(exc, "code", exc))
    data = dict(data)
    reviews = [s.name for s in form.steps if s.review]  # a summary is confirmed afresh
    for name in (step_name, *getattr(exc, "clear", ()), *reviews):
        if name is not None:
            data.pop(name, None)
    ctx.data = data
    step = form.next_step(data) or form.steps[-1]
    return Outcome(form, step, data, error=code, choices=await _choices(step, ctx))


async def begin(
    form: Form,
    ctx: Context,
    preset: dict[str, Any] | None = None,
    answers: Sequence[tuple[str, str]] = (),
    *,
    defaults: dict[str, Any] | None = None,
    resume: bool = False,
) -> Outcome:
    """Open `form` for ctx.user_id with `preset` values, then take typed `answers` (step
    name, text) in order (the first refused one is asked again, the others kept);
    `defaults` fill what the answers left out. With `resume`, an open dialog of the
    same form is continued instead."""
    state = await dialogs.load(ctx.session, ctx.user_id)
    step = form.step(state.step) if state is not None and state.form == form.name else None
    if resume and state is not None and step is not None:
        ctx.data = state.data
        return Outcome(
            form,
            step,
            state.data,
            resumed=True,
            version=state.version,
            old_prompt=state.prompt_message_id,
            choices=await _choices(step, ctx),
        )
    data: dict[str, Any] = {**(preset or {}), INSTANCE: codes.new_code(4)}
    outcome: Outcome | None = None
    for name, text in answers:
        step = form.step(name)
        if step is None or name in data:
            continue
        ctx.data = data
        try:
            data = {**data, **await _parse(step, Reply(Kind.TEXT, text), ctx, form)}
        except (Rejected, ValidationError) as exc:
            # The first refused answer is asked again; the ones after it are still taken.
            outcome = outcome or Outcome(form, step, data, error=str(exc.code))
    failed = outcome.step.name if outcome is not None and outcome.step else None
    data = {**{k: v for k, v in (defaults or {}).items() if k != failed}, **data}
    if outcome is not None:
        outcome.data = ctx.data = data
        outcome.choices = await _choices(outcome.step, ctx)
    else:
        outcome = await _settle(form, ctx, data)
        if outcome.step is None:
            await dialogs.drop(ctx.session, ctx.user_id)
            outcome = await _complete(form, ctx, outcome)
    outcome.old_prompt = state.prompt_message_id if state is not None else None
    if outcome.done:
        return outcome
    assert outcome.step is not None
    outcome.version = await dialogs.open_new(
        ctx.session, ctx.store_id, ctx.user_id, form.name, outcome.step.name, outcome.data
    )
    return outcome


async def current(session: AsyncSession, user_id: int) -> tuple[Form, dialogs.State] | None:
    """The user's open form and its state (None if none, or of a form no longer known)."""
    state = await dialogs.load(session, user_id)
    if state is None or state.form not in REGISTRY:
        return None
    return REGISTRY[state.form], state


async def answer(
    ctx: Context, reply: Reply, *, token: str | None = None, step: str | None = None
) -> Outcome | None:
    """Take `reply` for the user's open form; None when no form is open.

    A button carries the form instance's `token` and its `step`: one from another step
    or an older instance of the form is stale and changes nothing.
    """
    found = await current(ctx.session, ctx.user_id)
    if found is None:
        return None
    form, state = found
    stale = Outcome(form, stale=True, data=state.data)
    if token is not None and (token != str(state.data.get(INSTANCE, "")) or step != state.step):
        return stale
    current_step = form.step(state.step)
    if current_step is None:  # a step this version of the form no longer has
        await dialogs.drop(ctx.session, ctx.user_id)
        return None
    ctx.data = state.data
    try:
        fields = await _parse(current_step, reply, ctx, form)
    except Stay as stay:  # taken, but the same step is asked again
        fields = {k: v for k, v in stay.fields.items() if k != current_step.name}
        outcome = await _settle(form, ctx, {**state.data, **fields})
    except (Rejected, ValidationError) as exc:
        outcome = Outcome(
            form,
            current_step,
            state.data,
            error=str(exc.code),
            choices=await _choices(current_step, ctx),
            limit=getattr(exc, "limit", None),
        )
    else:
        outcome = await _settle(form, ctx, {**state.data, **fields})
    outcome.old_prompt = state.prompt_message_id
    if outcome.step is None:
        # Hold the state first, so a second taker (another instance) cannot complete too.
        if not await dialogs.finish(ctx.session, state):
            return stale
        outcome = await _complete(form, ctx, outcome)
        if outcome.done:
            return outcome
        assert outcome.step is not None
        outcome.version = await dialogs.open_new(
            ctx.session, ctx.store_id, ctx.user_id, form.name, outcome.step.name, outcome.data
        )
        return outcome
    version = await dialogs.move(ctx.session, state, outcome.step.name, outcome.data)
    if version is None:
        return stale
    outcome.version = version
    return outcome


async def cancel(session: AsyncSession, user_id: int, token: str | None = None) -> Outcome | None:
    """Close the user's open form (only the instance `token`, if given); None if none."""
    found = await current(session, user_id)
    if found is None:
        if token is None:
            await dialogs.drop(session, user_id)  # a form this version no longer knows
        return None
    form, state = found
    if token is not None and token != str(state.data.get(INSTANCE, "")):
        return None
    if not await dialogs.finish(session, state):
        return None
    if form.on_cancel is not None:
        await form.on_cancel(session, user_id, state.data)
    return replace(Outcome(form, data=state.data), old_prompt=state.prompt_message_id)
