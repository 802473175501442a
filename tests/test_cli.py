"""The command-line tools: import DMS files, check the ledger, migrate."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.dms_exports import AS_OF, EXPECTED, export
from tests.spawner import Spawner

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "dms"


def tool_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'club.db'}",
        BOT_TOKEN="",
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture
def run(spawner: Spawner) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`python -m bot *args` in `tmp_path`, as its own process, forked warm (tests/spawner.py)."""

    def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return spawner.run(list(args), env=tool_env(tmp_path), cwd=tmp_path)

    return run


def cold_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The same from a fresh interpreter: the real start from nothing."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=tool_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_then_check_ledger(run, tmp_path):
    for name in ("members.csv", "cars.csv"):
        (tmp_path / name).write_bytes((SAMPLES / name).read_bytes())
    done = run(tmp_path, "import", str(tmp_path / "members.csv"), str(tmp_path / "cars.csv"))
    assert done.returncode == 0, done.stderr
    assert "members:" in done.stdout and "cars:" in done.stdout
    assert (tmp_path / "members-refused.csv").exists()  # the sample has bad rows on purpose
    visits = tmp_path / "visits.csv"
    visits.write_bytes((SAMPLES / "visits.csv").read_bytes())
    done = run(tmp_path, "import", str(visits))
    assert done.returncode == 0 and "visits:" in done.stdout
    checked = run(tmp_path, "check-ledger")
    assert checked.returncode == 0 and "0 members disagree" in checked.stdout


def test_unreadable_file_fails_with_a_reason(run, tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    done = run(tmp_path, "import", str(bad))
    assert done.returncode == 1 and "unknown_layout" in done.stderr


def test_migrate(tmp_path):
    done = cold_run(tmp_path, "migrate")
    assert done.returncode == 0 and (tmp_path / "club.db").exists()


@pytest.mark.parametrize(("fmt", "language"), [("utf-8-sig", "zh"), ("gbk", "en"), ("xlsx", "zh")])
def test_import_real_exports_as_of_their_date(run, tmp_path, fmt, language):
    paths = []
    for kind in ("members", "cars", "visits"):
        name, content = export(kind, language, fmt)
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(path)
    done = run(tmp_path, "import", "--as-of", AS_OF.isoformat(), *map(str, paths))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for path, line in zip(paths, lines, strict=True):
        kind = path.stem
        rows, new, refused, warnings = EXPECTED[kind]
        assert f"{path}: {kind}: {rows} rows" in line, line
        assert f"new {new}, already there 0, refused {len(refused)}, warnings {warnings}" in line, (
            line
        )
        listed = tmp_path / f"{kind}-refused.csv"
        assert listed.exists() == bool(refused or warnings), kind
        if not listed.exists():
            continue
        with listed.open(encoding="utf-8-sig", newline="") as fh:
            sheet = list(csv.reader(fh))
        assert sheet[0] == ["row", "outcome", "code", "field", "values"]
        got = {
            key: code
            for _row, outcome, code, _field, values in sheet[1:]
            if outcome == "refused"
            for key in refused
            if key in values
        }
        assert got == refused, sheet  # each refused row with its reason and its values
        assert sum(r[1] != "refused" for r in sheet[1:]) == warnings
    checked = run(tmp_path, "check-ledger")
    assert checked.returncode == 0 and "0 members disagree" in checked.stdout


def test_a_bad_as_of_date_is_refused(run, tmp_path):
    done = run(tmp_path, "import", "--as-of", "30/06/2024", "x.csv")
    assert done.returncode == 2 and "--as-of" in done.stderr


def test_import_into_an_unknown_store_is_refused_before_reading(run, tmp_path):
    members = tmp_path / "members.csv"
    members.write_bytes((SAMPLES / "members.csv").read_bytes())
    done = run(tmp_path, "import", "--store", "nosuch", str(members))
    assert done.returncode == 2 and "no store with code 'nosuch' (known: main)" in done.stderr
    assert not (tmp_path / "members-refused.csv").exists()
    checked = run(tmp_path, "check-ledger", "--store", "main")
    assert checked.returncode == 0 and "0 members disagree" in checked.stdout
