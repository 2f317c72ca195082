"""Exam spec, seeded assembly, per-person order, the answers file (the real exams' builds: test_exam_build.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from test_exam_support import make_bank, make_spec

from grader import exams as exam
from grader.exams.spec import ExamSpec, SpecError
from grader.instance import Instance
from grader.widgets import display_order, read_answers, save_answer

pytestmark = pytest.mark.unit


def spec_dict(**extra):
    d = {
        "id": "x",
        "title": "t",
        "year": 2020,
        "banks": ["tbank"],
        "quotas": {"single": {"count": 2, "points": 2}},
        "opens_at": "2020-11-02 09:00",
        "closes_at": "2020-11-20 17:00",
    }
    d.update(extra)
    return d


def test_example_spec_is_the_2020_exam():
    spec = exam.load_spec("2020-annual")
    assert spec.title == "2020年度学法用法知识考试" and spec.year == 2020
    assert {t: (q.count, q.points) for t, q in spec.quotas.items()} == {
        "single": (25, 2),
        "multiple": (10, 2),
        "judge": (15, 2),
    }
    assert (spec.pass_mark, spec.excellence_mark, spec.time_limit) == (60, 90, 60)
    assert spec.makeup and spec.last_close == spec.makeup.closes_at > spec.window.closes_at


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"year": "2020"}, "year"),
        ({"quotas": {"essay": 3}}, "题型"),
        ({"pass_mark": 120}, "pass_mark"),
        ({"closes_at": "2020-11-01 09:00"}, "晚于"),
        ({"makeup": {"opens_at": "2020-11-10", "closes_at": "2020-11-30"}}, "补考"),
        ({"id": "a+b"}, "编号"),
        ({"colour": "red"}, "未知字段"),
        ({"opens_at": "next monday"}, "格式"),
    ],
)
def test_spec_problems_are_named(bad, message):
    with pytest.raises(SpecError, match=message):
        ExamSpec.from_dict(spec_dict(**bad))


def test_defaults_and_china_time():
    spec = ExamSpec.from_dict(spec_dict())
    assert (spec.pass_mark, spec.excellence_mark, spec.attempts) == (60, 90, 1)
    assert spec.window.opens_at.utcoffset() == timedelta(hours=8)


def test_assembly_is_seeded_and_reproducible(tmp_path):
    make_bank(tmp_path)
    make_spec(tmp_path, "r-exam")
    spec = exam.load_spec("r-exam", tmp_path)
    one, two = exam.assemble(spec, tmp_path), exam.assemble(spec, tmp_path)
    assert [q.id for q in one.questions] == [q.id for q in two.questions]
    assert [q.type for q in one.questions] == ["single"] * 4 + ["multiple"] * 3 + ["judge"] * 3
    assert one.max_score == 4 * 2 + 3 * 4 + 3 * 1
    spec.seed = 99
    others = {tuple(q.id for q in exam.assemble(spec, tmp_path).questions) for spec.seed in range(5)}
    assert len(others) > 1
    spec.quotas["single"] = type(spec.quotas["single"])(50, 2)
    with pytest.raises(SpecError, match="题目不够"):
        exam.assemble(spec, tmp_path)


def test_each_person_sees_own_order_and_letters_but_same_questions(tmp_path):
    make_bank(tmp_path)
    make_spec(tmp_path, "o-exam")
    paper = exam.assemble(exam.load_spec("o-exam", tmp_path), tmp_path)
    a, b = (display_order(paper.display(), paper.spec.seed, u) for u in ("mz001", "mz002"))
    assert display_order(paper.display(), paper.spec.seed, "mz001") == a
    assert [q["id"] for q in a] != [q["id"] for q in b]
    assert sorted(q["id"] for q in a) == sorted(q.id for q in paper.questions)
    assert [q["type"] for q in a] == [q.type for q in paper.questions]  # sections kept
    assert any(q1["options"] != q2["options"] for q1 in a for q2 in b if q1["id"] == q2["id"])
    for q in a:
        assert "answer" not in q and "explanation" not in q


def test_answers_file_round_trip_and_garbage(tmp_path):
    path = tmp_path / "answers.json"
    assert read_answers(path)[1] and read_answers(path)[0]["answers"] == {}
    save_answer(path, "e", "u1", None)
    first = json.loads(path.read_text())
    save_answer(path, "e", "u1", "q1", "B")
    save_answer(path, "e", "u1", "q2", ["A", "C"])
    save_answer(path, "e", "u1", "q2", None)
    data, problems = read_answers(path)
    assert problems == [] and data["answers"] == {"q1": "B"} and data["started_at"] == first["started_at"]
    for junk in (b"\x00\xff", b"[1]", b'{"answers": 5}', b'{"answers": {}, "x": 1}'):
        path.write_bytes(junk)
        data, problems = read_answers(path)
        assert problems and isinstance(data["answers"], dict)


def test_feedback_refused_before_the_last_window(tmp_path):
    from grader.exams.paper import Paper, save_paper

    make_bank(tmp_path)
    now = datetime.now(UTC)
    make_spec(
        tmp_path,
        "f-exam",
        opens=now - timedelta(days=3),
        closes=now - timedelta(days=2),
        makeup={
            "opens_at": (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            "closes_at": (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        },
    )
    paper = exam.assemble(exam.load_spec("f-exam", tmp_path), tmp_path)
    inst = Instance(tmp_path / "home")
    save_paper(paper, inst.papers)
    with pytest.raises(exam.ExamError, match="补考"):
        exam.feedback(inst, "f-exam")
    assert isinstance(paper, Paper)
