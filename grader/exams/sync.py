"""`lawstudy sync`: exam results and course completions from the nbgrader gradebook into the records."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from grader.exams import gradebook
from grader.instance import Instance
from grader.records.db import RecordsError, now_text, percent, utc_text, with_progress
from grader.records.results import AttemptCounts, record_flag, staff_by_login, write_attempts
from grader.vocabulary import china_year


@dataclass
class SyncResult:
    exams: list[str] = field(default_factory=list)
    counts: AttemptCounts = field(default_factory=AttemptCounts)
    unknown_students: list[tuple[str, str]] = field(default_factory=list)  # (assignment, student)
    pending: list[tuple[str, str]] = field(default_factory=list)  # needs manual grading / no timestamp
    completions: int = 0
    # service exams: gradebook scores that disagreed with the exam service (assignment, student,
    # detail), and attempts dropped because they matched no closed sitting (assignment, staff id, time)
    disagreed: list[tuple[str, str, str]] = field(default_factory=list)
    dropped: list[tuple[str, str, str]] = field(default_factory=list)


def sync(db: sqlite_utils.Database, instance: Instance, show_progress: bool = False, authority=None) -> SyncResult:
    """Copy exam results (and course completions) from the nbgrader gradebook into the records.

    Every gradebook assignment named like a registered exam gives one attempt per submission
    (staff id from the roster through `username`; timestamps are UTC), with its per-question
    grades from the grade cells named `q-<question_id>`. Re-syncing keeps earlier attempts, so
    a re-submission adds a make-up attempt; syncing twice changes nothing. Assignments named
    like a registered course credit its 学时.

    An exam sat through the exam service is different (issue 29: one source of truth): its
    attempts are the service's closed sittings, each scored from the service's record
    (`authority(exam_id)`, by default grader.exams.service_grading.sync_authority). Every gradebook
    score is checked against the sitting closed at the same time: a score that disagrees is
    flagged `tampered` and the record's score is kept; a gradebook attempt that matches no closed
    sitting never counts, and an attempt recorded earlier that matches none is dropped.
    """
    if not instance.gradebook.exists():
        raise RecordsError(f"找不到成绩库 {instance.gradebook} (no nbgrader gradebook yet)")
    if authority is None:
        from grader.exams.service_grading import sync_authority

        authority = sync_authority(instance)
    names = {r["id"] for r in db.query("SELECT id FROM exams UNION SELECT id FROM courses")}
    found = gradebook.submissions(
        instance,
        names,
        each=lambda items, count, name: with_progress(items, count, f"同步 {name}", show_progress),
    )
    return record(db, found, authority)


def record(db: sqlite_utils.Database, found: dict[str, list[gradebook.GradebookSubmission]], authority) -> SyncResult:
    """Write what the gradebook holds (`found`: assignment -> its submissions, as
    grader.exams.gradebook.submissions reads them) into the records, as `sync` describes;
    `authority(exam_id)` gives a service exam's record, None for any other. One transaction."""
    exams = {r["id"] for r in db.query("SELECT id FROM exams")}
    courses = {r["id"]: r["hours"] for r in db.query("SELECT id, hours FROM courses")}
    logins = staff_by_login(db)
    result = SyncResult()
    now = now_text()
    attempts: list[tuple] = []
    answers: dict[tuple, list[tuple]] = {}
    completions: list[tuple] = []
    flags: list[tuple] = []
    truths: dict[str, list[tuple]] = {}  # service exam -> its attempts' keys
    for name, subs in found.items():
        if name not in exams and name not in courses:
            continue
        is_exam = name in exams
        truth = authority(name) if is_exam else None
        if is_exam:
            result.exams.append(name)
        if truth is not None:
            truths[name] = _service_attempts(name, truth, logins, now, attempts, answers, result)
        for sub in subs:
            staff_id = logins.get(sub.student)
            if staff_id is None:
                result.unknown_students.append((name, sub.student))
                continue
            when = sub.timestamp
            if when is None:
                result.pending.append((name, sub.student))
                continue
            if not is_exam:
                completions.append((staff_id, name, china_year(when), courses[name], utc_text(when), "gradebook"))
                continue
            if truth is not None:
                _check_against_service(name, sub, staff_id, when, truth, flags, result)
                continue
            if sub.needs_manual_grade or sub.max_score <= 0:
                result.pending.append((name, sub.student))
                continue
            key = (staff_id, name, utc_text(when))
            attempts.append(
                (*key, china_year(when), sub.score, sub.max_score, percent(sub.score, sub.max_score), "gradebook", now)
            )
            answers[key] = [
                (cell[2:], earned, most) for cell, (earned, most) in sub.grades.items() if cell.startswith("q-")
            ]
    with db.atomic():
        for exam_id, keys in truths.items():
            keep = {(k[0], k[2]) for k in keys}
            for row in db.query(
                "SELECT id, staff_id, submitted_at FROM attempts WHERE exam_id = ? AND source IN ('gradebook', 'service')",
                [exam_id],
            ):
                if (row["staff_id"], row["submitted_at"]) not in keep:
                    db.execute("DELETE FROM answers WHERE attempt_id = ?", [row["id"]])
                    db.execute("DELETE FROM attempts WHERE id = ?", [row["id"]])
                    result.dropped.append((exam_id, row["staff_id"], row["submitted_at"]))
        result.counts = write_attempts(db, attempts)
        for key, graded in answers.items():
            if not graded:
                continue
            attempt_id = db.execute(
                "SELECT id FROM attempts WHERE staff_id = ? AND exam_id = ? AND submitted_at = ?", list(key)
            ).fetchone()[0]
            db.conn.executemany(
                "INSERT INTO answers (attempt_id, question_id, score, max_score) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (attempt_id, question_id) DO UPDATE SET score = excluded.score, max_score = excluded.max_score "
                "WHERE answers.score IS NOT excluded.score OR answers.max_score IS NOT excluded.max_score",
                [(attempt_id, *g) for g in graded],
            )
        before = db.conn.total_changes
        db.conn.executemany(
            "INSERT INTO completions (staff_id, course_id, year, hours, completed_at, source) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (staff_id, course_id, year) DO NOTHING",
            completions,
        )
        result.completions = db.conn.total_changes - before
        for exam_id, student, detail, when in flags:
            record_flag(db, exam_id, student, "tampered", detail, submitted_at=when)
    return result


def _service_attempts(exam_id, truth, logins, now, attempts, answers, result) -> list[tuple]:
    """The attempts of a service exam as the exam service recorded them (one per closed sitting)."""
    keys = []
    for attempt in truth.attempts:
        staff_id = logins.get(attempt.user)
        if staff_id is None:
            result.unknown_students.append((exam_id, attempt.user))
            continue
        key = (staff_id, exam_id, utc_text(attempt.closed_at))
        attempts.append(
            (
                *key,
                china_year(attempt.closed_at),
                attempt.total,
                truth.max_score,
                percent(attempt.total, truth.max_score),
                "service",
                now,
            )
        )
        answers[key] = [(qid, float(earned), truth.points[qid]) for qid, earned in attempt.scores.items()]
        keys.append(key)
    return keys


def _check_against_service(exam_id, sub, staff_id, when, truth, flags, result) -> None:
    """A gradebook score of a service exam: it must be the score of the sitting closed at its time."""
    match = next(
        (a for a in truth.attempts if a.user == sub.student and abs((a.closed_at - when).total_seconds()) < 1.0),
        None,
    )
    if match is None:
        detail = (
            f"成绩库中的这次作答（{utc_text(when)}，{sub.score:g} 分）与考试服务中任何一场已结束的考试都不对应，"
            "不计入（可能是按答题文件评分的结果）"
        )
        flags.append((exam_id, sub.student, detail, when))
        result.disagreed.append((exam_id, sub.student, detail))
        return
    if abs(sub.score - match.total) > 1e-6:
        detail = f"成绩库分数 {sub.score:g} 与考试服务记录的 {match.total:g} 分不符，按考试服务的记录计入"
        flags.append((exam_id, sub.student, detail, match.closed_at))
        result.disagreed.append((exam_id, sub.student, detail))
