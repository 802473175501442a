"""Translations and locale formatting.

Catalogs live in `locales/<locale>/LC_MESSAGES/messages.po`; they are compiled in
memory when first used, so a stale `.mo` file can never hide an edited `.po`.
Texts use `str.format` placeholders (`{name}`).
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
SUPPORTED_LOCALES: tuple[str, ...] = ("zh_Hans", "en")
DATE_FORMAT = "medium"  # the one way dates are written, in every text
TIME_FORMAT = "short"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


def map_telegram_language(code: str | None) -> str | None:
    """Map Telegram's IETF `language_code` (e.g. `zh-hans`, `en-US`) to a supported locale."""
    if not code:
        return None
    try:
        parsed = Locale.parse(code.replace("-", "_"), sep="_")
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    if parsed.language == "zh":
        # Traditional-script users read Simplified better than English.
        return "zh_Hans"
    if parsed.language == "en":
        return "en"
    return None


def resolve_locale(saved: str | None, telegram_code: str | None, default: str) -> str:
    """The member's saved choice, else Telegram's language, else the store default."""
    if saved in SUPPORTED_LOCALES:
        return saved
    return map_telegram_language(telegram_code) or (
        default if default in SUPPORTED_LOCALES else SUPPORTED_LOCALES[0]
    )


@cache
def _translations(locale: str) -> gettext.NullTranslations:
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@cache
def _babel_locale(code: str) -> Locale:
    """Babel's locale for a code, parsed once: every date and number asks for it."""
    return Locale.parse(code)


@dataclass(frozen=True)
class Translator:
    """Everything a handler needs to speak one locale."""

    locale: str
    tz: ZoneInfo

    @property
    def babel_locale(self) -> Locale:
        return _babel_locale(self.locale)

    def gettext(self, message: str, **params: object) -> str:
        text = _translations(self.locale).gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """`n` chooses the plural form; a caller may pass `n=` too (the number as the
        locale writes it, e.g. "1,200"), which is what the text then shows."""
        text = _translations(self.locale).ngettext(singular, plural, n)
        return text.format(**{"n": n, **params})

    def date(self, value: date | datetime | None) -> str:
        """A date in the one format owners and staff see everywhere: Babel's medium
        ("Dec 2, 2026", "2026年12月2日"); a short numeric "12/2/26" reads as 12 February
        to many."""
        if value is None:
            return "—"
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date() if value.tzinfo else value.date()
        return dates.format_date(value, format=DATE_FORMAT, locale=self.babel_locale)

    def datetime(self, value: datetime) -> str:
        """A moment in the store's time zone: the medium date and the short time
        ("Dec 2, 2026, 10:30 AM")."""
        locale = self.babel_locale
        moment = value.astimezone(self.tz) if value.tzinfo else value
        day = dates.format_date(moment.date(), format=DATE_FORMAT, locale=locale)
        clock = dates.format_time(moment.time(), format=TIME_FORMAT, locale=locale)
        pattern = str(locale.datetime_formats.get(DATE_FORMAT, "{1} {0}"))
        return pattern.replace("{1}", day).replace("{0}", clock)

    def clock(self, value: datetime) -> str:
        """The short time of a moment in the store's time zone ("10:30 AM", "10:30"): a
        slot's button, beside a date already shown."""
        moment = value.astimezone(self.tz) if value.tzinfo else value
        return dates.format_time(moment.time(), format=TIME_FORMAT, locale=self.babel_locale)

    def weekday(self, value: date, width: str = "abbreviated") -> str:
        """The day of the week ("Mon", "周一"); width "wide" for "Monday", "星期一"."""
        names = self.babel_locale.days["format"][width]
        return str(names[value.weekday()])

    def number(self, value: int) -> str:
        return numbers.format_decimal(value, locale=self.babel_locale)

    def percent(self, value: float) -> str:
        """A share as the locale writes a whole percentage ("42%"): Babel's one format."""
        return numbers.format_percent(value, locale=self.babel_locale)

    def money(self, fen: int) -> str:
        """Yuan with the ¥ sign in every language (Babel's English says "CN¥")."""
        from decimal import Decimal

        amount = numbers.format_decimal(
            Decimal(fen) / 100, format="#,##0.00", locale=self.babel_locale
        )
        return f"¥{amount}"


def translator(locale: str, tz: ZoneInfo) -> Translator:
    return Translator(locale if locale in SUPPORTED_LOCALES else SUPPORTED_LOCALES[0], tz)
