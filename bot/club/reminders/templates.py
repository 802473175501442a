"""Managers' wording (话术) for each reminder, per language; the default when none is set."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.staff import audit
from db.models import Template
from db.writes import insert_once


async def custom(session: AsyncSession, store_id: int) -> dict[tuple[str, str], str]:
    rows = await session.execute(
        select(Template.kind, Template.locale, Template.text).where(Template.store_id == store_id)
    )
    return {(kind, locale): text for kind, locale, text in rows}


async def save(
    session: AsyncSession, store_id: int, kind: str, locale: str, text: str, staff_id: int
) -> None:
    """Set the wording for (kind, locale); the caller has checked the placeholders."""
    await session.execute(
        delete(Template).where(
            Template.store_id == store_id, Template.kind == kind, Template.locale == locale
        )
    )
    await insert_once(
        session,
        Template,
        {
            "store_id": store_id,
            "kind": kind,
            "locale": locale,
            "text": text,
            "updated_by": staff_id,
        },
    )
    audit.record(session, store_id, staff_id, "template.save", f"{kind}:{locale}")


async def reset(
    session: AsyncSession, store_id: int, kind: str, locale: str, staff_id: int
) -> bool:
    done = await session.execute(
        delete(Template).where(
            Template.store_id == store_id, Template.kind == kind, Template.locale == locale
        )
    )
    if done.rowcount:
        audit.record(session, store_id, staff_id, "template.reset", f"{kind}:{locale}")
    return bool(done.rowcount)
