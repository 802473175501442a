"""Every user-facing string is translated in every language, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, SUPPORTED_LOCALES, map_telegram_language, resolve_locale

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w*)\}")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def source_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalog(locale: str):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_translates_every_source_string(locale):
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog(locale) if m.id}
    missing = sorted(source_messages() - set(entries))
    assert not missing, f"{locale}: run scripts/i18n.sh and translate: {missing[:5]}"
    for msgid, entry in entries.items():
        strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        assert all(strings), f"{locale}: no translation for {msgid!r}"
        wanted = set(PLACEHOLDER.findall(msgid))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, f"{locale}: placeholders of {msgid!r}"


def test_chinese_catalog_is_really_chinese():
    entries = [m for m in catalog("zh_Hans") if m.id and isinstance(m.id, str)]
    untranslated = [m.id for m in entries if m.string == m.id and re.search("[a-z]{4}", m.id)]
    assert not untranslated, untranslated[:5]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh-hans", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-hant", "zh_Hans"),
        ("zh-TW", "zh_Hans"),
        ("en", "en"),
        ("en-US", "en"),
        ("pt-br", None),
        ("", None),
        (None, None),
        ("x@!", None),
    ],
)
def test_telegram_language_codes_map_safely(code, expected):
    assert map_telegram_language(code) == expected


def test_saved_choice_beats_telegram_language_beats_default():
    assert resolve_locale("en", "zh-hans", "zh_Hans") == "en"
    assert resolve_locale(None, "en-GB", "zh_Hans") == "en"
    assert resolve_locale("klingon", "pt-br", "zh_Hans") == "zh_Hans"
