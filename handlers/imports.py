"""DMS imports in chat: staff send a CSV or XLSX export; the bot answers with what was
imported and, when rows were refused, a file listing each with its reason."""

from __future__ import annotations

import csv
import io
import logging
import tempfile

from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.club.imports.dms.reader import FileFormatError
from bot.club.imports.run import ImportReport, import_file
from bot.club.staff.roles import Permission
from bot.i18n import N_, Translator
from handlers.common import Turn, staff_only, turn_handler
from handlers.texts import error_text

log = logging.getLogger(__name__)
MAX_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download

FIELDS = {
    "name": N_("name"),
    "phone": N_("phone"),
    "birthday": N_("birthday"),
    "plate": N_("plate"),
    "vin": N_("VIN"),
    "model": N_("model"),
    "delivery_date": N_("delivery date"),
    "order_no": N_("order number"),
    "date": N_("date"),
    "category": N_("category"),
    "amount": N_("amount"),
    "mileage": N_("mileage"),
    "advisor": N_("advisor"),
}
KINDS = {"members": N_("members"), "cars": N_("cars"), "visits": N_("visits")}


class ErrorSheet:
    """The refused rows as a CSV that opens in Excel (UTF-8 with BOM), spooled to disk."""

    def __init__(self, t: Translator) -> None:
        self.t = t
        # Open across many add() calls; content() reads and closes it.
        self.file = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=1 << 20, mode="w+", newline="", encoding="utf-8-sig"
        )
        self.writer = csv.writer(self.file)
        self.writer.writerow(
            [
                t.gettext("row"),
                t.gettext("field"),
                t.gettext("reason"),
                t.gettext("values in the file"),
            ]
        )

    def add(self, row: int, code: str, field: str | None, raw: dict[str, str]) -> None:
        label = self.t.gettext(FIELDS[field]) if field in FIELDS else (field or "")
        values = "; ".join(f"{k}={v}" for k, v in raw.items() if v)
        self.writer.writerow([row, label, error_text(self.t, code), values])

    def content(self) -> bytes:
        self.file.seek(0)
        text = self.file.read()
        self.file.close()
        return text.encode("utf-8-sig")


def summary(turn: Turn, report: ImportReport) -> str:
    t = turn.t
    kind = t.gettext(KINDS[report.kind]) if report.kind in KINDS else report.kind
    lines = [
        turn._(
            "Import of {kind} finished: {rows} rows in {seconds} s.",
            kind=kind,
            rows=t.number(report.rows),
            seconds=f"{report.seconds:.1f}",
        ),
        turn._(
            "New: {created} · already there: {unchanged} · refused: {errors}",
            created=t.number(report.created),
            unchanged=t.number(report.unchanged),
            errors=t.number(report.errors),
        ),
    ]
    if report.points:
        lines.append(
            turn._(
                "Points awarded: {points}; starting tiers raised: {tiers}.",
                points=t.number(report.points),
                tiers=t.number(report.tiers_set),
            )
        )
    return "\n".join(lines)


@turn_handler
@staff_only(Permission.IMPORT_DMS)
async def on_import_help(turn: Turn) -> None:
    turn.reply(
        turn._(
            "Send me a DMS export as a file (CSV or XLSX): members, cars or visits. "
            "I recognise the columns by their headers (客户姓名, 手机号, 车牌号, VIN码, "
            "车型, 交车日期, 工单号, 结算日期, 维修类别, 结算金额, 行驶里程, or their "
            "English names). Importing the same file again changes nothing."
        )
    )


@turn_handler
@staff_only(Permission.IMPORT_DMS)
async def on_document(turn: Turn) -> None:
    message = turn.update.effective_message
    document = message.document if message else None
    if document is None:
        return
    name = document.file_name or "upload"
    if not name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
        turn.reply(turn._("Please send a .csv or .xlsx file exported from the DMS."))
        return
    if (document.file_size or 0) > MAX_BYTES:
        turn.reply(turn._("That file is larger than 20 MB; please split it."))
        return
    await turn.release()
    buffer = io.BytesIO()
    telegram_file = await turn.context.bot.get_file(document.file_id)
    await telegram_file.download_to_memory(buffer)
    buffer.seek(0)
    sheet = ErrorSheet(turn.t)
    svc = turn.services
    try:
        report = await import_file(
            svc.sessionmaker,
            svc.policy,
            svc.store_id,
            turn.user_id,
            buffer,
            name,
            svc.today(),
            on_error=sheet.add,
        )
    except FileFormatError as exc:
        turn.reply(error_text(turn.t, exc.code) + (f"\n{exc.detail}" if exc.detail else ""))
        return
    log.info("import %s: %d rows, %.0f rows/s", report.kind, report.rows, report.rate)
    turn.reply(summary(turn, report))
    if report.errors:
        turn.reply_document(
            f"{name.rsplit('.', 1)[0]}-refused.csv",
            sheet.content(),
            turn._("Rows that were not imported, with the reason."),
        )


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("import", on_import_help, filters=private),
        MessageHandler(private & filters.Document.ALL, on_document),
    ]
