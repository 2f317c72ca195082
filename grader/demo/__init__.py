"""`lawstudy demo` and `lawstudy lab`: a whole year of a fictional bureau, then JupyterLab on it.

Modules: bureau (the fictional staff), requirements (what the demo needs, checked first), desk (a
simulated staff member fetching and submitting through the exchange), study (the 学法台账 and 签到表 of
the year, the rotation rule), year (the walk through the year: roster, courses, the exam and its make-up, grading, sync, the report), lab (`lawstudy lab`).
"""

from grader.demo.lab import lab, lab_command, lab_config_dir, lab_desk, write_lab_config
from grader.demo.requirements import DemoError, missing_requirements, preflight
from grader.demo.year import (
    DEFAULT_HOME,
    DEMO_SEED,
    EXAM_ID,
    MARKER,
    SOURCE_EXAM,
    YEAR,
    DemoResult,
    demo_quizzes,
    make_private,
    prepare_home,
    run,
)

__all__ = [
    "DEFAULT_HOME",
    "DEMO_SEED",
    "EXAM_ID",
    "MARKER",
    "SOURCE_EXAM",
    "YEAR",
    "DemoError",
    "DemoResult",
    "demo_quizzes",
    "lab",
    "lab_command",
    "lab_config_dir",
    "lab_desk",
    "make_private",
    "missing_requirements",
    "preflight",
    "prepare_home",
    "run",
    "write_lab_config",
]
