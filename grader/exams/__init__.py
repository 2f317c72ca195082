"""Exams through nbgrader: a spec, a seeded paper, nbgrader build and release, the exam service's
sittings, grading (fast, or nbgrader's own autograde), feedback, the 错题本, item analysis.

Modules, one concept each:

    spec            the exam spec (quizzes/exams/ID.yaml): windows, quotas, marks; ExamSpec, SpecError
    paper           seeded assembly and the private paper file (questions with their keys)
    notebook        the nbgrader source notebook of a paper
    nbgrader        the nbgrader configs (one builder for every role) and nbgrader's API over the course
    gradebook       the adapter: the only module that reads or writes nbgrader's gradebook
    steps           what the steps share (ExamError, progress)
    publish         build and release (leak checks before and after)
    guard           leaks, and what arrives in the exchange (links, devices, impersonation, limits)
    exchange        nbgrader exchange plugins: OwnSubmit, OwnerCheckedCollect
    sanitize        a collected submission reduced to its answers file and time
    receipts        the server's receipt times; the audit log of set-aside entries
    collection      collect (guard -> nbgrader collect -> sanitize -> the service's record)
    submissions     one submission read and scored, timing checks
    grading         autograde (fast, or nbgrader in kernels, reconciled); feedback after the last window
    feedback_page   each person's feedback page (templates/feedback.html.j2)
    sittings        the exam service's store; sittings_schema its tables (sqlite-utils Migrations)
    service_grading the service's record as the one source of truth for an exam sat through it
    sync            results and completions from the gradebook into the records (`lawstudy sync`)
    review          the 错题本 released as an assignment
    analysis        item statistics (pure functions); item_analysis reads the answers and runs them;
    graded_answers  each graded sitting's answers, kept for the analysis
    cues            format cues of the papers an exam spec would draw

`import grader.exams` loads nothing more: the hub's exam service and pre-spawn hook import one
module each. The steps are reachable from here by name (build, release, collect, autograde,
feedback, and the spec's ExamSpec, SpecError, load_spec; ExamError), loaded on first use.
"""

from __future__ import annotations

import importlib

API = {
    "ExamError": "grader.exams.steps",
    "ExamSpec": "grader.exams.spec",
    "SpecError": "grader.exams.spec",
    "load_spec": "grader.exams.spec",
    "assemble": "grader.exams.publish",
    "build": "grader.exams.publish",
    "release": "grader.exams.publish",
    "collect": "grader.exams.collection",
    "autograde": "grader.exams.grading",
    "feedback": "grader.exams.grading",
}

__all__ = sorted(API)


def __getattr__(name: str):
    """The steps and the spec's names, from their modules on first use."""
    if name in API:
        return getattr(importlib.import_module(API[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
