"""The house rules that keep modules apart: grading without widgets, old imports kept working."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_grading_code_does_not_import_ipywidgets():
    code = "import grader.exams.submissions, grader.exams.grading, grader.exams.feedback_page, grader.answers, sys; print('ipywidgets' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_released_notebooks_still_import_from_grader_widgets():
    from grader import answers, vocabulary, widgets

    assert widgets.graded is answers.graded and widgets.read_answers is answers.read_answers
    assert widgets.ANSWERS_FILE == answers.ANSWERS_FILE == "answers.json"
    assert widgets.LETTERS == vocabulary.LETTERS and widgets.SECTION_NAMES is vocabulary.SECTION_NAMES
    assert callable(widgets.ExamPaper) and callable(widgets.PracticeWidget)


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
