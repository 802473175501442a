"""Short codes people read aloud or scan: card codes, referral codes, link codes."""

from __future__ import annotations

import secrets

# Crockford's base32: no I, L, O, U, so a code survives being read over the phone.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_code(length: int = 8) -> str:
    """A random code of `length` characters (5 bits of randomness each)."""
    number = int.from_bytes(secrets.token_bytes((length * 5 + 7) // 8), "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, 32)
        chars.append(ALPHABET[index])
    return "".join(chars)


def clean_code(text: str) -> str:
    """Upper-case and map look-alikes (O→0, I/L→1) the way Crockford decoding does."""
    table = str.maketrans({"O": "0", "I": "1", "L": "1"})
    return text.strip().upper().replace("-", "").replace(" ", "").translate(table)
