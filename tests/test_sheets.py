"""One reader for every sheet: the real-world files in tests/data/cases/ and each rule on several
sheet kinds (banks, rosters, exemption lists, results)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from grader import banks as bank
from grader import records, sheets
from grader.cli import cli
from grader.errors import DatabaseBusy, LawstudyError

pytestmark = pytest.mark.unit

CASES = Path(__file__).parent / "data" / "cases"
BANKS, ROSTERS, RESULTS = CASES / "banks", CASES / "rosters", CASES / "results"
# The workbooks in ../shared/cases quote the 2012 殡葬管理条例 without naming a version: they are read
# as of a day that text was in force (it was replaced on 2026-03-30), which is what they test.
AS_OF = "2026-01-01"


def imported(name: str, **kwargs) -> bank.Bank:
    return bank.import_sheet(BANKS / name, bank_id="burial", **{"as_of": AS_OF, **kwargs})


def workbook(
    path: Path, sheets_rows: dict[str, list[list]], formats: dict | None = None, merges: dict | None = None
) -> Path:
    """A workbook with one worksheet per entry; formats {sheet: {cell: number_format}}."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets_rows.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        for cell, fmt in (formats or {}).get(title, {}).items():
            ws[cell].number_format = fmt
        for rng in (merges or {}).get(title, []):
            ws.merge_cells(rng)
    wb.save(path)
    return path


def db_with(tmp_path, roster_rows=None):
    db = records.open_db(tmp_path / "records.db")
    if roster_rows:
        path = tmp_path / "base-roster.csv"
        path.write_text(
            "\n".join(",".join(r) for r in [["工号", "姓名", "科室", "类别"], *roster_rows]) + "\n", encoding="utf-8"
        )
        records.import_roster(db, path, yes=True)
    return db


# ------------------------------------------------------------------ bank cases


def test_q1_fullwidth_answers_are_read_after_nfkc():
    got = {q.id: q.answer for q in imported("q1-fullwidth.xlsx").questions}
    assert got == {"burial-001": "A", "burial-002": ["A", "B"], "burial-003": ["A", "B"]}


@pytest.mark.parametrize(
    "text, qtype, expected",
    [
        ("（A）", "single", "A"),
        ("A。", "single", "A"),
        ("Ａ，", "single", "A"),
        ("【B】", "single", "B"),
        ("Ａ，Ｂ", "multiple", ["A", "B"]),
        ("ａｂ", "multiple", ["A", "B"]),
        ("对。", "judge", True),
        ("Ｔ", "judge", True),
        ("1", "judge", True),
        ("0", "judge", False),
        ("（错）", "judge", False),
    ],
)
def test_answers_as_people_type_them(text, qtype, expected):
    assert bank.parse_answer(qtype, text) == expected


def test_q8_points_written_with_fen():
    [q] = imported("q8-points-text.xlsx").questions
    assert q.points == 2


def test_q10_judge_answers_one_and_zero():
    assert [q.answer for q in imported("q10-judge-10.xlsx").questions] == [True, False]


def test_q2_judge_letter_is_read_through_the_row_option_texts():
    # A 正确/B 错误 answer A; A 错误/B 正确 answer B; A 对/B 错 answer B: never inverted
    assert [q.answer for q in imported("q2-judge-letter.xlsx").questions] == [True, True, False]
    assert all(not q.options for q in imported("q2-judge-letter.xlsx").questions)


def test_judge_options_that_are_not_true_and_false_are_refused():
    with pytest.raises(ValueError, match="应为 正确/错误"):
        bank.parse_answer("judge", "A", {"A": "同意", "B": "不同意"})
    with pytest.raises(ValueError, match="一个为正确"):
        bank.parse_answer("judge", "A", {"A": "正确", "B": "对"})


def test_q3_header_found_under_a_title_row():
    b = imported("q3-title-row.xlsx")
    assert [q.id for q in b.questions] == ["burial-001", "burial-002", "burial-003"]


def test_q5_every_sheet_with_the_header_is_read_and_summarised(tmp_path):
    b = imported("q5-sheets.xlsx")
    assert [q.type for q in b.questions] == ["single", "multiple", "judge"]
    assert b.summary == "读取工作表 单选题 1 行、多选题 1 行、判断题 1 行"
    wb = load_workbook(BANKS / "q5-sheets.xlsx")
    wb.create_sheet("说明").append(["填写说明", "每种题型一个工作表"])
    wb.save(tmp_path / "q5.xlsx")
    b = bank.import_sheet(tmp_path / "q5.xlsx", bank_id="burial", as_of=AS_OF)
    assert len(b.questions) == 3 and "未读取：说明" in b.summary


def test_q7_q9_options_are_the_text_excel_shows():
    [q7] = imported("q7-date-options.xlsx").questions
    assert q7.options == {"A": "2016年9月1日", "B": "2016年3月16日", "C": "2017年1月1日", "D": "2023年12月29日"}
    [q9] = imported("q9-percent-options.xlsx").questions
    assert q9.options == {"A": "5%", "B": "10%", "C": "15%", "D": "20%"}


def test_q11_positional_options_flagged_labels_stripped_and_order_kept(tmp_path):
    from grader.exams.paper import PaperQuestion
    from grader.widgets import display_order

    b = imported("q11-positional-options.xlsx")
    text = "\n".join(map(str, b.warnings))
    assert "以上都是" in text and "A和B同时具备" in text and "以上都不对" in text
    assert "开头的编号已去掉" in text
    q1, q2, q3 = b.questions
    assert q3.options["A"] == "全国的殡葬管理工作" and q3.options["D"] == "全国的社会救助工作"
    assert q1.keeps_order and q2.keeps_order and not q3.keeps_order
    # quiz check flags the same in the YAML bank; shuffle: false is kept in YAML and in the exam
    out = tmp_path / "burial.yaml"
    bank.save_bank(b, out)
    result = bank.check([out], as_of=AS_OF)
    assert result.ok and len(result.warnings) == 2
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    data["questions"][0]["shuffle"] = False
    data["questions"][2]["shuffle"] = False
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = bank.check([out], as_of=AS_OF)
    assert result.ok and len(result.warnings) == 1  # q1 confirmed; q2 still flagged
    assert result.banks[0].questions[2].keeps_order
    data["questions"][0]["shuffle"] = True
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert "不能 shuffle: true" in str(bank.check([out], as_of=AS_OF).problems)
    shown = []
    for q in (q1, q3):
        pq = PaperQuestion(
            q.id,
            "burial",
            q.type,
            q.stem,
            [[k, v] for k, v in q.options.items()],
            q.answer,
            2,
            0,
            "",
            [],
            shuffle=not q.keeps_order and q is not q3,
        )
        shown.append(pq.display())
    for user in ("mz001", "mz002", "mz003", "mz004"):
        for q in display_order(shown, 7, user):
            assert [o[0] for o in q["options"]] == ["A", "B", "C", "D"]


def test_qp_invalid_bank_id_said_once_before_rows_with_the_fix(tmp_path, cli):
    result = cli("quiz", "import", BANKS / "qp-pass.xlsx", "-o", tmp_path / "殡葬管理.yaml", "--as-of", AS_OF)
    assert result.returncode == 1
    assert result.stderr.count("题库编号") == 1 and "--bank" in result.stderr
    assert "第2行" not in result.stderr and "1 个问题" in result.stderr
    result = cli(
        "quiz", "import", BANKS / "qp-pass.xlsx", "-o", tmp_path / "殡葬管理.yaml", "--bank", "burial", "--as-of", AS_OF
    )
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load((tmp_path / "殡葬管理.yaml").read_text(encoding="utf-8"))
    assert data["bank"] == "burial" and [q["id"] for q in data["questions"]][0] == "burial-001"
    assert data["questions"][0]["options"]["A"] == "人口稠密、耕地较少、交通方便的地区"  # trailing 　 trimmed


def test_bank_header_aliases_and_bracket_notes(tmp_path):
    headers = [
        "序号",
        "试题类型",
        "题目内容（必填）",
        "A选项",
        "B选项",
        "正确答案",
        "答案解析",
        "法律依据",
        "依据原文",
        "分值(分)",
        "题库用途（练习/考试）",
    ]
    row = [
        1,
        "单选题",
        "下列哪类地区应当实行火葬？",
        "人口稠密、耕地较少、交通方便的地区",
        "所有地区",
        "A",
        "见条文。",
        "《殡葬管理条例》第四条",
        "人口稠密、耕地较少、交通方便的地区，应当实行火葬",
        "2分",
        "考试",
    ]
    b = bank.import_sheet(workbook(tmp_path / "b.xlsx", {"Sheet1": [headers, row]}), bank_id="burial", as_of=AS_OF)
    assert b.questions[0].answer == "A" and b.questions[0].points == 2


def test_bank_merged_cells_apply_to_every_row(tmp_path):
    headers = bank.SHEET_HEADERS
    base = [
        "1",
        "判断",
        "国务院民政部门负责全国的殡葬管理工作。",
        "",
        "",
        "",
        "",
        "",
        "",
        "对",
        "见条文。",
        "《殡葬管理条例》第三条",
        "国务院民政部门负责全国的殡葬管理工作",
        "2",
        "中",
        "",
        "考试",
    ]
    second = [
        "2",
        "判断",
        "县级民政部门负责全国的殡葬管理工作。",
        "",
        "",
        "",
        "",
        "",
        "",
        "错",
        "见条文。",
        "《殡葬管理条例》第三条",
        "国务院民政部门负责全国的殡葬管理工作",
        "2",
        "中",
        "",
        None,
    ]
    path = workbook(tmp_path / "m.xlsx", {"题库": [headers, base, second]}, merges={"题库": ["Q2:Q3", "L2:L3"]})
    b = bank.import_sheet(path, bank_id="burial", as_of=AS_OF)
    assert [q.pool for q in b.questions] == ["exam", "exam"]


def test_bank_cell_format_that_cannot_be_shown_is_refused_with_the_cell(tmp_path):
    row = [
        "1",
        "单选",
        "《慈善法》自何时起施行？",
        datetime(2016, 9, 1),
        datetime(2016, 3, 16),
        "",
        "",
        "",
        "",
        "A",
        "见条文。",
        "《中华人民共和国慈善法》第一百二十五条",
        "本法自2016年9月1日起施行。",
        "2",
        "中",
        "",
        "考试",
    ]
    path = workbook(
        tmp_path / "d.xlsx",
        {"题库": [bank.SHEET_HEADERS, row]},
        formats={"题库": {"D2": '[DBNum1]yyyy"年"m"月"d"日"', "E2": 'yyyy"年"m"月"d"日"'}},
    )
    with pytest.raises(bank.BankError, match="单元格 D2.*无法如实显示"):
        bank.import_sheet(path, bank_id="burial", as_of=AS_OF)


# ------------------------------------------------------------------ roster cases


def test_r1_roster_header_found_under_a_title_row(tmp_path):
    db = db_with(tmp_path)
    result = records.import_roster(db, ROSTERS / "r1-title-row.xlsx")
    assert result.added == 7
    assert {p["department"] for p in records.roster(db)} == {"办公室", "社会救助科", "殡葬管理科"}


def test_r2_merged_department_applies_to_every_person(tmp_path):
    db = db_with(tmp_path)
    records.import_roster(db, ROSTERS / "r2-merged-dept.xlsx")
    by_dept = {}
    for p in records.roster(db):
        by_dept.setdefault(p["department"], []).append(p["staff_id"])
    assert by_dept == {
        "办公室": ["MZ001", "MZ002"],
        "社会救助科": ["MZ003", "MZ004", "MZ005"],
        "殡葬管理科": ["MZ006", "MZ007"],
    }


def test_r3_ids_as_excel_shows_them_and_the_csv_again_adds_nobody(tmp_path):
    db = db_with(tmp_path)
    records.import_roster(db, ROSTERS / "r3-id-format.xlsx")
    assert [p["staff_id"] for p in records.roster(db)] == ["0001", "0002", "0012"]
    again = records.import_roster(db, ROSTERS / "r3-roster-again.csv")
    assert (again.added, again.unchanged) == (0, 3)
    result = records.import_results(db, RESULTS / "r3-results.csv")
    assert result.counts.added == 3 and result.not_on_roster == []


def test_r3_leading_zeros_warned_and_only_written_with_yes(tmp_path):
    db = db_with(
        tmp_path,
        [
            ["1", "李建国", "办公室", "领导干部"],
            ["2", "王芳", "办公室", "公务员"],
            ["12", "赵磊", "社会救助科", "公务员"],
        ],
    )
    with pytest.raises(records.NeedsConfirmation) as error:
        records.import_roster(db, ROSTERS / "r3-roster-again.csv")
    text = "\n".join(error.value.warnings)
    assert "0001" in text and "只差前导零" in text and "0012" in text and "12" in text
    assert len(records.roster(db)) == 3  # nothing written
    home = tmp_path / "home"
    runner = CliRunner()
    runner.invoke(cli, ["roster", "import", str(tmp_path / "base-roster.csv"), "--home", str(home)])
    r = runner.invoke(cli, ["roster", "import", str(ROSTERS / "r3-roster-again.csv"), "--home", str(home)])
    assert r.exit_code == 1 and "--yes" in r.output and "只差前导零" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli, ["roster", "import", str(ROSTERS / "r3-roster-again.csv"), "--home", str(home), "--yes"])
    assert r.exit_code == 0 and "新增 3 人" in r.output
    # results keyed 0001 against a roster of 1, 2, 12: not matched, and the near 工号 named
    db2 = db_with(tmp_path / "other", [["1", "李建国", "办公室", "领导干部"]])
    result = records.import_results(db2, RESULTS / "r3-results.csv")
    assert result.counts.added == 0 and result.near == {"0001": ["1"]}


def test_same_name_and_department_is_warned(tmp_path):
    db = db_with(tmp_path)
    records.import_roster(db, ROSTERS / "n1-roster.csv")
    path = tmp_path / "again.csv"
    path.write_text("工号,姓名,科室,类别\nMZ101,李建国,办公室,领导干部\n", encoding="utf-8")
    with pytest.raises(records.NeedsConfirmation, match="同名同科室"):
        records.import_roster(db, path)
    assert records.import_roster(db, path, yes=True).added == 1


def test_names_departments_categories_normalised_and_collapsed(tmp_path):
    db = db_with(tmp_path)
    path = workbook(
        tmp_path / "r.xlsx",
        {
            "名册": [
                ["工号", "姓名", "科室", "类别"],
                ["ＭＺ００１", "李　建国", "社会　救助科", " 公务员 "],
                ["MZ002", "王芳", "社会救助科", "公务员"],
            ]
        },
    )
    records.import_roster(db, path)
    people = records.roster(db)
    assert [p["staff_id"] for p in people] == ["MZ001", "MZ002"]
    assert {p["department"] for p in people} == {"社会救助科"} and people[0]["name"] == "李建国"
    # the same rules on an exemption list: full-width 工号 and a bracketed header note
    ex = tmp_path / "免考.csv"
    ex.write_text("职工编号（必填）,免考原因,年度\nＭＺ００１,病假,2020\n", encoding="gbk")
    assert records.import_exemptions(db, ex) == 1


def test_roster_sheets_named_with_sheet_are_read_and_numbers_refused_when_not_faithful(tmp_path):
    db = db_with(tmp_path)
    path = workbook(
        tmp_path / "r.xlsx",
        {
            "说明": [["本名册按科室分表"]],
            "办公室": [["2020年名册（办公室）"], ["工号", "姓名", "部门"], ["MZ001", "李建国", "办公室"]],
            "救助科": [
                ["职工编号", "姓名", "科室（全称）"],
                ["MZ003", "赵磊", "社会救助科"],
                ["MZ004", "陈静", "社会救助科"],
            ],
        },
    )
    # a roster is read from one sheet: one sheet per department is read when each is named
    with pytest.raises(sheets.SheetError, match="都有名册表头"):
        sheets.read_sheet(path, sheets.ROSTER)
    table = sheets.read_sheet(path, sheets.ROSTER, sheets=["办公室", "救助科"])
    assert table.summary() == "读取工作表 办公室 1 行、救助科 2 行"
    assert records.import_roster(db, path, sheet_names=["办公室", "救助科"]).added == 3
    bad = workbook(
        tmp_path / "bad.xlsx", {"名册": [["工号", "姓名"], [12345, "张三"]]}, formats={"名册": {"A2": "0.0E+00"}}
    )
    with pytest.raises(records.RecordsError, match="单元格 A2"):
        records.import_roster(db, bad)


def test_exemptions_merged_reason_and_padded_ids(tmp_path):
    db = db_with(tmp_path, [["0007", "周强", "殡葬管理科", "执法人员"], ["0008", "孙丽", "殡葬管理科", "执法人员"]])
    path = workbook(
        tmp_path / "ex.xlsx",
        {"免考": [["免考名单"], ["工号", "免考原因", "年度"], [7, "援疆", 2020], [8, None, 2020]]},
        formats={"免考": {"A3": "0000", "A4": "0000"}},
        merges={"免考": ["B3:B4"]},
    )
    assert records.import_exemptions(db, path) == 2
    assert {r["reason"] for r in db.query("SELECT reason FROM exemptions")} == {"援疆"}


# ------------------------------------------------------------------ results and dates


@pytest.mark.parametrize(
    "text",
    [
        "2020/11/5 9:30",
        "2020-11-05 09:30",
        "2020年11月5日 9:30",
        "2020年11月5日9时30分",
        "2020-11-05T01:30:00Z",
        "2020-11-05 09:30 CST",
        "2020-11-05 01:30 UTC",
    ],
)
def test_spreadsheet_date_times_are_beijing_time_unless_zoned(text):
    assert records.utc_text(records.parse_time(text)) == "2020-11-05T01:30:00+00:00"


def test_results_title_row_aliases_and_date_forms_on_csv_and_xlsx(tmp_path):
    db = db_with(tmp_path, [["MZ001", "李建国", "办公室", "领导干部"], ["MZ002", "王芳", "办公室", "公务员"]])
    csv_path = tmp_path / "成绩.csv"
    csv_path.write_text(
        "2020年纸质考试成绩,,,,\n工号(8位),考试编号,成绩,总分,交卷时间\n"
        "MZ001,2020-paper,85,100,2020/11/5 9:30\nMZ002,2020-paper,90,100,2020年11月5日 9:30\n",
        encoding="utf-8-sig",
    )
    result = records.import_results(db, csv_path)
    assert result.counts.added == 2
    stamps = {r["submitted_at"] for r in db.query("SELECT submitted_at FROM attempts")}
    assert stamps == {"2020-11-05T01:30:00+00:00"}
    xlsx = workbook(
        tmp_path / "成绩.xlsx",
        {
            "成绩": [
                ["工号", "考试", "得分", "满分", "提交时间"],
                ["MZ001", "2020-other", 0.85, 1, datetime(2020, 11, 6, 9, 30)],
            ]
        },
        formats={"成绩": {"E2": 'yyyy"年"m"月"d"日" h:mm'}},
    )
    assert records.import_results(db, xlsx).counts.added == 1
    row = db.execute("SELECT submitted_at FROM attempts WHERE exam_id = '2020-other'").fetchone()
    assert row[0] == "2020-11-06T01:30:00+00:00"


# ------------------------------------------------------------------ never a traceback, never half a write


def test_errors_share_one_base():
    from grader.exams import ExamError, SpecError
    from grader.exams.guard import LeakError
    from grader.exams.nbgrader_course import NbgraderFailed

    for kind in (
        bank.BankError,
        records.RecordsError,
        sheets.SheetError,
        DatabaseBusy,
        ExamError,
        SpecError,
        NbgraderFailed,
        LeakError,
    ):
        assert issubclass(kind, LawstudyError)


@pytest.mark.parametrize(
    "value, fmt, shown",
    [
        (1, "0000", "0001"),
        (12, "000000", "000012"),
        (0.05, "0%", "5%"),
        (0.125, "0.0%", "12.5%"),
        (1234567.891, "#,##0.00", "1,234,567.89"),
        (5, '0"分"', "5分"),
        (13812345678, "000-0000-0000", "138-1234-5678"),
        (-3.5, "0.00;(0.00)", "(3.50)"),
        (3, "[Red]0.0", "3.0"),
        (85, "General", "85"),
        (85.5, "General", "85.5"),
        (datetime(2016, 9, 1), 'yyyy"年"m"月"d"日"', "2016年9月1日"),
        (datetime(2016, 9, 1), "mm-dd-yy", "2016-09-01"),
        (datetime(2020, 11, 5, 9, 30), "yyyy/m/d h:mm", "2020/11/5 9:30"),
        (datetime(2020, 11, 5, 9, 30), "yyyy-mm-dd hh:mm", "2020-11-05 09:30"),
    ],
)
def test_cells_read_as_excel_shows_them(value, fmt, shown):
    assert sheets.cell_text(value, fmt) == shown


@pytest.mark.parametrize(
    "value, fmt",
    [
        (datetime(2016, 9, 1), '[DBNum1]yyyy"年"m"月"d"日"'),
        (datetime(2016, 9, 1), "d-mmm-yy"),
        (1.5, "# ?/?"),
        (12345, "0.0E+00"),
        (110101197001010011, "General"),
    ],
)
def test_formats_that_cannot_be_shown_faithfully_are_refused(value, fmt):
    with pytest.raises(ValueError, match="无法如实显示"):
        sheets.cell_text(value, fmt)


def test_duplicate_header_columns_are_refused_on_two_kinds(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("工号,职工编号,姓名\nMZ001,MZ001,张三\n", encoding="utf-8")
    with pytest.raises(sheets.SheetError, match="列名重复"):
        sheets.read_sheet(path, sheets.ROSTER)
    headers = list(bank.SHEET_HEADERS) + ["正确答案"]
    with pytest.raises(bank.BankError, match="列名重复"):
        bank.import_sheet(workbook(tmp_path / "b.xlsx", {"题库": [headers]}), bank_id="x", as_of=AS_OF)


def test_pasted_label_stripped_and_the_rest_kept_as_written():
    warned = []
    raw = bank.row_to_raw(
        {
            "id": "1",
            "type": "单选",
            "stem": "问？",
            "option_A": "Ａ．全国，的殡葬管理工作",
            "option_B": "（B）全省的",
            "answer": "A",
            "explanation": "解",
            "pool": "考试",
            "basis": "《殡葬管理条例》第三条",
            "quote": "国务院民政部门负责全国的殡葬管理工作",
        },
        "burial",
        warn=warned.append,
    )
    assert raw["options"] == {"A": "全国，的殡葬管理工作", "B": "全省的"} and len(warned) == 2


def test_completions_read_spreadsheet_dates_as_beijing_time(tmp_path):
    db = db_with(tmp_path, [["MZ001", "李建国", "办公室", "领导干部"]])
    path = workbook(
        tmp_path / "完成.xlsx",
        {
            "说明": [["课程完成登记"]],
            "一月": [["工号", "课程编号", "完成时间", "学时"], ["ＭＺ００１", "burial", "2020年12月31日 23:30", 4]],
            "二月": [
                ["工号", "课程", "完成时间（北京时间）", "学时"],
                ["MZ001", "social", datetime(2021, 1, 1, 7, 0), 2],
            ],
        },
        formats={"二月": {"C2": "yyyy/m/d h:mm"}},
    )
    seen = []
    assert records.import_completions(db, path, summary=seen.append) == 2
    assert seen == ["读取工作表 一月 1 行、二月 1 行；未读取：说明（没有课程完成表头）"]
    years = {r["course_id"]: r["year"] for r in db.query("SELECT course_id, year FROM completions")}
    assert years == {"burial": 2020, "social": 2021}  # 23:30 Beijing on 31 December counts in 2020
