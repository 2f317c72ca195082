"""The personal review (错题本): released the nbgrader way, run in a real kernel, no exam question in it."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import nbformat
import pytest
from nbclient import NotebookClient

from grader.bank import load_banks
from grader.exam import review
from grader.exam.feedback import FeedbackWriter
from grader.exam.paper import Paper, PaperQuestion, save_paper
from grader.exam.spec import ExamSpec
from grader.exam.submissions import Submission
from grader.instance import Instance
from grader.laws import library

EXAM = "rv-exam"


def _paper(practice) -> Paper:
    """Two exam questions on the articles of two real practice questions; the spec closed in 2026."""
    spec = ExamSpec.from_dict(
        {
            "id": EXAM,
            "title": "错题本测试考试",
            "year": 2026,
            "banks": ["b"],
            "quotas": {"single": 2},
            "opens_at": "2026-12-01 08:30",
            "closes_at": "2026-12-15 17:30",
        }
    )
    qs = []
    for i, p in enumerate(practice):
        b = p.basis[0]
        qs.append(
            PaperQuestion(
                f"rv-{i}",
                "b",
                "judge",
                f"测试判断题{i}",
                [],
                True,
                2,
                0,
                "测试解析",
                [{"law": b.law, "version": b.version, "article": b.article, "quote": b.quote, "citation": b.cited}],
            )
        )
    return Paper(spec, qs)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    banks = load_banks()
    practice = [q for b in banks for q in b.questions if q.pool == "practice" and q.bank == "burial-2025-practice"][:2]
    inst = Instance(root / "home").ensure()
    paper = _paper(practice)
    save_paper(paper, inst.papers)
    # the feedback page nbgrader delivered to one person: question rv-0 wrong, rv-1 right
    desk = root / "desk"
    sub = Submission(
        "ann", root / "sub", timestamp=datetime(2026, 12, 2, 2, 0, tzinfo=UTC), answers={"rv-0": False, "rv-1": True}
    )
    page = FeedbackWriter(paper).render(sub, {"q-rv-0": 0.0, "q-rv-1": 2.0})
    folder = desk / EXAM / "feedback" / "2026-12-02 02:00:00.000000 UTC"
    folder.mkdir(parents=True)
    (folder / "exam.html").write_text(page, encoding="utf-8")
    return {"root": root, "inst": inst, "paper": paper, "practice": practice, "desk": desk, "banks": banks}


def test_refused_before_the_last_window_closes(world):
    from grader.exam.pipeline import ExamError

    with pytest.raises(ExamError, match="最后一场考试"):
        review.stage_review(world["inst"], EXAM, now=datetime(2026, 12, 10, tzinfo=UTC))


def test_released_review_runs_in_a_real_kernel_and_holds_no_exam_question(world):
    inst, desk = world["inst"], world["desk"]
    outbound = review.release_review(inst, EXAM, now=datetime(2027, 1, 1, tzinfo=UTC))
    assert outbound == inst.outbound("rv-exam-review") and (outbound / review.NOTEBOOK).is_file()
    released = "".join(p.read_text(encoding="utf-8") for p in outbound.rglob("*") if p.is_file())
    exam_questions = [q for b in world["banks"] for q in b.questions if q.pool == "exam"]
    assert not [q.id for q in exam_questions if q.id in released or q.stem in released or q.explanation in released]
    data = json.loads((outbound / "practice.json").read_text(encoding="utf-8"))["questions"]
    assert data and all(
        qid in {q.id for b in world["banks"] for q in b.questions if q.pool == "practice"} for qid in data
    )

    # what a person fetches, opened beside their fetched feedback, run in a real kernel
    work = desk / "rv-exam-review"
    shutil.copytree(outbound, work)
    nb = nbformat.read(work / review.NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"], outputs
    text = json.dumps([o.get("data", {}) for o in outputs], ensure_ascii=False)
    missed, right = world["practice"][0].basis[0], world["practice"][1].basis[0]
    article = library().statute(missed.law).version(missed.version).article(missed.article)
    assert missed.cited.split("（")[0] in text and article.paragraphs[0][:20] in text
    widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) >= 1  # the practice question(s) on the missed article, with 提交
    if (right.law, right.article) != (missed.law, missed.article):
        assert right.cited.split("（")[0] not in text  # an article answered right is not in the review


def test_without_fetched_feedback_it_says_how_to_fetch(world, tmp_path):
    from grader.review_book import Review

    book = Review(EXAM, tmp_path)
    [item] = book.items()
    assert "获取成绩反馈" in item.data
