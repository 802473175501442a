"""The command-line tools: import DMS files, check the ledger, migrate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "dms"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'club.db'}",
        BOT_TOKEN="",
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_then_check_ledger(tmp_path):
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


def test_unreadable_file_fails_with_a_reason(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    done = run(tmp_path, "import", str(bad))
    assert done.returncode == 1 and "unknown_layout" in done.stderr


def test_migrate(tmp_path):
    done = run(tmp_path, "migrate")
    assert done.returncode == 0 and (tmp_path / "club.db").exists()
