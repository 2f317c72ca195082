"""The staff's JupyterLab without a browser: start page, page configs, settings defaults, lab desk."""

from __future__ import annotations

import json

import nbformat

from grader import staff_lab


def _lessons(home):
    course = home / "课程" / "burial"
    course.mkdir(parents=True)
    (course / "course.json").write_text(
        json.dumps({"id": "burial", "title": "殡葬管理", "lessons": ["01-总则.ipynb", "02-设施.ipynb"]}),
        encoding="utf-8",
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("practice('bu25-p-001')\npractice('bu25-p-002')")]
    for name in ("01-总则.ipynb", "02-设施.ipynb"):
        nbformat.write(nb, str(course / name))
    return course


def test_start_page_lists_courses_with_progress_exams_and_no_glyph_only_instruction(tmp_path):
    course = _lessons(tmp_path)
    answered = nbformat.read(str(course / "01-总则.ipynb"), as_version=4)
    answered.cells[0].outputs = [nbformat.v4.new_output("display_data", {"text/html": "✓ 回答正确"})]
    nbformat.write(answered, str(course / "01-总则.ipynb"))
    outbound = tmp_path / "exchange" / "lawstudy" / "outbound" / "exam2026"
    outbound.mkdir(parents=True)
    path = staff_lab.write_start_page(tmp_path, "课程", tmp_path / "exchange", "lawstudy")
    assert path.suffix == ".md"  # nothing to run, no kernel, nothing to trust
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# 开始学习")
    assert "殡葬管理" in text and "已作答练习 1/4 题" in text
    assert "](%E8%AF%BE%E7%A8%8B/burial/01-" in text  # a link that opens the lesson
    assert "exam2026" in text
    assert "运行全部单元格" not in text and "自动运行" in text
    assert "增大内容字号" in text and "Tab" in text


def test_page_configs_and_overrides():
    staff = staff_lab.page_config(staff=True)["disabledExtensions"]
    assert set(staff) == {*staff_lab.TRAINER_ONLY_PLUGINS, *staff_lab.STAFF_HIDDEN_PLUGINS}
    assert "@jupyterlab/launcher-extension:plugin" in staff and "@jupyter/nbgrader:menu" in staff
    assert "@jupyter/nbgrader:assignment-list" not in staff and staff_lab.STAFF_PLUGIN not in staff
    trainer = staff_lab.page_config(staff=False)["disabledExtensions"]
    assert trainer[staff_lab.STAFF_PLUGIN] is True and not any(v for k, v in trainer.items() if k in staff)
    assert staff_lab.LAB_OVERRIDES["@jupyterlab/translation-extension:plugin"] == {"locale": "zh_CN"}
    assert staff_lab.LAB_OVERRIDES["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_lab_desk_has_no_configuration_files(tmp_path):
    from grader import demo
    from grader.instance import Instance

    inst = Instance.from_env(tmp_path / "home").ensure()
    desk = demo.lab_desk(inst, "S001")
    assert not [p for p in desk.rglob("*") if "config" in p.name], list(desk.iterdir())
    assert (desk / staff_lab.START_PAGE).is_file()
    config = demo.lab_config_dir(inst)
    assert "student_id = 's001'" in (config / "nbgrader_config.py").read_text(encoding="utf-8").lower()
    assert (config / "labconfig" / "page_config.json").is_file()
    cmd = demo.lab_command(desk, 8888, False)
    assert any(a.startswith("--LabApp.app_settings_dir=") for a in cmd)


def test_start_page_exams_window_time_left_and_link_once_fetched(tmp_path):
    from datetime import datetime, timedelta

    from grader.vocabulary import CHINA

    now = datetime(2026, 12, 10, 9, 0, tzinfo=CHINA)
    outbound = tmp_path / "exchange" / "lawstudy" / "outbound"
    for exam, opens, closes, limit in [
        ("open2026", now - timedelta(days=1), now + timedelta(days=2, hours=5, minutes=30), 60),
        ("later2026", now + timedelta(days=3), now + timedelta(days=4), None),
        ("past2026", now - timedelta(days=9), now - timedelta(days=8), None),
    ]:
        (outbound / exam).mkdir(parents=True)
        window = {"exam": exam, "title": f"{exam} 考试", "opens_at": opens.isoformat(), "closes_at": closes.isoformat()}
        window["time_limit"] = limit
        (outbound / exam / staff_lab.WINDOW_FILE).write_text(json.dumps(window), encoding="utf-8")
    text = staff_lab.start_page(tmp_path, "课程", tmp_path / "exchange", "lawstudy", tmp_path / "cache", now)
    assert "open2026 考试" in text and "正在开放" in text and "还剩 **2 天 5 小时**" in text
    assert "答题时限 **60 分钟**" in text and "2026-12-12 14:30" in text
    assert "later2026 考试" in text and "尚未开始" in text
    assert "past2026" not in text  # closed: not open to anyone any more
    assert "尚未获取试卷" in text and "考试与作业" in text
    (tmp_path / "open2026").mkdir()
    (tmp_path / "open2026" / "exam.ipynb").write_text("{}", encoding="utf-8")
    text = staff_lab.start_page(tmp_path, "课程", tmp_path / "exchange", "lawstudy", tmp_path / "cache", now)
    assert "](open2026/exam.ipynb)" in text


def test_start_page_lists_feedback_released_but_not_yet_fetched(tmp_path):
    from nbgrader.utils import make_unique_key, notebook_hash

    cache = tmp_path / "cache"
    submission = cache / "lawstudy" / "s003+exam2026+2026-12-11 01:02:03.000000 UTC"
    submission.mkdir(parents=True)
    (submission / "exam.ipynb").write_text('{"cells": []}', encoding="utf-8")
    feedback = tmp_path / "exchange" / "lawstudy" / "feedback"
    feedback.mkdir(parents=True)
    text = staff_lab.start_page(tmp_path, "课程", tmp_path / "exchange", "lawstudy", cache)
    assert "尚未发布成绩反馈" in text
    key = make_unique_key("lawstudy", "exam2026", "exam", "s003", "2026-12-11 01:02:03.000000 UTC")
    (feedback / f"{notebook_hash(str(submission / 'exam.ipynb'), key)}.html").write_text(
        "<p>反馈</p>", encoding="utf-8"
    )
    text = staff_lab.start_page(tmp_path, "课程", tmp_path / "exchange", "lawstudy", cache)
    assert "exam2026：成绩反馈已发布" in text and "获取成绩反馈" in text
    fetched = tmp_path / "exam2026" / "feedback" / "2026-12-11 01:02:03.000000 UTC"
    fetched.mkdir(parents=True)
    (fetched / "exam.html").write_text("<p>反馈</p>", encoding="utf-8")
    text = staff_lab.start_page(tmp_path, "课程", tmp_path / "exchange", "lawstudy", cache)
    assert "查看成绩与解析" in text and "成绩反馈已发布" not in text


def test_window_file_holds_no_answer(tmp_path):
    from grader.exam.spec import ExamSpec

    spec = ExamSpec.from_dict(
        {
            "id": "w2026",
            "title": "窗口",
            "year": 2026,
            "banks": ["burial"],
            "quotas": {"single": {"count": 1, "points": 100}},
            "opens_at": "2026-12-01 09:00",
            "closes_at": "2026-12-20 17:00",
            "time_limit": 90,
        }
    )
    data = json.loads(staff_lab.write_window(tmp_path, spec).read_text(encoding="utf-8"))
    assert set(data) == {"exam", "title", "opens_at", "closes_at", "makeup", "time_limit"}
    assert data["time_limit"] == 90 and data["closes_at"].startswith("2026-12-20T17:00")


def test_start_page_progress_on_a_hub_is_what_the_exam_service_saw(tmp_path):
    """On a hub the lessons opened and practice answered come from the service's record (a real
    store, read without writing), not from files the person can edit."""
    from datetime import UTC, datetime

    from grader.exam.sittings import SittingStore, lesson_progress

    _lessons(tmp_path)
    store = SittingStore(tmp_path / "sittings" / "sittings.db")
    when = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    session = store.lesson_open("rt001", "burial", "01-总则", when)
    store.practice_answer("rt001", session, "bu25-p-002", "A", 2, 2, when)
    store.lesson_open("rt002", "burial", "02-设施", when)  # a colleague's
    progress = lesson_progress(store.path, "rt001")
    assert progress == {"burial": {"01-总则": {"opened": True, "answered": ["bu25-p-002"]}}}
    text = staff_lab.start_page(tmp_path, "课程", progress=progress)
    assert "已学习 1/2 课时，已作答练习 1/4 题" in text
    assert "— 已学习，练习 1/2 题" in text and "— 未打开，练习 0/2 题" in text
    # an edited copy of a lesson claiming answers counts for nothing on a hub
    edited = nbformat.read(str(tmp_path / "课程" / "burial" / "02-设施.ipynb"), as_version=4)
    edited.cells[0].outputs = [nbformat.v4.new_output("display_data", {"text/html": "✓ 回答正确 ✓ 回答正确"})]
    nbformat.write(edited, str(tmp_path / "课程" / "burial" / "02-设施.ipynb"))
    assert "已学习 1/2 课时，已作答练习 1/4 题" in staff_lab.start_page(tmp_path, "课程", progress=progress)
