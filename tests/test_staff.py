"""Staff roles, the member view, onboarding links, refusals and the audit log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from db.models import AuditEntry, JoinLink
from tests import factories
from tests.conftest import ADMIN_ID
from tests.flows import join_club, member_of, services
from tests.harness import joined

STAFF_COMMANDS = [
    "/member 13812345678",
    "/joinlink new_car",
    "/grant 42 sales",
    "/revoke 42 sales",
    "/staff",
]


async def audit_actions(bot) -> list[tuple[int | None, str]]:
    async with services(bot).sessionmaker() as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(r.actor_user_id, r.action) for r in rows]


async def test_owner_cannot_use_staff_commands(bot):
    owner = await factories.owner(bot, 4001)
    for command in STAFF_COMMANDS:
        calls = await owner.send(command)
        assert "for store staff" in joined(calls), command
    assert await audit_actions(bot) == []


async def test_admin_grants_a_role_and_the_staff_member_opens_members(bot):
    owner = await factories.owner(bot, 4002, phone="+8613812345678", plate="粤B12345")
    admin = bot.person(ADMIN_ID, language="en")
    advisor = bot.person(4100, language="en")

    assert "for store staff" in joined(await advisor.send("/member 粤B12345"))
    assert "4100" in joined(await advisor.send("/myid"))
    calls = await admin.send("/grant 4100 service_advisor")
    assert "User 4100 is now service advisor" in joined(calls)
    staff_menus = [
        c
        for c in calls
        if c.method == "setMyCommands" and c.params["scope"] == {"type": "chat", "chat_id": 4100}
    ]
    assert staff_menus and any(c["command"] == "member" for c in staff_menus[0].params["commands"])
    assert "already has the role" in joined(await admin.send("/grant 4100 advisor"))

    member = await member_of(bot, 4002)
    for query in [
        "138 1234 5678",
        "粤b12345",
        member.card_code.lower(),
        f"https://t.me/club_test_bot?start=m_{member.card_code}",
    ]:
        text = joined(await advisor.send(f"/member {query}"))
        assert "Member Wang Wei" in text, query
        assert "+8613812345678" in text and "粤B12345" in text and "Camry 2.0 2022" in text
    assert "No member found" in joined(await advisor.send("/member 粤A99999"))
    assert "Usage: /member" in joined(await advisor.send("/member"))

    # Scanning the card's QR code opens the member for staff, not for owners.
    assert "Member Wang Wei" in joined(await advisor.send(f"/start m_{member.card_code}"))
    assert "for store staff" in joined(await owner.send(f"/start m_{member.card_code}"))

    # Staff lists are for managers and admins only.
    assert "for store staff" in joined(await advisor.send("/staff"))
    listing = joined(await admin.send("/staff"))
    assert "4100: service advisor" in listing and f"{ADMIN_ID}: admin" in listing

    calls = await admin.send("/revoke 4100 service_advisor")
    assert "no longer service advisor" in joined(calls)
    assert any(c.method == "deleteMyCommands" for c in calls)
    assert "for store staff" in joined(await advisor.send("/member 粤B12345"))

    actions = await audit_actions(bot)
    assert (ADMIN_ID, "staff.grant") in actions and (ADMIN_ID, "staff.revoke") in actions
    assert actions.count((4100, "member.open")) == 6  # every look-up, found or not


async def test_bad_role_commands_get_usage(bot):
    admin = bot.person(ADMIN_ID, language="en")
    for command in ["/grant", "/grant abc sales", "/grant 42 pilot", "/revoke 42"]:
        assert "Usage:" in joined(await admin.send(command)), command
    assert "does not have the role" in joined(await admin.send("/revoke 42 sales"))
    assert await audit_actions(bot) == []


async def test_join_link_presets_channel_and_advisor_once(bot):
    admin = bot.person(ADMIN_ID, language="en")
    await admin.send("/grant 4200 sales")
    sales = bot.person(4200, language="en")
    assert "Usage: /joinlink" in joined(await sales.send("/joinlink teleport"))
    text = joined(await sales.send("/joinlink new_car me"))
    code = text.split("start=j_")[1].split()[0]

    owner = bot.person(4003, language="en")
    await join_club(owner, start=f"/start j_{code}", channel=None)  # no channel question
    member = await member_of(bot, 4003)
    assert member is not None and member.join_channel == "new_car"
    assert member.advisor_user_id == 4200
    assert "Joined" in joined(await sales.send("/member 粤B12345"))

    late = bot.person(4004, language="en")
    calls = await late.send(f"/start j_{code}")
    assert "expired or was already used" in joined(calls)
    assert "join:ok" in [b["callback_data"] for b in calls[-1].buttons]  # plain join offered
    assert (4200, "joinlink.create") in await audit_actions(bot)


async def test_expired_join_link_is_refused(bot):
    admin = bot.person(ADMIN_ID, language="en")
    text = joined(await admin.send("/joinlink fee"))
    code = text.split("start=j_")[1].split()[0]
    async with services(bot).sessionmaker() as session:
        link = await session.scalar(select(JoinLink).where(JoinLink.code == code))
        await session.execute(
            update(JoinLink)
            .where(JoinLink.id == link.id)
            .values(expires_at=link.created_at - timedelta(seconds=1))
        )
        await session.commit()
    calls = await bot.person(4005, language="en").send(f"/start j_{code}")
    assert "expired or was already used" in joined(calls)
