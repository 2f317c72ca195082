"""Exams through nbgrader: assemble a paper, answer by clicking, grade fast, give feedback.

Modules, one concept each: spec (the exam spec), paper (seeded assembly, the private paper file),
notebook (the nbgrader source notebook), nbgrader_course (the nbgrader course: config and API), submissions (inspect,
score, gradebook), guard (leaks, impersonation), feedback (HTML per person), pipeline (the commands).
"""

from grader.exam.pipeline import (
    ExamError,
    assemble,
    autograde,
    build,
    collect,
    feedback,
    release,
)
from grader.exam.spec import ExamSpec, SpecError, load_spec

__all__ = [
    "ExamError",
    "ExamSpec",
    "SpecError",
    "assemble",
    "autograde",
    "build",
    "collect",
    "feedback",
    "load_spec",
    "release",
]
