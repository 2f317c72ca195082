"""Courses built into notebooks for staff (a how-to line first, code collapsed, a notice when a
pinned version is no longer in force), with course.json and the practice file."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from grader.banks import Bank, load_banks
from grader.banks.practice import practice_data
from grader.courses.check import lesson_citations, pinned_versions, superseded_notice
from grader.courses.model import Course, Lesson, load_courses
from grader.laws import (
    Library,
    library,
)
from grader.vocabulary import LESSON_HOW_TO


def lesson_notebook(
    lesson: Lesson, pins: dict[str, str] | None = None, as_of=None, laws: Library | None = None
) -> nbformat.NotebookNode:
    """The notebook staff open: a how-to line first, code cells collapsed.

    When a version the lesson cites through the course's pins (`pins`, title -> YYYY-MM-DD) is no
    longer in force on `as_of` (default today, i.e. when the notebook is built), a plain notice
    (本课所引《…》为…文本，已于…修订) comes first.
    """
    nb = nbformat.from_dict(json.loads(nbformat.writes(lesson.notebook)))
    nb.metadata.pop("jupytext", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(LESSON_HOW_TO))
    if pins:
        laws = laws or library()
        pinned, _ = pinned_versions(Course("", "", "", 0, lesson.path.parent, [], dict(pins)), laws)
        cited = {
            c.law: c.version
            for c in lesson_citations(lesson, pinned, laws, as_of)
            if not c.error and not c.explicit and c.law in pinned and c.version is not None
        }
        notice = superseded_notice(list(cited.values()), laws, as_of)
        if notice:
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(notice))
    return nb


def build_courses(target: Path, courses: list[Course] | None = None, banks: list[Bank] | None = None) -> list[Path]:
    """Write each course's lessons as notebooks under target/, and target/practice.json."""
    target = Path(target)
    courses = courses if courses is not None else load_courses()
    banks = banks if banks is not None else load_banks()
    written = []
    for course in courses:
        folder = target / course.id
        folder.mkdir(parents=True, exist_ok=True)
        for lesson in course.lessons:
            path = folder / (lesson.path.stem + ".ipynb")
            nbformat.write(lesson_notebook(lesson, course.laws), path)
            written.append(path)
        (folder / "course.json").write_text(
            json.dumps(
                {
                    "id": course.id,
                    "title": course.title,
                    "summary": course.summary,
                    "hours": course.hours,
                    "lessons": [lesson.path.stem + ".ipynb" for lesson in course.lessons],
                    # lesson -> its practice questions: what `course collect` requires answered
                    "practice": {lesson.path.stem: lesson.practice_ids() for lesson in course.lessons},
                    "laws": course.laws,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
    practice = target / "practice.json"
    practice.write_text(json.dumps(practice_data(banks), ensure_ascii=False, indent=1), encoding="utf-8")
    written.append(practice)
    return written
