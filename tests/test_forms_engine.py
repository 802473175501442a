"""The form engine on its own: steps, presets, stale buttons, races, checks, cancel."""

from __future__ import annotations

from typing import Any

import pytest

from bot.club.forms import dialogs, engine
from bot.club.forms.engine import Context, Form, Kind, Rejected, Reply, Step
from tests.flows import services

USER = 777001
cancelled: list[dict[str, Any]] = []


async def _word(reply: Reply, ctx: Context) -> dict[str, Any]:
    if not (reply.value or "").isalpha():
        raise Rejected("not_a_word")
    return {"a": reply.value}


async def _note(reply: Reply, ctx: Context) -> dict[str, Any]:
    return {"b": reply.value}


async def _colour(reply: Reply, ctx: Context) -> dict[str, Any]:
    if reply.value not in ("red", "blue"):
        raise Rejected("unknown_colour")
    return {"c": reply.value}


async def _ok(reply: Reply, ctx: Context) -> dict[str, Any]:
    return {"ok": True}


async def _check(ctx: Context) -> None:
    if ctx.data.get("a") == "forbidden":
        raise Rejected("a_forbidden", "a")


async def _complete(ctx: Context) -> str:
    if ctx.data.get("c") == "blue" and ctx.extra.get("no_blue"):
        raise Rejected("blue_gone", "c")
    return f"{ctx.data['a']}-{ctx.data.get('b')}-{ctx.data.get('c')}"


async def _on_cancel(session: Any, user_id: int, data: dict[str, Any]) -> None:
    cancelled.append(data)


FORM = engine.register(
    Form(
        "test-form",
        (
            Step("a", _word),
            Step("b", _note, skippable=True),
            Step(
                "c",
                _colour,
                accepts=frozenset({Kind.CHOICE}),
                choices=lambda ctx: ["red", "blue"],
                applies=lambda data: data.get("a") != "plain",
            ),
            Step("ok", _ok, accepts=frozenset({Kind.CHOICE}), review=True),
        ),
        complete=_complete,
        check=_check,
        on_cancel=_on_cancel,
    )
)


@pytest.fixture
async def ctx_of(bot):
    svc = services(bot)
    sessions = []

    async def make(**extra: Any) -> Context:
        session = svc.sessionmaker()
        sessions.append(session)
        return Context(
            session,
            svc.default_store.id,
            svc.policy,
            USER,
            svc.default_store.today(),
            svc.now(),
            "en",
            extra,
        )

    yield make
    for session in sessions:
        await session.close()


async def test_steps_in_order_presets_skipped_and_completion(ctx_of):
    ctx = await ctx_of()
    first = await engine.begin(FORM, ctx, {"b": "preset"})
    assert first.step.name == "a" and first.token
    second = await engine.answer(ctx, Reply(Kind.TEXT, "hello"))
    assert second.step.name == "c" and second.choices == ["red", "blue"]  # b was preset
    assert second.version == first.version + 1
    review = await engine.answer(ctx, Reply(Kind.CHOICE, "red"), token=first.token, step="c")
    assert review.step.name == "ok"
    done = await engine.answer(ctx, Reply(Kind.CHOICE, "x"), token=first.token, step="ok")
    assert done.done and done.result == "hello-preset-red"
    assert await dialogs.load(ctx.session, USER) is None


async def test_a_step_that_does_not_apply_is_not_asked(ctx_of):
    ctx = await ctx_of()
    await engine.begin(FORM, ctx)
    await engine.answer(ctx, Reply(Kind.TEXT, "plain"))
    outcome = await engine.answer(ctx, Reply(Kind.SKIP))
    assert outcome.step.name == "ok"


async def test_refusals_keep_the_step(ctx_of):
    ctx = await ctx_of()
    await engine.begin(FORM, ctx)
    refused = await engine.answer(ctx, Reply(Kind.TEXT, "123"))
    assert (refused.step.name, refused.error) == ("a", "not_a_word")
    skipped = await engine.answer(ctx, Reply(Kind.SKIP))
    assert (skipped.step.name, skipped.error) == ("a", "not_skippable")
    photo = await engine.answer(ctx, Reply(Kind.PHOTO, "file"))
    assert (photo.step.name, photo.error) == ("a", "wrong_kind")
    assert (await dialogs.load(ctx.session, USER)).step == "a"


async def test_stale_buttons_change_nothing(ctx_of):
    ctx = await ctx_of()
    old = await engine.begin(FORM, ctx)
    new = await engine.begin(FORM, ctx)  # a new instance of the same form
    assert new.token != old.token
    assert (await engine.answer(ctx, Reply(Kind.SKIP), token=old.token, step="a")).stale
    await engine.answer(ctx, Reply(Kind.TEXT, "word"))
    # A button of the right instance but of an earlier step.
    assert (await engine.answer(ctx, Reply(Kind.SKIP), token=new.token, step="a")).stale
    state = await dialogs.load(ctx.session, USER)
    assert state.step == "b" and "b" not in state.data


async def test_two_takers_of_one_state_only_one_wins(ctx_of):
    ctx = await ctx_of()
    await engine.begin(FORM, ctx)
    state = await dialogs.load(ctx.session, USER)
    assert await dialogs.move(ctx.session, state, "b", {**state.data, "a": "x"}) == 2
    assert await dialogs.move(ctx.session, state, "b", {**state.data, "a": "y"}) is None
    assert not await dialogs.finish(ctx.session, state)
    assert (await dialogs.load(ctx.session, USER)).data["a"] == "x"


async def test_check_and_completion_send_back_to_the_wrong_step(ctx_of):
    ctx = await ctx_of(no_blue=True)
    await engine.begin(FORM, ctx)
    outcome = await engine.answer(ctx, Reply(Kind.TEXT, "forbidden"))
    await engine.answer(ctx, Reply(Kind.SKIP))
    outcome = await engine.answer(ctx, Reply(Kind.CHOICE, "red"))
    assert (outcome.step.name, outcome.error) == ("a", "a_forbidden")  # before the summary
    outcome = await engine.answer(ctx, Reply(Kind.TEXT, "fine"))
    assert outcome.step.name == "ok"  # b and c were kept
    state = await dialogs.load(ctx.session, USER)
    await dialogs.move(ctx.session, state, "c", {k: v for k, v in state.data.items() if k != "c"})
    await engine.answer(ctx, Reply(Kind.CHOICE, "blue"))
    outcome = await engine.answer(ctx, Reply(Kind.CHOICE, "ok"))
    assert (outcome.step.name, outcome.error, outcome.done) == ("c", "blue_gone", False)
    state = await dialogs.load(ctx.session, USER)
    assert state.step == "c" and "ok" not in state.data  # confirmed afresh later


async def test_one_line_answers_fill_what_they_can(ctx_of):
    ctx = await ctx_of()
    outcome = await engine.begin(FORM, ctx, answers=[("a", "12"), ("b", "note")])
    assert (outcome.step.name, outcome.error) == ("a", "not_a_word")
    assert outcome.data["b"] == "note"
    outcome = await engine.begin(FORM, ctx, answers=[("a", "word")], defaults={"b": None})
    assert outcome.step.name == "c"


async def test_resume_and_cancel(ctx_of):
    ctx = await ctx_of()
    first = await engine.begin(FORM, ctx)
    await engine.answer(ctx, Reply(Kind.TEXT, "word"))
    resumed = await engine.begin(FORM, ctx, resume=True)
    assert resumed.resumed and resumed.step.name == "b" and resumed.token == first.token
    assert await engine.cancel(ctx.session, USER, token="nope") is None
    closed = await engine.cancel(ctx.session, USER, token=first.token)
    assert closed.form is FORM and cancelled[-1]["a"] == "word"
    assert await engine.answer(ctx, Reply(Kind.TEXT, "x")) is None
    assert await engine.cancel(ctx.session, USER) is None
