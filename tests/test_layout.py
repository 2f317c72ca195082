"""The house rules that keep the package's parts apart (docs/architecture.md): imports go one way,
the staff kernel's code cannot reach a bank or a key, grading runs without widgets, nbgrader's
database is touched in one module only, no module outgrows its concept, and every path that
something outside the code names still works."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "grader"

LEAVES = {"errors", "vocabulary", "instance", "scoring", "safe_io", "answers", "pages"}
# What each part may import besides the shared leaves (docs/architecture.md, "The arrows").
ALLOWED = {
    "laws": set(),
    "sheets": set(),
    "banks": {"laws", "sheets"},
    "records": {"sheets"},
    "lab": {"laws"},
    "exams": {"banks", "laws", "records", "lab", "sheets"},
    "courses": {"banks", "laws", "records", "exams"},
    "reports": {"records", "exams", "laws"},
    "demo": {"banks", "courses", "exams", "lab", "records", "reports", "laws", "sheets"},
    "hub": {"banks", "courses", "exams", "lab", "records", "reports", "laws", "sheets"},
    "cli": {"banks", "courses", "demo", "exams", "hub", "lab", "laws", "records", "reports", "sheets"},
}
# Old paths kept for what outside the code imports or runs (notebooks, hub configs): re-exports only.
SHIMS = {"widgets": {"lab"}, "lesson": {"lab"}, "review_book": {"lab"}, "staff_lab": {"lab"}, "__main__": {"cli"}}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def grader_imports(path: Path) -> set[str]:
    """Every grader module a file imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("grader")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("grader"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def part(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def test_imports_go_one_way():
    wrong = []
    for path, module in modules():
        mine = part(module)
        allowed = ALLOWED.get(mine) or SHIMS.get(mine) or set()
        for target in grader_imports(path):
            theirs = part(target)
            if theirs in ("", mine) or theirs in LEAVES:
                continue  # leaves import only leaves: they never name a part (checked here too)
            if theirs not in allowed or mine in LEAVES:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_nothing_imports_the_command_line_and_no_domain_imports_the_hub():
    for path, module in modules():
        targets = {part(t) for t in grader_imports(path)}
        if part(module) not in ("cli", "__main__"):
            assert "cli" not in targets, module
        if part(module) not in ("hub", "cli"):
            assert "hub" not in targets, module


def run_python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout


def test_the_staff_kernels_code_cannot_reach_a_bank_or_a_key():
    """grader.lab runs in staff kernels: importing all of it loads no bank, paper, record or course
    code (it gets question text and option ids from the notebook, never from quizzes/)."""
    code = (
        "import sys, grader.lab.widgets, grader.lab.exam_paper, grader.lab.lesson, grader.lab.review_book, "
        "grader.lab.start_page, grader.lab.config, grader.widgets, grader.lesson, grader.review_book; "
        "print(sorted({n.split('.')[1] for n in sys.modules if n.startswith('grader.')}))"
    )
    loaded = set(ast.literal_eval(run_python(code)))
    assert not loaded & {"banks", "exams", "records", "courses", "reports", "hub", "demo", "cli"}, loaded


def test_grading_code_does_not_import_ipywidgets():
    code = (
        "import grader.exams.submissions, grader.exams.grading, grader.exams.feedback_page, grader.answers, sys; "
        "print('ipywidgets' in sys.modules)"
    )
    assert run_python(code).strip() == "False"


def test_only_the_gradebook_adapter_touches_nbgraders_database():
    tables = ("submitted_assignment", "submitted_notebook", "grade_cells", "solution_cells", "base_cell")
    for path, module in modules():
        if module == "grader.exams.gradebook":
            continue
        text = path.read_text(encoding="utf-8")
        assert "nbgrader.api" not in text, f"{module} uses nbgrader's database API"
        for word in tables:
            assert not re.search(rf"\b{word}\b", text), f"{module} names nbgrader's table {word}"


def test_pages_come_from_templates():
    """HTML pages and reports are Jinja2 templates with autoescape (grader.pages); html.escape
    stays only in the staff kernel's widget fragments (grader.lab: one-line ipywidgets HTML)."""
    for path, module in modules():
        if part(module) == "lab":
            continue
        assert "html.escape" not in path.read_text(encoding="utf-8"), module


def test_no_module_outgrows_its_concept():
    big = {module: n for path, module in modules() if (n := len(path.read_text(encoding="utf-8").splitlines())) > 500}
    assert not big, big


def test_released_notebooks_still_import_from_grader_widgets():
    from grader import answers, vocabulary, widgets

    assert widgets.graded is answers.graded and widgets.read_answers is answers.read_answers
    assert widgets.ANSWERS_FILE == answers.ANSWERS_FILE == "answers.json"
    assert widgets.LETTERS == vocabulary.LETTERS and widgets.SECTION_NAMES is vocabulary.SECTION_NAMES
    assert callable(widgets.ExamPaper) and callable(widgets.PracticeWidget)


def test_every_old_path_outside_the_code_still_works():
    """Lesson and 错题本 notebooks, and hub configs written by an older `hub setup`."""
    from traitlets.utils.importstring import import_item

    from grader import lesson, review_book, staff_lab
    from grader.lab import lesson as lab_lesson
    from grader.lab import review_book as lab_review

    assert lesson.article is lab_lesson.article and lesson.practice is lab_lesson.practice
    assert review_book.review is lab_review.review
    assert callable(staff_lab.main)
    for name in ("grader.hub.StaffSpawner", "grader.hub.OwnSubmit", "grader.hub.OwnerCheckedCollect"):
        assert isinstance(import_item(name), type), name
    from grader.hub import PasswordHandler, lessons_hook
    from grader.hub.staff import staff_hook

    assert PasswordHandler.__module__ == "grader.hub.password" and callable(lessons_hook) and callable(staff_hook)
    assert (
        run_python(
            "import grader.cli, importlib.metadata as m; print(m.entry_points(group='console_scripts')"
            "['lawstudy'].value)"
        ).strip()
        == "grader.cli:cli"
    )


def test_the_exam_steps_are_reachable_from_the_package():
    """`grader.exams.build` is the step, never a module of that name shadowing it."""
    import importlib

    import grader.exams as exams

    for name, where in exams.API.items():
        importlib.import_module(where)
        assert callable(getattr(exams, name)), name


def test_one_china_time_zone():
    from datetime import timedelta

    from grader import records, sheets, vocabulary
    from grader.exams import spec

    assert vocabulary.CHINA.utcoffset(None) == timedelta(hours=8)
    assert sheets.parse_datetime is vocabulary.parse_datetime
    assert records.parse_time("2020-11-05 09:30").tzinfo is vocabulary.CHINA
    problems: list[str] = []
    assert spec.parse_time("2020-11-05 09:30", "opens_at", problems).tzinfo is vocabulary.CHINA and not problems


def test_verdict():
    from grader.vocabulary import verdict

    assert [verdict(p, 60, 90) for p in (59.9, 60, 89.9, 90)] == ["不合格", "合格", "合格", "优秀"]
