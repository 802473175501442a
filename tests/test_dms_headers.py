"""Reading DMS export headers: Chinese and English names, layouts, missing and duplicate
columns, a store's own header names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.club.imports.dms import (
    FileKind,
    open_rows,
)
from bot.club.policy.headers import DEFAULT_HEADERS, header_fields
from bot.club.policy.model import PolicyError, load_policy
from tests.dms_support import (
    SAMPLES,
    format_error,
    read,
)

# --------------------------------------------------------------------------- #
# Headers and layouts
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("header", "kind", "columns"),
    [
        ("Name,Mobile,Birthday", FileKind.MEMBERS, ("name", "phone", "birthday")),
        ("客户名称,联系电话,生日", FileKind.MEMBERS, ("name", "phone", "birthday")),
        ("*客户姓名,手机号 ,ＶＩＮ码", FileKind.MEMBERS, ("name", "phone")),
        ("PHONE,plate,VIN,Model,Delivery Date", FileKind.CARS, None),
        ("手机,车牌号码,底盘号,车型名称,销售日期", FileKind.CARS, None),
        (
            "order_no,date,category,amount,vin,mileage,advisor",
            FileKind.VISITS,
            ("order_no", "date", "category", "amount", "vin", "mileage", "advisor"),
        ),
        (
            "委托书号,进厂日期,业务类型,实收金额（元）,车牌,进厂里程(km),服务顾问",
            FileKind.VISITS,
            ("order_no", "date", "category", "amount", "plate", "mileage", "advisor"),
        ),
        ("维修工单号,维修日期,维修类型,金额,车架号,行驶里程", FileKind.VISITS, None),
        ("工单号,结算日期,维修类别,结算金额,车牌号,客户姓名,手机,联系电话", FileKind.VISITS, None),
    ],
)
def test_header_aliases(header: str, kind: FileKind, columns: tuple[str, ...] | None) -> None:
    dms, _ = read(f"{header}\n".encode())
    assert dms.kind is kind
    if columns is not None:
        assert dms.columns == columns
    if kind is FileKind.CARS:
        assert dms.columns == ("phone", "plate", "vin", "model", "delivery_date")


def test_members_without_plate_ignore_car_columns() -> None:
    assert read("姓名,手机,VIN,车型\n".encode())[0].columns == ("name", "phone")


def test_unknown_layout_names_missing_columns() -> None:
    err = format_error("手机,备注\n13812345678,x\n".encode())
    assert err.code == "unknown_layout"
    assert "name" in err.columns and "plate" in err.columns and "order_no" in err.columns
    assert "phone" not in err.columns
    assert "members needs name" in err.detail


def test_missing_and_duplicate_columns() -> None:
    err = format_error("工单号,结算日期,结算金额,车牌号\n".encode())
    assert (err.code, err.columns) == ("missing_column", ("category",))
    err = format_error("工单号,结算日期,维修类别,结算金额,客户姓名\n".encode())
    assert (err.code, err.columns) == ("missing_column", ("plate",))
    err = format_error("姓名,手机,联系电话\n".encode())
    assert (err.code, err.columns) == ("duplicate_column", ("phone",))
    assert "手机" in err.detail and "联系电话" in err.detail
    assert format_error("车牌,车牌号,手机\n".encode()).code == "duplicate_column"


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "a.csv", "empty_file"),
        (b"\r\n\r\n,,,\r\n", "a.csv", "empty_file"),
        (b"", "a.xlsx", "empty_file"),
        (b"%PDF-1.4", "a.pdf", "not_a_spreadsheet"),
        (b"name,phone", "a", "not_a_spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.xls", "not_a_spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.xlsx", "not_a_spreadsheet"),
        ("姓名,手机\n".encode(), "a.xlsx", "not_a_spreadsheet"),
        (b"PK\x03\x04garbage", "a.xlsx", "not_a_spreadsheet"),
        (b"PK\x03\x04garbage", "a.csv", "not_a_spreadsheet"),
        (b"\x00\x01\x02name,phone", "a.csv", "not_a_spreadsheet"),
    ],
)
def test_unreadable_files(data: bytes, filename: str, code: str) -> None:
    assert format_error(data, filename).code == code


# --------------------------------------------------------------------------- #
# English headers, punctuation, and a store's own header names
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("header", "kind", "columns"),
    [
        ("Customer Name,Mobile,Birthday", FileKind.MEMBERS, ("name", "phone", "birthday")),
        (
            "Customer Name,Mobile,Plate No.,VIN,Model,Delivery Date",
            FileKind.CARS,
            ("name", "phone", "plate", "vin", "model", "delivery_date"),
        ),
        (
            "客户姓名,手机号,车牌号,VIN码,车型,交车日期",
            FileKind.CARS,
            ("name", "phone", "plate", "vin", "model", "delivery_date"),
        ),
        (
            "Plate No.,VIN,Repair Order No.,Settlement Date,Service Type,Amount,Mileage",
            FileKind.VISITS,
            ("plate", "vin", "order_no", "date", "category", "amount", "mileage"),
        ),
        (
            "PLATE NO,repair order no.,SETTLEMENT-DATE,service_type,Amount (CNY),Mileage(km)",
            FileKind.VISITS,
            ("plate", "order_no", "date", "category", "amount", "mileage"),
        ),
        ("customer name:;mobile #", FileKind.MEMBERS, ("name", "phone")),
    ],
)
def test_english_headers_any_case_and_punctuation(
    header: str, kind: FileKind, columns: tuple[str, ...]
) -> None:
    dms, _ = read(f"{header}\n".encode())
    assert (dms.kind, dms.columns) == (kind, columns)


def test_a_visits_file_without_its_order_number_says_so() -> None:
    err = format_error("车牌号,结算日期,维修类别,结算金额\n".encode())
    assert (err.code, err.columns) == ("missing_column", ("order_no",))


def test_a_store_adds_its_own_header_names(tmp_path: Path) -> None:
    data = "车主名,车主电话\n张伟,13812345678\n".encode()
    assert format_error(data).code == "unknown_layout"
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text('[import.headers]\nname = ["车主名"]\nphone = ["车主电话"]\n', "utf-8")
    policy = load_policy(policy_file)
    dms = open_rows(io.BytesIO(data), "m.csv", header_fields(policy.import_headers))
    assert dms.kind is FileKind.MEMBERS and list(dms) == [
        (2, {"name": "张伟", "phone": "13812345678"})
    ]
    for bad, message in (
        ('[import.headers]\ncolour = ["颜色"]\n', "colour: not a column"),
        ('[import.headers]\nphone = ["车牌号"]\n', "already names plate"),
        ('[import.headers]\nphone = ["--"]\n', "only punctuation"),
        ("[import.headers]\nphone = 5\n", "list of texts"),
    ):
        policy_file.write_text(bad, "utf-8")
        with pytest.raises(PolicyError, match=message):
            load_policy(policy_file)


def test_the_readme_lists_every_built_in_header() -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for field, (chinese, english) in DEFAULT_HEADERS.items():
        assert f"| {field} | {', '.join(chinese)} | {', '.join(english)} |" in readme, field
