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
    assert "增大内容字号" in text and "Tab" in text


def test_page_configs_and_overrides():
    staff = staff_lab.page_config(staff=True)["disabledExtensions"]
    assert set(staff) == set(staff_lab.TRAINER_ONLY_PLUGINS)
    assert "@jupyter/nbgrader:assignment-list" not in staff
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
