"""The shipped annual exams build with real nbgrader and release without a key or 解析 in any file staff get."""

from __future__ import annotations

import json

import pytest

from grader import exams as exam
from grader.banks import load_banks
from grader.exams.paper import load_paper
from grader.instance import Instance

pytestmark = pytest.mark.integration


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("exam_id", ["2020-annual", "2026-annual"])
def test_real_annual_exams_build_without_leaks(tmp_path, exam_id):
    """The shipped specs fill their quotas from the questions valid on their opening day."""
    inst = Instance(tmp_path / "home")
    result = exam.build(inst, exam_id)
    assert len(result.paper.questions) == 50 and result.paper.max_score == 100
    opens = result.paper.spec.window.opens_at
    assert all(
        q.valid_on(opens) for b in load_banks() for q in b.questions if q.id in {p.id for p in result.paper.questions}
    )
    outbound = exam.release(inst, exam_id)
    paper = load_paper(inst.papers, exam_id)
    nb = json.loads((outbound / "exam.ipynb").read_text(encoding="utf-8"))
    grade_cells = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert sorted(c["metadata"]["nbgrader"]["grade_id"] for c in grade_cells) == sorted(
        f"q-{q.id}" for q in paper.questions
    )
    assert {c["metadata"]["nbgrader"]["points"] for c in grade_cells} == {2}
    assert all(c["metadata"]["jupyter"]["source_hidden"] for c in nb["cells"] if c["cell_type"] == "code")
    for folder in (inst.course_dir / "release" / exam_id, outbound):
        for path in folder.rglob("*"):
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                for q in paper.questions:
                    assert q.explanation not in text
                    assert repr(q.key.to_dict()) not in text
                assert "HIDDEN TESTS" not in text and "graded(" not in text
    # the public window file beside the released notebook (the staff's start page reads it)
    window = json.loads((outbound / "window.json").read_text(encoding="utf-8"))
    assert set(window) == {"exam", "title", "opens_at", "closes_at", "makeup", "time_limit"}
    assert window["closes_at"] == paper.spec.window.closes_at.isoformat()
    first = nb["cells"][0]["source"]
    # the instruction names the menu in words, never a glyph the machine may have no font for
    assert "重启并运行所有单元格" in "".join(first) and "⏩" not in "".join(first)
    assert (inst.papers.stat().st_mode & 0o077) == 0 and (inst.course_dir.stat().st_mode & 0o077) == 0
    import sqlite3

    db = sqlite3.connect(inst.records)
    assert db.execute("SELECT count(*) FROM questions WHERE exam_id = ?", [exam_id]).fetchone()[0] == 50
