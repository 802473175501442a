"""The member card picture the front desk reads at a glance: the store's name, the
member's name, tier, card number and valid-until date in the owner's language, and the
QR code staff scan to open the member.

Chinese needs a CJK font: the file `CARD_FONT` names, else WenQuanYi Micro Hei from
the `paperang-p2-fonts-cjk` dependency, else the first one found among the usual
system paths; without one, each text falls back to its Latin
version (English labels, the store's Latin name) and a text with no Latin form is left
out, so the layout stays intact and rendering never fails for want of a font.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 860, 540
QR_SIDE, QR_TOP = 300, 130
LEFT = 40
TEXT_WIDTH = WIDTH - QR_SIDE - 3 * LEFT  # the column left of the QR code

CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/source-han-sans/SourceHanSansSC-Regular.otf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
LATIN_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)


@dataclass(frozen=True)
class CardFace:
    """The words on the card, already translated; `latin` is the same card in Latin
    script, used for any text the available font cannot draw."""

    store: str
    name: str
    tier_label: str
    tier: str
    valid_label: str
    valid_until: str
    card_label: str
    latin: CardFace | None = None


def _hex(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def qr_image(payload: str, box: int = 8) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box, border=2)
    qr.add_data(payload)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def _packaged_cjk_font() -> str:
    """WenQuanYi Micro Hei as shipped by a PyPI package (a dependency), if installed."""
    try:
        from importlib.resources import files

        return str(files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc")
    except (ImportError, ModuleNotFoundError, TypeError):
        return ""


@cache
def font_path() -> str | None:
    """The font the card is drawn with: `CARD_FONT`, else the packaged CJK font, else a
    CJK one the machine has, else a Latin one."""
    wanted = os.environ.get("CARD_FONT", "")
    for candidate in (wanted, _packaged_cjk_font(), *CJK_FONTS, *LATIN_FONTS):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_path()
    if path is not None:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


@cache
def _missing_glyph(size: int) -> bytes:
    return bytes(_font(size).getmask("\U0010fffd"))


@lru_cache(maxsize=20_000)
def _has_glyph(font: str | None, ch: str, size: int) -> bool:
    """Whether `font` (the path `font_path` chose: part of the key, so a change of font
    asks again) has a glyph for `ch`."""
    del font
    return bytes(_font(size).getmask(ch)) != _missing_glyph(size)


def can_draw(text: str, size: int = 28) -> bool:
    """Whether the card's font has a glyph for every visible character of `text` (each
    character is asked once: names and dates share most of theirs)."""
    font = font_path()
    return all(ch.isspace() or _has_glyph(font, ch, size) for ch in text)


def _pick(text: str, latin: str | None, size: int) -> str:
    if can_draw(text, size):
        return text
    return latin if latin is not None and can_draw(latin, size) else ""


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> tuple[str, int]:
    """`text` at the largest size <= `size` that fits `width` (cut if it never does)."""
    while size > 18 and draw.textlength(text, font=_font(size)) > width:
        size -= 2
    while text and draw.textlength(text, font=_font(size)) > width:
        text = text[:-1]
    return text, size


def render_card(card_code: str, payload: str, color: str, face: CardFace | None = None) -> bytes:
    """PNG bytes of the card for `card_code`, whose QR code holds `payload`."""
    face = face or CardFace("OWNERS CLUB", "", "", "", "", "", "")
    latin = face.latin
    base = _hex(color)
    card = Image.new("RGB", (WIDTH, HEIGHT), base)
    draw = ImageDraw.Draw(card)
    # A lighter band across the top keeps dark tiers readable.
    band = tuple(min(255, c + 60) for c in base)
    draw.rectangle((0, 0, WIDTH, 90), fill=band)
    ink = (255, 255, 255) if sum(base) < 382 else (20, 20, 20)
    band_ink = ink if sum(band) < 382 else (20, 20, 20)
    soft = tuple((a * 3 + b) // 4 for a, b in zip(ink, base, strict=True))

    def text(xy: tuple[int, int], words: str, alt: str | None, size: int, fill, width=None):
        chosen = _pick(words, alt, size)
        if chosen:
            chosen, size = _fit(draw, chosen, size, width or TEXT_WIDTH)
            draw.text(xy, chosen, fill=fill, font=_font(size))

    text((LEFT, 24), face.store, latin.store if latin else "OWNERS CLUB", 36, band_ink, 780)
    text((LEFT, QR_TOP), face.name, latin.name if latin else None, 46, ink)
    text((LEFT, 205), face.tier_label, latin.tier_label if latin else None, 22, soft)
    text((LEFT, 235), face.tier, latin.tier if latin else None, 38, ink)
    text((LEFT, 300), face.valid_label, latin.valid_label if latin else None, 22, soft)
    text((LEFT, 330), face.valid_until, latin.valid_until if latin else None, 34, ink)
    text((LEFT, HEIGHT - 140), face.card_label, latin.card_label if latin else None, 22, soft)
    pretty = f"{card_code[:4]} {card_code[4:]}"
    draw.text((LEFT, HEIGHT - 110), pretty, fill=ink, font=_font(54))
    qr = qr_image(payload).resize((QR_SIDE, QR_SIDE), Image.Resampling.NEAREST)
    card.paste(qr, (WIDTH - QR_SIDE - LEFT, QR_TOP))
    out = io.BytesIO()
    # Telegram re-encodes every photo it is sent: a quicker, slightly larger PNG costs
    # the owner nothing and the bot a third less time per card.
    card.save(out, format="PNG", compress_level=1)
    return out.getvalue()
