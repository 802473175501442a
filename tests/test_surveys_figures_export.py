"""The month's survey workbook from /surveys' "Export XLSX": it opens with openpyxl and
holds the summary, every answer, every ticket, the advisors and the last six months,
headers and words in the reader's language, moments on the store's clock."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from bot.club.surveys import tickets
from db.models import Ticket
from tests.factories import staff
from tests.test_surveys_figures import run, store_of
from tests.test_surveys_figures_chat import a_month, just_now


def workbook_of(bot, chat_id: int):
    sent = [c for c in bot.api.calls if c.method == "sendDocument" and c.chat_id == chat_id]
    name, content, *_ = sent[-1].files["document"]  # (file name, bytes, mime type)
    return sent[-1], name, load_workbook(io.BytesIO(content), read_only=True)


def rows(book, title: str) -> list[tuple]:
    found = [tuple(row) for row in book[title].iter_rows(values_only=True)]
    width = len(found[0])
    return [row + (None,) * (width - len(row)) for row in found]  # trailing blanks dropped


def as_dicts(table: list[tuple]) -> list[dict]:
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


async def resolve_the_complaint(bot) -> None:
    store, at = store_of(bot), just_now(bot)
    async with bot.app.bot_data["services"].sessionmaker() as session:
        complaint = await session.scalar(select(Ticket).where(Ticket.kind == "complaint"))
    await run(bot, lambda s: tickets.take(s, store.id, complaint.id, 6801, "Chen Jing", at))
    await run(
        bot,
        lambda s: tickets.resolve(s, store.id, complaint.id, 6801, "Chen Jing", "Repainted", at),
    )


async def test_the_export_holds_every_sheet_in_english(bot):
    this, last = await a_month(bot)
    await resolve_the_complaint(bot)
    manager = await staff(bot, 6801, "manager")
    await manager.send("/surveys")
    await manager.press("Export XLSX")
    call, name, book = workbook_of(bot, 6801)
    assert name == f"surveys-{this:%Y-%m}.xlsx"
    assert call.params["caption"] == f"Survey figures for {this:%B %Y}."
    assert book.sheetnames == ["Summary", "Answers", "Tickets", "Advisors", "Months"]
    summary = dict(rows(book, "Summary")[1:])
    assert summary["Month"] == f"{this:%b %Y}"  # "Dec 2026", as the chat writes it
    assert (summary["Surveys sent"], summary["Answered"], summary["Response rate (%)"]) == (
        3,
        2,
        66.7,
    )
    assert (summary["Average satisfaction"], summary["NPS"]) == (3.5, 0)
    assert summary["Answers scoring 2"] == 1 and summary["What went wrong: Waiting time"] == 1
    assert (summary["Tickets opened"], summary["Complaint"], summary["Resolved"]) == (2, 1, 1)
    assert summary["Still open"] == 1 and summary["Median hours to resolve"] == 0.0
    answers = as_dicts(rows(book, "Answers"))
    assert len(answers) == 2  # the unanswered survey is no answer
    unhappy = next(a for a in answers if a["Member"] == "Zhao Min")
    assert unhappy["Phone"] == "+8613900006502" and unhappy["Plate"] == "粤B65002"
    assert (unhappy["Advisor"], unhappy["Category"]) == ("Li Na", "Maintenance")
    assert (unhappy["Satisfaction (1–5)"], unhappy["Likelihood to recommend (0–10)"]) == (2, 3)
    assert (unhappy["What went wrong"], unhappy["Comment"]) == ("Waiting time", "Too slow")
    sent = unhappy["Sent"]
    store = store_of(bot)
    assert isinstance(sent, datetime)  # on the store's clock, not UTC
    assert abs(sent - store.local(just_now(bot)).replace(tzinfo=None)) < timedelta(minutes=2)
    listed = as_dicts(rows(book, "Tickets"))
    assert [t["Kind"] for t in listed] == ["Unhappy survey", "Complaint"]
    survey_ticket, complaint = listed
    assert (survey_ticket["Status"], survey_ticket["Owner's words"]) == ("Open", "Too slow")
    assert (complaint["Status"], complaint["Taken by"], complaint["Resolution"]) == (
        "Resolved",
        "Chen Jing",
        "Repainted",
    )
    assert isinstance(complaint["Resolved at"], datetime) and complaint["Reopened at"] is None
    advisors = as_dicts(rows(book, "Advisors"))
    assert [(a["Advisor"], a["Surveys sent"], a["Tickets"]) for a in advisors] == [
        ("Li Na", 2, 2),
        ("Zhou Jie", 1, 0),
    ]
    months = as_dicts(rows(book, "Months"))
    assert len(months) == 6 and months[-1]["Month"] == f"{this:%b %Y}"
    assert (months[-2]["Month"], months[-2]["Surveys sent"], months[-2]["NPS"]) == (
        f"{last:%b %Y}",
        1,
        100,
    )
    assert months[0]["Response rate (%)"] is None


async def test_the_export_speaks_chinese_from_the_per_advisor_view(bot):
    this, _ = await a_month(bot)
    cs = await staff(bot, 6802, "customer_service", language="zh-hans")
    await cs.send("/surveys")
    await cs.press("按服务顾问")
    await cs.press("导出 XLSX")
    call, name, book = workbook_of(bot, 6802)
    assert name == f"surveys-{this:%Y-%m}.xlsx"
    assert call.params["caption"] == f"{this.year}年{this.month}月满意度调查数据。"
    assert book.sheetnames == ["汇总", "回答明细", "工单", "服务顾问", "月度"]
    answers = as_dicts(rows(book, "回答明细"))
    assert list(answers[0])[:4] == ["发送时间", "回答时间", "会员", "手机号"]
    unhappy = next(a for a in answers if a["会员"] == "Zhao Min")
    assert (unhappy["维修类别"], unhappy["不满意原因"]) == ("保养", "等待时间")
    listed = as_dicts(rows(book, "工单"))
    assert [(t["类型"], t["状态"]) for t in listed] == [
        ("满意度调查：不满意", "待处理"),
        ("投诉", "待处理"),
    ]
    summary = dict(rows(book, "汇总")[1:])
    assert (
        summary["月份"] == f"{this.year}年{this.month}月"
        and summary["已发满意度调查"] == 3
        and summary["不满意原因：等待时间"] == 1
    )


async def test_a_sales_user_gets_no_workbook(bot):
    this, _ = await a_month(bot)
    sales = await staff(bot, 6803, "sales")
    calls = await sales.press_data(f"svf:xls:{this:%Y-%m}")
    assert not [c for c in calls if c.method == "sendDocument"]
    assert [c.text for c in calls if c.method == "sendMessage"] == [
        "Sorry, this command is for store staff with the right role."
    ]
