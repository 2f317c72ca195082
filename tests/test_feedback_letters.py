"""The 解析 names options by the bank's letters; each person's paper shuffles them. The feedback page
says which letter on the person's paper each bank letter is, so "C、D 错" points at the right options."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from grader.answers import display_order
from grader.exams.feedback_page import FeedbackWriter, letter_key
from grader.exams.paper import Paper, PaperQuestion
from grader.exams.spec import ExamSpec
from grader.exams.submissions import Submission

pytestmark = pytest.mark.unit

SPEC = ExamSpec.from_dict(
    {
        "id": "fb",
        "year": 2026,
        "banks": ["b"],
        "quotas": {"single": 1},
        "opens_at": "2026-12-01 08:30",
        "closes_at": "2026-12-15 17:30",
        "seed": 3,
    }
)
OPTIONS = [["A", "甲甲"], ["B", "乙乙"], ["C", "丙丙"], ["D", "丁丁"]]


def question(explanation: str) -> PaperQuestion:
    return PaperQuestion("q1", "b", "single", "题干", OPTIONS, "B", 2, 0, explanation, [])


def person_with_shuffled_options() -> tuple[str, list]:
    paper = Paper(SPEC, [question("x")])
    for n in range(50):
        shown = display_order(paper.display(), SPEC.seed, f"rt{n:03d}")[0]["options"]
        if [o[0] for o in shown] != ["A", "B", "C", "D"]:
            return f"rt{n:03d}", shown
    raise AssertionError("no shuffled paper among 50 people")


def test_a_letter_naming_explanation_gets_the_mapping_for_this_paper():
    user, shown = person_with_shuffled_options()
    line = letter_key(question("B 对：第五条。A、C、D 是旧规定。"), shown)
    on_paper = {oid: "ABCD"[i] for i, (oid, _) in enumerate(shown)}
    assert line.endswith("，".join(f"{bank}＝{on_paper[bank]}" for bank in "ABCD"))
    page = FeedbackWriter(Paper(SPEC, [question("B 对：第五条。A、C、D 是旧规定。")])).render(
        Submission(user, None, timestamp=datetime(2026, 12, 2, tzinfo=UTC)), {"q-q1": 2.0}
    )
    assert line in page


def test_no_mapping_when_nothing_needs_it():
    user, shown = person_with_shuffled_options()
    assert letter_key(question("依照第五条，应当由区民政局办理。"), shown) == ""  # no letter named
    assert letter_key(question("B 对"), [list(o) for o in OPTIONS]) == ""  # bank order kept
    judge = PaperQuestion("q2", "b", "judge", "题干", [], True, 2, 0, "A 项说法对", [])
    assert letter_key(judge, []) == ""
