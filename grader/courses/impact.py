"""What a change of law touches in the content: every question (by bank and id) and every lesson
citation (by file and line) citing a version no longer in force (`lawstudy laws impact`)."""

from __future__ import annotations

from pathlib import Path

from grader.banks import BankError, check
from grader.banks.impact import ImpactRow, question_impact
from grader.courses.check import lesson_citations, pinned_versions
from grader.courses.model import load_courses
from grader.laws import Library, library, to_date, today
from grader.laws.diff import locate


def lesson_impact(courses: list, laws: Library, as_of, law: str | None = None) -> list[ImpactRow]:
    """Rows for every lesson citation (pinned or unpinned, not explicitly dated) of a version not in
    force on `as_of`. Explicitly dated citations (`，2012年版`, version=) are deliberate: not listed."""
    only = laws.statute(law).title if law else None
    as_of = to_date(as_of)
    rows = []
    for course in courses:
        pins, _ = pinned_versions(course, laws)
        for lesson in course.lessons:
            for c in lesson_citations(lesson, pins, laws, as_of):
                if (
                    c.error
                    or c.explicit
                    or c.version is None
                    or c.version.in_force(as_of)
                    or as_of < c.version.in_force_from
                    or (only and c.law != only)
                ):
                    continue
                target = laws.successor(c.version, as_of)
                outcome, number = locate(laws, c.version, c.article, c.quote, target)
                rows.append(
                    ImpactRow(
                        c.law,
                        c.version.name,
                        c.article,
                        outcome,
                        c.quote,
                        file=c.file,
                        line=c.line,
                        new_law=target.title if outcome == "moved" and target else "",
                        new_version=target.name if outcome == "moved" and target else "",
                        new_article=number,
                        successor=f"{target.title} {target.name}" if target else "",
                    )
                )
    return rows


def impact(
    quizzes: list[Path] | None = None,
    courses_root: Path | None = None,
    law: str | None = None,
    as_of=None,
    laws: Library | None = None,
    include_lessons: bool = True,
) -> list[ImpactRow]:
    """Everything that cites a version not in force on `as_of` (default today): questions in the
    banks under `quizzes` (default quizzes/), then lessons under `courses_root` (default courses/).

    Raises BankError if the banks do not pass `quiz check`, LawError for an unknown law.
    """
    laws = laws or library()
    as_of = to_date(as_of) if as_of is not None else today()
    result = check(quizzes, laws, as_of)
    if result.problems:
        raise BankError(result.problems)
    rows = question_impact(result.banks, laws, as_of, law)
    if include_lessons:
        rows += lesson_impact(load_courses(courses_root), laws, as_of, law)
    return rows
