"""A sitting the exam service closed at its deadline, collected and graded with real nbgrader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from grader.exams.sittings import SittingStore

pytestmark = pytest.mark.integration


@pytest.mark.timeout(300)
def test_a_sitting_never_handed_in_is_collected_at_its_deadline_with_what_was_saved(tmp_path):
    """Nobody pressed submit: `exam collect` still takes the service's record, closed at the
    deadline, and the grade says so; an honest hand-in beside it is graded as usual."""
    from test_exam_support import make_bank, make_spec

    from grader import exams as exam
    from grader.exams.paper import load_paper
    from grader.exams.sittings import store_path
    from grader.instance import Instance
    from grader.vocabulary import CHINA

    make_bank(tmp_path)
    now = datetime.now(UTC)
    local = now.astimezone(CHINA)  # the spec's times are China time
    make_spec(tmp_path, "svc-exam", opens=local - timedelta(hours=2), closes=local + timedelta(hours=6), time_limit=30)
    inst = Instance(tmp_path / "home")
    exam.build(inst, "svc-exam", quizzes=tmp_path)
    exam.release(inst, "svc-exam")
    paper = load_paper(inst.papers, "svc-exam")
    first = paper.questions[0]
    store = SittingStore(store_path(inst.home))
    opened = now - timedelta(hours=1)  # 30 minutes allowed: the deadline passed half an hour ago
    store.open(paper.spec, "rt007", opened)
    store.save(paper.spec, "rt007", first.id, first.answer, opened + timedelta(minutes=5))
    from grader.exams.sittings import SittingRefused

    with pytest.raises(SittingRefused):  # past the time limit: refused, never counted
        store.save(paper.spec, "rt007", paper.questions[1].id, "A", opened + timedelta(minutes=40))
    collected = exam.collect(inst, "svc-exam")
    assert collected.closed_at_deadline == ["rt007"] and "rt007" in collected.collected
    graded = exam.autograde(inst, "svc-exam")
    [row] = [r for r in graded.table() if r["student"] == "rt007"]
    assert row["closed_by"] == "deadline" and row["time_source"] == "service"
    assert row["score"] == pytest.approx(first.points) and row["flags"] == []
    from grader import records

    timing = records.open_db(inst.home).execute("SELECT timing FROM exams WHERE id = 'svc-exam'").fetchone()
    assert timing[0] == "service"
    # a second collect leaves the written submission alone
    assert exam.collect(inst, "svc-exam").closed_at_deadline == []
