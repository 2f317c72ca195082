"""The `lawstudy` command: a thin skin over the Python API (each command parses its arguments, calls
one API function and prints; the work is in the domains below). One module per command group:
quiz, laws, course, exam, roster (and exempt), results (sync, results import, flags), activity, report,
hub, demo (demo and lab); base holds the root group, the shared options and the error handling.

Examples (each one is run by tests/test_readme.py):

    lawstudy quiz check
    lawstudy quiz import 题库.xlsx -o quizzes/burial.yaml
    lawstudy quiz export quizzes/burial.yaml -o 题库.xlsx
    lawstudy quiz template -o 题库模板.xlsx
    lawstudy laws list
    lawstudy laws show 《殡葬管理条例》第二十七条
    lawstudy laws diff 社会团体登记管理条例
    lawstudy laws impact
    lawstudy quiz migrate --law 社会团体登记管理条例
"""

from __future__ import annotations

import click

from grader.cli import activity, course, demo, exam, hub, laws, quiz, report, results, roster
from grader.cli.base import LawstudyGroup


@click.group(cls=LawstudyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lawstudy")
def cli():
    """lawstudy：民政局学法用法课程与考试 (courses, exams and study-the-law statistics)."""
    import warnings

    # nbgrader's gradebook trips SQLAlchemy's autoflush warnings on every read; they mean nothing to users
    warnings.filterwarnings("ignore", message=".*not in session.*")


# In the order `lawstudy --help` has always listed them (click sorts them by name).
for command in (
    quiz.quiz,
    laws.laws,
    course.course,
    results.flags,
    roster.roster,
    roster.exempt_command,
    results.sync_command,
    results.results,
    activity.activity,
    report.report_command,
    hub.hub,
    exam.exam,
    demo.demo_command,
    demo.lab_command,
):
    cli.add_command(command)

__all__ = ["cli"]
