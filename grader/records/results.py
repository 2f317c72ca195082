"""Exams and their questions, attempts (作答: from the gradebook, the exam service or imported
sheets) and the flags a submission carries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from grader import sheets
from grader.instance import username
from grader.records.db import (
    DEFAULT_EXCELLENCE_MARK,
    DEFAULT_PASS_MARK,
    Problem,
    RecordsError,
    now_text,
    parse_number,
    parse_time,
    percent,
    read_table,
    utc_text,
    with_progress,
)
from grader.records.roster import near_map
from grader.vocabulary import CHINA, FLAGS, china_year

# ------------------------------------------------------------------ exams and questions


def register_exam(db: sqlite_utils.Database, exam: dict, questions: list[dict]) -> None:
    """Record a built exam and its question list (rebuilding replaces the list).

    exam: id, title, year, pass_mark, excellence_mark, max_score, opens_at, closes_at.
    questions: question_id, law, article, type, points, stem.
    """
    if not exam.get("id"):
        raise RecordsError("考试缺少编号 (exam id missing)")
    row = {
        "id": str(exam["id"]),
        "title": exam.get("title") or str(exam["id"]),
        "year": int(exam["year"]) if exam.get("year") is not None else None,
        "pass_mark": float(exam["pass_mark"]) if exam.get("pass_mark") is not None else DEFAULT_PASS_MARK,
        "excellence_mark": float(exam["excellence_mark"])
        if exam.get("excellence_mark") is not None
        else DEFAULT_EXCELLENCE_MARK,
        "max_score": float(exam["max_score"]) if exam.get("max_score") is not None else None,
        "opens_at": exam.get("opens_at"),
        "closes_at": exam.get("closes_at"),
        "source": "build",
    }
    with db.atomic():
        db.table("exams").upsert(row, pk="id")
        db.execute("DELETE FROM questions WHERE exam_id = ?", [row["id"]])
        db.table("questions").insert_all(
            [
                {
                    "exam_id": row["id"],
                    "question_id": str(q["question_id"]),
                    "position": i,
                    "law": q.get("law"),
                    "article": int(q["article"]) if q.get("article") is not None else None,
                    "type": q.get("type"),
                    "points": q.get("points"),
                    "stem": q.get("stem"),
                }
                for i, q in enumerate(questions, start=1)
            ],
            pk=("exam_id", "question_id"),
        )


TIMINGS = ("service", "files")


def set_exam_timing(db: sqlite_utils.Database, exam_id: str, timing: str) -> None:
    """Record which path graded exam `exam_id`: "service" (times and answers kept by the hub's
    exam service) or "files" (the answers files, on one machine without a hub).

    Raises RecordsError for another value or an exam that was never registered."""
    if timing not in TIMINGS:
        raise RecordsError(f"未知的计时方式 {timing!r} (unknown timing)")
    with db.atomic():
        if db.execute("UPDATE exams SET timing = ? WHERE id = ?", [timing, exam_id]).rowcount == 0:
            raise RecordsError(f"没有编号为 {exam_id} 的考试 (no such exam)")


def _ensure_external_exams(
    db, exam_ids: Iterable[str], pass_mark: float | None, excellence_mark: float | None, file: str
) -> None:
    """Exams only seen in imported results get a row with the default (or given) marks."""
    existing = {r["id"]: r for r in db.query("SELECT id, pass_mark, excellence_mark, source FROM exams")}
    for exam_id in sorted(set(exam_ids)):
        old = existing.get(exam_id)
        if old is None:
            db.table("exams").insert(
                {
                    "id": exam_id,
                    "title": exam_id,
                    "year": None,
                    "pass_mark": pass_mark if pass_mark is not None else DEFAULT_PASS_MARK,
                    "excellence_mark": excellence_mark if excellence_mark is not None else DEFAULT_EXCELLENCE_MARK,
                    "source": "import",
                }
            )
        elif old["source"] == "import":
            changes = {}
            if pass_mark is not None:
                changes["pass_mark"] = pass_mark
            if excellence_mark is not None:
                changes["excellence_mark"] = excellence_mark
            if changes:
                db["exams"].update(exam_id, changes)
        elif pass_mark is not None and pass_mark != old["pass_mark"]:
            raise RecordsError(
                [
                    Problem(
                        file,
                        None,
                        f"考试 {exam_id} 已登记合格分 {old['pass_mark']:g}，与 --pass-mark {pass_mark:g} 不一致 "
                        "(the exam is registered with another pass mark)",
                    )
                ]
            )


# ------------------------------------------------------------------ attempts (results)

_ATTEMPT_COLUMNS = "staff_id, exam_id, submitted_at, year, score, max_score, percent, source, recorded_at"

# Staged rows go in by key order (SQLite sorts them): the attempts' unique key and the report's index
# then grow at a few places instead of at random, several times faster at a city's million rows.
_UPSERT_ATTEMPTS = f"""
INSERT INTO attempts ({_ATTEMPT_COLUMNS})
SELECT {_ATTEMPT_COLUMNS} FROM temp.incoming_attempts WHERE true ORDER BY staff_id, exam_id, submitted_at
ON CONFLICT (staff_id, exam_id, submitted_at) DO UPDATE SET
    score = excluded.score, max_score = excluded.max_score, percent = excluded.percent,
    source = excluded.source, recorded_at = excluded.recorded_at
WHERE attempts.score IS NOT excluded.score OR attempts.max_score IS NOT excluded.max_score
"""


@dataclass
class AttemptCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def write_attempts(db, rows: Sequence[tuple], show_progress: bool = False) -> AttemptCounts:
    """Upsert (staff_id, exam_id, submitted_at, year, score, max_score, percent, source, now) rows,
    keyed on (staff_id, exam_id, submitted_at): staged in a temporary table, then written by one
    INSERT … SELECT in key order. A progress bar on the terminal while staging when `show_progress`.

    Must run inside a transaction. Identical rows change nothing; a corrected score updates.
    """
    db.execute("DROP TABLE IF EXISTS temp.incoming_attempts")
    db.execute(f"CREATE TEMP TABLE incoming_attempts ({_ATTEMPT_COLUMNS})")
    try:
        step = 50_000
        for start in with_progress(
            range(0, len(rows), step), (len(rows) + step - 1) // step, "导入成绩", show_progress
        ):
            db.conn.executemany(
                "INSERT INTO temp.incoming_attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows[start : start + step]
            )
        before = db.execute("SELECT count(*) FROM attempts").fetchone()[0]
        changes = db.conn.total_changes
        db.execute(_UPSERT_ATTEMPTS)
        changed = db.conn.total_changes - changes
        added = db.execute("SELECT count(*) FROM attempts").fetchone()[0] - before
    finally:
        db.execute("DROP TABLE IF EXISTS temp.incoming_attempts")
    return AttemptCounts(added, changed - added, len(rows) - changed)


@dataclass
class ResultsImport:
    counts: AttemptCounts
    rows: int
    not_on_roster: list[tuple[int | str, str]] = field(default_factory=list)  # (row, staff_id)
    duplicates: int = 0
    near: dict[str, list[str]] = field(default_factory=dict)  # staff_id -> roster ids it differs from by leading zeros
    summary: str = ""  # which worksheets gave how many rows


def import_results(
    db: sqlite_utils.Database,
    path,
    pass_mark: float | None = None,
    excellence_mark: float | None = None,
    show_progress: bool = False,
    sheet_names: list[str] | None = None,
    columns: dict[str, str] | None = None,
) -> ResultsImport:
    """Results from elsewhere (paper exam, provincial platform): staff_id, exam, score, max_score,
    submitted_at (ISO 8601; without an offset it is China time).

    Idempotent on (staff_id, exam, submitted_at). Rows for people not on the roster are reported,
    not stored. Any malformed row rejects the whole file. A platform's export is read through the
    alias table (`sheets.RESULTS`: 考试成绩 is the score, 交卷时间 wins over 考试时间); `columns`
    (--column 得分=原始成绩) maps any other header; `sheet_names` (--sheet) chooses worksheets.
    """
    name = str(path)
    problems: list[Problem] = []
    known = {r["staff_id"] for r in db.query("SELECT staff_id FROM staff")}
    parsed: dict[tuple, tuple] = {}
    where: dict[tuple, int] = {}
    not_on_roster, duplicates = [], 0
    table = read_table(path, sheets.RESULTS, sheet_names, columns)
    now = now_text()
    source = f"import:{Path(path).name}"
    for number, row in table:
        staff_id, exam_id = row["staff_id"], row["exam"]
        if not staff_id:
            problems.append(Problem(name, number, "缺少工号 (missing staff_id)"))
            continue
        if not exam_id:
            problems.append(Problem(name, number, "缺少考试编号 (missing exam)"))
            continue
        try:
            score = parse_number(row["score"])
            max_score = parse_number(row["max_score"])
        except ValueError:
            problems.append(
                Problem(
                    name,
                    number,
                    f"分数不是数字 (score/max_score not a number): {row['score']!r} / {row['max_score']!r}",
                )
            )
            continue
        if max_score <= 0 or score < 0 or score > max_score:
            problems.append(
                Problem(
                    name,
                    number,
                    f"分数应在 0 与满分之间且满分大于 0 (need 0 <= score <= max_score, max_score > 0): {score:g}/{max_score:g}",
                )
            )
            continue
        try:
            when = parse_time(row["submitted_at"])
        except ValueError:
            problems.append(
                Problem(
                    name,
                    number,
                    f"提交时间无法识别，可写 2020-11-05 09:30、2020/11/5 9:30 或 "
                    f"2020年11月5日 9:30 (bad submitted_at): {row['submitted_at']!r}",
                )
            )
            continue
        if staff_id not in known:
            not_on_roster.append((number, staff_id))
            continue
        key = (staff_id, exam_id, utc_text(when))
        record = (*key, china_year(when), score, max_score, percent(score, max_score), source, now)
        if key in parsed:
            if parsed[key][4:6] != record[4:6]:
                problems.append(
                    Problem(
                        name,
                        number,
                        f"与第{where[key]}行是同一次考试但分数不同 (conflicting duplicate of row {where[key]})",
                    )
                )
            else:
                duplicates += 1
            continue
        parsed[key], where[key] = record, number
    if problems:
        raise RecordsError(problems)
    rows = list(parsed.values())
    with db.atomic():
        _ensure_external_exams(db, {r[1] for r in rows}, pass_mark, excellence_mark, name)
        counts = write_attempts(db, rows, show_progress)
    near = near_map(known, [s for _, s in not_on_roster])
    return ResultsImport(counts, len(table), not_on_roster, duplicates, near, table.summary)


# ------------------------------------------------------------------ flags


def staff_by_login(db) -> dict[str, str]:
    """nbgrader student id / hub user -> staff_id, over the whole roster (leavers included)."""
    out = {}
    for row in db.query("SELECT staff_id FROM staff"):
        out[username(row["staff_id"])] = row["staff_id"]
        out.setdefault(row["staff_id"], row["staff_id"])
    return out


def record_flag(db: sqlite_utils.Database, exam: str, student: str, flag: str, detail: str, submitted_at=None) -> None:
    """Record a submission problem (late, overtime, impersonation, tampered, broken).

    `student` is the nbgrader student id (or the staff_id). `submitted_at` (datetime or ISO text;
    naive = UTC as nbgrader stores it) pins the flag to one attempt; without it the flag covers
    every attempt of that exam by that student. Impersonation attempts are not counted in the
    figures; the others are counted and listed. Recording the same flag twice keeps one.
    """
    if flag not in FLAGS:
        raise RecordsError(f"未知标记 {flag!r}，应为 {', '.join(FLAGS)} (unknown flag)")
    when = parse_time(submitted_at, naive=UTC) if submitted_at not in (None, "") else None
    staff_id = staff_by_login(db).get(str(student))
    year = china_year(when) if when else None
    if year is None:
        row = db.execute("SELECT year FROM exams WHERE id = ?", [exam]).fetchone()
        year = row[0] if row and row[0] else datetime.now(CHINA).year
    stamp = utc_text(when) if when else None
    with db.atomic():
        db.execute(
            "DELETE FROM flags WHERE exam_id = ? AND student = ? AND flag = ? AND submitted_at IS ?",
            [exam, str(student), flag, stamp],
        )
        db.table("flags").insert(
            {
                "exam_id": exam,
                "student": str(student),
                "staff_id": staff_id,
                "flag": flag,
                "detail": detail,
                "submitted_at": stamp,
                "year": year,
                "recorded_at": now_text(),
            }
        )
