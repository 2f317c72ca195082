"""`lawstudy sync` from a real nbgrader gradebook (written through nbgrader's own API) into the
records, and the records commands end to end (a second writer waiting for the lock). The bureau
is test_records.py's."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_records import DATA, EXAM, FIRST_ROUND, MAKE_UP, QUESTIONS, make_bureau, register

from grader import records
from grader.cli import cli
from grader.exams import sync as exam_sync
from grader.instance import Instance

pytestmark = pytest.mark.integration
ROSTERS = Path(__file__).parent / "data" / "cases" / "rosters"


def grade(instance: Instance, submissions, manual=()):
    """Write submissions into a real nbgrader gradebook (what `nbgrader autograde` leaves behind)."""
    from nbgrader.api import Gradebook

    instance.course_dir.mkdir(parents=True, exist_ok=True)
    bin_dir = str(Path(sys.executable).parent)  # a new gradebook asks the `alembic` command for its version
    if bin_dir not in os.environ["PATH"].split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ["PATH"]
    with Gradebook(instance.gradebook_url) as gb:
        if EXAM not in [a.name for a in gb.assignments]:
            gb.add_assignment(EXAM)
            gb.add_notebook("exam", EXAM)
            for q in QUESTIONS:
                gb.add_grade_cell(f"q-{q['question_id']}", "exam", EXAM, max_score=q["points"], cell_type="code")
        for student, when, points in submissions:
            gb.update_or_create_student(student)
            gb.update_or_create_submission(EXAM, student, timestamp=datetime.fromisoformat(when))
            for q, p in zip(QUESTIONS, points):
                g = gb.find_grade(f"q-{q['question_id']}", "exam", EXAM, student)
                g.auto_score = p
                g.needs_manual_grade = student in manual
            gb.db.commit()


def test_sync_from_gradebook_keeps_make_ups_and_is_idempotent(tmp_path):
    inst, db = make_bureau(tmp_path, with_gradebook=False)
    grade(inst, FIRST_ROUND)
    first = exam_sync.sync(db, inst)
    assert first.counts.added == 5
    assert first.unknown_students == [(EXAM, "stranger")]
    again = exam_sync.sync(db, inst)
    assert (again.counts.added, again.counts.updated, again.counts.unchanged) == (0, 0, 5)
    grade(inst, MAKE_UP)  # MZ002 re-submits: nbgrader replaces the submission, we keep both attempts
    third = exam_sync.sync(db, inst)
    assert (third.counts.added, third.counts.unchanged) == (1, 4)
    mz002 = list(db.query("SELECT submitted_at, percent FROM attempts WHERE staff_id = 'MZ002' ORDER BY submitted_at"))
    assert mz002 == [
        {"submitted_at": "2020-06-01T02:10:00+00:00", "percent": 40.0},
        {"submitted_at": "2020-06-15T03:00:00+00:00", "percent": 60.0},
    ]
    u0042 = db.execute("SELECT staff_id, percent FROM attempts WHERE staff_id = '0042'").fetchone()
    assert u0042 == ("0042", 90.0)
    answers = list(
        db.query(
            "SELECT question_id, a.score, a.max_score FROM answers a JOIN attempts t ON t.id = a.attempt_id "
            "WHERE t.staff_id = 'MZ003' ORDER BY question_id"
        )
    )
    assert answers == [
        {"question_id": "bu-e-001", "score": 10, "max_score": 10},
        {"question_id": "sa-e-002", "score": 8, "max_score": 10},
        {"question_id": "so-e-003", "score": 0, "max_score": 10},
    ]


def test_sync_leaves_ungraded_submissions_pending(tmp_path):
    inst, db = make_bureau(tmp_path, with_gradebook=False)
    grade(inst, [("mz005", "2020-06-02 01:00:00", (10, 10, 10))], manual={"mz005"})
    result = exam_sync.sync(db, inst)
    assert result.pending == [(EXAM, "mz005")] and result.counts.added == 0


# ------------------------------------------------------------------ commands


def test_commands_roster_exempt_results_sync(tmp_path):
    runner = CliRunner()
    home = str(tmp_path / "home")

    def run(*args):
        return runner.invoke(cli, [*args, "--home", home])

    r = run("roster", "import", str(DATA / "roster_bad.csv"))
    assert r.exit_code == 1 and "第3行" in r.output and "未写入任何数据" in r.output
    r = run("roster", "import", str(DATA / "roster_gbk.csv"))
    assert r.exit_code == 0 and "新增 11 人" in r.output
    r = run("exempt", "MZ007", "--year", "2020", "--reason", "病假")
    assert r.exit_code == 0, r.output
    r = run("results", "import", str(DATA / "results_bom.csv"))
    assert r.exit_code == 0 and "新增 3 次作答" in r.output and "X999 不在名册中" in r.output
    r = run("sync")
    assert r.exit_code == 1 and "找不到成绩库" in r.output
    inst = Instance.from_env(home)
    register(records.open_db(inst.records))
    grade(inst, FIRST_ROUND)
    r = run("sync")
    assert r.exit_code == 0 and "新增 5 次作答" in r.output and "stranger" in r.output
    r = run("course", "complete", "MZ001", "burial", "--year", "2020", "--hours", "4")
    assert r.exit_code == 0 and "已登记" in r.output
    r = run("course", "complete", "MZ001", "burial", "--year", "2020")
    assert r.exit_code == 0 and "未重复计学时" in r.output


def _hold_lock(path: Path, seconds: float, ready: threading.Event) -> None:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE staff SET updated_at = updated_at")
    ready.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_r6_second_writer_waits_for_the_lock_then_says_so_in_one_line(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "LAWSTUDY_HOME": str(home)}
    run = [sys.executable, "-m", "grader", "roster", "import"]
    subprocess.run([*run, str(ROSTERS / "n1-roster.csv")], env=env, check=True, capture_output=True)
    db_path = home / "records.db"
    ready = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(db_path, 3, ready))
    holder.start()
    ready.wait()
    started = time.monotonic()
    waited = subprocess.run([*run, str(ROSTERS / "r6-newperson.csv")], env=env, capture_output=True, text=True)
    holder.join()
    assert waited.returncode == 0, waited.stderr
    assert time.monotonic() - started >= 2 and "新增 1 人" in waited.stdout
    ready.clear()
    holder = threading.Thread(target=_hold_lock, args=(db_path, 4, ready))
    holder.start()
    ready.wait()
    path = tmp_path / "n.csv"
    path.write_text("工号,姓名,科室,类别\nMZ011,新人三,办公室,公务员\n", encoding="utf-8")
    busy = subprocess.run([*run, str(path)], env={**env, "LAWSTUDY_DB_TIMEOUT": "1"}, capture_output=True, text=True)
    holder.join()
    assert busy.returncode == 1 and "Traceback" not in busy.stderr
    assert busy.stderr.strip().count("\n") == 0 and "另一个 lawstudy 命令正在写入" in busy.stderr
    db = records.open_db(db_path)
    assert "MZ011" not in {p["staff_id"] for p in records.roster(db)}
