"""Grading an exam and returning it.

autograde: SubmissionInspector + TimingCheck -> nbgrader autograde (or, --fast, the gradebook
           adapter grader.exams.gradebook) -> reconciled with the answers-file scores -> flags and
           the timing into the records
feedback:  once the last window has closed, FeedbackWriter writes each person's page from the
           gradebook's final scores, and nbgrader release_feedback delivers them
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from grader.answers import ANSWERS_FILE
from grader.exams import graded_answers
from grader.exams import nbgrader_course as nbg
from grader.exams.feedback_page import FeedbackWriter
from grader.exams.gradebook import ExamGradebook
from grader.exams.notebook import grade_id
from grader.exams.paper import Paper, load_paper, private_dir
from grader.exams.sanitize import sanitize_collected
from grader.exams.steps import ExamError, Progress, open_records, quiet, set_aside_dir
from grader.exams.submissions import (
    Submission,
    SubmissionInspector,
    TimingCheck,
    copy_submission,
    grade_names,
)
from grader.instance import Instance
from grader.vocabulary import CHINA

# ------------------------------------------------------------------ autograde


@dataclass
class GradeResult:
    submissions: list[Submission]
    seconds: float
    fast: bool
    set_aside: list[Submission] = field(default_factory=list)
    mismatches: list[tuple[str, str, float | None, float]] = field(default_factory=list)  # student, qid, nbgrader, ours
    nbgrader_log: str = ""

    def table(self) -> list[dict]:
        return [
            {
                "student": s.student,
                "score": s.total,
                "flags": [f for f, _ in s.flags],
                "details": [d for _, d in s.flags],
                "time_source": s.time_source,
                "closed_by": s.closed_by,
            }
            for s in self.submissions
        ]


def submission_folders(instance: Instance, exam_id: str) -> list[tuple[str, Path]]:
    root = instance.submitted
    if not root.is_dir():
        return []
    return sorted((p.parent.name, p) for p in root.glob(f"*/{exam_id}") if p.is_dir())


def inspect_all(instance: Instance, paper: Paper) -> list[Submission]:
    """Read and check every collected submission of the paper (nothing is run). For an exam sat
    through the exam service the service's record decides answers and times (apply_service)."""
    from grader.answers import read_answers
    from grader.exams.receipts import received_time
    from grader.exams.sanitize import ORIGINALS
    from grader.exams.service_grading import apply_service, open_store, used_service

    inspector, timing = SubmissionInspector(paper), TimingCheck(paper)
    subs = []
    paper_dir = instance.paper_dir(paper.id)
    store = open_store(instance.home)
    service = store if used_service(store, paper.id) else None
    for student, folder in submission_folders(instance, paper.id):
        sub = inspector.inspect(folder, student)
        if service is not None:  # the exam used the exam service: its record counts
            original = instance.course_dir / ORIGINALS / paper.id / student
            as_submitted = read_answers(original / ANSWERS_FILE)[0]["answers"] if original.is_dir() else None
            apply_service(sub, paper, service, as_submitted)
            timing.check(sub)
            subs.append(sub)
            continue
        try:
            stamp_text: str | None = (folder / "timestamp.txt").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            stamp_text = None
        server = received_time(paper_dir, student, paper.id, stamp_text)
        if server is not None:  # on a hub: the time the machine received it, never the client's
            sub.timestamp = server
            sub.time_source = "server"
            sub.flags = [(f, d) for f, d in sub.flags if not (f == "broken" and "timestamp.txt" in d)]
        timing.check(sub)
        subs.append(sub)
    return subs


def _run_nbgrader_autograde(instance: Instance, exam_id: str, progress: Progress, total: int, force: bool) -> dict:
    from nbgrader.converters import Autograde
    from nbgrader.utils import capture_log, temp_attrs

    done = {"n": 0}

    class ProgressAutograde(Autograde):
        def init_assignment(self, assignment_id, student_id):
            progress(done["n"], total, f"nbgrader autograde {student_id}")
            done["n"] += 1
            super().init_assignment(assignment_id, student_id)

    api = nbg.api(instance)
    with temp_attrs(api.coursedir, assignment_id=exam_id, student_id="*"):
        app = ProgressAutograde(coursedir=api.coursedir, parent=api)
        app.force = force  # else nbgrader skips submissions not newer than their autograded copy
        app.create_student = True
        return capture_log(app)


def autograde(
    instance: Instance, exam_id: str, fast: bool = True, progress: Progress = quiet, force: bool = False
) -> GradeResult:
    """Grade every collected submission; the gradebook ends with the answers-file scores.

    nbgrader runs only the submissions that are new or newer than their graded copy (a make-up
    round regrades six people, not sixty); force=True runs them all again.

    Every submission is sanitized first (grader.exams.sanitize): its notebook is replaced by the
    released one and only the answers file and time stay, so no code or HTML a staff member wrote
    is executed or rendered on either path.

    fast (the default): no kernel; the scores go straight into the gradebook (and the files to
    autograded/). fast=False: nbgrader autograde runs every (released) notebook in a fresh kernel, and any grade it gives
    that differs from the answers-file score is reported and replaced (a higher one means the
    notebook was tampered with; a missing one means nbgrader could not run it).
    """
    started = time.perf_counter()
    from grader.exams.service_grading import submissions_from_service

    paper = load_paper(instance.papers, exam_id)
    sanitize_collected(instance.course_dir, exam_id)  # nothing a staff member wrote runs or renders
    submissions_from_service(instance, paper)  # a service exam: its record
    subs = inspect_all(instance, paper)
    result = GradeResult([], 0.0, fast)
    for sub in subs:
        if sub.user and sub.user != sub.student:
            sub.flag("impersonation", f"以 {sub.student} 的名义提交，但答案文件记录的答题人是 {sub.user}")
            dest = set_aside_dir(instance, exam_id) / f"submitted-{sub.student}"
            private_dir(dest.parent.parent)
            private_dir(dest.parent)
            if dest.exists():
                shutil.rmtree(dest)
            shutil.move(str(sub.folder), str(dest))
            result.set_aside.append(sub)
        else:
            result.submissions.append(sub)
    subs = result.submissions
    writer = ExamGradebook(instance, exam_id)
    if fast:
        autograded = instance.autograded
        for sub in subs:
            copy_submission(sub.folder, autograded / sub.student / exam_id)
        writer.write([(s.student, s.timestamp, grade_names(s)) for s in subs])
        progress(len(subs), len(subs), "写入成绩库")
    elif subs:
        log = _run_nbgrader_autograde(instance, exam_id, progress, len(subs), force)
        result.nbgrader_log = log.get("log", "")
        writer.set_timestamps([(sub.student, sub.timestamp) for sub in subs])
        got = writer.read()
        fix = []
        for sub in subs:
            theirs = got.get(sub.student, {})
            wrong = False
            for qid, ours in sub.scores.items():
                value = theirs.get(grade_id(qid))
                if value is None or abs(value - ours) > 1e-9:
                    wrong = True
                    result.mismatches.append((sub.student, qid, value, ours))
                    if value is not None and value > ours:
                        sub.flag(
                            "tampered",
                            "nbgrader 运行答题本所得分数高于答案文件的得分（答题本被改动），已按答案文件计分",
                        )
                    elif value is None and not sub.flagged("broken"):
                        sub.flag("broken", "nbgrader 无法运行该答题本，已按答案文件计分")
            if wrong:
                fix.append((sub.student, sub.timestamp, grade_names(sub)))
        if fix:
            writer.write(fix)
        progress(len(subs), len(subs), "核对完成")
    result.seconds = time.perf_counter() - started
    _record_flags(instance, exam_id, result.submissions + result.set_aside)
    _record_timing(instance, exam_id, result.submissions)
    _save_report(instance, paper, result)
    graded_answers.record(instance.paper_dir(exam_id), result.submissions)  # every sitting, for item analysis
    return result


def _record_flags(instance: Instance, exam_id: str, subs: list[Submission]) -> None:
    flagged = [s for s in subs if s.flags]
    if not flagged:
        return
    records, db = open_records(instance)
    for sub in flagged:
        by_flag: dict[str, list[str]] = {}
        for flag, detail in sub.flags:
            by_flag.setdefault(flag, []).append(detail)
        for flag, details in by_flag.items():
            records.record_flag(db, exam_id, sub.student, flag, "；".join(details), submitted_at=sub.timestamp)


def _record_timing(instance: Instance, exam_id: str, subs: list[Submission]) -> None:
    """Note in the records whether the exam service or the answers files decided this exam."""
    if not subs:
        return
    records, db = open_records(instance)
    records.set_exam_timing(db, exam_id, "service" if any(s.time_source == "service" for s in subs) else "files")


def _save_report(instance: Instance, paper: Paper, result: GradeResult) -> None:
    folder = private_dir(instance.paper_dir(paper.id))
    data = {
        "exam": paper.id,
        "fast": result.fast,
        "graded_at": datetime.now(UTC).isoformat(),
        "submissions": result.table(),
        "set_aside": [{"student": s.student, "details": [d for _, d in s.flags]} for s in result.set_aside],
        "mismatches": result.mismatches,
    }
    (folder / "grading.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.chmod(folder / "grading.json", 0o600)


# ------------------------------------------------------------------ feedback


@dataclass
class FeedbackResult:
    written: list[Path]
    released: bool


def final_scores(instance: Instance, exam_id: str) -> dict[str, dict[str, float | None]]:
    """student -> {grade cell: manual score if a grader gave one, else the auto score}."""
    return ExamGradebook(instance, exam_id).read(final=True)


def feedback(
    instance: Instance,
    exam_id: str,
    force: bool = False,
    release_it: bool = True,
    now: datetime | None = None,
    progress: Progress = quiet,
) -> FeedbackResult:
    paper = load_paper(instance.papers, exam_id)
    now = now or datetime.now(UTC)
    if now < paper.spec.last_close and not force:
        raise ExamError(
            f"反馈含标准答案，须在最后一场考试（含补考）截止后发布："
            f"{paper.spec.last_close.astimezone(CHINA).strftime('%Y-%m-%d %H:%M')}。"
            "培训管理员确需提前发布请加 --force"
        )
    scores = final_scores(instance, exam_id)
    subs = [s for s in inspect_all(instance, paper) if s.student in scores]
    writer = FeedbackWriter(paper)
    written = []
    for i, sub in enumerate(subs):
        progress(i, len(subs), f"反馈 {sub.student}")
        written.append(writer.write(sub, scores[sub.student], instance.feedback))
    progress(len(subs), len(subs), "发布反馈")
    if release_it and written:
        nbg.check(nbg.api(instance).release_feedback(exam_id), "release_feedback")
    return FeedbackResult(written, release_it and bool(written))
