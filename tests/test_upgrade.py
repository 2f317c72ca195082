"""Databases written by the release of 2026-11-30 open with today's code and lose nothing.

The files in tests/data/upgrade/ were made by that release (see the README there) and stand for
what bureaus have on disk: a records database and an exam-service store. Each is opened from a
copy, upgraded by its Migrations, and read back.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "upgrade"
pytestmark = pytest.mark.unit


def rows(path: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_a_sittings_store_of_the_last_release_upgrades_with_nothing_lost(tmp_path):
    from grader.exam.sittings import MIGRATIONS, SittingStore, lesson_progress

    path = tmp_path / "sittings" / "sittings.db"
    path.parent.mkdir()
    shutil.copy(DATA / "sittings-2026-11-30.db", path)
    before = {t: rows(path, f"SELECT * FROM {t} ORDER BY id") for t in ("sittings", "saves", "lesson_events")}
    store = SittingStore(path)
    assert [m.name for m in MIGRATIONS.pending(__import__("sqlite_utils").Database(store.db))] == []
    for table, old in before.items():
        assert store.db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() == old, table
    first = store.sittings("up-2026", "mz001")
    assert [s.attempt for s in first] == [1, 2] and [s.closed_by for s in first] == ["hand-in", "hand-in"]
    assert store.answers(first[0]) == {"q1": "B", "q2": "C"}
    [late] = store.sittings("up-2026", "mz002")
    assert late.closed_by == "deadline"
    # the old self-reported lesson events stay, and never count for 学时
    assert store.studied("mz001", "burial", {"01-总则": ["bu25-p-001"]})[0] is False
    assert lesson_progress(path, "mz001") == {}  # progress now comes from sessions the service saw
    # and the store keeps working on the new tables
    token = store.lesson_open("mz001", "burial", "01-总则", first[0].opened_at)
    assert store.session("mz001", token) is not None


def test_a_records_database_of_the_last_release_upgrades_with_nothing_lost(tmp_path):
    from grader import flags_admin, records, report

    path = tmp_path / "records.db"
    shutil.copy(DATA / "records-2026-11-30.db", path)
    tables = ("staff", "exemptions", "exams", "questions", "attempts", "flags", "completions", "flag_reviews")
    before = {t: rows(path, f"SELECT * FROM {t}") for t in tables}
    db = records.open_db(path)
    for table, old in before.items():
        assert sorted(db.execute(f"SELECT * FROM {table}").fetchall()) == sorted(old), table
    built = report.build(db, 2026, exam="up-2026")
    assert built["total"]["required"] == 2 and built["total"]["passed"] == 1
    [flag] = flags_admin.list_flags(db, year=2026)
    assert flag["review"] == "已核实"
