"""Callback data: one typed encoder and decoder for every inline button.

Data is `feature:action[:arg...]`, at most 64 bytes (Telegram's limit), short strings
and ids only, so a button still works after a restart. Nothing in it is trusted: the
decoder only splits and checks the shape; handlers re-check ownership and state, and
read numbers with `Callback.number`, which refuses non-ASCII digits and values past
64 bits.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.club.common.numbers import parse_id, parse_whole

MAX_BYTES = 64
SEP = ":"


class CallbackTooLong(ValueError):
    """Raised when building data Telegram would refuse; a bug, not user input."""


def encode(feature: str, action: str, *args: object) -> str:
    """`feature:action:arg...`; arguments must not contain ':'."""
    parts = [feature, action, *(str(a) for a in args)]
    if any(SEP in part for part in parts):
        raise ValueError(f"callback part contains {SEP!r}: {parts!r}")
    data = SEP.join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise CallbackTooLong(data)
    return data


@dataclass(frozen=True)
class Callback:
    feature: str
    action: str
    args: tuple[str, ...] = ()

    def arg(self, index: int) -> str | None:
        return self.args[index] if index < len(self.args) else None

    def number(self, index: int, *, minimum: int = 0) -> int | None:
        """Argument `index` as a whole number >= minimum, or None when missing or forged."""
        return parse_whole(self.arg(index), minimum=minimum)

    def id(self, index: int) -> int | None:
        """Argument `index` as a positive 64-bit id, or None."""
        return parse_id(self.arg(index))


def decode(data: str | None) -> Callback | None:
    """The parts of `data`, or None when it is not `feature:action[...]`."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    feature, _, rest = data.partition(SEP)
    if not feature or not rest:
        return None
    action, *args = rest.split(SEP)
    return Callback(feature, action, tuple(args)) if action else None


def pattern(feature: str, *actions: str) -> str:
    """The regex a CallbackQueryHandler uses for `feature` (and, if given, `actions`)."""
    if not actions:
        return rf"^{feature}:"
    return rf"^{feature}:({'|'.join(actions)})(:|$)"
