"""The member card picture: a tier-coloured card with the member's QR code.

The picture carries no words that need translating (the caption does that):
the card code in Latin letters, and the QR code staff scan to open the member.
"""

from __future__ import annotations

import io

import qrcode
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 860, 540


def _hex(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def qr_image(payload: str, box: int = 8) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box, border=2)
    qr.add_data(payload)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def render_card(card_code: str, payload: str, color: str) -> bytes:
    """PNG bytes of the card for `card_code`, whose QR code holds `payload`."""
    base = _hex(color)
    card = Image.new("RGB", (WIDTH, HEIGHT), base)
    draw = ImageDraw.Draw(card)
    # A lighter band across the top keeps dark tiers readable.
    band = tuple(min(255, c + 60) for c in base)
    draw.rectangle((0, 0, WIDTH, 90), fill=band)
    ink = (255, 255, 255) if sum(base) < 382 else (20, 20, 20)
    font_big = ImageFont.load_default(size=54)
    font_small = ImageFont.load_default(size=28)
    draw.text(
        (40, 24), "OWNERS CLUB", fill=ink if sum(band) < 382 else (20, 20, 20), font=font_small
    )
    pretty = f"{card_code[:4]} {card_code[4:]}"
    draw.text((40, HEIGHT - 110), pretty, fill=ink, font=font_big)
    qr = qr_image(payload)
    side = 300
    qr = qr.resize((side, side), Image.Resampling.NEAREST)
    card.paste(qr, (WIDTH - side - 40, 130))
    out = io.BytesIO()
    card.save(out, format="PNG", optimize=True)
    return out.getvalue()
