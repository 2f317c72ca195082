"""Courses as nbgrader assignments: staged (reads courses/ and the banks), published (nbgrader, in
the exchange), collected, each submitter credited the course's 学时."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from grader.banks import Bank
from grader.courses.build import build_courses
from grader.courses.model import load_courses

# ------------------------------------------------------------------ courses as nbgrader assignments


def release_course(instance, course_id: str, banks: list[Bank] | None = None) -> Path:
    """Release a course's lessons as an nbgrader assignment named by the course id.

    Staff fetch it beside the exam and click Submit when they have worked through it; that
    submission, once collected, is what credits the course's 学时 (`lawstudy sync`). Lessons carry
    practice-pool questions only, so releasing them shows staff nothing of an exam.
    Re-releasing after a lesson changed replaces the fetched version for those who fetch later.
    The two halves are `stage_course` (reads courses/ and the banks) and `publish_course`
    (nbgrader, in the exchange); on a hub root stages and the grader publishes.
    """
    stage_course(instance, course_id, banks)
    return publish_course(instance, course_id)


def stage_course(instance, course_id: str, banks: list[Bank] | None = None) -> Path:
    """Write the course's lesson notebooks, course.json and practice.json into the course's nbgrader
    source folder (course/source/ID). Raises ValueError for an unknown course. Returns the folder."""
    import shutil
    import tempfile

    found = {c.id: c for c in load_courses()}
    if course_id not in found:
        raise ValueError(f"没有课程 {course_id}（已有: {', '.join(sorted(found))}）")
    course = found[course_id]
    source = instance.source(course.id)
    with tempfile.TemporaryDirectory() as scratch:
        build_courses(Path(scratch), [course], banks)
        if source.exists():
            shutil.rmtree(source)
        shutil.copytree(Path(scratch) / course.id, source)
        shutil.copy(Path(scratch) / "practice.json", source / "practice.json")
    return source


def publish_course(instance, course_id: str) -> Path:
    """nbgrader generate_assignment and release_assignment of a staged course; registers the course
    (title, hours) in the records. Raises ValueError when the course was never staged."""
    from grader import records
    from grader.exams import nbgrader_course as nbg

    meta = staged_course(instance, course_id)
    outbound = nbg.publish(instance, course_id)
    records.register_course(records.open_db(instance.records), course_id, meta["title"], meta["hours"])
    return outbound


def staged_course(instance, course_id: str) -> dict:
    """The course.json of a staged course (id, title, hours, lessons, practice: lesson -> question ids).
    Raises ValueError when the course was never staged (`lawstudy course release`)."""
    path = instance.source(course_id) / "course.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ValueError(f"课程 {course_id} 尚未发布（lawstudy course release {course_id}）") from None
    if not isinstance(meta, dict) or meta.get("id") != course_id:
        raise ValueError(f"课程 {course_id} 的 course.json 不完整，请重新发布")
    return meta


@dataclass
class CourseCollect:
    credited: list[str]  # staff ids newly credited with the course's 学时
    already: list[str]  # submitted, credited before
    unknown: list[str]  # nbgrader student ids not on the roster (reported, not counted)
    not_credited: dict[str, int] = field(default_factory=dict)  # why (中文) -> how many submissions
    audit: list[dict] = field(default_factory=list)  # set-aside entries, one line per real owner and reason


def collect_course(instance, course_id: str) -> CourseCollect:
    """Collect the course's submissions and credit the course's 学时.

    Every inbound entry is first checked on its own like an exam's (grader.exams.guard: no links,
    no special files, owned by the person it names, parseable, within size and count); the rest
    are set aside against their real owner and never credited. On a hub (an entry owned by the
    person, not by the trainer's account) a submission is only a receipt: the person is credited
    when the exam service saw them open every lesson and answer its practice questions (right or
    wrong), in the year the server saw it complete. On one machine (`lawstudy lab`) the
    submission itself still counts, in the year of its time. Collecting twice credits nobody twice.
    """
    from types import SimpleNamespace

    from grader import records
    from grader.exams import nbgrader_course as nbg
    from grader.exams.guard import InboundGuard
    from grader.exams.receipts import append_audit, load_receipts, save_receipts
    from grader.exams.service_grading import open_store
    from grader.exams.submissions import UnknownZone, parse_stamp

    db = records.open_db(instance.records)
    target = SimpleNamespace(id=course_id, spec=SimpleNamespace(attempts=10**6))
    guard = InboundGuard(instance.inbound, target, instance.set_aside(course_id)).run()  # type: ignore[arg-type]
    private = instance.home / "set-aside" / f"{course_id}-receipts"
    save_receipts(private, guard.received)
    append_audit(private, guard.audit)
    nbg.check(nbg.api(instance).collect(course_id, update=True), "collect")
    logins = records.staff_by_login(db)
    result = CourseCollect([], [], [], audit=guard.audit)
    for item in guard.set_aside:
        why = "提交被搁置（" + item.reason + "）"
        result.not_credited[why] = result.not_credited.get(why, 0) + 1
    receipts = load_receipts(private)
    store = open_store(instance.home)
    lessons = None
    for folder in sorted(instance.submitted.glob(f"*/{course_id}")):
        student = folder.parent.name
        staff_id = logins.get(student)
        if staff_id is None:
            result.unknown.append(student)
            continue
        on_hub = any(n.startswith(f"{student}+{course_id}+") for n in receipts)
        if on_hub:
            if lessons is None:  # the lessons as released (the grader may not read courses/)
                try:
                    lessons = staged_course(instance, course_id).get("practice") or {}
                except ValueError:
                    lessons = {}
                if not lessons:
                    found = next((c for c in load_courses() if c.id == course_id), None)
                    lessons = {les.path.stem: les.practice_ids() for les in found.lessons} if found else {}
            if store is None or not lessons:
                why = "考试服务中没有学习记录"
                result.not_credited[why] = result.not_credited.get(why, 0) + 1
                continue
            done, when, reason = store.studied(student, course_id, lessons)
            if not done:
                why = "未学完：" + reason.split(" ")[0]
                result.not_credited[why] = result.not_credited.get(why, 0) + 1
                continue
        else:
            stamp = folder / "timestamp.txt"
            try:
                when = parse_stamp(stamp.read_text(encoding="utf-8")) if stamp.is_file() else None
            except UnknownZone:  # credited for this year rather than at a guessed time
                when = None
        # on a hub: the study the exam service saw; on one machine: the submission (self-reported)
        new = records.record_completion(
            db, staff_id, course_id, completed_at=when, source="service" if on_hub else "nbgrader"
        )
        (result.credited if new else result.already).append(staff_id)
    return result


def record_completion(db, staff_id: str, course_id: str, year: int | None = None, hours: float | None = None) -> bool:
    """Credit a staff member a course's 学时 for the year; False when already credited.

    A course the records do not know yet is registered first with the title and hours its
    courses/ID/course.yaml gives (unless `hours` is given), so a completion recorded before the
    course was built still counts its hours.
    """
    from grader import records

    known = db.execute("SELECT 1 FROM courses WHERE id = ?", [course_id]).fetchone()
    if hours is None and not known:
        try:
            found = next((c for c in load_courses() if c.id == course_id), None)
        except Exception:  # the courses/ folder may be absent from a bare instance
            found = None
        if found is not None:
            records.register_course(db, course_id, found.title, found.hours)
    return records.record_completion(db, staff_id, course_id, year=year, hours=hours)
