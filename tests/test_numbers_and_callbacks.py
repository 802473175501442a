"""The one reader of numbers in text and button data, and the callback-data codec."""

from __future__ import annotations

import pytest

from bot.club.common.numbers import parse_id, parse_signed, parse_whole
from handlers.callbacks import CallbackTooLong, decode, encode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("0", None),
        ("²", None),
        ("４２", None),
        ("-3", None),
        ("99999999999999999999", None),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        ("", None),
        (None, None),
        ("1e3", None),
    ],
)
def test_ids_are_ascii_digits_within_64_bits(text: str | None, expected: int | None) -> None:
    assert parse_id(text) == expected


def test_whole_numbers_respect_their_bounds() -> None:
    assert parse_whole("0") == 0
    assert parse_whole("5", maximum=4) is None
    assert parse_whole("3", minimum=4) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("+500", 500), ("-200", -200), ("30", 30), ("-²", None), ("--1", None), ("+", None)],
)
def test_signed_numbers(text: str, expected: int | None) -> None:
    assert parse_signed(text) == expected


def test_callback_data_round_trips_and_refuses_what_telegram_would() -> None:
    data = encode("gift", "redeem", 42)
    assert data == "gift:redeem:42"
    decoded = decode(data)
    assert decoded is not None
    assert (decoded.feature, decoded.action, decoded.id(0)) == ("gift", "redeem", 42)
    with pytest.raises(CallbackTooLong):
        encode("x", "y", "z" * 70)
    with pytest.raises(ValueError):
        encode("x", "y", "a:b")


@pytest.mark.parametrize("data", ["", "gift", "gift:", ":x", None, "x:" + "a" * 70])
def test_malformed_callback_data_decodes_to_nothing(data: str | None) -> None:
    assert decode(data) is None


def test_forged_numbers_in_button_data_read_as_missing() -> None:
    for forged in ("pts:page:²", "visit:new:99999999999999999999", "bc:stop:-1"):
        decoded = decode(forged)
        assert decoded is not None
        assert decoded.id(0) is None
