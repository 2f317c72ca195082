"""The records database: roster, exemptions, results, flags, what a sync of the gradebook records
(from factories; test_records_sync.py syncs a real nbgrader gradebook).

The hand-made bureau used here and in test_report.py (tests/data/records/):

    办公室      MZ001 张伟 领导干部  gradebook 30/30 (100, excellent)
                MZ002 王芳 公务员    gradebook 12/30, then a make-up 18/30 (exactly 60)
                MZ003 李娜 事业人员  gradebook 18/30 (exactly 60, first attempt), flagged late
    社会救助科  MZ004 刘洋 公务员    paper exam 57/100 (a duplicate row in the file), fails
                MZ005 陈静 执法人员  nothing: absent
                MZ006 杨磊 执法人员  paper exam at 2020-12-31T17:00Z = 2021 in China time: absent in 2020
    殡葬管理科  MZ007 赵敏 事业人员  exempt 2020 (病假)
                MZ008 黄强 其他      only a 2019 attempt: absent in 2020
                MZ009 周杰 公务员    gradebook 30/30 but flagged impersonation: not counted, absent
                0042  吴刚 (类别 empty -> 其他)  gradebook 27/30 (exactly 90, excellent); login u0042
    政策法规科  MZ010 孙丽 公务员    exempt 2020 (借调): a department with nobody required
    not on the roster: X999 in the paper results, `stranger` in the gradebook
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import factories
import pytest

from grader import records
from grader.exams import sync as exam_sync
from grader.instance import Instance

pytestmark = pytest.mark.unit

DATA = Path(__file__).parent / "data" / "records"
EXAM = "law2020"
QUESTIONS = [
    {
        "question_id": "bu-e-001",
        "law": "殡葬管理条例",
        "article": 4,
        "type": "single",
        "points": 10,
        "stem": "下列哪类地区应当实行火葬？",
    },
    {
        "question_id": "sa-e-002",
        "law": "社会救助暂行办法",
        "article": 9,
        "type": "judge",
        "points": 10,
        "stem": "最低生活保障标准由谁确定？",
    },
    {
        "question_id": "so-e-003",
        "law": "社会团体登记管理条例",
        "article": 10,
        "type": "multiple",
        "points": 10,
        "stem": "成立社会团体应当具备哪些条件？",
    },
]
# (student, UTC timestamp, points per question) — each tuple is one submission as graded
FIRST_ROUND = [
    ("mz001", "2020-06-01 02:00:00", (10, 10, 10)),
    ("mz002", "2020-06-01 02:10:00", (10, 2, 0)),
    ("mz003", "2020-06-01 02:20:00", (10, 8, 0)),
    ("mz009", "2020-06-01 02:30:00", (10, 10, 10)),
    ("u0042", "2020-06-01 02:40:00", (10, 10, 7)),
    ("stranger", "2020-06-01 02:50:00", (10, 10, 10)),
]
MAKE_UP = [("mz002", "2020-06-15 03:00:00", (10, 8, 0))]


def register(db):
    records.register_exam(
        db,
        {
            "id": EXAM,
            "title": "2020年学法用法知识考试",
            "year": 2020,
            "pass_mark": 60,
            "excellence_mark": 90,
            "max_score": 30,
            "opens_at": "2020-06-01T08:00:00+08:00",
            "closes_at": "2020-06-30T18:00:00+08:00",
        },
        QUESTIONS,
    )


def graded(*rounds) -> dict:
    """What the gradebook holds after the given rounds of grading (factories.Gradebook: a
    resubmission replaces the earlier one, as in nbgrader's)."""
    book = factories.Gradebook(EXAM, {q["question_id"]: q["points"] for q in QUESTIONS})
    for submissions in rounds:
        for student, when, points in submissions:
            book.submit(student, when, points)
    return book.found()


def make_bureau(home: Path, with_gradebook=True) -> tuple[Instance, object]:
    inst = Instance.from_env(home).ensure()
    db = records.open_db(inst.records)
    records.import_roster(db, DATA / "roster_gbk.csv")
    register(db)
    records.exempt(db, "MZ007", 2020, "病假")
    records.exempt(db, "MZ010", 2020, "借调市局")
    records.import_results(db, DATA / "results_bom.csv")
    records.record_flag(db, EXAM, "mz009", "impersonation", "由 mz001 代为提交", submitted_at="2020-06-01 02:30:00")
    records.record_flag(db, EXAM, "mz003", "late", "晚交 5 分钟", submitted_at=datetime(2020, 6, 1, 2, 20))
    if with_gradebook:  # what `lawstudy sync` records after each round (test_records_sync.py: from nbgrader's)
        exam_sync.record(db, graded(FIRST_ROUND), lambda exam: None)
        exam_sync.record(db, graded(FIRST_ROUND, MAKE_UP), lambda exam: None)
    records.register_course(db, "burial", "殡葬管理", 4)
    records.record_completion(db, "MZ001", "burial", year=2020)
    records.record_completion(db, "MZ001", "social-assistance", year=2020, hours=6)
    records.record_completion(db, "MZ002", "burial", completed_at="2020-09-01T10:00:00")
    records.record_completion(db, "MZ002", "burial", completed_at="2020-10-01T10:00:00")  # again: once a year
    return inst, db


def count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# ------------------------------------------------------------------ database


def test_open_db_sets_wal_foreign_keys_and_is_repeatable(tmp_path):
    db = records.open_db(tmp_path)
    assert (tmp_path / "records.db").exists()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO exemptions (staff_id, year, reason) VALUES ('nobody', 2020, 'x')")
    db.close()
    again = records.open_db(tmp_path / "records.db")
    applied = [m.name for m in records.MIGRATIONS.applied(again)]
    assert applied == [
        "m001_initial",
        "m002_study_hours_and_leavers",
        "m003_exam_timing",
        "m004_flag_reviews",
        "m005_study_activities",
    ]


def test_old_database_upgrades_without_loss(tmp_path):
    import sqlite_utils

    path = tmp_path / "records.db"
    old = sqlite_utils.Database(path)
    records.MIGRATIONS.apply(old, stop_before="m002_study_hours_and_leavers")
    assert "courses" not in old.table_names()
    old["staff"].insert({"staff_id": "MZ001", "name": "张伟", "department": "办公室", "category": "领导干部"})
    old.close()
    db = records.open_db(path)
    assert records.roster(db) == [{"staff_id": "MZ001", "name": "张伟", "department": "办公室", "category": "领导干部"}]
    assert "completions" in db.table_names()


# ------------------------------------------------------------------ roster


def test_roster_gbk_csv_and_defaults(tmp_path):
    db = records.open_db(tmp_path)
    result = records.import_roster(db, DATA / "roster_gbk.csv")
    assert result.added == 11
    people = {p["staff_id"]: p for p in records.roster(db)}
    assert people["MZ004"] == {"staff_id": "MZ004", "name": "刘洋", "department": "社会救助科", "category": "公务员"}
    assert people["0042"]["category"] == "其他"  # empty 类别


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_roster_csv_encodings(tmp_path, encoding):
    path = tmp_path / "名册.csv"
    path.write_bytes("工号,姓名,部门,类别\nMZ001,张伟,办公室,领导干部\n".encode(encoding))
    db = records.open_db(tmp_path)
    records.import_roster(db, path)
    assert records.roster(db)[0]["department"] == "办公室"


def test_roster_xlsx_with_numeric_ids_and_reimport_updates(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["工号", "姓名", "科室", "类别"])
    ws.append([1001, "张伟", "办公室", "领导干部"])
    ws.append(["MZ002", "王芳", "办公室", "公务员"])
    wb.save(tmp_path / "名册.xlsx")
    db = records.open_db(tmp_path)
    records.import_roster(db, tmp_path / "名册.xlsx")
    assert [p["staff_id"] for p in records.roster(db)] == ["1001", "MZ002"]

    ws["C3"] = "社会救助科"  # 王芳 moves department
    wb.save(tmp_path / "名册.xlsx")
    result = records.import_roster(db, tmp_path / "名册.xlsx")
    assert (result.added, result.updated, result.unchanged) == (0, 1, 1)
    assert records.roster(db)[1]["department"] == "社会救助科"


def test_bad_roster_rejects_whole_file_with_row_numbers(tmp_path):
    db = records.open_db(tmp_path)
    with pytest.raises(records.RecordsError) as error:
        records.import_roster(db, DATA / "roster_bad.csv")
    text = str(error.value)
    assert "roster_bad.csv: 第3行" in text and "缺少工号" in text
    assert "第4行" in text and "与第2行重复" in text
    assert "第5行" in text and "缺少姓名" in text
    assert count(db, "staff") == 0  # the good row 2 was not written either


def test_roster_rejects_ids_that_collide_as_logins(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("工号,姓名\nMZ001,张伟\nmz001,王芳\n", encoding="utf-8")
    with pytest.raises(records.RecordsError, match="mz001"):
        records.import_roster(records.open_db(tmp_path), path)


def test_roster_missing_column_and_unsupported_file(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("编号X,姓名\nMZ001,张伟\n", encoding="utf-8")
    with pytest.raises(records.RecordsError, match="表头缺少列"):
        records.import_roster(records.open_db(tmp_path), path)
    (tmp_path / "r.txt").write_text("x")
    with pytest.raises(records.RecordsError, match="不支持的文件类型"):
        records.import_roster(records.open_db(tmp_path), tmp_path / "r.txt")


def test_retire_missing_takes_leavers_off_the_roster(tmp_path):
    db = records.open_db(tmp_path)
    records.import_roster(db, DATA / "roster_gbk.csv")
    path = tmp_path / "r.csv"
    path.write_text("工号,姓名,科室,类别\nMZ001,张伟,办公室,领导干部\n", encoding="utf-8")
    assert records.import_roster(db, path, retire_missing=True).retired == 10
    assert [p["staff_id"] for p in records.roster(db)] == ["MZ001"]
    assert len(records.roster(db, include_inactive=True)) == 11


# ------------------------------------------------------------------ exemptions


def test_exemptions_single_and_file(tmp_path):
    db = records.open_db(tmp_path)
    records.import_roster(db, DATA / "roster_gbk.csv")
    records.exempt(db, "MZ007", 2020, "病假")
    records.exempt(db, "MZ007", 2020, "产假")  # corrected reason
    assert list(db.query("SELECT staff_id, year, reason FROM exemptions")) == [
        {"staff_id": "MZ007", "year": 2020, "reason": "产假"}
    ]
    with pytest.raises(records.RecordsError, match="不在名册"):
        records.exempt(db, "NOBODY", 2020, "x")
    with pytest.raises(records.RecordsError, match="原因"):
        records.exempt(db, "MZ001", 2020, " ")
    path = tmp_path / "免考.csv"
    path.write_text("工号,原因,年度\nMZ001,借调,2021\nMZ002,退休前休假,\n", encoding="utf-8")
    assert records.import_exemptions(db, path, year=2020) == 2
    assert {(r["staff_id"], r["year"]) for r in db["exemptions"].rows} == {
        ("MZ007", 2020),
        ("MZ001", 2021),
        ("MZ002", 2020),
    }
    assert records.unexempt(db, "MZ002", 2020) and not records.unexempt(db, "MZ002", 2020)


def test_exemption_file_with_unknown_person_writes_nothing(tmp_path):
    db = records.open_db(tmp_path)
    records.import_roster(db, DATA / "roster_gbk.csv")
    path = tmp_path / "免考.csv"
    path.write_text("工号,原因\nMZ001,借调\nMZ999,病假\n", encoding="utf-8")
    with pytest.raises(records.RecordsError, match="第3行.*MZ999"):
        records.import_exemptions(db, path, year=2020)
    assert count(db, "exemptions") == 0


# ------------------------------------------------------------------ results import


def test_results_import_is_idempotent_and_reports_strangers(tmp_path):
    db = records.open_db(tmp_path)
    records.import_roster(db, DATA / "roster_gbk.csv")
    first = records.import_results(db, DATA / "results_bom.csv")
    assert (first.counts.added, first.duplicates) == (3, 1)
    assert first.not_on_roster == [(4, "X999")]
    again = records.import_results(db, DATA / "results_bom.csv")
    assert (again.counts.added, again.counts.updated, again.counts.unchanged) == (0, 0, 3)
    rows = {r["staff_id"]: r for r in db.query("SELECT staff_id, year, submitted_at, percent FROM attempts")}
    assert rows["MZ004"]["submitted_at"] == "2020-11-20T01:30:00+00:00"  # naive = China time
    assert rows["MZ006"]["year"] == 2021  # 2020-12-31T17:00Z is already 2021 in China
    assert rows["MZ008"]["year"] == 2019
    exam = db["exams"].get("paper2020")
    assert (exam["pass_mark"], exam["excellence_mark"], exam["source"]) == (60, 90, "import")


def test_results_import_names_the_roster_ids_a_stranger_may_mean(tmp_path):
    # 0042 is on the roster; a platform that dropped leading zeros writes 42, another writes 00042
    db = records.open_db(tmp_path)
    records.import_roster(db, DATA / "roster_gbk.csv")
    path = tmp_path / "r.csv"
    path.write_text(
        "staff_id,exam,score,max_score,submitted_at\n42,p,50,100,2020-05-01\n00042,p,50,100,2020-05-02\n"
        "mz001,p,80,100,2020-05-01\nZZ1,p,80,100,2020-05-01\n",
        encoding="utf-8",
    )
    r = records.import_results(db, path)
    assert r.not_on_roster == [(2, "42"), (3, "00042"), (4, "mz001"), (5, "ZZ1")]
    assert r.near == {"42": ["0042"], "00042": ["0042"], "mz001": ["MZ001"]}
    known = [x["staff_id"] for x in db["staff"].rows]
    assert r.near == {s: records.near_ids(known, s) for s in ("42", "00042", "mz001")}  # the one-id answer


def test_results_import_corrected_score_updates(tmp_path):
    db = records.open_db(tmp_path)
    records.import_roster(db, DATA / "roster_gbk.csv")
    path = tmp_path / "r.csv"
    path.write_text("staff_id,exam,score,max_score,submitted_at\nMZ001,p,50,100,2020-05-01\n", encoding="utf-8")
    records.import_results(db, path)
    path.write_text("staff_id,exam,score,max_score,submitted_at\nMZ001,p,70,100,2020-05-01\n", encoding="utf-8")
    assert records.import_results(db, path).counts.updated == 1
    assert [r["percent"] for r in db["attempts"].rows] == [70]


def test_bad_results_reject_whole_file(tmp_path):
    db = records.open_db(tmp_path)
    records.import_roster(db, DATA / "roster_gbk.csv")
    path = tmp_path / "成绩.csv"
    path.write_text(
        "工号,考试,得分,满分,提交时间\n"
        "MZ001,p,80,100,2020-05-01 10:00\n"
        "MZ002,p,八十,100,2020-05-01 10:00\n"
        "MZ003,p,120,100,2020-05-01 10:00\n"
        "MZ004,p,80,100,昨天\n"
        "MZ001,p,81,100,2020-05-01 10:00\n",
        encoding="utf-8",
    )
    with pytest.raises(records.RecordsError) as error:
        records.import_results(db, path)
    text = str(error.value)
    for row in ("第3行", "第4行", "第5行", "第6行"):
        assert row in text
    assert "与第2行是同一次考试但分数不同" in text
    assert count(db, "attempts") == 0 and count(db, "exams") == 0


def test_pass_mark_for_imported_exam_and_conflict_with_built_exam(tmp_path):
    db = records.open_db(tmp_path)
    records.import_roster(db, DATA / "roster_gbk.csv")
    register(db)
    path = tmp_path / "r.csv"
    path.write_text("staff_id,exam,score,max_score,submitted_at\nMZ001,paper,50,100,2020-05-01\n", encoding="utf-8")
    records.import_results(db, path, pass_mark=50)
    assert db["exams"].get("paper")["pass_mark"] == 50
    path.write_text(f"staff_id,exam,score,max_score,submitted_at\nMZ001,{EXAM},20,30,2020-05-01\n", encoding="utf-8")
    with pytest.raises(records.RecordsError, match="合格分"):
        records.import_results(db, path, pass_mark=50)
    assert count(db, "attempts") == 1


# ------------------------------------------------------------------ exams, flags, sync


def test_register_exam_replaces_questions(tmp_path):
    db = records.open_db(tmp_path)
    register(db)
    records.register_exam(
        db,
        {
            "id": EXAM,
            "title": "重建",
            "year": 2020,
            "pass_mark": 70,
            "excellence_mark": None,
            "max_score": 10,
            "opens_at": None,
            "closes_at": None,
        },
        QUESTIONS[:1],
    )
    assert [q["question_id"] for q in db["questions"].rows] == ["bu-e-001"]
    exam = db["exams"].get(EXAM)
    assert (exam["title"], exam["pass_mark"], exam["excellence_mark"]) == ("重建", 70, 90)


def test_recording_the_gradebook_keeps_make_ups_and_is_idempotent(tmp_path):
    inst, db = make_bureau(tmp_path, with_gradebook=False)
    first = exam_sync.record(db, graded(FIRST_ROUND), lambda exam: None)
    assert first.counts.added == 5
    assert first.unknown_students == [(EXAM, "stranger")]
    again = exam_sync.record(db, graded(FIRST_ROUND), lambda exam: None)
    assert (again.counts.added, again.counts.updated, again.counts.unchanged) == (0, 0, 5)
    third = exam_sync.record(db, graded(FIRST_ROUND, MAKE_UP), lambda exam: None)  # MZ002's make-up replaced
    assert (third.counts.added, third.counts.unchanged) == (1, 4)
    mz002 = list(db.query("SELECT submitted_at, percent FROM attempts WHERE staff_id = 'MZ002' ORDER BY submitted_at"))
    assert [r["percent"] for r in mz002] == [40.0, 60.0]
    book = factories.Gradebook(EXAM, {q["question_id"]: q["points"] for q in QUESTIONS})
    book.submit("mz005", "2020-06-02 01:00:00", (10, 10, 10), manual=True)  # a grader has yet to look
    pending = exam_sync.record(db, book.found(), lambda exam: None)
    assert pending.pending == [(EXAM, "mz005")] and pending.counts.added == 0


def test_sync_without_gradebook_fails_clearly(tmp_path):
    inst = Instance.from_env(tmp_path)
    with pytest.raises(records.RecordsError, match="找不到成绩库"):
        exam_sync.sync(records.open_db(inst.records), inst)


def test_flags_map_students_and_do_not_duplicate(tmp_path):
    inst, db = make_bureau(tmp_path, with_gradebook=False)
    records.record_flag(db, EXAM, "mz003", "late", "晚交 5 分钟", submitted_at=datetime(2020, 6, 1, 2, 20))
    flags = list(db.query("SELECT staff_id, flag, submitted_at, year FROM flags ORDER BY staff_id"))
    assert flags == [
        {"staff_id": "MZ003", "flag": "late", "submitted_at": "2020-06-01T02:20:00+00:00", "year": 2020},
        {"staff_id": "MZ009", "flag": "impersonation", "submitted_at": "2020-06-01T02:30:00+00:00", "year": 2020},
    ]
    with pytest.raises(records.RecordsError, match="未知标记"):
        records.record_flag(db, EXAM, "mz003", "cheating", "")


def test_course_completion_hours(tmp_path):
    inst, db = make_bureau(tmp_path, with_gradebook=False)
    rows = list(db.query("SELECT staff_id, course_id, year, hours FROM completions ORDER BY staff_id, course_id"))
    assert rows == [
        {"staff_id": "MZ001", "course_id": "burial", "year": 2020, "hours": 4},
        {"staff_id": "MZ001", "course_id": "social-assistance", "year": 2020, "hours": 6},
        {"staff_id": "MZ002", "course_id": "burial", "year": 2020, "hours": 4},
    ]
    with pytest.raises(records.RecordsError, match="未登记学时"):
        records.record_completion(db, "MZ003", "unknown-course", year=2020)
