"""/surveys in chat, as a manager reads it on a phone: this month's summary, the month
before and after, per advisor, the last six months; in English and in Chinese. Owners and
staff without the role are refused, a bad month is told the format, forged buttons are
out of date, and an empty month says so."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.club.points.tiers import add_months
from bot.club.surveys import tickets
from bot.club.surveys.rules import TicketKind
from tests.factories import add_member, owner, staff
from tests.harness import joined
from tests.test_surveys_figures import run, store_of, write_survey

REFUSED = "Sorry, this command is for store staff with the right role."


def just_now(bot) -> datetime:
    """A moment already past, in this store month (even in its first minute)."""
    store = store_of(bot)
    start = datetime.combine(store.today().replace(day=1), datetime.min.time(), tzinfo=store.tz)
    return max(store.now() - timedelta(minutes=1), start)


def notices(calls) -> list[str | None]:
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


async def a_month(bot) -> tuple[date, date]:
    """This month: Li Na's happy and unhappy answers, Zhou Jie's unanswered survey, an
    unhappy survey's ticket and a complaint; last month one answer. (this, last)."""
    store = store_of(bot)
    wang = await add_member(bot, 6501, plate="粤B65001")
    zhao = await add_member(bot, 6502, name="Zhao Min", phone="+8613900006502", plate="粤B65002")
    moment = just_now(bot)
    await write_survey(bot, wang, moment, satisfaction=5, nps=10)
    unhappy = await write_survey(
        bot, zhao, moment, satisfaction=2, nps=3, reasons=["waiting"], comment="Too slow"
    )
    await write_survey(bot, wang, moment, advisor="Zhou Jie")
    this = store.today().replace(day=1)
    last = add_months(this, -1)
    await write_survey(
        bot,
        wang,
        datetime.combine(last, datetime.min.time(), tzinfo=store.tz) + timedelta(days=2),
        satisfaction=4,
        nps=9,
    )
    for kind, member, survey_id in (
        (TicketKind.SURVEY, zhao, unhappy.id),
        (TicketKind.COMPLAINT, wang, None),
    ):
        await run(
            bot,
            lambda s, k=kind, m=member, i=survey_id: tickets.open_ticket(
                s,
                store,
                member_id=m.id,
                kind=k,
                now=moment,
                survey_id=i,
                advisor="Li Na",
                text="Too slow" if i else "Scratch on the door",
            ),
        )
    return this, last


def english(first: date) -> str:
    return first.strftime("%B %Y")


async def test_a_manager_reads_the_month_pages_and_sees_the_advisors(bot):
    this, last = await a_month(bot)
    manager = await staff(bot, 6601, "manager")
    text = joined(await manager.send("/surveys"))
    assert f"Surveys · {english(this)}" in text
    assert "Sent: 3 · answered: 2 (67%)" in text
    assert "Average satisfaction: 3.5 of 5" in text
    assert "NPS: 0 (promoters 1 · passives 0 · detractors 1)" in text
    assert "Scores: 5★ 1 · 4★ 0 · 3★ 0 · 2★ 1 · 1★ 0" in text
    assert "Unhappy answers: 1" in text and "What went wrong: Waiting time 1" in text
    assert "Tickets opened: 2 (Unhappy survey 1 · Complaint 1)" in text
    assert "Resolved 0 · still open 2 · overdue now 0 · reopened 0" in text
    earlier = f"◀ {last.strftime('%b %Y')}"
    assert manager.last.button_labels == [earlier, "Per advisor", "Last 6 months", "Export XLSX"]
    await manager.press(earlier)
    shown = manager.last
    assert shown.method == "editMessageText"
    assert f"Surveys · {english(last)}" in shown.text
    assert "Sent: 1 · answered: 1 (100%)" in shown.text
    assert "NPS: +100 (promoters 1 · passives 0 · detractors 0)" in shown.text
    assert "No tickets were opened." in shown.text
    assert f"{this.strftime('%b %Y')} ▶" in shown.button_labels
    await manager.press(f"{this.strftime('%b %Y')} ▶")
    await manager.press("Per advisor")
    lines = manager.last.text.splitlines()
    assert lines[0] == f"Per advisor · {english(this)}"
    assert lines[2] == "Li Na: sent 2 · answered 2 (100%) · average 3.5 · NPS 0 · tickets 2"
    assert lines[3] == "Zhou Jie: sent 1 · answered 0 (0%) · average — · NPS — · tickets 0"
    await manager.press("Back to the summary")
    assert f"Surveys · {english(this)}" in manager.last.text
    await manager.press("Last 6 months")
    lines = manager.last.text.splitlines()
    assert lines[0] == "The last 6 months" and len(lines) == 8
    assert lines[2].startswith(f"{this.strftime('%b %Y')}: sent 3 · answered 2 (67%)")
    figures = "sent 1 · answered 1 (100%) · average 4.0 · NPS +100 · tickets 0"
    assert lines[3] == f"{last.strftime('%b %Y')}: {figures}"
    assert lines[7].endswith("sent 0 · answered 0 (—) · average — · NPS — · tickets 0")


async def test_in_chinese_with_babel_month_names(bot):
    this, last = await a_month(bot)
    cs = await staff(bot, 6602, "customer_service", language="zh-hans")
    text = joined(await cs.send("/surveys"))
    month = f"{this.year}年{this.month}月"
    assert f"满意度调查 · {month}" in text
    assert "已发送：3 · 已回答：2（67%）" in text
    assert "平均满意度：3.5（满分 5）" in text
    assert "不满意原因：等待时间 1" in text
    assert "新建工单：2（满意度调查：不满意 1 · 投诉 1）" in text
    assert cs.last.button_labels[1:] == ["按服务顾问", "最近 6 个月", "导出 XLSX"]
    assert cs.last.button_labels[0] == f"◀ {last.year}年{last.month}月"
    await cs.press("按服务顾问")
    assert f"按服务顾问 · {month}" in cs.last.text
    assert "Li Na：发送 2 · 回答 2（100%）· 平均 3.5 · NPS 0 · 工单 2" in cs.last.text


async def test_an_empty_month_says_so(bot):
    manager = await staff(bot, 6603, "manager")
    text = joined(await manager.send("/surveys 2025-01"))
    assert "No surveys were sent in January 2025." in text
    assert "No tickets were opened." in text and "%" not in text
    later = [label for label in manager.last.button_labels if label.endswith("▶")]
    assert later == ["Feb 2025 ▶"]  # no survey before it: no earlier month
    await manager.press("Per advisor")
    assert "No surveys were sent and no tickets opened in January 2025." in manager.last.text
    await manager.press("Back to the summary")
    await manager.press("Last 6 months")
    assert manager.last.text.count("sent 0 · answered 0 (—)") == 6


async def test_a_bad_or_future_month_is_told_the_format(bot):
    manager = await staff(bot, 6604, "manager")
    for bad in ("2026-13", "november", "2026 11", "26-11", "２０２６-11"):
        assert "Usage: /surveys [YYYY-MM], e.g. /surveys 2026-11" in joined(
            await manager.send(f"/surveys {bad}")
        )
    ahead = add_months(store_of(bot).today().replace(day=1), 1)
    text = joined(await manager.send(f"/surveys {ahead:%Y-%m}"))
    assert text == f"{english(ahead)} has not begun yet, so it has no figures."
    zh = await staff(bot, 6605, "manager", language="zh-hans")
    assert "用法：/surveys [YYYY-MM]" in joined(await zh.send("/surveys 2026/11"))


async def test_forged_buttons_are_out_of_date(bot):
    manager = await staff(bot, 6606, "manager")
    ahead = add_months(store_of(bot).today().replace(day=1), 1)
    for data in ("svf:m:2026-13", f"svf:xls:{ahead:%Y-%m}", "svf:zz:2026-11", "svf:m", "svf:m:1:2"):
        calls = await manager.press_data(data)
        assert notices(calls) == ["This button is out of date."], data
        assert not [c for c in calls if c.method in ("sendMessage", "sendDocument")]


async def test_owners_and_sales_staff_are_refused(bot):
    await a_month(bot)
    member = await owner(bot, 6607, plate="粤B66070", phone="+8613900006607")
    sales = await staff(bot, 6608, "sales", language="zh-hans")
    assert joined(await member.send("/surveys")) == REFUSED
    assert joined(await member.send("/surveys 2026-11")) == REFUSED
    assert joined(await sales.send("/surveys")) == "抱歉，此命令仅限具有相应角色的门店员工使用。"
    for person in (member, sales):
        calls = await person.press_data("svf:xls:2026-11")
        assert not [c for c in calls if c.method == "sendDocument"]
        assert "已回答" not in joined(calls) and "answered" not in joined(calls)
