"""Old path, kept for what outside the code imports it: released exam notebooks say
`from grader.widgets import ExamPaper` (setup cell) and `from grader.widgets import graded`
(hidden tests). The code lives in grader.lab (widgets, exam_paper) and grader.answers."""

from grader.answers import (
    ANSWERS_FIELDS,
    ANSWERS_FILE,
    ANSWERS_MAX_BYTES,
    current_user,
    display_order,
    graded,
    grading,
    read_answers,
    save_answer,
)
from grader.lab.exam_paper import ExamPaper, ExamWidget
from grader.lab.widgets import CSS, ChoiceWidget, PracticeWidget, citation_html
from grader.vocabulary import LETTERS, SECTION_NAMES, TYPE_LABELS

__all__ = [
    "ANSWERS_FIELDS",
    "ANSWERS_FILE",
    "ANSWERS_MAX_BYTES",
    "CSS",
    "LETTERS",
    "SECTION_NAMES",
    "TYPE_LABELS",
    "ChoiceWidget",
    "ExamPaper",
    "ExamWidget",
    "PracticeWidget",
    "citation_html",
    "current_user",
    "display_order",
    "graded",
    "grading",
    "read_answers",
    "save_answer",
]
