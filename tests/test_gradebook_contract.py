"""The contract between lawstudy and nbgrader's gradebook (grader/exams/gradebook.py, the adapter).

The adapter is the only place lawstudy touches nbgrader's database, and only through nbgrader's
API. These tests fail when what it relies on changes under it: the tables and columns nbgrader
creates, the API names it calls, and what nbgrader itself computes from what the adapter writes
(a submission's score, what needs a grader's look, the structure `add_submission` would make).
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from grader.exams.gradebook import ExamGradebook, GradebookError, open_gradebook, submissions
from grader.instance import Instance

pytestmark = pytest.mark.unit

EXAM = "contract-exam"

# What nbgrader 0.9 creates (table -> the columns the adapter's queries and models rely on).
TABLES = {
    "assignment": {"id", "name", "duedate", "course_id"},
    "notebook": {"id", "name", "assignment_id"},
    "base_cell": {"id", "name", "type", "notebook_id"},
    "grade_cells": {"id", "max_score", "cell_type"},
    "solution_cells": {"id"},
    "task_cells": {"id", "max_score", "cell_type"},
    "student": {"id", "first_name", "last_name", "email", "lms_user_id"},
    "submitted_assignment": {"id", "assignment_id", "student_id", "timestamp", "extension"},
    "submitted_notebook": {"id", "assignment_id", "notebook_id", "flagged", "late_submission_penalty"},
    "grade": {"id", "notebook_id", "cell_id", "auto_score", "manual_score", "extra_credit", "needs_manual_grade"},
    "comment": {"id", "notebook_id", "cell_id", "auto_comment", "manual_comment"},
}


@pytest.fixture(scope="module")
def made(tmp_path_factory, empty_gradebook):
    """A gradebook holding one exam as `nbgrader generate_assignment` records it: one notebook,
    two grade cells (2 and 3 points), a solution cell and a task cell (1 point). Made once
    through nbgrader's API; each test gets a copy."""
    inst = Instance(tmp_path_factory.mktemp("gradebook")).ensure()
    inst.course_dir.mkdir()
    shutil.copy(empty_gradebook, inst.gradebook)
    with open_gradebook(inst) as gb:
        gb.add_assignment(EXAM)
        gb.add_notebook("exam", EXAM)
        gb.add_grade_cell("q-a", "exam", EXAM, max_score=2, cell_type="code")
        gb.add_grade_cell("q-b", "exam", EXAM, max_score=3, cell_type="code")
        gb.add_solution_cell("answer", "exam", EXAM)
        gb.add_task_cell("task", "exam", EXAM, max_score=1, cell_type="markdown")
    return inst.gradebook


@pytest.fixture
def inst(tmp_path, made):
    inst = Instance(tmp_path).ensure()
    inst.course_dir.mkdir()
    shutil.copy(made, inst.gradebook)
    return inst


def test_nbgrader_creates_the_tables_and_columns_the_adapter_relies_on(empty_gradebook):
    db = sqlite3.connect(empty_gradebook)
    try:
        found = {
            table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    finally:
        db.close()
    for table, columns in TABLES.items():
        assert table in found, f"nbgrader no longer creates table {table}"
        assert columns <= found[table], f"{table} lacks {columns - found[table]}"


def test_the_api_the_adapter_calls_is_there():
    import nbgrader.api as api

    for name in ("Gradebook", "MissingEntry", "Student", "Assignment", "BaseCell", "SubmittedAssignment"):
        assert hasattr(api, name), name
    for name in ("SubmittedNotebook", "Grade", "Comment"):
        assert hasattr(api, name), name
    for method in ("find_assignment", "add_submission", "assignments", "add_grade_cell"):
        assert hasattr(api.Gradebook, method), method
    for model, attrs in {
        api.Grade: ("cell_id", "auto_score", "manual_score", "needs_manual_grade", "name", "score", "max_score"),
        api.SubmittedAssignment: ("student_id", "timestamp", "notebooks", "score", "max_score", "needs_manual_grade"),
        api.SubmittedNotebook: ("grades", "comments", "notebook_id", "flagged"),
        api.Notebook: ("grade_cells", "solution_cells", "task_cells"),
    }.items():
        for attr in attrs:
            assert hasattr(model, attr), f"{model.__name__}.{attr}"


def test_a_write_leaves_what_nbgrader_itself_would_and_scores_as_nbgrader_computes(inst):
    import nbgrader.api as api

    when = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    ExamGradebook(inst, EXAM).write([("ann", when, {"q-a": 2.0, "q-b": 1.5, "task": 1.0})])
    with open_gradebook(inst) as gb:
        gb.add_student("ref")
        gb.add_submission(EXAM, "ref")  # nbgrader's own structure for a new submission
        ours, theirs = gb.find_submission(EXAM, "ann"), gb.find_submission(EXAM, "ref")

        def shape(sub):
            nb = sub.notebooks[0]
            return sorted(g.cell.name for g in nb.grades), sorted(c.cell.name for c in nb.comments)

        assert shape(ours) == shape(theirs) == (["q-a", "q-b", "task"], ["answer", "task"])
        assert ours.timestamp == when.replace(tzinfo=None)  # naive UTC, as nbgrader keeps it
        assert ours.score == pytest.approx(4.5) and ours.max_score == pytest.approx(6)
        assert not ours.needs_manual_grade
        assert isinstance(gb.find_grade("q-a", "exam", EXAM, "ann"), api.Grade)


def test_a_graders_manual_score_survives_a_second_write_and_counts_as_final(inst):
    book = ExamGradebook(inst, EXAM)
    t = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    book.write([("ann", t, {"q-a": 0.0, "q-b": 3.0})])
    with open_gradebook(inst) as gb:
        gb.find_grade("q-a", "exam", EXAM, "ann").manual_score = 1.0
        gb.db.commit()
    book.write([("ann", t + timedelta(minutes=5), {"q-a": 0.0, "q-b": 2.0}), ("bob", t, {"q-a": 2.0})])
    assert book.read() == {
        "ann": {"q-a": 0.0, "q-b": 2.0, "task": 0.0},
        "bob": {"q-a": 2.0, "q-b": 0.0, "task": 0.0},
    }
    assert book.read(final=True)["ann"] == {"q-a": 1.0, "q-b": 2.0, "task": 0.0}
    book.set_timestamps([("bob", t + timedelta(hours=1)), ("nobody", t)])
    [found] = submissions(inst, {EXAM}).values()
    by = {s.student: s for s in found}
    assert by["bob"].timestamp == t + timedelta(hours=1) and by["ann"].timestamp == t + timedelta(minutes=5)
    assert by["ann"].grades["q-a"] == (1.0, 2.0) and by["ann"].score == pytest.approx(3.0)
    assert by["ann"].needs_manual_grade  # a grader's score: nbgrader asks for a look, as before


def test_a_write_that_fails_half_way_writes_nothing(inst):
    def results():
        yield ("ann", datetime(2026, 12, 2, tzinfo=UTC), {"q-a": 2.0})
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        ExamGradebook(inst, EXAM).write(results())
    assert ExamGradebook(inst, EXAM).read() == {}
    assert submissions(inst, {EXAM}) == {EXAM: []}


def test_no_gradebook_or_no_exam_is_one_clear_error(tmp_path, inst):
    with pytest.raises(GradebookError, match="成绩库中没有考试 other"):
        ExamGradebook(inst, "other").write([])
    empty = Instance(tmp_path / "empty").ensure()
    with pytest.raises(GradebookError):
        ExamGradebook(empty, EXAM).read()
    assert not empty.gradebook.exists()  # asking never creates one
