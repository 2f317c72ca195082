"""The gradebook adapter: the only module that reads or writes nbgrader's gradebook.

Everything goes through nbgrader's own API (`nbgrader.api.Gradebook` and its models, documented
as nbgrader's database API): no SQL on nbgrader's tables anywhere in lawstudy. What lawstudy needs:

- `ExamGradebook.write`: one exam's scores stored the way `nbgrader autograde` leaves them (the
  student, the submission with its time, one submitted notebook per notebook, a grade per grade
  and task cell with `auto_score`, a comment per solution and task cell), in ONE transaction, so
  a failure leaves the gradebook as it was. Existing rows are updated in place: a score a grader
  entered in the formgrader (`manual_score`) survives.
- `ExamGradebook.set_timestamps`, `ExamGradebook.read`: times and scores of one exam.
- `submissions`: every submission of the named assignments as plain records, for `lawstudy sync`.

tests/test_gradebook_contract.py fails when nbgrader's tables or the API used here change.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from grader.errors import LawstudyError
from grader.instance import Instance


class GradebookError(LawstudyError, LookupError):
    """The nbgrader gradebook lacks the assignment (exam) being graded, or does not exist."""


def venv_on_path() -> None:
    """nbgrader asks the `alembic` command (a new gradebook's version) and starts kernels by name:
    find them in the running Python's folder."""
    bindir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bindir not in path.split(os.pathsep):
        os.environ["PATH"] = bindir + (os.pathsep + path if path else "")


def _naive_utc(when: datetime | None) -> datetime | None:
    """nbgrader keeps times as naive UTC."""
    if when is None:
        return None
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def _aware(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def open_gradebook(instance: Instance, create: bool = False):
    """nbgrader's Gradebook over the instance's gradebook (a context manager). Raises
    GradebookError when there is none yet, unless `create`."""
    from nbgrader.api import Gradebook

    if not create and not instance.gradebook.exists():
        raise GradebookError(
            f"找不到成绩库 {instance.gradebook}（请先 lawstudy exam build）(no nbgrader gradebook yet)"
        )
    venv_on_path()
    return Gradebook(instance.gradebook_url, course_id=instance.course_id)


class ExamGradebook:
    """One exam's grades in nbgrader's gradebook: `write` them in one transaction, `read` them back.

    `instance`: where the gradebook is (course/gradebook.db); `assignment`: the exam id."""

    def __init__(self, instance: Instance, assignment: str):
        self.instance = instance
        self.assignment = assignment

    def _assignment(self, gb):
        from nbgrader.api import MissingEntry

        try:
            return gb.find_assignment(self.assignment)
        except MissingEntry:
            raise GradebookError(f"成绩库中没有考试 {self.assignment}（请先 lawstudy exam build）") from None

    def _open(self):
        if not self.instance.gradebook.exists():
            raise GradebookError(f"成绩库中没有考试 {self.assignment}（请先 lawstudy exam build）")
        return open_gradebook(self.instance)

    def write(self, results: Iterable[tuple[str, datetime | None, dict[str, float]]]) -> None:
        """results: (student id, submission time, {grade cell name: points}); a cell not named
        scores 0. Mirrors nbgrader's add_submission for a new submission (every notebook, grade,
        task and solution cell), sets each grade's `auto_score`, and marks it as needing no manual
        grade unless a grader already gave one. Raises GradebookError when the exam is not there."""
        from nbgrader.api import Student, SubmittedAssignment

        with self._open() as gb:
            try:
                assignment = self._assignment(gb)
                names = {c.id: c.name for nb in assignment.notebooks for c in [*nb.grade_cells, *nb.task_cells]}
                known = {s.id for s in gb.db.query(Student)}
                subs = {
                    s.student_id: s
                    for s in gb.db.query(SubmittedAssignment).filter(SubmittedAssignment.assignment_id == assignment.id)
                }
                with gb.db.no_autoflush:
                    for student, timestamp, scores in results:
                        if student not in known:
                            gb.db.add(Student(id=student))
                            known.add(student)
                        sub = subs.get(student)
                        if sub is None:
                            sub = subs[student] = SubmittedAssignment(assignment=assignment, student_id=student)
                            gb.db.add(sub)
                        sub.timestamp = _naive_utc(timestamp)
                        for cell_id, grade in _mirror(gb.db, sub, assignment):
                            grade.auto_score = float(scores.get(names.get(cell_id, ""), 0.0))
                            grade.needs_manual_grade = grade.manual_score is not None
                gb.db.commit()
            except BaseException:
                gb.db.rollback()
                raise

    def set_timestamps(self, stamps: Iterable[tuple[str, datetime | None]]) -> None:
        """Store each submission's time as lawstudy read it (UTC): nbgrader's own autograde reads a
        zone name in timestamp.txt by the host's zone, lawstudy by what it means (vocabulary.parse_stamp)."""
        from nbgrader.api import SubmittedAssignment

        with self._open() as gb:
            assignment = self._assignment(gb)
            subs = {
                s.student_id: s
                for s in gb.db.query(SubmittedAssignment).filter(SubmittedAssignment.assignment_id == assignment.id)
            }
            for student, when in stamps:
                if when is not None and student in subs:
                    subs[student].timestamp = _naive_utc(when)
            gb.db.commit()

    def read(self, final: bool = False) -> dict[str, dict[str, float | None]]:
        """student -> {grade cell name: auto_score} for this exam, as the gradebook holds them;
        final=True: a grader's manual score where one was given, else the auto score."""
        from nbgrader.api import Assignment, BaseCell, Grade, SubmittedAssignment, SubmittedNotebook

        out: dict[str, dict[str, float | None]] = {}
        with self._open() as gb:
            rows = (
                gb.db.query(SubmittedAssignment.student_id, BaseCell.name, Grade.auto_score, Grade.manual_score)
                .join(SubmittedNotebook, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                .join(Grade, Grade.notebook_id == SubmittedNotebook.id)
                .join(BaseCell, BaseCell.id == Grade.cell_id)
                .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
                .filter(Assignment.name == self.assignment)
            )
            for student, name, auto, manual in rows:
                out.setdefault(student, {})[name] = manual if final and manual is not None else auto
        return out


def _mirror(session, sub, assignment) -> Iterator:
    """(cell id, grade) of each grade of submission `sub`, after giving it every submitted notebook,
    grade and comment its assignment's notebooks call for (what nbgrader's Gradebook.add_submission
    creates), new ones added to `session` and existing ones kept."""
    from nbgrader.api import Comment, Grade, SubmittedNotebook

    by_notebook = {nb.notebook_id: nb for nb in sub.notebooks}
    for notebook in assignment.notebooks:
        nb = by_notebook.get(notebook.id)
        if nb is None:
            nb = SubmittedNotebook(notebook=notebook, assignment=sub, flagged=False)
            session.add(nb)
        graded = {g.cell_id: g for g in nb.grades}
        commented = {c.cell_id for c in nb.comments}
        for cell in [*notebook.grade_cells, *notebook.task_cells]:
            if cell.id not in graded:
                graded[cell.id] = Grade(cell=cell, notebook=nb, needs_manual_grade=False)
                session.add(graded[cell.id])
        for cell in [*notebook.solution_cells, *notebook.task_cells]:
            if cell.id not in commented:
                session.add(Comment(cell=cell, notebook=nb))
        yield from graded.items()


@dataclass
class GradebookSubmission:
    """One submission as `lawstudy sync` reads it: who, when (UTC, None until there is a time),
    whether a grader still has to look, the total and each grade cell's (score, max score)."""

    assignment: str
    student: str
    timestamp: datetime | None
    needs_manual_grade: bool
    score: float
    max_score: float
    grades: dict[str, tuple[float, float]] = field(default_factory=dict)


Each = Callable[[list, int, str], Iterable]


def submissions(instance: Instance, names: set[str], each: Each | None = None) -> dict[str, list[GradebookSubmission]]:
    """Every submission of the gradebook's assignments named in `names` (exams and courses), by
    assignment. `each(items, count, label)` wraps the walk over one assignment's submissions (a
    progress bar). Raises GradebookError when there is no gradebook."""
    out: dict[str, list[GradebookSubmission]] = {}
    with open_gradebook(instance) as gb:
        for assignment in gb.assignments:
            if assignment.name not in names:
                continue
            subs = list(assignment.submissions)
            walk = each(subs, len(subs), assignment.name) if each else subs
            out[assignment.name] = [
                GradebookSubmission(
                    assignment.name,
                    sub.student_id,
                    _aware(sub.timestamp),
                    bool(sub.needs_manual_grade),
                    float(sub.score or 0),
                    float(sub.max_score or 0),
                    {
                        g.name: (float(g.score or 0), float(g.max_score or 0))
                        for nb in sub.notebooks
                        for g in nb.grades
                        if g.name
                    },
                )
                for sub in walk
            ]
    return out
