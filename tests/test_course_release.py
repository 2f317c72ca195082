"""A course released as an nbgrader assignment: staff fetch the lessons, submit when done, and the
collected submission credits the course's 学时 once, which the report shows beside the exam."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from grader.banks import load_banks
from grader.demo.desk import fetch_and_submit
from grader.instance import Instance, username
from grader.vocabulary import CHINA as CST

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent


def test_release_fetch_submit_collect_credits_hours_once(installed_cli, tmp_path):
    home = tmp_path / "home"
    roster = tmp_path / "名册.csv"
    roster.write_text(
        "工号,姓名,科室,类别\nMZ101,张三,社会救助科,公务员\nMZ102,李四,办公室,事业人员\n", encoding="utf-8"
    )
    installed_cli("roster", "import", roster, "--home", home, check=True)

    released = installed_cli("course", "release", "burial", "--home", home, check=True)
    assert "已发布课程 burial" in released.stdout
    inst = Instance(home)
    outbound = inst.exchange / "lawstudy" / "outbound" / "burial"
    names = {p.name for p in outbound.iterdir()}
    assert {"practice.json", "course.json"} < names and len([n for n in names if n.endswith(".ipynb")]) == len(
        yaml.safe_load((ROOT / "courses" / "burial" / "course.yaml").read_text(encoding="utf-8"))["lessons"]
    )

    # what staff fetch holds no exam question: no exam id, no exam 解析
    fetched = "".join(p.read_text(encoding="utf-8") for p in outbound.iterdir() if p.is_file())
    exam_questions = [q for b in load_banks() for q in b.questions if q.pool == "exam"]
    assert not [q.id for q in exam_questions if q.id in fetched or q.explanation in fetched]

    folder = fetch_and_submit(inst, "burial", username("MZ101"))
    assert (folder / "practice.json").is_file()  # the lessons' practice questions travel along

    first = installed_cli("course", "collect", "burial", "--home", home, check=True)
    assert "新计学时 1 人" in first.stdout, first.stdout
    again = installed_cli("course", "collect", "burial", "--home", home, check=True)
    assert "新计学时 0 人，此前已计 1 人" in again.stdout, again.stdout

    year = datetime.now(CST).year  # submitted now, China time
    out = tmp_path / "r.json"
    installed_cli("report", "--year", year, "-o", out, "--home", home, check=True)
    people = {p["staff_id"]: p for p in json.loads(out.read_text(encoding="utf-8"))["people"]}
    hours = yaml.safe_load((ROOT / "courses" / "burial" / "course.yaml").read_text(encoding="utf-8"))["hours"]
    assert people["MZ101"]["hours"]["course_hours"] == hours and not people["MZ102"]["total_hours"]


def test_release_unknown_course_names_the_known_ones(cli, tmp_path):
    r = cli("course", "release", "adoption", "--home", tmp_path / "h")
    assert r.returncode == 1 and "没有课程 adoption" in r.stdout + r.stderr and "burial" in r.stdout + r.stderr
