"""An owner's check-in pass for an event: the event's title, the QR code staff scan with
their phone camera (a deep link that opens the check-in), the owner's name and the
pass code printed for typing.

Drawn like the redemption's QR (`bot.render.gift_image`) with the member card's fonts:
a title or name the font cannot draw is left out rather than shown as boxes.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from bot.render.card_image import can_draw, qr_image
from bot.render.gift_image import INK, QR_SIDE, SIDE, _centred, _png

QR_TOP = 90  # the QR code's square: (SIDE - QR_SIDE) / 2, QR_TOP, QR_SIDE wide
QR_LEFT = (SIDE - QR_SIDE) // 2
HEIGHT = QR_TOP + QR_SIDE + 150
TITLE_SIZE, NAME_SIZE, CODE_SIZE = 34, 40, 44


def pass_qr(payload: str, title: str, name: str, code: str) -> bytes:
    """PNG bytes of the pass: `title` above the QR code holding `payload`, `name` and
    `code` beneath it."""
    image = Image.new("RGB", (SIDE, HEIGHT), (255, 255, 255))
    qr = qr_image(payload).resize((QR_SIDE, QR_SIDE), Image.Resampling.NEAREST)
    image.paste(qr, (QR_LEFT, QR_TOP))
    draw = ImageDraw.Draw(image)
    if title and can_draw(title, TITLE_SIZE):
        _centred(draw, 30, title, TITLE_SIZE, INK)
    if name and can_draw(name, NAME_SIZE):
        _centred(draw, QR_TOP + QR_SIDE + 20, name, NAME_SIZE, INK)
    spaced = " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    _centred(draw, QR_TOP + QR_SIDE + 80, spaced, CODE_SIZE, INK)
    return _png(image)
