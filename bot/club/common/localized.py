"""Texts staff write in each language (an item's name, an event's title): the one rule
for which of them an owner reads."""

from __future__ import annotations


def text_in(texts: dict[str, str] | None, locale: str) -> str:
    """The text in `locale`, else English, else any; "" when there is none."""
    texts = texts or {}
    return texts.get(locale) or texts.get("en") or next(iter(texts.values()), "")
