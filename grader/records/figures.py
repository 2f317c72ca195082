"""The annual study-the-law figures (学法用法考试统计) as SQL aggregates over the records.

ALL figures are defined here, once, as SQL over the records database (see docs/figures.md):

* scope: attempts whose China-time year is the report year (and of one exam, if given), minus
  attempts flagged `impersonation`; each attempt is scaled to 100 (`percent`) and judged against
  its own exam's pass and excellence marks (60/90 for exams only seen in imported results);
* people: each current staff member, whether required (not exempt that year) and, from their
  attempts in scope, attempt count, best percent, passed (best >= pass mark), passed at the first
  attempt, excellent (best >= excellence mark), and study hours credited that year (courses
  completed + study activities attended: `course_hours`, `activity_hours`);
* groups: sums of those facts for the whole bureau, per department and per category, with
  participation rate = participants / required, pass rate = passed / participants and overall
  pass rate = passed / required (NULL when the denominator is 0).

`figures(db, year, exam)` returns them (and the lists of people behind them) as a dict;
grader.reports adds the words (the paragraph for the annual report, what is still to do) and
writes the exports.
"""

from __future__ import annotations

import sqlite_utils

from grader.records.db import ACTIVITY_KINDS, CATEGORIES, RecordsError
from grader.vocabulary import FLAG_NAMES, NOT_COUNTED_FLAGS

# ------------------------------------------------------------------ the figures, in SQL

# Counted attempts in scope: the year (China time), optionally one exam, impersonation set aside.
NOT_COUNTED = ", ".join(f"'{f}'" for f in NOT_COUNTED_FLAGS)
SCOPE = f"""
scope AS (
    SELECT a.id, a.staff_id, a.exam_id, a.submitted_at, a.percent,
           a.percent >= e.pass_mark AS ok,
           a.percent >= e.excellence_mark AS great
    FROM attempts a JOIN exams e ON e.id = a.exam_id
    WHERE a.year = :year AND (:exam IS NULL OR a.exam_id = :exam)
      AND a.id NOT IN (
          SELECT b.id FROM flags f
          JOIN attempts b ON b.exam_id = f.exam_id AND b.staff_id = f.staff_id
                         AND (f.submitted_at IS NULL OR f.submitted_at = b.submitted_at)
          WHERE f.flag IN ({NOT_COUNTED}))
)"""

# The same, for the exams that have a question list (the item figures): found through the exams'
# index (`+a.year` keeps SQLite from walking the whole year's attempts to find them).
QUESTION_SCOPE = SCOPE.replace(
    "WHERE a.year = :year", "WHERE a.exam_id IN (SELECT exam_id FROM questions) AND +a.year = :year"
)

# One row per current staff member: the facts every figure is a sum of.
PEOPLE = f"""
CREATE TEMP TABLE report_people AS
WITH {SCOPE},
person AS (
    -- first_ok: `ok` of the earliest attempt (by submitted_at, then exam id). UTC ISO texts sort in
    -- time order, so the minimum of "time exam ok" ends in that attempt's 0/1 (one pass, no window).
    SELECT staff_id, count(*) AS attempts, max(percent) AS best, max(ok) AS passed,
           CAST(substr(min(submitted_at || ' ' || exam_id || ' ' || ok), -1) AS INTEGER) AS first_ok,
           max(great) AS excellent
    FROM scope GROUP BY staff_id
),
hours AS (
    SELECT staff_id, sum(hours) AS hours FROM completions WHERE year = :year GROUP BY staff_id
),
study AS (
    SELECT t.staff_id, sum(a.hours) AS hours FROM attendance t JOIN activities a ON a.id = t.activity_id
    WHERE a.year = :year GROUP BY t.staff_id
)
SELECT s.staff_id, s.name, s.department, s.category,
       x.staff_id IS NULL AS required, x.reason AS exempt_reason,
       coalesce(p.attempts, 0) AS attempts, p.best AS best,
       coalesce(p.passed, 0) AS passed, coalesce(p.first_ok, 0) AS first_ok,
       coalesce(p.excellent, 0) AS excellent,
       coalesce(h.hours, 0) AS course_hours, coalesce(v.hours, 0) AS activity_hours,
       coalesce(h.hours, 0) + coalesce(v.hours, 0) AS hours
FROM staff s
LEFT JOIN exemptions x ON x.staff_id = s.staff_id AND x.year = :year
LEFT JOIN person p ON p.staff_id = s.staff_id
LEFT JOIN hours h ON h.staff_id = s.staff_id
LEFT JOIN study v ON v.staff_id = s.staff_id
WHERE s.active = 1
ORDER BY s.department, s.staff_id  -- the lists' order: rowid order, no sort when they are read
"""

# The same figures for any grouping of report_people ({key}: a column, or NULL for the bureau).
GROUP = """
SELECT {key} AS name,
       sum(required) AS required,
       sum(NOT required) AS exempt,
       sum(required AND attempts > 0) AS participants,
       sum(required AND passed) AS passed,
       sum(required AND first_ok) AS first_attempt_passed,
       sum(required AND excellent) AS excellent,
       sum(required AND attempts > 0) * 1.0 / nullif(sum(required), 0) AS participation_rate,
       sum(required AND passed) * 1.0 / nullif(sum(required AND attempts > 0), 0) AS pass_rate,
       sum(required AND passed) * 1.0 / nullif(sum(required), 0) AS overall_pass_rate,
       round(sum(CASE WHEN required THEN course_hours ELSE 0 END), 2) AS course_hours,
       round(sum(CASE WHEN required THEN activity_hours ELSE 0 END), 2) AS activity_hours,
       round(sum(CASE WHEN required THEN hours ELSE 0 END), 2) AS hours,
       round(sum(CASE WHEN required THEN hours ELSE 0 END) * 1.0 / nullif(sum(required), 0), 2) AS hours_per_person
FROM report_people
GROUP BY {key}
ORDER BY {key}
"""

LISTS = {
    "absent": """SELECT staff_id, name, department, category, hours FROM report_people
                 WHERE required AND attempts = 0 ORDER BY rowid""",
    "failed": """SELECT staff_id, name, department, category, attempts, best, hours FROM report_people
                 WHERE required AND attempts > 0 AND NOT passed ORDER BY rowid""",
    "exempt": """SELECT staff_id, name, department, category, exempt_reason AS reason FROM report_people
                 WHERE NOT required ORDER BY rowid""",
    "people": """SELECT staff_id, name, department, category, required, exempt_reason, attempts, best,
                        passed, first_ok AS first_attempt_passed, excellent, course_hours, activity_hours
                 FROM report_people ORDER BY rowid""",
}

FLAGGED = f"""
SELECT f.exam_id AS exam, f.student, f.staff_id, s.name, s.department, f.flag, f.detail, f.submitted_at,
       f.flag NOT IN ({NOT_COUNTED}) AS counted
FROM flags f LEFT JOIN staff s ON s.staff_id = f.staff_id
WHERE f.year = :year AND (:exam IS NULL OR f.exam_id = :exam)
ORDER BY f.exam_id, f.staff_id, f.submitted_at
"""

QUESTIONS = f"""
WITH {QUESTION_SCOPE},
tally AS (
    SELECT s.exam_id, an.question_id, count(*) AS answered, sum(an.score >= an.max_score) AS correct
    FROM scope s JOIN answers an ON an.attempt_id = s.id
    GROUP BY s.exam_id, an.question_id
)
SELECT q.exam_id AS exam, q.question_id, q.law, q.article, q.type, q.stem,
       coalesce(t.answered, 0) AS answered, coalesce(t.correct, 0) AS correct,
       t.correct * 1.0 / nullif(t.answered, 0) AS correct_rate
FROM questions q
LEFT JOIN tally t ON t.exam_id = q.exam_id AND t.question_id = q.question_id
WHERE q.exam_id IN (SELECT exam_id FROM scope) OR q.exam_id = :exam
ORDER BY correct_rate IS NULL, correct_rate, q.exam_id, q.position
"""

# Item figures (grader.exams.analysis) over each person's FIRST counted attempt at each exam in scope:
# one 0/1 per question (score = max score is right).
FIRST_ANSWERS = f"""
WITH {QUESTION_SCOPE},
first AS (SELECT exam_id, staff_id, min(submitted_at) AS at FROM scope GROUP BY exam_id, staff_id)
SELECT s.exam_id AS exam, s.staff_id, an.question_id, an.score >= an.max_score AS ok
FROM scope s
JOIN first f ON f.exam_id = s.exam_id AND f.staff_id = s.staff_id AND f.at = s.submitted_at
JOIN answers an ON an.attempt_id = s.id
ORDER BY s.exam_id, s.staff_id
"""

EXAMS = """
SELECT id, title, pass_mark, excellence_mark, max_score, source, timing FROM exams
WHERE (:exam IS NOT NULL AND id = :exam)
   OR (:exam IS NULL AND EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = exams.id AND a.year = :year))
   OR (:exam IS NULL AND year = :year)
ORDER BY id
"""

# 学时 by how they were known (issue 29): "service" = the study the exam service saw and scored
# on a hub; anything else (a course submitted on one machine, a completion list imported, entered
# by hand) is the person's or an office's word.
HOURS_SOURCES = """
SELECT CASE WHEN c.source = 'service' THEN 'service' ELSE 'reported' END AS source, round(sum(c.hours), 2) AS hours
FROM completions c JOIN staff s ON s.staff_id = c.staff_id
WHERE c.year = :year AND s.active = 1
GROUP BY 1
"""

FIGURES = (
    "required",
    "exempt",
    "participants",
    "passed",
    "first_attempt_passed",
    "excellent",
    "participation_rate",
    "pass_rate",
    "overall_pass_rate",
)


def figures(db: sqlite_utils.Database, year: int, exam: str | None = None) -> dict:
    """The figures of a year (and optionally one exam) as a JSON-ready dict: year, exam, pass_mark,
    excellence_mark, exams, total, departments, categories, the lists absent / failed / exempt /
    flagged / questions / people (each person's `hours` = {course_hours, activity_hours} and
    `total_hours`; in absent and failed `hours` is the total), hours_sources, the study section (`study_figures`: activities, activity_list,
    laws_studied, study_total), and first_answers (each person's first counted
    answer to each question, 0/1: what the item figures are computed from).

    Raises RecordsError for an unknown exam or an empty roster."""
    params = {"year": int(year), "exam": exam}
    if exam is not None and db.execute("SELECT 1 FROM exams WHERE id = ?", [exam]).fetchone() is None:
        raise RecordsError(f"没有编号为 {exam} 的考试 (no such exam)")
    if db.execute("SELECT 1 FROM staff LIMIT 1").fetchone() is None:
        raise RecordsError("名册为空：请先导入名册（lawstudy roster import 名册.xlsx） (no staff on the roster)")
    with getattr(db, "snapshot", db.atomic)():  # one read snapshot for every figure and list
        db.execute("DROP TABLE IF EXISTS temp.report_people")
        db.execute(PEOPLE, params)
        try:
            total = dict(next(db.query(GROUP.format(key="NULL"))))
            total.pop("name")
            departments = [_named(r, "department") for r in db.query(GROUP.format(key="department"))]
            order = {c: i for i, c in enumerate(CATEGORIES)}
            categories = sorted(
                (_named(r, "category") for r in db.query(GROUP.format(key="category"))),
                key=lambda r: (order.get(r["category"], len(order)), r["category"]),
            )
            lists = {k: list(db.query(sql)) for k, sql in LISTS.items()}
        finally:
            db.execute("DROP TABLE IF EXISTS temp.report_people")
        exams = list(db.query(EXAMS, params))
        hours_sources = {r["source"]: r["hours"] for r in db.query(HOURS_SOURCES, params)}
        flagged = list(db.query(FLAGGED, params))
        questions = list(db.query(QUESTIONS, params))
        first_answers = list(db.query(FIRST_ANSWERS, params))
        study = study_figures(db, year)
    marks = {e["pass_mark"] for e in exams}
    excellence = {e["excellence_mark"] for e in exams}
    for person in lists["people"]:
        for key in ("required", "passed", "first_attempt_passed", "excellent"):
            person[key] = bool(person[key])
        split_hours(person)
    for f in flagged:
        f["counted"] = bool(f["counted"])
        f["flag_name"] = FLAG_NAMES.get(f["flag"], f["flag"])
    report = {
        "year": int(year),
        "exam": exam,
        "pass_mark": marks.pop() if len(marks) == 1 else (60.0 if not marks else None),
        "excellence_mark": excellence.pop() if len(excellence) == 1 else (90.0 if not excellence else None),
        "exams": exams,
        "total": total,
        "departments": departments,
        "categories": categories,
        "absent": lists["absent"],
        "failed": lists["failed"],
        "exempt": lists["exempt"],
        "flagged": flagged,
        "questions": questions,
        "people": lists["people"],
        "hours_sources": hours_sources,
        "first_answers": first_answers,
        **study,
    }
    return report


def split_hours(person: dict) -> dict:
    """A person's 学时 from every source: `hours` = {course_hours, activity_hours}, `total_hours`
    their sum (courses completed that year + study activities attended that year)."""
    course, activity = person.pop("course_hours"), person.pop("activity_hours")
    person["hours"] = {"course_hours": course, "activity_hours": activity}
    person["total_hours"] = round(course + activity, 2)
    return person


# The study activities of a year (issue 30). An activity's attendances are the people on the roster
# recorded for it; one recorded with none but a ledger's 参加人数 counts that number (no person is
# credited hours for it). hours: the sum of the sessions' 学时; person_hours: 学时 × people credited.
ACTIVITY_ROWS = """
SELECT a.id, a.date, a.kind, a.topic, coalesce(a.speaker, a.organiser, '') AS speaker, a.hours,
       count(t.staff_id) AS people,
       CASE WHEN count(t.staff_id) > 0 THEN count(t.staff_id) ELSE coalesce(a.headcount, 0) END AS attendances
FROM activities a LEFT JOIN attendance t ON t.activity_id = a.id
WHERE a.year = :year
GROUP BY a.id
ORDER BY a.date, a.kind, a.topic
"""

STUDIED_LAWS = f"""
WITH rows AS ({ACTIVITY_ROWS})
SELECT l.law, nullif(l.article, 0) AS article, count(*) AS sessions, sum(r.attendances) AS attendances
FROM activity_laws l JOIN rows r ON r.id = l.activity_id
GROUP BY l.law, l.article
ORDER BY sessions DESC, attendances DESC, l.law, l.article
"""


def study_figures(db: sqlite_utils.Database, year: int) -> dict:
    """The year's study activities: `activities` [{kind, sessions, attendances, hours, person_hours}]
    in ACTIVITY_KINDS order (kinds held only), `activity_list` (each activity: date, kind, topic,
    speaker, hours, people, attendances), `laws_studied` [{law, article (None: the whole statute),
    sessions, attendances}], `study_total` {sessions, attendances, hours, person_hours}."""
    rows = list(db.query(ACTIVITY_ROWS, {"year": int(year)}))
    by_kind: dict[str, dict] = {}
    for r in rows:
        k = by_kind.setdefault(
            r["kind"], {"kind": r["kind"], "sessions": 0, "attendances": 0, "hours": 0.0, "person_hours": 0.0}
        )
        k["sessions"] += 1
        k["attendances"] += r["attendances"]
        k["hours"] = round(k["hours"] + r["hours"], 2)
        k["person_hours"] = round(k["person_hours"] + r["hours"] * r["people"], 2)
    kinds = [by_kind[k] for k in ACTIVITY_KINDS if k in by_kind]
    total = {
        "sessions": len(rows),
        "attendances": sum(k["attendances"] for k in kinds),
        "hours": round(sum(k["hours"] for k in kinds), 2),
        "person_hours": round(sum(k["person_hours"] for k in kinds), 2),
    }
    laws = list(db.query(STUDIED_LAWS, {"year": int(year)}))
    return {"activities": kinds, "activity_list": rows, "laws_studied": laws, "study_total": total}


def _named(row: dict, key: str) -> dict:
    row = dict(row)
    return {key: row.pop("name"), **row}
