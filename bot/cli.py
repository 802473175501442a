"""Command-line tools beside the bot:

    python -m bot                      run the bot (polling, or webhook if configured)
    python -m bot import FILE...       import DMS exports (members, cars or visits)
    python -m bot check-ledger         prove every balance agrees with its ledger
    python -m bot migrate              apply database migrations and exit

They read the same settings (.env / environment) as the bot; BOT_TOKEN is not needed.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from pathlib import Path

from bot.app import build_services
from bot.club.imports.dms.reader import FileFormatError
from bot.club.imports.run import import_file
from bot.club.points import ledger as points
from bot.config import Settings


async def _import(settings: Settings, files: list[Path]) -> int:
    services = await build_services(settings)
    failed = 0
    try:
        for path in files:
            refused = path.with_name(f"{path.stem}-refused.csv")
            with refused.open("w", newline="", encoding="utf-8-sig") as out:
                writer = csv.writer(out)
                writer.writerow(["row", "code", "field", "values"])

                def note(
                    row: int,
                    code: str,
                    field: str | None,
                    raw: dict[str, str],
                    writer: csv.writer = writer,  # type: ignore[valid-type]
                ) -> None:
                    values = "; ".join(f"{k}={v}" for k, v in raw.items() if v)
                    writer.writerow([row, code, field or "", values])

                try:
                    with path.open("rb") as data:
                        report = await import_file(
                            services.sessionmaker,
                            services.policy,
                            services.store_id,
                            None,
                            data,
                            path.name,
                            services.today(),
                            on_error=note,
                        )
                except FileFormatError as exc:
                    print(f"{path}: cannot import: {exc}", file=sys.stderr)
                    failed += 1
                    continue
            if not report.errors:
                refused.unlink()
            print(
                f"{path}: {report.kind}: {report.rows} rows in {report.seconds:.1f} s "
                f"({report.rate:,.0f} rows/s); new {report.created}, already there "
                f"{report.unchanged}, refused {report.errors}"
                + (f" (see {refused})" if report.errors else "")
                + f"; points {report.points}, tiers raised {report.tiers_set}"
            )
    finally:
        await services.engine.dispose()
    return 1 if failed else 0


async def _check(settings: Settings) -> int:
    services = await build_services(settings)
    try:
        async with services.sessionmaker() as session:
            mismatches = await points.check_ledger(session)
    finally:
        await services.engine.dispose()
    for m in mismatches:
        print(f"member {m.member_id}: cached {m.cached} but ledger says {m.ledger}")
    print(f"{len(mismatches)} members disagree with their ledgers")
    return 1 if mismatches else 0


async def _migrate(settings: Settings) -> int:
    services = await build_services(settings)
    await services.engine.dispose()
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
    sub.add_parser("check-ledger", help="check every balance against its ledger")
    sub.add_parser("migrate", help="apply database migrations")
    args = parser.parse_args(argv)
    if args.tool == "import":
        return asyncio.run(_import(settings, args.files))
    if args.tool == "check-ledger":
        return asyncio.run(_check(settings))
    return asyncio.run(_migrate(settings))
