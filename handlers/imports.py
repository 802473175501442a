"""DMS imports in chat: staff send a CSV or XLSX export; the bot answers with what was
imported and, when rows were refused, a file listing each with its reason."""

from __future__ import annotations

import csv
import io
import logging
import re
import tempfile
from datetime import date

from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.club.common.validation import ValidationError, parse_date
from bot.club.imports.dms.reader import FileFormatError
from bot.club.imports.report import ImportReport
from bot.club.imports.run import import_file
from bot.club.staff.roles import Permission
from bot.i18n import N_, Translator
from handlers.common import Turn, staff_only, turn_handler
from handlers.texts import error_text

log = logging.getLogger(__name__)
MAX_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download

# Codes of bot.club.imports (rows, files, database checks); the value checks shared
# with chat (phone_invalid, category_unknown, ...) keep their texts in handlers.texts.
ERRORS = {
    "missing_field": N_("A required value is empty."),
    "unknown_member": N_(
        "No member has this owner's phone number: import the members first. "
        "A car never creates a member."
    ),
    "plate_taken": N_("This plate belongs to another member's car."),
    "unknown_plate": N_("No member's car has this plate or VIN: import the cars first."),
    "date_after_export": N_("The date is after the export's date."),
    "empty_file": N_("The file is empty."),
    "not_a_spreadsheet": N_("That is not a CSV or XLSX file I can read."),
    "unknown_layout": N_(
        "I do not recognise the columns: a members, cars or visits export "
        "needs its header row (e.g. 客户姓名 and 手机号)."
    ),
    "missing_column": N_("A required column is missing."),
    "duplicate_column": N_("Two columns have the same meaning; please keep one."),
    "encoding_error": N_(
        "The file's text encoding is broken further down; please export it again as UTF-8 or GBK."
    ),
    "malformed_file": N_(
        "The file is damaged further down (e.g. a broken quote); please export it again."
    ),
}
# Rows imported anyway, listed for a second look.
WARNINGS = {
    "vin_check_digit": N_(
        "Imported, but the VIN's check digit does not add up (normal for some imported "
        "cars): please check the VIN."
    ),
}
_DATE_IN_CAPTION = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?|(?<!\d)\d{8}(?!\d)"
)


def reason(t: Translator, code: str) -> str:
    return t.gettext(ERRORS[code]) if code in ERRORS else error_text(t, code)


def file_refused(t: Translator, exc: FileFormatError) -> str:
    """Why a whole file was refused; a missing column by its name in the staff's language."""
    if exc.code == "missing_column" and exc.columns:
        names = ", ".join(t.gettext(FIELDS[c]) if c in FIELDS else c for c in exc.columns)
        return f"{reason(t, exc.code)}\n{names}"
    return reason(t, exc.code) + (f"\n{exc.detail}" if exc.detail else "")


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

    def _row(self, row: int, field: str | None, text: str, raw: dict[str, str]) -> None:
        label = self.t.gettext(FIELDS[field]) if field in FIELDS else (field or "")
        values = "; ".join(
            f"{self.t.gettext(FIELDS[k]) if k in FIELDS else k}={v}" for k, v in raw.items() if v
        )
        self.writer.writerow([row, label, text, values])

    def add(self, row: int, code: str, field: str | None, raw: dict[str, str]) -> None:
        self._row(row, field, reason(self.t, code), raw)

    def warn(self, row: int, code: str, field: str | None, raw: dict[str, str]) -> None:
        text = self.t.gettext(WARNINGS[code]) if code in WARNINGS else reason(self.t, code)
        self._row(row, field, text, raw)

    def content(self) -> bytes:
        self.file.seek(0)
        text = self.file.read()
        self.file.close()
        return text.encode("utf-8-sig")


def summary(turn: Turn, report: ImportReport, as_of: date | None = None) -> str:
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
    if as_of is not None:
        lines.append(turn._("Export dated {date}: later dates were refused.", date=t.date(as_of)))
    if report.warnings:
        lines.append(
            turn._(
                "Imported with a warning to check: {warnings}.",
                warnings=t.number(report.warnings),
            )
        )
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
            "English names). A file with a plate column is a cars file, one with an order "
            "number a visits file. Import members before their cars, and cars before their "
            "visits. Write the export's date as the file's caption (e.g. 2024-05-31) to "
            "refuse visits after it. Importing the same file again changes nothing."
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
    svc, store = turn.services, turn.store
    today = store.today()
    as_of = None
    if found := _DATE_IN_CAPTION.search(message.caption or ""):
        try:
            as_of = parse_date(found[0], today=today)
        except ValidationError as exc:
            turn.reply(turn._("The date in the caption: {reason}", reason=reason(turn.t, exc.code)))
            return
    await turn.release()
    buffer = io.BytesIO()
    telegram_file = await turn.context.bot.get_file(document.file_id)
    await telegram_file.download_to_memory(buffer)
    buffer.seek(0)
    sheet = ErrorSheet(turn.t)
    try:
        report = await import_file(
            svc.sessionmaker,
            store.policy,
            store.id,
            turn.user_id,
            buffer,
            name,
            today,
            on_error=sheet.add,
            as_of=as_of,
            on_warning=sheet.warn,
        )
    except FileFormatError as exc:
        turn.reply(file_refused(turn.t, exc))
        return
    log.info("import %s: %d rows, %.0f rows/s", report.kind, report.rows, report.rate)
    turn.reply(summary(turn, report, as_of))
    if report.errors or report.warnings:
        turn.reply_document(
            f"{name.rsplit('.', 1)[0]}-refused.csv",
            sheet.content(),
            turn._("Rows that were not imported, or need a check, with the reason."),
        )


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("import", on_import_help, filters=private),
        MessageHandler(private & filters.Document.ALL, on_document),
    ]
