"""Staff run events from /eventdesk: the list (drafts for managers only), an event's
view with its counts, the paged sign-up list, the attendee XLSX; owners, desk staff
and forged buttons are refused what is not theirs."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook
from sqlalchemy import select

from bot.club.events import signup
from db.models import AuditEntry, Member
from tests.factories import add_event, add_member, owner, staff

MANAGER, DESK = 9701, 9702


def services_of(bot):
    return bot.app.bot_data["services"]


def notices(calls) -> list[str]:
    return [c.params.get("text") or "" for c in calls if c.method == "answerCallbackQuery"]


async def sign_up(bot, event, member: Member, companions: int = 0):
    services = services_of(bot)
    store = services.default_store
    async with services.sessionmaker() as session:
        done = await signup.sign_up(session, store, event.id, member.id, companions, store.now())
        await session.commit()
    return done


async def filled(bot, *, capacity: int = 4, **columns):
    """An event with two owners going (one with a companion) and one on the waitlist:
    3 of 4 seats taken, and the third owner asks for 2 seats."""
    event = await add_event(bot, capacity=capacity, companions_max=2, **columns)
    first = await add_member(bot, 9711, name="Li Na", phone="+8613900000001", plate="粤B11111")
    second = await add_member(bot, 9712, name="Zhao Lei", phone="+8613900000002", plate="粤B22222")
    third = await add_member(bot, 9713, name="Sun Yu", phone="+8613900000003", plate=None)
    await sign_up(bot, event, first, 1)
    await sign_up(bot, event, second)
    await sign_up(bot, event, third, 1)  # 2 seats, 1 left: the waitlist
    return event, (first, second, third)


async def open_event(person, event) -> None:
    """/eventdesk, then the event's button."""
    await person.send("/eventdesk")
    data = f"evd:show:{event.id}"
    assert data in [b["callback_data"] for b in person.last.buttons]
    await person.press_data(data)


async def test_the_desk_view_counts_seats_going_waiting_and_check_ins(bot):
    event, _ = await filled(bot)
    desk = await staff(bot, DESK, "service_advisor")
    await open_event(desk, event)
    view = desk.last.text
    assert f"#{event.id} · published" in view
    assert "Seats filled: 3 of 4" in view
    assert "Owners going: 2 · Companions they bring: 1" in view
    assert "Waitlist: 1 · Held places: 0 · Checked in: 0" in view
    labels = desk.last.button_labels
    assert {"Sign-ups", "Export XLSX", "Check-in list", "Message attendees"} <= set(labels)
    assert "Cancel event" not in labels and "Announce" not in labels  # managers' buttons
    checkin = next(b for b in desk.last.buttons if b["text"] == "Check-in list")
    assert checkin["callback_data"] == f"evc:list:{event.id}:0"


async def test_the_sign_up_list_shows_phones_companions_and_waitlist_places(bot):
    event, _ = await filled(bot)
    desk = await staff(bot, DESK, "customer_service", language="zh-hans")
    await open_event(desk, event)
    await desk.press("报名名单")
    lines = desk.last.text.splitlines()
    assert "1. Li Na · +8613900000001 · +1" in lines[1] and "已报名" in lines[1]
    assert lines[2].startswith("2. Zhao Lei · +8613900000002 · 已报名")
    assert lines[3].startswith("3. Sun Yu") and "候补 #1" in lines[3]
    await desk.press("« 返回活动")
    assert "已占名额：3 / 4" in desk.last.text and "已报名车主：2 · 同行人：1" in desk.last.text
    assert "座位" not in desk.last.text  # seats are 名额 everywhere, as owners read them


async def test_the_list_pages_by_ten(bot):
    event = await add_event(bot, capacity=30)
    for n in range(12):
        member = await add_member(
            bot, 9720 + n, name=f"Owner {n:02d}", phone=f"+86139000100{n:02d}", plate=f"粤C{n:05d}"
        )
        await sign_up(bot, event, member)
    desk = await staff(bot, DESK, "service_advisor")
    await open_event(desk, event)
    await desk.press("Sign-ups")
    assert "page 1 of 2" in desk.last.text and "10. Owner 09" in desk.last.text
    await desk.press("Next ›")
    assert "page 2 of 2" in desk.last.text and "12. Owner 11" in desk.last.text
    assert "Next ›" not in desk.last.button_labels


async def test_the_attendee_export_opens_and_holds_every_sign_up(bot):
    event, _ = await filled(bot)
    desk = await staff(bot, DESK, "service_advisor")
    await open_event(desk, event)
    await desk.press("Export XLSX")
    call = [c for c in bot.api.calls if c.method == "sendDocument" and c.chat_id == DESK][-1]
    name, content = call.files["document"][:2]
    assert name.startswith(f"event-{event.id}-") and name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(content), read_only=True)
    rows = [tuple(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[0][:6] == ("Name", "Phone", "Plates", "Tier", "Companions", "Status")
    assert len(rows) == 4
    by_name = {
        r[0]: dict(zip(rows[0], r + (None,) * (len(rows[0]) - len(r)), strict=True))
        for r in rows[1:]
    }
    li = by_name["Li Na"]
    assert li["Phone"] == "+8613900000001" and li["Plates"] == "粤B11111"
    assert li["Companions"] == 1 and li["Status"] == "going" and li["Waitlist place"] is None
    assert isinstance(li["Signed up at"], datetime) and li["Points paid"] == 0
    assert by_name["Sun Yu"]["Status"] == "waitlist" and by_name["Sun Yu"]["Waitlist place"] == 1
    local = services_of(bot).default_store.local().replace(tzinfo=None)
    assert abs((local - li["Signed up at"]).total_seconds()) < 300  # store time, not UTC
    async with services_of(bot).sessionmaker() as session:
        audit = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.actor_user_id == DESK)
        )
        assert "event.export" in list(audit)


async def test_drafts_are_for_managers_and_owners_are_refused(bot):
    draft = await add_event(bot, status="draft", titles={"zh_Hans": "草稿", "en": "Winter draft"})
    buyer = await owner(bot, 9703)
    await buyer.send("/eventdesk")
    assert "right role" in buyer.last.text
    await buyer.press_data(f"evd:show:{draft.id}")
    assert "right role" in buyer.last.text
    desk = await staff(bot, DESK, "service_advisor")
    await desk.send("/eventdesk")
    assert "No upcoming or recent events" in desk.last.text
    calls = await desk.press_data(f"evd:show:{draft.id}")
    assert notices(calls) == ["That event does not exist (any more)."]
    calls = await desk.press_data(f"evd:publish:{draft.id}")
    assert "right role" in notices(calls)[0]
    manager = await staff(bot, MANAGER, "manager")
    await open_event(manager, draft)
    assert "draft" in manager.last.text and "Publish" in manager.last.button_labels
    for forged in ("evd:show:999999", "evd:show:abc", "evd:list"):
        calls = await manager.press_data(forged)
        assert notices(calls)[0], forged
