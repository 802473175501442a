"""An event's attendee list as an XLSX workbook (the common workbook): one row per
sign-up, seats first, then the waitlist in order, then those who cancelled; moments on
the store's wall clock. The caller passes how a status reads (the chat's wording), so
the file and the chat say the same thing."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.xlsx import Row, local, workbook
from bot.club.events.roster import Entry, entries
from bot.club.policy.model import ClubPolicy
from bot.i18n import N_, Translator
from db.models import Event

HEADERS = (
    N_("Name"),
    N_("Phone"),
    N_("Plates"),
    N_("Tier"),
    N_("Companions"),
    N_("Status"),
    N_("Waitlist place"),
    N_("Signed up at"),
    N_("Checked in at"),
    N_("Points paid"),
)


async def attendees_xlsx(
    session: AsyncSession,
    policy: ClubPolicy,
    event: Event,
    t: Translator,
    status: Callable[[str], str],
) -> bytes:
    """Everyone who signed up for `event`, cancelled ones included (last)."""

    def row(entry: Entry) -> Row:
        signup, member = entry.signup, entry.member
        return [
            member.name,
            member.phone,
            ", ".join(entry.plates),
            policy.tier(member.tier_code).name(t.locale),
            signup.companions,
            status(signup.status),
            entry.place,
            local(t, signup.queued_at),
            local(t, signup.checked_in_at),
            signup.points_paid,
        ]

    found = await entries(session, event.id, everyone=True)
    return workbook(t, t.gettext("Attendees"), HEADERS, (row(e) for e in found))
