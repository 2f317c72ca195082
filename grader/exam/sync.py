"""`lawstudy sync`: exam results and course completions from the nbgrader gradebook into the records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC

import sqlite_utils

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
    (`authority(exam_id)`, by default grader.exam.service_grading.sync_authority). Every gradebook
    score is checked against the sitting closed at the same time: a score that disagrees is
    flagged `tampered` and the record's score is kept; a gradebook attempt that matches no closed
    sitting never counts, and an attempt recorded earlier that matches none is dropped.
    """
    from nbgrader.api import Gradebook

    if not instance.gradebook.exists():
        raise RecordsError(f"找不到成绩库 {instance.gradebook} (no nbgrader gradebook yet)")
    if authority is None:
        from grader.exam.service_grading import sync_authority

        authority = sync_authority(instance)
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
    with Gradebook(instance.gradebook_url) as gb:
        assignments = [a for a in gb.assignments if a.name in exams or a.name in courses]
        for assignment in assignments:
            is_exam = assignment.name in exams
            truth = authority(assignment.name) if is_exam else None
            if is_exam:
                result.exams.append(assignment.name)
            if truth is not None:
                keys = _service_attempts(assignment.name, truth, logins, now, attempts, answers, result)
                truths[assignment.name] = keys
            subs = list(assignment.submissions)
            for sub in with_progress(subs, len(subs), f"同步 {assignment.name}", show_progress):
                staff_id = logins.get(sub.student_id)
                if staff_id is None:
                    result.unknown_students.append((assignment.name, sub.student_id))
                    continue
                if sub.timestamp is None:
                    result.pending.append((assignment.name, sub.student_id))
                    continue
                when = sub.timestamp.replace(tzinfo=UTC) if sub.timestamp.tzinfo is None else sub.timestamp
                if not is_exam:
                    completions.append(
                        (
                            staff_id,
                            assignment.name,
                            china_year(when),
                            courses[assignment.name],
                            utc_text(when),
                            "gradebook",
                        )
                    )
                    continue
                if truth is not None:
                    _check_against_service(assignment.name, sub, staff_id, when, truth, flags, result)
                    continue
                if sub.needs_manual_grade:
                    result.pending.append((assignment.name, sub.student_id))
                    continue
                score, max_score = float(sub.score or 0), float(sub.max_score or 0)
                if max_score <= 0:
                    result.pending.append((assignment.name, sub.student_id))
                    continue
                key = (staff_id, assignment.name, utc_text(when))
                attempts.append((*key, china_year(when), score, max_score, percent(score, max_score), "gradebook", now))
                answers[key] = [
                    (g.name[2:], float(g.score or 0), float(g.max_score or 0))
                    for nb in sub.notebooks
                    for g in nb.grades
                    if g.name and g.name.startswith("q-")
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
        (a for a in truth.attempts if a.user == sub.student_id and abs((a.closed_at - when).total_seconds()) < 1.0),
        None,
    )
    if match is None:
        detail = (
            f"成绩库中的这次作答（{utc_text(when)}，{float(sub.score or 0):g} 分）与考试服务中任何一场已结束的考试都不对应，"
            "不计入（可能是按答题文件评分的结果）"
        )
        flags.append((exam_id, sub.student_id, detail, when))
        result.disagreed.append((exam_id, sub.student_id, detail))
        return
    if abs(float(sub.score or 0) - match.total) > 1e-6:
        detail = f"成绩库分数 {float(sub.score or 0):g} 与考试服务记录的 {match.total:g} 分不符，按考试服务的记录计入"
        flags.append((exam_id, sub.student_id, detail, match.closed_at))
        result.disagreed.append((exam_id, sub.student_id, detail))
