"""Pictures of the gift shop: a placeholder card for an item staff gave no photo, and
the redemption's QR code with its code printed large, to show at the desk.

Drawn with the member card's fonts (`bot.render.card_image`): a name the font cannot
draw is left out rather than shown as boxes.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw

from bot.render.card_image import _fit, _font, can_draw, qr_image

SIDE = 640  # square: Telegram shows it whole in a chat
QR_SIDE = 480
BACKGROUND = (236, 240, 245)
INK = (30, 40, 60)
ACCENT = (190, 30, 45)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill: tuple) -> None:
    text, size = _fit(draw, text, size, SIDE - 60)
    width = draw.textlength(text, font=_font(size))
    draw.text(((SIDE - width) / 2, y), text, fill=fill, font=_font(size))


@lru_cache(maxsize=256)
def placeholder(gift_id: int, locale: str, name: str) -> bytes:
    """PNG bytes of a plain card with a gift box and the item's name (cached in memory
    per item, language and name: a renamed item gets a new picture)."""
    del gift_id, locale  # part of the cache key only
    image = Image.new("RGB", (SIDE, SIDE), BACKGROUND)
    draw = ImageDraw.Draw(image)
    box = (SIDE // 2 - 120, 130, SIDE // 2 + 120, 330)
    draw.rectangle(box, fill=ACCENT)
    draw.rectangle((SIDE // 2 - 14, 130, SIDE // 2 + 14, 330), fill=(245, 200, 60))
    draw.rectangle((box[0] - 16, 110, box[2] + 16, 170), fill=ACCENT, outline=BACKGROUND, width=4)
    draw.rectangle((SIDE // 2 - 14, 110, SIDE // 2 + 14, 170), fill=(245, 200, 60))
    if name and can_draw(name, 44):
        _centred(draw, 400, name, 44, INK)
    return _png(image)


def redemption_qr(payload: str, code: str) -> bytes:
    """PNG bytes of the QR code holding `payload`, with `code` beneath it for typing."""
    image = Image.new("RGB", (SIDE, SIDE + 60), (255, 255, 255))
    qr = qr_image(payload).resize((QR_SIDE, QR_SIDE), Image.Resampling.NEAREST)
    image.paste(qr, ((SIDE - QR_SIDE) // 2, 30))
    draw = ImageDraw.Draw(image)
    spaced = " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    _centred(draw, QR_SIDE + 60, spaced, 72, INK)
    return _png(image)
