"""Courses and the 学时 they credit: completions recorded by hand, imported, or from a course's collect."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlite_utils

from grader import sheets
from grader.records.db import Problem, RecordsError, parse_number, parse_time, read_table, utc_text
from grader.records.roster import known_id, missing_staff, not_on_roster_message
from grader.vocabulary import CHINA, china_year

# ------------------------------------------------------------------ study hours


def register_course(db: sqlite_utils.Database, course_id: str, title: str | None, hours: float) -> None:
    """A course and its 学时 (hours credited on completion)."""
    if float(hours) < 0:
        raise RecordsError("学时不能为负数 (hours must be >= 0)")
    with db.atomic():
        db.table("courses").upsert({"id": course_id, "title": title or course_id, "hours": float(hours)}, pk="id")


def _course_hours(db, course_id: str, hours: float | None, title: str | None = None) -> float:
    row = db.execute("SELECT hours FROM courses WHERE id = ?", [course_id]).fetchone()
    if hours is not None:
        if row is None or row[0] != float(hours):
            db.table("courses").upsert({"id": course_id, "title": title or course_id, "hours": float(hours)}, pk="id")
        return float(hours)
    if row is None:
        raise RecordsError(f"课程 {course_id} 未登记学时，请用 --hours 指定 (course has no registered hours)")
    return row[0]


def record_completion(
    db: sqlite_utils.Database,
    staff_id: str,
    course_id: str,
    year: int | None = None,
    completed_at=None,
    hours: float | None = None,
    source: str = "manual",
) -> bool:
    """Credit a course's 学时 to a staff member for a year (once per course and year).

    The year is `year`, else the China-time year of `completed_at`, else this year. Returns True if
    this was new. Hours default to the registered course's hours.
    """
    when = parse_time(completed_at) if completed_at not in (None, "") else None
    year = int(year) if year else (china_year(when) if when else datetime.now(CHINA).year)
    staff_id = known_id(db, staff_id)
    if missing_staff(db, [staff_id]):
        raise RecordsError(f"工号 {staff_id} 不在名册中 (not on the roster)")
    with db.atomic():
        credited = _course_hours(db, course_id, hours)
        cursor = db.execute(
            "INSERT INTO completions (staff_id, course_id, year, hours, completed_at, source) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (staff_id, course_id, year) DO UPDATE SET hours = excluded.hours "
            "WHERE completions.hours IS NOT excluded.hours",
            [staff_id, course_id, year, credited, utc_text(when) if when else None, source],
        )
    return cursor.rowcount > 0


def import_completions(
    db: sqlite_utils.Database, path, year: int | None = None, summary=None, sheet_names: list[str] | None = None
) -> int:
    """Completions from a sheet: staff_id, course, completed_at or --year, optional hours.

    `summary(text)`, if given, receives what was read and passed over. `sheet_names`: read only
    these worksheets (--sheet)."""
    name = str(path)
    known = {r["staff_id"] for r in db.query("SELECT staff_id FROM staff")}
    courses = {r["id"]: r["hours"] for r in db.query("SELECT id, hours FROM courses")}
    problems, rows = [], []
    table = read_table(path, sheets.COMPLETIONS, sheet_names)
    if summary and table.summary:
        summary(table.summary)
    for number, row in table:
        staff_id, course = row["staff_id"], row["course"]
        try:
            when = parse_time(row["completed_at"]) if row.get("completed_at") else None
            hours = parse_number(row["hours"]) if row.get("hours") else courses.get(course)
        except ValueError:
            problems.append(Problem(name, number, "完成时间或学时格式错误 (bad completed_at or hours)"))
            continue
        row_year = year or (china_year(when) if when else None)
        if staff_id not in known:
            problems.append(Problem(name, number, not_on_roster_message(known, staff_id)))
        elif hours is None:
            problems.append(Problem(name, number, f"课程 {course} 未登记学时，请填写学时列 (no hours for course)"))
        elif row_year is None:
            problems.append(Problem(name, number, "缺少完成时间，且未指定 --year (no completed_at and no --year)"))
        else:
            rows.append((staff_id, course, row_year, hours, utc_text(when) if when else None))
    if problems:
        raise RecordsError(problems)
    with db.atomic():
        for staff_id, course, row_year, hours, when_text in rows:
            _course_hours(db, course, hours if course not in courses else None)
            db.execute(
                "INSERT INTO completions (staff_id, course_id, year, hours, completed_at, source) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (staff_id, course_id, year) DO NOTHING",
                [staff_id, course, row_year, hours, when_text, f"import:{Path(path).name}"],
            )
    return len(rows)
