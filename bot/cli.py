"""Command-line tools beside the bot:

    python -m bot                      run the bot (polling, or webhook if configured)
    python -m bot import FILE...       import DMS exports (members, cars or visits);
                                       --as-of YYYY-MM-DD: the export's date (default
                                       today), later visits and deliveries are refused;
                                       --store CODE: the store they belong to (default
                                       STORE_CODE)
    python -m bot check-ledger         prove every balance agrees with its ledger
                                       (--store CODE: only that store's members)
    python -m bot migrate              apply database migrations and exit

They read the same settings (.env / environment) as the bot; BOT_TOKEN is not needed.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.app import build_services
from bot.club.imports.dms.reader import FileFormatError
from bot.club.imports.run import import_file
from bot.club.points import ledger as points
from bot.club.stores.context import StoreContext
from bot.config import Settings
from bot.services import Services


class _Sheet:
    """The refused-rows file beside an imported one: each refused row (and each row
    imported with a warning) with its code, the field concerned and the file's values."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        writer.writerow(["row", "outcome", "code", "field", "values"])

    def _row(self, outcome: str, row: int, code: str, field: str | None, raw: dict) -> None:
        values = "; ".join(f"{k}={v}" for k, v in raw.items() if v)
        self.writer.writerow([row, outcome, code, field or "", values])

    def refused(self, row: int, code: str, field: str | None, raw: dict[str, str]) -> None:
        self._row("refused", row, code, field, raw)

    def warning(self, row: int, code: str, field: str | None, raw: dict[str, str]) -> None:
        self._row("imported, check", row, code, field, raw)


def _store(services: Services, code: str | None) -> StoreContext | None:
    """The store named by --store (default: the configured one); None, with a message,
    if no store has that code."""
    store = services.store_by_code(code) if code else services.default_store
    if store is None:
        known = ", ".join(sorted(s.code for s in services.stores.values()))
        print(f"--store: no store with code {code!r} (known: {known})", file=sys.stderr)
    return store


async def _import(
    settings: Settings, files: list[Path], as_of: date | None, code: str | None
) -> int:
    services = await build_services(settings)
    failed = 0
    try:
        store = _store(services, code)
        if store is None:
            return 2
        for path in files:
            refused = path.with_name(f"{path.stem}-refused.csv")
            with refused.open("w", newline="", encoding="utf-8-sig") as out:
                sheet = _Sheet(csv.writer(out))

                try:
                    with path.open("rb") as data:
                        report = await import_file(
                            services.sessionmaker,
                            store.policy,
                            store.id,
                            None,
                            data,
                            path.name,
                            store.today(),
                            on_error=sheet.refused,
                            as_of=as_of,
                            on_warning=sheet.warning,
                        )
                except FileFormatError as exc:
                    print(f"{path}: cannot import: {exc}", file=sys.stderr)
                    failed += 1
                    continue
            listed = report.errors + report.warnings
            if not listed:
                refused.unlink()
            print(
                f"{path}: {report.kind}: {report.rows} rows in {report.seconds:.1f} s "
                f"({report.rate:,.0f} rows/s); new {report.created}, already there "
                f"{report.unchanged}, refused {report.errors}, warnings {report.warnings}"
                + (f" (see {refused})" if listed else "")
                + f"; points {report.points}, tiers raised {report.tiers_set}"
            )
    finally:
        await services.close()
    return 1 if failed else 0


async def _check(settings: Settings, code: str | None) -> int:
    services = await build_services(settings)
    try:
        store = _store(services, code) if code else None
        if code and store is None:
            return 2
        async with services.sessionmaker() as session:
            mismatches = await points.check_ledger(session, store.id if store else None)
    finally:
        await services.close()
    for m in mismatches:
        print(f"member {m.member_id}: cached {m.cached} but ledger says {m.ledger}")
    print(f"{len(mismatches)} members disagree with their ledgers")
    return 1 if mismatches else 0


async def _migrate(settings: Settings) -> int:
    services = await build_services(settings)
    await services.close()
    print("database is at the newest schema")
    return 0


def run_tool(argv: list[str], settings: Settings) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="tool", required=True)
    imp = sub.add_parser("import", help="import DMS exports")
    imp.add_argument("files", nargs="+", type=Path)
    imp.add_argument(
        "--as-of",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the export's date (default today): visits and deliveries after it are refused",
    )
    imp.add_argument("--store", metavar="CODE", help="the store's code (default STORE_CODE)")
    check = sub.add_parser("check-ledger", help="check every balance against its ledger")
    check.add_argument("--store", metavar="CODE", help="only this store (default: all)")
    sub.add_parser("migrate", help="apply database migrations")
    args = parser.parse_args(argv)
    if args.tool == "import":
        return asyncio.run(_import(settings, args.files, args.as_of, args.store))
    if args.tool == "check-ledger":
        return asyncio.run(_check(settings, args.store))
    return asyncio.run(_migrate(settings))
