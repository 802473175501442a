"""An owner sees, exports and deletes what the club holds about them."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from db.models import AuditEntry, Car, Member
from tests import factories
from tests.flows import join_club, member_of, members, services
from tests.harness import joined


async def test_mydata_sends_everything_kept(bot):
    owner = bot.person(7001, language="en")
    await join_club(owner)
    calls = await owner.send("/mydata")
    document = calls[-1]
    assert document.method == "sendDocument"
    content = document.files["document"]
    raw = content[1] if isinstance(content, tuple) else content
    data = json.loads(raw)
    assert data["member"]["phone"] == "+8613812345678"
    assert data["member"]["name"] == "Wang Wei"
    assert data["cars"] == [
        {"plate": "粤B12345", "vin": None, "model": "Camry 2.0 2022", "delivery_date": "2024-03-18"}
    ]
    assert "/deleteme" in document.text


async def test_deleteme_needs_confirmation_and_forgets_the_owner(bot):
    alice = bot.person(7002, language="en")
    await join_club(alice, phone="+8613800000001", plate="粤B00001")
    code = (await member_of(bot, 7002)).referral_code
    bob = bot.person(7003, language="en")
    await join_club(bob, phone="+8613800000002", plate="粤B00002", start=f"/start ref_{code}")

    await alice.send("/deleteme")
    assert "cannot be undone" in alice.last.text
    assert "Nothing was changed" in joined(await alice.press("Keep my membership"))
    assert await member_of(bot, 7002) is not None

    await alice.send("/deleteme")
    calls = await alice.press("Delete my membership and data")
    assert "have been deleted" in joined(calls)
    assert await member_of(bot, 7002) is None
    assert (await member_of(bot, 7003)).referred_by_id is None  # Bob keeps his membership
    assert [m.phone for m in await members(bot)] == ["+8613800000002"]
    async with services(bot).sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Car)) == 1
        actions = list(await session.scalars(select(AuditEntry.action)))
        assert "member.erase" in actions
    # The old confirmation button does nothing now; the owner may join again.
    assert "not a club member" in joined(await alice.press_data("privacy:erase:1"))
    await join_club(alice, phone="+8613800000001", plate="粤B00001")
    assert await member_of(bot, 7002) is not None


async def test_another_members_erase_button_is_refused(bot):
    await factories.owner(bot, 7004, phone="+8613800000001", plate="粤B00001")
    mallory = await factories.owner(bot, 7005, phone="+8613800000002", plate="粤B00002")
    victim = await member_of(bot, 7004)
    await mallory.press_data(f"privacy:erase:{victim.id}")
    async with services(bot).sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 2


async def test_database_errors_keep_personal_data_out_of_logs(bot):
    from sqlalchemy.exc import IntegrityError

    from db.models import Member as MemberRow

    await factories.owner(bot, 7006, phone="+8613812349999")
    svc = services(bot)
    async with svc.sessionmaker() as session:
        existing = await member_of(bot, 7006)
        clone = MemberRow(
            **{
                c: getattr(existing, c)
                for c in (
                    "store_id",
                    "phone",
                    "name",
                    "tier_code",
                    "valid_until",
                    "card_code",
                    "referral_code",
                    "join_channel",
                    "consent_at",
                )
            }
        )
        session.add(clone)
        try:
            await session.commit()
        except IntegrityError as exc:
            assert "13812349999" not in str(exc)
        else:
            raise AssertionError("a duplicate phone must be refused")


async def test_mydata_holds_visits_points_messages_and_consents(bot):
    from tests.conftest import ADMIN_ID

    owner = bot.person(7005, language="en")
    await join_club(owner)
    await owner.send("/settings")
    await owner.press("🔔 Weather alerts")  # turned off
    admin = bot.person(ADMIN_ID, language="en")
    await admin.send("/visit 粤B12345 maintenance 800 RO77 20000")
    await admin.press("Confirm")
    document = (await owner.send("/mydata"))[-1]
    content = document.files["document"]
    data = json.loads(content[1] if isinstance(content, tuple) else content)
    assert [v["order_no"] for v in data["visits"]] == ["RO77"]
    assert data["visits"][0]["amount_fen"] == 80000
    assert [(p["kind"], p["cumulative"]) for p in data["points"]] == [("visit", 800)]
    assert data["consents"]["messages_turned_off"] == ["weather"]
    assert data["consents"]["club_terms_accepted_at"]
    assert any(m["purpose"] == "notice" and m["status"] == "sent" for m in data["messages"])
    assert data["car_service"][0]["last_mileage_km"] == 20000
    assert data["member"]["telegram_id"] == 7005


async def test_an_owners_gifts_are_in_mydata_and_their_uncollected_ones_return_to_stock(bot):
    from db.models import Gift

    owner = await factories.owner(bot, 7010)
    member = await member_of(bot, 7010)
    await factories.give_points(bot, member, 800)
    gift = await factories.add_gift(bot, stock=1)
    done = await factories.redeem_now(bot, member, gift)
    calls = await owner.send("/mydata")
    content = calls[-1].files["document"]
    data = json.loads(content[1] if isinstance(content, tuple) else content)
    assert [(g["code"], g["status"], g["points"]) for g in data["gifts_and_vouchers"]] == [
        (done.redemption.code, "waiting", 500)
    ]
    await owner.send("/deleteme")
    await owner.press("Delete my membership and data")
    assert await member_of(bot, 7010) is None
    async with services(bot).sessionmaker() as session:
        assert (await session.get(Gift, gift.id)).stock == 1  # the unit is back for others


async def test_an_owners_events_are_in_mydata_and_their_seat_goes_to_the_next_in_line(bot):
    from bot.club.events import signup
    from db.models import Event, EventSignup

    owner = await factories.owner(bot, 7020)
    member = await member_of(bot, 7020)
    waiting = await factories.add_member(bot, 7021, phone="+8613800007021", plate=None)
    event = await factories.add_event(bot, capacity=1)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        await signup.sign_up(session, svc.default_store, event.id, member.id, 0, svc.now())
        await signup.sign_up(session, svc.default_store, event.id, waiting.id, 0, svc.now())
        await session.commit()
    calls = await owner.send("/mydata")
    content = calls[-1].files["document"]
    data = json.loads(content[1] if isinstance(content, tuple) else content)
    assert [(e["event"]["en"], e["status"]) for e in data["events"]] == [
        ("Owner class: winter driving", "going")
    ]
    await owner.send("/deleteme")
    await owner.press("Delete my membership and data")
    async with svc.sessionmaker() as session:
        assert (await session.get(Event, event.id)).seats_taken == 1  # held for the next
        status = await session.scalar(
            select(EventSignup.status).where(EventSignup.member_id == waiting.id)
        )
    assert status == "offered"
