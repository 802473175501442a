"""Import batches are sized by time: an owner's write never waits long behind one, and
a fast machine is not held to small batches."""

from __future__ import annotations

from bot.club.imports.run import BATCH_SECONDS, MAX_BATCH, MIN_BATCH, sized


def test_a_slow_batch_makes_the_next_one_fit_the_time():
    # 1,000 rows took four times the budget: the next batch has a quarter of them.
    assert sized(1000, 4 * BATCH_SECONDS) == 250


def test_a_fast_batch_at_most_doubles_the_next_one():
    assert sized(500, BATCH_SECONDS / 10) == 1000
    assert sized(800, BATCH_SECONDS / 2) == 1600


def test_batches_stay_within_their_bounds():
    assert sized(MIN_BATCH, 100 * BATCH_SECONDS) == MIN_BATCH  # a stalled disk: still moving
    assert sized(MAX_BATCH, BATCH_SECONDS / 100) == MAX_BATCH
    assert sized(300, 0.0) == 600  # too fast to time: doubled, as a fast batch is
