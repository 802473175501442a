"""A large export is read and checked in a helper process ahead of its batches: staff get
the same import, refusals and all, as when the bot reads the file itself; a helper that
dies or cannot start loses no row and repeats none."""

from __future__ import annotations

import io
from datetime import date

import pytest

from bot.club.imports import ahead, checked
from bot.club.imports.ahead import AheadRows
from bot.club.imports.checked import InlineRows, RowChecks, open_checked
from bot.club.imports.dms.reader import FileFormatError
from bot.club.imports.dms.rows import RowError
from bot.club.imports.run import import_file
from bot.club.policy.headers import header_fields
from tests.flows import services
from tests.test_import_batches import exports, plate, snapshot

TODAY = date.today()


def visits_file() -> bytes:
    """Three batches of visits and, among them, rows the checks and the database refuse."""
    _members, _cars, lines = exports()
    bad = [
        f"{plate(1)},BAD0001,2024-02-30,保养,300.00,1000",  # no such day
        "粤Z99999,BAD0002,2024-03-01,保养,300.00,1000",  # no such car
        f"{plate(2)},BAD0003,2024-03-01,保养,,1000",  # no amount
        f"{plate(3)},BAD0004,2024-03-01,洗车,300.00,1000",  # no such category
    ]
    body = lines[1:]
    for i, row in enumerate(bad):
        body.insert(100 + 300 * i, row)
    return ("\n".join([lines[0], *body]) + "\n").encode()


async def _import(bot, data: bytes, name: str, *, use_ahead: bool, batch: int | None = None):
    svc = services(bot)
    store = svc.default_store
    refused: list[tuple[int, str, str | None, dict[str, str]]] = []
    report = await import_file(
        svc.sessionmaker,
        store.policy,
        store.id,
        None,
        io.BytesIO(data),
        name,
        TODAY,
        on_error=lambda *row: refused.append(row),
        batch_size=batch,
        ahead=use_ahead,
    )
    return report, refused


async def _club(bot) -> None:
    members, cars, _lines = exports()
    await _import(bot, members, "members.csv", use_ahead=False)
    await _import(bot, cars, "cars.csv", use_ahead=False)


def _counts(report) -> tuple[object, ...]:
    return (
        report.kind,
        report.rows,
        report.created,
        report.unchanged,
        report.errors,
        report.warnings,
        report.points,
        report.tiers_set,
    )


async def test_a_file_read_ahead_imports_as_one_read_here(make_bot, tmp_path):
    data = visits_file()
    here = await make_bot(database_url=f"sqlite+aiosqlite:///{tmp_path / 'here.db'}")
    await _club(here)
    report_here, refused_here = await _import(here, data, "visits.csv", use_ahead=False)

    bot = await make_bot()
    await _club(bot)
    report, refused = await _import(bot, data, "visits.csv", use_ahead=True)

    assert _counts(report) == _counts(report_here)
    assert report.errors == 4 and report.created > 1000
    assert refused == refused_here  # same rows, codes, fields and values, in file order
    assert [code for _, code, _, _ in refused] == [
        "date_invalid",
        "unknown_plate",
        "missing_field",
        "category_unknown",
    ]
    assert await snapshot(bot) == await snapshot(here)
    again, _ = await _import(bot, data, "visits.csv", use_ahead=True)
    assert (again.created, again.unchanged) == (0, report.created + report.unchanged)


async def test_a_file_no_one_can_read_is_refused_alike(make_bot):
    bot = await make_bot()
    await _club(bot)
    for data in (b"\x00\x01garbage", "姓名,备注\n张三,你好\n".encode()):
        with pytest.raises(FileFormatError) as here:
            await _import(bot, data, "visits.csv", use_ahead=False)
        with pytest.raises(FileFormatError) as there:
            await _import(bot, data, "visits.csv", use_ahead=True)
        assert (there.value.code, there.value.columns) == (here.value.code, here.value.columns)


async def test_a_bad_byte_far_down_stops_the_import_where_it_would_here(make_bot, tmp_path):
    # UTF-8 for the first 64 KB the decoder is chosen from, then a byte that is not.
    data = visits_file()
    cut = data.index(b"\n", 64 * 1024 + 100) + 1
    broken = data[:cut] + f"{plate(1)},WOX,2024-03-01,保养,3".encode() + b"\xff00,10\n"
    broken += data[cut:]
    here = await make_bot(database_url=f"sqlite+aiosqlite:///{tmp_path / 'here.db'}")
    await _club(here)
    # Batches of a set size (not sized by time), for both to stop at the same batch.
    with pytest.raises(FileFormatError) as inline:
        await _import(here, broken, "visits.csv", use_ahead=False, batch=300)
    bot = await make_bot()
    await _club(bot)
    with pytest.raises(FileFormatError) as helper:
        await _import(bot, broken, "visits.csv", use_ahead=True, batch=300)
    assert helper.value.code == inline.value.code == "encoding_error"
    stopped = await snapshot(bot)
    assert stopped == await snapshot(here)
    assert 900 < len(stopped["visits"]) < 1200, "the batches before the bad byte are in"


def _checks(bot) -> RowChecks:
    policy = services(bot).default_store.policy
    return RowChecks(
        today=TODAY,
        as_of=TODAY,
        categories=dict(policy.category_aliases),
        max_amount_fen=policy.max_visit_fen,
        headers=header_fields(policy.import_headers),
    )


def _plain(rows) -> list[tuple[object, ...]]:
    return [(n, raw, (r.code, r.field) if isinstance(r, RowError) else r) for n, raw, r in rows]


async def _all(source, step: int) -> list:
    out = []
    while taken := await source.take(step):
        out += taken
    return out


async def test_a_helper_killed_mid_file_loses_no_row_and_repeats_none(make_bot, monkeypatch):
    monkeypatch.setattr(ahead, "MAX_BUFFERED", 300)  # the helper waits, half-way through
    bot = await make_bot()
    data, checks = visits_file(), _checks(bot)
    inline = InlineRows(io.BytesIO(data), "visits.csv", checks)
    expected = _plain(await _all(inline, 1000))
    inline.close()

    source = await AheadRows.start(io.BytesIO(data), "visits.csv", checks)
    assert source is not None
    first = await source.take(400)
    process = source._process
    assert process is not None
    process.kill()
    process.wait()
    rest = await _all(source, 333)
    source.close()
    assert _plain(first + rest) == expected
    assert len(expected) > 1200


async def test_without_a_helper_the_file_is_read_here(make_bot, monkeypatch):
    def no_processes(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(ahead.subprocess, "Popen", no_processes)
    bot = await make_bot()
    source = await open_checked(io.BytesIO(visits_file()), "visits.csv", _checks(bot), True)
    assert isinstance(source, InlineRows)
    source.close()
    await _club(bot)
    report, refused = await _import(bot, visits_file(), "visits.csv", use_ahead=True)
    assert report.errors == len(refused) == 4


async def test_the_helper_ends_with_the_import(make_bot):
    bot = await make_bot()
    source = await AheadRows.start(io.BytesIO(visits_file()), "visits.csv", _checks(bot))
    assert source is not None
    assert len(await source.take(10)) == 10
    process = source._process
    source.close()
    assert process is not None and process.poll() is not None


async def test_only_a_large_file_is_read_ahead(make_bot, monkeypatch):
    bot = await make_bot()
    small = await open_checked(io.BytesIO(visits_file()), "visits.csv", _checks(bot))
    assert isinstance(small, InlineRows)
    small.close()
    monkeypatch.setattr(checked, "AHEAD_BYTES", 1000)
    large = await open_checked(io.BytesIO(visits_file()), "visits.csv", _checks(bot))
    assert isinstance(large, AheadRows)
    large.close()
