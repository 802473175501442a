"""The proactive booking list (主动预约) as staff use it: who is due for maintenance by
date or mileage and has no booking, paged, with a one-tap invitation that the owner
gets once, in their language, with "Book now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.club.bookings import due
from bot.club.reminders.rules import CarFacts, regular_maintenance_due
from db.base import utcnow
from db.models import Booking, Car, Member, Push, Visit
from tests import factories
from tests.conftest import ADMIN_ID
from tests.flows import member_of, services
from tests.harness import joined

SERVICE_ADVISOR = 8390


async def owner_with(bot, user_id: int | None, language: str = "en", **car: object):
    """A member with one car (plate 粤D<user id>) whose columns are set to `car`."""
    number = user_id or 1
    member = await factories.add_member(
        bot,
        user_id,
        phone=f"+86137{number:08d}",
        plate=f"粤D{number}",
        name=f"Owner {number}",
        locale="zh_Hans" if language.startswith("zh") else "en",
    )
    svc = services(bot)
    async with svc.sessionmaker() as session:
        row = await session.scalar(select(Car).where(Car.member_id == member.id))
        for key, value in car.items():
            setattr(row, key, value)
        await session.commit()
        return member, row


def today(bot):
    return services(bot).default_store.today()


async def staff(bot):
    return await factories.staff(bot, SERVICE_ADVISOR, "service_advisor")


async def test_the_list_shows_who_is_due_by_date_or_mileage_and_not_booked(bot):
    day = today(bot)
    _, first = await owner_with(bot, 8301, delivery_date=day - timedelta(days=70))
    _, regular = await owner_with(bot, 8302, last_service_date=day - timedelta(days=175))
    # 10,000 km in about 62 days of driving since the last service: due by mileage.
    per_day, served = 10000 / 62, day - timedelta(days=60)
    driven = round(per_day * (served - factories.DELIVERY).days)
    _, by_km = await owner_with(
        bot, 8303, last_service_date=served, last_mileage=driven, last_mileage_date=served
    )
    _, overdue = await owner_with(bot, 8304, last_service_date=day - timedelta(days=200))
    # Not on the list: long overdue, not due yet, booked, unreachable, first maintenance done.
    await owner_with(bot, 8305, last_service_date=day - timedelta(days=240))
    await owner_with(bot, 8306, last_service_date=day - timedelta(days=30))
    booked_member, booked = await owner_with(bot, 8307, last_service_date=day - timedelta(days=180))
    blocked_member, _ = await owner_with(bot, 8308, last_service_date=day - timedelta(days=180))
    await owner_with(bot, None, last_service_date=day - timedelta(days=180))
    done_member, done = await owner_with(bot, 8309, delivery_date=day - timedelta(days=70))
    svc = services(bot)
    async with svc.sessionmaker() as session:
        tomorrow = utcnow() + timedelta(days=1)
        session.add(
            Booking(
                store_id=svc.default_store.id,
                member_id=booked_member.id,
                car_id=booked.id,
                service="regular_maintenance",
                day=svc.default_store.today(tomorrow),
                starts_at=tomorrow,
                ends_at=tomorrow + timedelta(hours=1),
                request_key="booked",
            )
        )
        await session.execute(
            update(Member).where(Member.id == blocked_member.id).values(blocked_at=utcnow())
        )
        session.add(
            Visit(
                store_id=svc.default_store.id,
                member_id=done_member.id,
                car_id=done.id,
                order_no="RO-1",
                visit_date=day - timedelta(days=5),
                category="first_maintenance",
                amount_fen=0,
            )
        )
        await session.commit()

    desk = await staff(bot)
    await desk.send("/duebook")
    listing = desk.last
    text = listing.text
    assert text.startswith("4 cars due for maintenance within 14 days (or overdue)")
    order = ["粤D8304", "粤D8303", "粤D8302", "粤D8301"]  # by due date, the overdue first
    positions = [text.index(p) for p in order]
    assert positions == sorted(positions)
    for plate in ("粤D8305", "粤D8306", "粤D8307", "粤D8308", "粤D8309", "粤D1"):
        assert plate not in text
    assert "Owner 8302 · +8613700008302 · 粤D8302 · Camry 2.0 2022" in text
    facts = CarFacts(by_km.id, "", "", factories.DELIVERY, served, driven, served, None, None)
    km_due, t = regular_maintenance_due(facts, svc.policy.reminders), svc.translator("en")
    assert f"regular maintenance {t.date(km_due[0])} or at {t.number(km_due[1])} km" in text
    assert "first maintenance by" in text
    assert listing.button_labels == [f"Invite {p}" for p in order]
    assert {first.id, regular.id, by_km.id, overdue.id} == {
        int(b["callback_data"].split(":")[2]) for b in listing.buttons
    }


async def test_an_invitation_is_sent_once_with_book_now_and_marked_on_the_list(bot):
    owner_member, car = await owner_with(
        bot, 8311, language="zh-hans", last_service_date=today(bot) - timedelta(days=180)
    )
    desk = await staff(bot)
    await desk.send("/duebook")
    calls = await desk.press("Invite 粤D8311")
    assert "Invitation queued for Owner 8311 (粤D8311)" in joined(calls)
    owner = bot.person(8311, language="zh-hans")
    await bot.drain()
    invitation = owner.last
    assert "粤D8311" in invitation.text and "Camry 2.0 2022" in invitation.text
    assert [b["callback_data"] for b in invitation.buttons] == [
        f"book:go:{car.id}:regular_maintenance"
    ]
    calls = await desk.press("Invite 粤D8311")  # a second tap
    assert "was already invited" in joined(calls)
    await bot.drain()
    assert len(owner.received()) == 1
    async with services(bot).sessionmaker() as session:
        push = await session.scalar(select(Push).where(Push.purpose == "booking_invite"))
    assert push.urgent is False and push.member_id == owner_member.id
    assert "invited ✓" in joined(await desk.send("/duebook"))


async def test_the_list_pages_and_its_buttons_refuse_bad_data(bot):
    day = today(bot)
    for i in range(12):
        await owner_with(bot, 8320 + i, last_service_date=day - timedelta(days=180 - i % 3))
    desk = await staff(bot)
    await desk.send("/duebook 30")
    assert "12 cars due for maintenance within 30 days" in desk.last.text
    assert "Page 1 of 2" in desk.last.text and len(desk.last.button_labels) == 11
    calls = await desk.press("Next ▶")
    second = joined(calls)
    assert "Page 2 of 2" in second and "11. " in second and "12. " in second
    assert desk.last.button_labels[-1] == "◀ Previous"
    for data in ("bkdue:page:x:30", "bkdue:page:0:9999", "bkdue:inv:abc", "bkdue:inv"):
        calls = await desk.press_data(data)
        notes = [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]
        assert notes == ["This button is out of date."]
    calls = await desk.press_data("bkdue:inv:999999")
    assert "no longer on the list" in joined(calls)
    assert "Usage: /duebook [days]" in joined(await desk.send("/duebook soon"))
    assert "Usage: /duebook [days]" in joined(await desk.send("/duebook 0"))


async def test_only_staff_see_the_list_or_invite(bot):
    _, car = await owner_with(bot, 8340, last_service_date=today(bot) - timedelta(days=180))
    owner = bot.person(8340)
    assert "for store staff" in joined(await owner.send("/duebook"))
    assert "for store staff" in joined(await owner.press_data(f"bkdue:inv:{car.id}"))
    async with services(bot).sessionmaker() as session:
        assert await session.scalar(select(Push.id)) is None
    admin = bot.person(ADMIN_ID, language="en")
    assert "1 car due" in joined(await admin.send("/duebook"))


async def test_no_invitation_when_booking_is_off(make_bot, tmp_path):
    policy = tmp_path / "off.toml"
    policy.write_text(
        '[pushes]\nquiet_start = "00:00"\nquiet_end = "00:00"\n[bookings]\nenabled = false\n'
    )
    bot = await make_bot(policy_file=policy)
    await owner_with(bot, 8350, last_service_date=today(bot) - timedelta(days=180))
    desk = await staff(bot)
    await desk.send("/duebook")
    assert "call the owner" in joined(await desk.press("Invite 粤D8350"))


async def test_no_invitation_to_an_owner_who_turned_maintenance_reminders_off(bot):
    await owner_with(bot, 8355, last_service_date=today(bot) - timedelta(days=180))
    owner = bot.person(8355)
    await owner.send("/settings")
    await owner.press("🔔 Regular maintenance")  # turned off
    desk = await staff(bot)
    await desk.send("/duebook")
    assert "please call them instead" in joined(await desk.press("Invite 粤D8355"))
    async with services(bot).sessionmaker() as session:
        purposes = set(await session.scalars(select(Push.purpose)))
    assert "booking_invite" not in purposes


async def test_the_list_reads_only_cars_that_may_be_due(bot):
    """Thousands of cars far from their maintenance: the SQL range leaves them out."""
    svc = services(bot)
    day = today(bot)
    member = await member_of(bot, (await owner_with(bot, 8360))[0].telegram_user_id)
    rows = [
        {
            "store_id": svc.default_store.id,
            "member_id": member.id,
            "plate": f"粤F{i:05d}",
            "model": "Camry",
            "delivery_date": day - timedelta(days=400),
            "last_service_date": day - timedelta(days=20 + i % 100),
            # Half of them drive 20 km a day: 10,000 km take far longer than the window.
            "last_mileage": 20 * (400 - 10) if i % 2 else None,
            "last_mileage_date": day - timedelta(days=10) if i % 2 else None,
        }
        for i in range(3000)
    ]
    async with svc.sessionmaker() as session:
        await session.execute(Car.__table__.insert(), rows)
        await session.commit()
    async with svc.sessionmaker() as session:
        store = svc.default_store
        query = due._candidates(store, day, day + timedelta(days=14))
        candidates = (await session.execute(query)).all()
        assert len(candidates) == 0
        started = datetime.now(UTC)
        assert await due.due_cars(session, store, day, 14) == []
        assert datetime.now(UTC) - started < timedelta(seconds=5)
