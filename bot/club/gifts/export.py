"""The catalog and the redemptions as XLSX workbooks, for the store's own spreadsheets.

Written with openpyxl in write-only mode (rows streamed, not held as cells), headers in
the staff member's language, moments on the store's wall clock, money in yuan. The
caller passes how a redemption's status reads (the chat's wording), so the file and the
chat say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.localized import text_in
from bot.club.common.xlsx import Row, workbook
from bot.club.common.xlsx import label as _label
from bot.club.common.xlsx import local as _local
from bot.club.common.xlsx import yuan as _yuan
from bot.i18n import N_, Translator
from db.models import Gift, Member, Redemption

CATALOG_HEADERS = (
    N_("Item no."),
    N_("Name (zh-Hans)"),
    N_("Name (en)"),
    N_("Kind"),
    N_("Status"),
    N_("Points"),
    N_("Stock"),
    N_("Face value (¥)"),
    N_("Minimum spend (¥)"),
    N_("Valid days"),
    N_("Limit per member"),
    N_("Limit period (days)"),
    N_("Lowest tier"),
    N_("Available from"),
    N_("Available until"),
    N_("Updated"),
)
REDEMPTION_HEADERS = (
    N_("Code"),
    N_("Item"),
    N_("Kind"),
    N_("Points"),
    N_("Member"),
    N_("Card"),
    N_("Phone"),
    N_("Status"),
    N_("Redeemed"),
    N_("Last day"),
    N_("Collected at"),
    N_("Collected by (Telegram id)"),
    N_("Repair order"),
)
KINDS = {"gift": N_("Gift"), "voucher": N_("Voucher")}
ITEM_STATUS = {"active": N_("On offer"), "paused": N_("Paused"), "retired": N_("Retired")}
UNLIMITED = N_("unlimited")


async def catalog_xlsx(session: AsyncSession, store_id: int, t: Translator) -> bytes:
    """Every item of the store's catalog, retired ones included, by item number."""
    gifts = await session.scalars(select(Gift).where(Gift.store_id == store_id).order_by(Gift.id))

    def row(g: Gift) -> Row:
        return [
            g.id,
            (g.names or {}).get("zh_Hans", ""),
            (g.names or {}).get("en", ""),
            _label(t, KINDS, g.kind),
            _label(t, ITEM_STATUS, g.status),
            g.cost_points,
            t.gettext(UNLIMITED) if g.stock is None else g.stock,
            _yuan(g.face_value_fen),
            _yuan(g.min_spend_fen),
            g.valid_days,
            g.per_member_limit,
            g.limit_days,
            g.min_tier,
            g.available_from,
            g.available_until,
            _local(t, g.updated_at),
        ]

    return workbook(t, t.gettext("Catalog"), CATALOG_HEADERS, (row(g) for g in gifts))


async def redemptions_xlsx(
    session: AsyncSession,
    store_id: int,
    t: Translator,
    status: Callable[[Redemption], str],
) -> bytes:
    """Every redemption of the store with its owner, newest first."""
    rows = await session.execute(
        select(Redemption, Member)
        .join(Member, Member.id == Redemption.member_id)
        .where(Redemption.store_id == store_id)
        .order_by(Redemption.created_at.desc(), Redemption.id.desc())
    )

    def row(r: Redemption, m: Member) -> Row:
        return [
            r.code,
            text_in(r.names, t.locale),
            _label(t, KINDS, r.kind),
            r.cost_points,
            m.name,
            m.card_code,
            m.phone,
            status(r),
            _local(t, r.created_at),
            r.expires_on,
            _local(t, r.collected_at),
            r.collected_by,
            r.used_order_no,
        ]

    return workbook(t, t.gettext("Redemptions"), REDEMPTION_HEADERS, (row(r, m) for r, m in rows))
