"""The audit log: every staff action that changes (or opens) member data."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry


def record(
    session: AsyncSession,
    store_id: int,
    actor_user_id: int | None,
    action: str,
    target: str | None = None,
    **details: Any,
) -> None:
    """Stage an audit row in the caller's unit of work (no personal data in `details`)."""
    session.add(
        AuditEntry(
            store_id=store_id,
            actor_user_id=actor_user_id,
            action=action,
            target=target,
            details=details,
        )
    )
