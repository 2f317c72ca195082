"""The exam commands as pipelines of small steps over nbgrader's own API.

build:     spec -> PaperAssembler -> exam notebook -> nbgrader generate_assignment -> LeakScanner -> records
release:   LeakScanner -> nbgrader release_assignment -> LeakScanner (exchange copy)
collect:   InboundGuard (impersonation, attempts) -> nbgrader collect
autograde: SubmissionInspector + TimingCheck -> nbgrader autograde (or Gradebook: --fast)
           -> reconcile with the fast scores -> flags into the records
feedback:  window closed? -> FeedbackWriter -> nbgrader release_feedback
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from grader.answers import ANSWERS_FILE
from grader.errors import LawstudyError
from grader.exam import graded_answers
from grader.exam import nbgrader_course as nbg
from grader.exam.feedback import FeedbackWriter
from grader.exam.guard import InboundGuard, InboundReport, LeakScanner
from grader.exam.notebook import NOTEBOOK, exam_notebook, grade_id
from grader.exam.paper import Paper, PaperAssembler, load_paper, paper_path, private_dir, save_paper
from grader.exam.sanitize import sanitize_collected
from grader.exam.spec import ExamSpec, SpecError, load_spec
from grader.exam.submissions import (
    Gradebook,
    Submission,
    SubmissionInspector,
    TimingCheck,
    copy_submission,
    grade_names,
)
from grader.instance import Instance
from grader.staff_lab import write_window
from grader.vocabulary import CHINA, UnknownZone, parse_stamp

Progress = Callable[[int, int, str], None]  # (done, total, label)


def _quiet(done: int, total: int, label: str) -> None:
    pass


class ExamError(LawstudyError, RuntimeError):
    """An exam step that must not go ahead; the message says why (in Chinese) and what to do."""


def _records(instance: Instance):
    from grader import records

    return records, records.open_db(instance.home)


def set_aside_dir(instance: Instance, exam_id: str) -> Path:
    return instance.set_aside(exam_id)


# ------------------------------------------------------------------ build


@dataclass
class BuildResult:
    paper: Paper
    source: Path
    release: Path
    paper_file: Path
    unchanged: bool = False  # already released, and the banks and spec give the same paper


def assemble(spec: ExamSpec, quizzes: Path | None = None) -> Paper:
    from grader.bank import default_quizzes_dir, load_banks

    root = Path(quizzes or default_quizzes_dir())
    paths = []
    for bank_id in spec.banks:
        path = root / f"{bank_id}.yaml"
        if not path.is_file():
            raise SpecError(f"找不到题库文件 {path}")
        paths.append(path)
    assembler = PaperAssembler(spec)
    # Unversioned citations are read as the law in force when the exam opens.
    return assembler.assemble(load_banks(paths, as_of=assembler.law_date))


def released_cells(notebook: Path) -> dict[str, dict]:
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    out = {}
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid:
            source = cell.get("source", "")
            out[gid] = {
                "cell_type": cell["cell_type"],
                "source": "".join(source) if isinstance(source, list) else source,
            }
    return out


def build(
    instance: Instance, exam_id: str, quizzes: Path | None = None, force: bool = False, progress: Progress = _quiet
) -> BuildResult:
    spec = load_spec(exam_id, quizzes)
    outbound = instance.outbound(spec.id)
    progress(0, 5, "组卷")
    paper = assemble(spec, quizzes)
    # on a hub the questions reach staff only from the exam service, inside their sitting
    paper.delivery = "service" if instance.on_hub else "notebook"
    if outbound.exists() and not force:
        if _same_paper(instance, paper):  # building is deterministic: nothing to do
            progress(5, 5, "试卷未变")
            return BuildResult(
                load_paper(instance.papers, spec.id),
                instance.source(spec.id) / NOTEBOOK,
                instance.release(spec.id),
                paper_path(instance.papers, spec.id),
                unchanged=True,
            )
        raise ExamError(
            f"考试 {spec.id} 已发布，而题库或考试设置已改动：重新组卷会换掉已发出的试卷；确需重建请加 --force"
        )
    instance.ensure()
    private_dir(instance.papers)
    nbg.write_config(instance)
    nbg.ensure_exchange(instance)
    source = instance.source(spec.id)
    source.mkdir(parents=True, exist_ok=True)
    for stale in (ANSWERS_FILE, "." + ANSWERS_FILE + ".lock"):
        (source / stale).unlink(missing_ok=True)
    progress(1, 5, "生成试卷笔记本")
    nbformat.write(exam_notebook(paper), source / NOTEBOOK)
    progress(2, 5, "nbgrader generate_assignment")
    nbg.check(nbg.api(instance).generate_assignment(spec.id, force=True, create=True), "generate_assignment")
    release = instance.release(spec.id)
    paper.released = released_cells(release / NOTEBOOK)
    progress(3, 5, "检查泄露")
    LeakScanner(paper).ensure_clean(release)
    paper_file = save_paper(paper, instance.papers)
    progress(4, 5, "登记考试")
    records, db = _records(instance)
    records.register_exam(
        db,
        {
            "id": spec.id,
            "title": spec.title,
            "year": spec.year,
            "pass_mark": spec.pass_mark,
            "excellence_mark": spec.excellence_mark,
            "max_score": paper.max_score,
            "opens_at": spec.window.opens_at.isoformat(),
            "closes_at": spec.last_close.isoformat(),
        },
        [
            {
                "question_id": q.id,
                "law": q.basis[0]["law"] if q.basis else None,
                "article": q.basis[0]["article"] if q.basis else None,
                "type": q.type,
                "points": q.points,
                "stem": q.stem,
            }
            for q in paper.questions
        ],
    )
    progress(5, 5, "完成")
    return BuildResult(paper, source / NOTEBOOK, release, paper_file)


def _same_paper(instance: Instance, paper: Paper) -> bool:
    try:
        old = load_paper(instance.papers, paper.id)
    except SpecError:
        return False
    return (
        old.spec.to_dict() == paper.spec.to_dict()
        and old.delivery == paper.delivery
        and [q.to_dict() for q in old.questions] == [q.to_dict() for q in paper.questions]
    )


# ------------------------------------------------------------------ release


def release(instance: Instance, exam_id: str) -> Path:
    """Release the built exam to staff through nbgrader's exchange (a no-op when released unchanged).

    Raises ExamError on a hub instance for a paper built before the hub was set up (its notebook
    holds the questions, which on a hub staff may see only inside their sitting), and LeakError
    when a file staff would fetch holds a key, a 解析 or, for a hub paper, a question."""
    paper = load_paper(instance.papers, exam_id)
    if instance.on_hub and paper.delivery != "service":
        raise ExamError(
            f"考试 {exam_id} 是在本实例成为 hub 实例之前组卷的，试卷笔记本中含有题目原文；在 hub 上题目只能由考试服务"
            f"在各人开考时发放。请重新组卷后再发布：lawstudy exam build {exam_id} --force"
        )
    scanner = LeakScanner(paper)
    release_dir = instance.release(exam_id)
    # the exam's window and time limit, for the staff's start page: public, no answers (scanned too)
    write_window(release_dir, paper.spec)
    scanner.ensure_clean(release_dir)
    outbound = instance.outbound(exam_id)
    if _same_files(release_dir, outbound):  # released already, unchanged: releasing again is a no-op
        return outbound
    nbg.ensure_exchange(instance)
    nbg.check(nbg.api(instance).release_assignment(exam_id), "release_assignment")
    try:
        scanner.ensure_clean(outbound)
    except Exception:
        shutil.rmtree(outbound, ignore_errors=True)
        raise
    return outbound


def _same_files(a: Path, b: Path) -> bool:
    import filecmp

    if not (a.is_dir() and b.is_dir()):
        return False
    names = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    return names == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()) and all(
        filecmp.cmp(a / n, b / n, shallow=False) for n in names
    )


# ------------------------------------------------------------------ collect


@dataclass
class CollectResult:
    inbound: InboundReport
    collected: list[str] = field(default_factory=list)
    # people whose sitting the exam service closed at its deadline, never handed in: their
    # submission was written from the service's record
    closed_at_deadline: list[str] = field(default_factory=list)
    # people who handed in through the service but whose inbound entry was missing or set aside:
    # their submission was written from the service's record too
    from_service: list[str] = field(default_factory=list)
    # submissions whose answers file or time disagreed with the service and were rewritten to it
    rewritten: list[str] = field(default_factory=list)


def collect(instance: Instance, exam_id: str) -> CollectResult:
    """Set aside every inbound entry that is not a plain, owned, parseable folder within the limits
    (logged against its real owner in the exam's private audit log, never as a flag against the
    person it names), note the server's receipt time of the rest, then let nbgrader collect
    (grader.hub.OwnerCheckedCollect: it copies what it checked, on the open files). For an exam sat
    through the exam service every person's submission is then the service's record
    (grader.exam.service_grading), whatever the inbound held."""
    from grader.exam.receipts import append_audit, make_read_only, save_receipts
    from grader.exam.service_grading import made_from_service, submissions_from_service

    started = datetime.now(UTC)
    paper = load_paper(instance.papers, exam_id)
    inbound = instance.inbound
    report = InboundGuard(inbound, paper, set_aside_dir(instance, exam_id)).run()
    paper_dir = instance.paper_dir(exam_id)
    save_receipts(paper_dir, report.received)
    append_audit(paper_dir, report.audit)
    me = os.geteuid()
    lab_impostors = [i for i in report.set_aside if i.reason == "impersonation" and i.owner_uid == me]
    if lab_impostors:  # one account (lawstudy lab): the answers file names someone else; that attempt only
        records, db = _records(instance)
        for item in lab_impostors:
            records.record_flag(
                db, exam_id, item.student, "impersonation", item.detail, submitted_at=_stamp_from_name(item.timestamp)
            )
    if inbound.is_dir():
        nbg.check(nbg.api(instance).collect(exam_id, update=True), "collect")
    sanitize_collected(instance.course_dir, exam_id)
    submitted = instance.submitted
    collected = (
        sorted(p.parent.name for p in submitted.glob(f"*/{exam_id}") if p.is_dir()) if submitted.is_dir() else []
    )
    # the submissions as received: the grader's own and read-only (nbgrader still rewrites its own
    # sanitized working copy under submitted/, which no staff member can write)
    from grader.exam.sanitize import ORIGINALS

    for student in collected:
        make_read_only(instance.course_dir / ORIGINALS / exam_id / student)
    result = CollectResult(report, collected)
    if submissions_from_service(instance, paper) is not None:  # also run inside nbgrader's collect
        done = made_from_service(paper_dir, started)
        result.closed_at_deadline = done.closed_at_deadline
        result.from_service = done.written
        result.rewritten = done.rewritten
        result.collected = sorted(set(collected) | set(done.written) | set(done.closed_at_deadline))
    return result


def _stamp_from_name(text: str | None):

    try:
        return parse_stamp(text) if text else None
    except UnknownZone:  # the flag then covers every attempt of that person: never a guessed time
        return None


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
    from grader.exam.receipts import received_time
    from grader.exam.sanitize import ORIGINALS
    from grader.exam.service_grading import apply_service, open_store, used_service

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
    instance: Instance, exam_id: str, fast: bool = True, progress: Progress = _quiet, force: bool = False
) -> GradeResult:
    """Grade every collected submission; the gradebook ends with the answers-file scores.

    nbgrader runs only the submissions that are new or newer than their graded copy (a make-up
    round regrades six people, not sixty); force=True runs them all again.

    Every submission is sanitized first (grader.exam.sanitize): its notebook is replaced by the
    released one and only the answers file and time stay, so no code or HTML a staff member wrote
    is executed or rendered on either path.

    fast (the default): no kernel; the scores go straight into the gradebook (and the files to
    autograded/). fast=False: nbgrader autograde runs every (released) notebook in a fresh kernel, and any grade it gives
    that differs from the answers-file score is reported and replaced (a higher one means the
    notebook was tampered with; a missing one means nbgrader could not run it).
    """
    started = time.perf_counter()
    from grader.exam.service_grading import submissions_from_service

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
    writer = Gradebook(instance.gradebook, exam_id)
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
    records, db = _records(instance)
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
    records, db = _records(instance)
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
    return Gradebook(instance.gradebook, exam_id).read(final=True)


def feedback(
    instance: Instance,
    exam_id: str,
    force: bool = False,
    release_it: bool = True,
    now: datetime | None = None,
    progress: Progress = _quiet,
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
