"""Reading DMS export files: samples, encodings, delimiters, title rows and odd streams."""

from __future__ import annotations

import io
from datetime import date

import pytest

from bot.club.imports.dms import (
    CarRecord,
    FileFormatError,
    FileKind,
    RowError,
    normalise_car,
    normalise_member,
    normalise_visit,
    open_rows,
)
from tests.dms_support import (
    CATEGORIES,
    MAX_FEN,
    TODAY,
    VIN_A,
    VIN_B,
    OneWayStream,
    read,
    read_sample,
)

# --------------------------------------------------------------------------- #
# Samples
# --------------------------------------------------------------------------- #


def test_members_sample() -> None:
    dms, rows = read_sample("members.csv")
    assert dms.kind is FileKind.MEMBERS
    assert dms.columns == ("name", "phone", "birthday")
    assert dms.encoding == "utf-8-sig"
    assert dms.headers["name"] == "客户姓名"  # BOM gone
    assert [n for n, _ in rows] == [2, 3, 4, 5, 7, 8, 9, 10]  # row 6 is blank
    by_row = dict(rows)
    assert by_row[4]["phone"] == "１５９１２３４５６７８"
    assert by_row[9]["name"] == "孙敏"  # stripped
    records = {}
    errors = {}
    for n, raw in rows:
        try:
            records[n] = normalise_member(raw, today=TODAY)
        except RowError as exc:
            errors[n] = (exc.code, exc.field)
    assert errors == {8: ("phone_invalid", "phone")}
    assert [r.phone for r in records.values()] == [
        "+8613812345678",
        "+8613987654321",
        "+8615912345678",
        "+8618612345678",
        "+8617712345678",
        "+8613512345678",
        "+8613612345678",
    ]
    assert records[10].birthday == date(1992, 5, 6)


def test_cars_sample() -> None:
    dms, rows = read_sample("cars.csv")
    assert dms.kind is FileKind.CARS
    assert dms.columns == ("phone", "plate", "vin", "model", "delivery_date")
    assert dms.encoding == "utf-8"
    results: dict[int, CarRecord | str] = {}
    for n, raw in rows:
        try:
            results[n] = normalise_car(raw, today=TODAY)
        except RowError as exc:
            results[n] = exc.code
    assert results[2] == CarRecord(
        "+8613812345678", "粤BA1234", VIN_B, "迈腾 380TSI", date(2022, 10, 1)
    )
    assert results[4].plate == "京ND12345"  # type: ignore[union-attr]
    assert results[5] == CarRecord(
        "+8613512345678", "浙A12345", "LGBH52E05MY102340", "ID.4 CROZZ", date(2023, 1, 1)
    )
    assert results[6] == "plate_invalid"
    assert results[7] == CarRecord(
        phone="+8618612345678",
        plate="粤B12345",
        vin=VIN_A,
        model="途观L 330TSI",
        delivery_date=date(2023, 5, 6),
    )
    assert results[8] == CarRecord(  # an imported car: no check digit, kept with a warning
        "+8617712345678",
        "粤B54321",
        "WVWZZZ1KZ6W612345",
        "高尔夫 GTI",
        date(2021, 9, 30),
        (("vin_check_digit", "vin"),),
    )


EXPECTED_VISITS = {
    0: ("粤B12345", VIN_A, "WO20240301001", date(2024, 3, 5), "first_maintenance", 0, 3012),
    1: ("沪A88888", None, "WO20240309002", date(2024, 3, 9), "maintenance", 128000, 15200),
    2: ("粤BA1234", None, "WO20240312003", date(2024, 3, 12), "repair", 128050, 42000),
    3: ("浙A12345", None, "WO20240319004", date(2024, 3, 19), "bodywork", 350000, 8800),
    4: (None, VIN_B, "WO20240402005", date(2024, 4, 2), "insurer_paid", 1280000, 60123),
    5: ("京ND12345", None, "WO20240415006", date(2024, 4, 15), "parts", 56000, None),
    6: ("粤B12345", None, "WO20240420007", date(2024, 4, 20), "accessories", 128000, 3500),
    7: ("沪A88888", None, "WO20240501008", date(2024, 5, 1), "insurance", 420000, 16800),
    8: "category_unknown",
    9: "date_in_future",
}


def _check_visits(rows: list[tuple[int, dict]], first_row: int) -> None:
    assert [n for n, _ in rows] == list(range(first_row, first_row + 10))
    for i, (_, raw) in enumerate(rows):
        expected = EXPECTED_VISITS[i]
        try:
            record = normalise_visit(
                raw, today=TODAY, categories=CATEGORIES, max_amount_fen=MAX_FEN
            )
        except RowError as exc:
            assert exc.code == expected, (i, raw)
            continue
        got = (
            record.plate,
            record.vin,
            record.order_no,
            record.visit_date,
            record.category,
            record.amount_fen,
            record.mileage,
        )
        assert got == expected, (i, raw)


@pytest.mark.parametrize(
    ("name", "encoding"), [("visits.csv", "utf-8"), ("visits_gbk.csv", "gb18030")]
)
def test_visits_csv_samples(name: str, encoding: str) -> None:
    dms, rows = read_sample(name)
    assert dms.kind is FileKind.VISITS
    assert dms.encoding == encoding
    assert dms.columns == (
        "plate",
        "vin",
        "order_no",
        "date",
        "category",
        "amount",
        "mileage",
        "advisor",
    )
    assert rows[1][1]["amount"] == "￥1,280.00"
    assert rows[0][1]["plate"] == "粤b 12345"
    _check_visits(rows, first_row=2)


def test_gbk_sample_matches_utf8_sample() -> None:
    assert read_sample("visits_gbk.csv")[1] == read_sample("visits.csv")[1]


def test_visits_xlsx_sample() -> None:
    dms, rows = read_sample("visits.xlsx")
    assert dms.kind is FileKind.VISITS
    assert dms.source == "xlsx"
    assert dms.header_row == 2  # a report title sits above the header
    by_row = dict(rows)
    assert by_row[3]["date"] == "2024-03-05"  # a date cell
    assert by_row[6]["date"] == "45370"  # a plain number: an Excel serial
    assert by_row[4]["amount"] == "1280"  # 1280.0
    assert by_row[5]["amount"] == "1280.5"
    assert by_row[3]["mileage"] == "3012"
    assert by_row[7]["advisor"] == ""
    _check_visits(rows, first_row=3)


# --------------------------------------------------------------------------- #
# Encodings and CSV dialects
# --------------------------------------------------------------------------- #

VISITS_TEXT = "车牌号,工单号,结算日期,维修类别,结算金额\r\n粤B12345,WO1,2024-03-05,保养,￥1280\r\n"
VISITS_ROW = {
    "plate": "粤B12345",
    "order_no": "WO1",
    "date": "2024-03-05",
    "category": "保养",
    "amount": "￥1280",
}


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (VISITS_TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + VISITS_TEXT.encode("utf-8"), "utf-8-sig"),
        (VISITS_TEXT.encode("gbk"), "gb18030"),
        (VISITS_TEXT.encode("gb18030"), "gb18030"),
        (VISITS_TEXT.encode("utf-16"), "utf-16"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16"],
)
def test_encodings(data: bytes, encoding: str) -> None:
    dms, rows = read(data)
    assert dms.encoding == encoding
    assert dms.kind is FileKind.VISITS
    assert rows == [(2, VISITS_ROW)]


def test_utf8_character_cut_at_sniff_boundary() -> None:
    header = "车牌号,工单号,结算日期,维修类别,结算金额\n".encode()
    filler = b"z" * (64 * 1024 - 2 - len(header) - 1) + b"\n"
    data = header + filler + "粤B12345,WO1,2024-03-05,保养,1\n".encode()
    assert data[64 * 1024 - 2 : 64 * 1024 + 1] == "粤".encode()  # cut by the 64 KB sample
    dms, rows = read(data)
    assert dms.encoding == "utf-8"
    assert rows[-1] == (3, {**VISITS_ROW, "amount": "1"})


def test_late_bad_bytes_raise_encoding_error() -> None:
    head = "车牌号,工单号,结算日期,维修类别,结算金额\n".encode()
    ascii_rows = b"".join(b"A,WO%d,2024-03-05,x,1\n" % i for i in range(5000))
    assert len(head + ascii_rows) > 64 * 1024
    dms = open_rows(
        io.BytesIO(head + ascii_rows + "粤B1,WO,2024-03-05,保养,1\n".encode("gbk")), "v.csv"
    )
    with pytest.raises(FileFormatError) as exc_info:
        list(dms)
    assert exc_info.value.code == "encoding_error"
    assert exc_info.value.detail == "row 5002"


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_sniffed_delimiters(delimiter: str) -> None:
    data = VISITS_TEXT.replace(",", delimiter).encode()
    assert read(data, "export.txt")[1] == [(2, VISITS_ROW)]


def test_comma_delimited_with_semicolon_in_value() -> None:
    text = "工单号,结算日期,维修类别,结算金额,车牌号\nWO1;A,2024-03-05,保养,1,粤B12345\n"
    assert read(text.encode())[1][0][1]["order_no"] == "WO1;A"


def test_title_rows_above_header_are_skipped() -> None:
    text = "维修工单明细表,,,,\n导出日期：2024-06-01,,,,\n\n" + VISITS_TEXT
    dms, rows = read(text.encode())
    assert dms.header_row == 4
    assert rows == [(5, VISITS_ROW)]


def test_quoted_multiline_value_counts_as_one_row() -> None:
    text = '姓名,手机\n"张\n伟",13812345678\n李娜,13987654321\n'
    rows = read(text.encode())[1]
    assert [n for n, _ in rows] == [2, 3]
    assert rows[0][1]["name"] == "张\n伟"


def test_blank_rows_skipped_and_short_rows_padded() -> None:
    text = "姓名,手机,生日,备注\n\n , ,,\n张伟,13812345678\n李娜,13987654321,1990-01-02,VIP\n"
    rows = read(text.encode())[1]
    assert rows == [
        (4, {"name": "张伟", "phone": "13812345678", "birthday": ""}),
        (5, {"name": "李娜", "phone": "13987654321", "birthday": "1990-01-02"}),
    ]


def test_header_only_file_has_no_rows() -> None:
    dms, rows = read("姓名,手机\r\n".encode())
    assert dms.kind is FileKind.MEMBERS
    assert rows == []


def test_caller_stream_left_open_and_single_pass() -> None:
    stream = io.BytesIO(VISITS_TEXT.encode())
    dms = open_rows(stream, "v.csv")
    assert list(dms) == [(2, VISITS_ROW)]
    assert not stream.closed
    with pytest.raises(RuntimeError):
        list(dms)


def test_non_seekable_streams() -> None:
    dms = open_rows(OneWayStream(VISITS_TEXT.encode("gbk")), "v.csv")  # type: ignore[arg-type]
    assert list(dms) == [(2, VISITS_ROW)]


def test_oversized_field_is_malformed() -> None:
    data = VISITS_TEXT.encode() + b'"' + b"a" * 200_000 + b"\n"
    dms = open_rows(io.BytesIO(data), "v.csv")
    with pytest.raises(FileFormatError) as exc_info:
        list(dms)
    assert exc_info.value.code == "malformed_file"
