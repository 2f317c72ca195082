"""`lawstudy demo`: the fictional bureau's year, run again in place, and never over someone's data.

The full demo (nbgrader autograde in real kernels) runs in tests/test_readme.py; here `--fast`
keeps the repeated runs short while walking the same fetch/submit/collect/sync/report path.
"""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def test_demo_twice_gives_the_same_year_and_refuses_a_foreign_folder(installed_cli, tmp_path):
    home = tmp_path / "演示"
    first = installed_cli("demo", "--fast", "--home", home, check=True, timeout=600)
    report = home / "reports" / "2026年学法用法考试统计.md"
    md = report.read_text(encoding="utf-8")
    # the story the demo tells: 60 staff, two exempt, four never sit, two sat on paper
    assert "58名干部职工" in md and "另有2人按规定免考" in md, md
    assert "实际参考54人" in md, md
    installed_cli("report", "--year", "2026", "-o", tmp_path / "a.json", "--home", home, check=True)
    figures = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    total = figures["total"]
    assert (total["required"], total["participants"], total["exempt"]) == (58, 54, 2)
    assert 0 < total["passed"] < total["participants"]  # some fail for good, after the make-up
    assert total["first_attempt_passed"] < total["passed"]  # and some pass only at the make-up
    assert sorted(p["staff_id"] for p in figures["absent"]) == ["MZ012", "MZ027", "MZ044", "MZ053"]
    # the year's study besides the exam (issue 30): the ledger's 24 activities, the rotation rule
    sessions = {k["kind"]: k["sessions"] for k in figures["activities"]}
    assert (sessions["会前学法"], sum(sessions.values())) == (12, 24), sessions
    assert figures["paragraph"].startswith("全年组织会前学法12次、中层干部会前讲法3次") and "干部职工参训" in md
    assert 0 < figures["rotation"]["completed"] <= figures["rotation"]["required"]
    assert "## 学法活动（按形式）" in md and "## 公务员学法三年轮训（按科室）" in md and "## 学习的法律法规" in md
    assert all(set(p["hours"]) == {"course_hours", "activity_hours"} for p in figures["people"])

    # its records and desks hold every answer of its paper: private, and a paper no real exam shares
    import stat

    from grader.demo import DEMO_SEED, EXAM_ID, SOURCE_EXAM
    from grader.exams.spec import load_spec

    assert EXAM_ID != SOURCE_EXAM and DEMO_SEED != load_spec(SOURCE_EXAM).seed
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    loose = [p for p in home.rglob("*") if not p.is_symlink() and p.stat().st_mode & 0o077]
    assert loose == [], loose[:5]
    assert (home / "papers" / EXAM_ID).is_dir() and not (home / "papers" / SOURCE_EXAM).exists()

    again = installed_cli("demo", "--fast", "--home", home, check=True, timeout=600)
    assert report.read_text(encoding="utf-8") == md  # same bureau, same year, same figures
    assert "报表文件" in first.stdout and "报表文件" in again.stdout

    mine = tmp_path / "我的实例"
    mine.mkdir()
    (mine / "records.db").write_bytes(b"not a demo")
    refused = installed_cli("demo", "--fast", "--home", mine)
    assert refused.returncode != 0 and "不是演示实例" in refused.stdout + refused.stderr
    assert (mine / "records.db").read_bytes() == b"not a demo"
