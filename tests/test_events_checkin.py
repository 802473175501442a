"""Checking an owner in by scanning their pass (/start ci_<code>): staff see who, which
event, the party and the points (given once, with a tier upgrade); a second scan says
when and by whom; refusals are told in words; the owner scanning their own pass sees
it; anyone else is told the QR is for staff."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.club.events import signup
from bot.club.points.ledger import EntryKind
from bot.club.stores.registry import load_stores
from db.models import AuditEntry, Member, PointsEntry, Store
from tests import factories
from tests.factories import add_event
from tests.flows import member_of, member_rows, services
from tests.harness import joined

DESK, OWNER, OTHER = 6101, 6201, 6202


async def soon(bot, **fields):
    """An event starting in an hour: check-in is open."""
    now = services(bot).now()
    values = {
        "starts_at": now + timedelta(hours=1),
        "ends_at": now + timedelta(hours=3),
        "signup_until": now + timedelta(minutes=30),
        **fields,
    }
    return await add_event(bot, **values)


async def signed_up(bot, event, user_id: int, companions: int = 0, **member):
    """An owner in chat, signed up for `event` through the use-case: (person, sign-up)."""
    member.setdefault("phone", f"+86139{user_id:08d}")
    person = await factories.owner(bot, user_id, plate=None, **member)
    member = await member_of(bot, user_id)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        done = await signup.sign_up(
            session, svc.default_store, event.id, member.id, companions, svc.now()
        )
        await session.commit()
    return person, done.signup


async def attendance_rows(bot, member_id: int) -> int:
    async with services(bot).sessionmaker() as session:
        return await session.scalar(
            select(func.count()).where(
                PointsEntry.member_id == member_id, PointsEntry.kind == EntryKind.ATTENDANCE
            )
        )


async def test_staff_scan_checks_the_owner_in_once_and_a_second_scan_says_when(bot):
    event = await soon(bot, companions_max=3, points_award=50)
    owner, pass_ = await signed_up(bot, event, OWNER, companions=2)
    desk = await factories.staff(bot, DESK, "customer_service", first_name="Zhou")

    text = joined(await desk.send(f"/start ci_{pass_.code}"))
    assert "Checked in: Wang Wei" in text
    assert "Owner class: winter driving" in text
    assert "Party of 3: the owner and 2 companions." in text
    assert "+50 attendance points · redeemable now 50" in text
    assert desk.last.button_labels == ["Check-in list"]
    assert desk.last.buttons[0]["callback_data"] == f"evc:list:{event.id}:0"
    # The owner is told what they earned, in their language.
    assert "You earned 50 points for coming" in owner.last.text

    member = await member_of(bot, OWNER)
    assert member.redeemable_points == 50 and await attendance_rows(bot, member.id) == 1

    svc = services(bot)
    t = svc.translator("en", svc.default_store)
    async with svc.sessionmaker() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "events.checkin")
        )
        checked_at = (await signup.signup_of(session, event.id, member.id)).checked_in_at
    assert audit.actor_user_id == DESK and audit.target == f"signup:{pass_.id}"

    again = joined(await desk.send(f"/start ci_{pass_.code.lower()}"))  # typed in lower case
    assert f"Wang Wei was already checked in at {t.clock(checked_at)} by you." in again
    colleague = await factories.staff(bot, DESK + 1, "service_advisor", language="zh-hans")
    said = joined(await colleague.send(f"/start ci_{pass_.code}"))
    zh = svc.translator("zh_Hans", svc.default_store)
    # A colleague reads who checked the owner in by the name Telegram gave them.
    assert f"Wang Wei 已于 {zh.clock(checked_at)} 由 Zhou 签到。" in said
    assert "共 3 人：车主本人及 2 位同行人。" in said
    assert await attendance_rows(bot, member.id) == 1
    assert (await member_of(bot, OWNER)).redeemable_points == 50
    assert len([c for c in owner.received() if "50" in c.text]) == 1  # told once


async def test_attendance_points_that_reach_a_tier_are_an_upgrade(bot):
    event = await soon(bot, points_award=5000)
    owner, pass_ = await signed_up(bot, event, OWNER)
    desk = await factories.staff(bot, DESK, "manager")
    text = joined(await desk.send(f"/start ci_{pass_.code}"))
    assert "Tier upgrade: now Gold." in text
    assert (await member_of(bot, OWNER)).tier_code == "gold"
    assert any("You are now a Gold member" in c.text for c in owner.received())


async def test_the_owner_sees_their_own_pass_and_others_are_told_it_is_for_staff(bot):
    event = await soon(bot)
    owner, pass_ = await signed_up(bot, event, OWNER)

    text = joined(await owner.send(f"/start ci_{pass_.code}"))
    assert "This is your check-in pass for" in text
    assert "Show this QR code to the staff when you arrive." in text
    assert [b["callback_data"] for b in owner.last.buttons] == [
        f"ev:pass:{event.id}",  # the QR itself, to show at the door
        f"ev:show:{event.id}",
    ]
    member = await member_of(bot, OWNER)
    assert await attendance_rows(bot, member.id) == 0  # an owner cannot check themselves in

    other = await factories.owner(bot, OTHER, phone="+8613900000222", plate=None)
    assert "for store staff" in joined(await other.send(f"/start ci_{pass_.code}"))
    stranger = bot.person(6999, language="zh-hans")
    assert "工作人员" in joined(await stranger.send(f"/start ci_{pass_.code}"))
    assert await attendance_rows(bot, member.id) == 0


async def test_refusals_name_the_owner_and_the_reason(bot):
    desk = await factories.staff(bot, DESK, "customer_service")
    full = await soon(bot, capacity=1)
    await signed_up(bot, full, OWNER)
    _, waiting = await signed_up(bot, full, OTHER)
    text = joined(await desk.send(f"/start ci_{waiting.code}"))
    assert "is on the waitlist for" in text and "(place 1)" in text

    svc = services(bot)
    gone_event = await soon(bot)
    _, gone = await signed_up(bot, gone_event, 6203)
    async with svc.sessionmaker() as session:
        member = await member_of(bot, 6203)
        await signup.cancel(session, svc.default_store, gone_event.id, member.id, svc.now())
        await session.commit()
    assert "cancelled their sign-up" in joined(await desk.send(f"/start ci_{gone.code}"))

    later = await add_event(bot)  # a week ahead: too early
    _, early = await signed_up(bot, later, 6204)
    text = joined(await desk.send(f"/start ci_{early.code}"))
    t = svc.translator("en", svc.default_store)
    opens = t.datetime(later.starts_at - timedelta(hours=3))
    assert f"opens at {opens} (3 hours before the start)" in text

    called = await soon(bot)
    _, off = await signed_up(bot, called, 6205)
    async with svc.sessionmaker() as session:
        await signup.cancel_event(session, svc.default_store, called.id, DESK, svc.now())
        await session.commit()
    assert "is not running" in joined(await desk.send(f"/start ci_{off.code}"))

    assert "No sign-up has that check-in code" in joined(await desk.send("/start ci_NOSUCH12"))
    async with svc.sessionmaker() as session:
        ids = (await session.scalars(select(Member.id))).all()
    for member_id in ids:
        assert await attendance_rows(bot, member_id) == 0


async def test_a_pass_of_another_store_is_refused_as_such(make_bot):
    bot = await make_bot()
    svc = services(bot)
    async with svc.sessionmaker() as session:
        north = Store(code="north", name="北城店", timezone="Asia/Shanghai")
        session.add(north)
        await session.flush()
        row = member_rows(north.id, svc.policy.tiers[0].code, 6301, 1)[0]
        session.add(Member(**{**row, "phone": "+8613900063011"}))
        await session.commit()
    bot = await make_bot()  # restarted: both stores loaded
    svc = services(bot)
    async with svc.sessionmaker() as session:
        stores = await load_stores(session, svc.policy, "en")
    north_store = next(s for s in stores.values() if s.code == "north")
    now = svc.now()
    event = await add_event(
        bot,
        store_id=north_store.id,
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
        signup_until=now + timedelta(minutes=30),
    )
    async with svc.sessionmaker() as session:
        member_id = await session.scalar(select(Member.id).where(Member.telegram_user_id == 6301))
        done = await signup.sign_up(session, north_store, event.id, member_id, 0, now)
        await session.commit()
    desk = await factories.staff(bot, DESK, "customer_service")
    text = joined(await desk.send(f"/start ci_{done.signup.code}"))
    assert "another store" in text and "Checked in" not in text
    assert await attendance_rows(bot, member_id) == 0
