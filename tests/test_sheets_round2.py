"""Real inputs, round 2 (issue 28): nothing a workbook hides, errs or pads becomes data without a word.

Each file in tests/data/cases/round2/ (copied from ../shared/cases/round2, with its README) is read
here and the right records or the exact refusal asserted; each rule is also tried on the other
sheet kinds (banks, rosters, exemption lists, results), with shapes built in the test.
"""

from __future__ import annotations

import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from grader import bank, records, sheets

DATA = Path(__file__).parent / "data"
R2 = DATA / "cases" / "round2"
# The round-2 banks quote the 殡葬管理条例 as revised in 2025 (in force from 2026-03-30).
AS_OF = "2026-12-01"
FIVE_STAFF = [
    ["MZ001", "李建国", "办公室", "领导干部"],
    ["MZ002", "王芳", "办公室", "公务员"],
    ["MZ003", "赵磊", "社会救助科", "公务员"],
    ["MZ004", "陈静", "社会救助科", "公务员"],
    ["MZ005", "刘洋", "社会救助科", "事业人员"],
]


def imported(path: Path, **kwargs) -> bank.Bank:
    return bank.import_sheet(path, bank_id="burial", **{"as_of": AS_OF, **kwargs})


def refusal(error) -> list[str]:
    """The lines a user reads, without the file name."""
    return [str(p.message) for p in error.value.problems]


def workbook(path: Path, sheets_rows: dict[str, list[list]], setup=None) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets_rows.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    if setup:
        setup(wb)
    wb.save(path)
    return path


def patch_xml(path: Path, part: str, old: str, new: str) -> None:
    """Rewrite one XML part of a workbook, for shapes openpyxl does not write (as Excel or WPS do)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    text = parts[part].decode("utf-8")
    assert old in text, (old, text[:500])
    parts[part] = text.replace(old, new, 1).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def db_with(tmp_path, rows=FIVE_STAFF):
    db = records.open_db(tmp_path / "records.db")
    path = tmp_path / "base-roster.csv"
    path.write_text("\n".join(",".join(r) for r in [["工号", "姓名", "科室", "类别"], *rows]) + "\n", encoding="utf-8")
    records.import_roster(db, path, yes=True)
    return db


def staff(db) -> list[tuple]:
    return [(p["staff_id"], p["name"], p["department"], p["category"]) for p in records.roster(db)]


BANK_ROWS = [
    ["1", "单选", "依照《殡葬管理条例》，哪个部门负责全国的殡葬管理工作？", "国务院民政部门", "国务院卫生健康部门"],
    ["2", "判断", "殡葬事业是重要的公益事业。", "", ""],
]


def bank_row(qid, qtype, stem, a="", b="", answer="A", pool="考试"):
    cite = {"单选": ("《殡葬管理条例》第四条", "国务院民政部门负责全国的殡葬管理工作")}
    law, quote = cite.get(qtype, ("《殡葬管理条例》第五条", "殡葬事业是重要的公益事业"))
    return [qid, qtype, stem, a, b, answer, "见条文。", law, quote, pool]


BANK_HEADER = ["题号", "题型", "题干", "选项A", "选项B", "答案", "解析", "法律依据", "依据原文", "题库用途"]


# ------------------------------------------------------------------ 01 required marks in headers


@pytest.mark.parametrize("name", ["q01-star-headers.xlsx", "q01b-star-front.xlsx"])
def test_01_star_headers_are_required_marks(name):
    b = imported(R2 / "01-bank-star-headers" / name)
    assert [(q.type, q.answer) for q in b.questions] == [("single", "A"), ("multiple", ["A", "B"]), ("judge", True)]


def test_01_required_marks_on_a_roster_and_results(tmp_path):
    roster = tmp_path / "名册.csv"
    roster.write_text("＊工号,姓名※,*科室\nMZ001,李建国,办公室\n", encoding="utf-8")
    assert [(r.values["staff_id"], r.values["department"]) for r in sheets.read_sheet(roster, sheets.ROSTER).rows] == [
        ("MZ001", "办公室")
    ]


# ------------------------------------------------------------------ 02 options in one cell


@pytest.mark.parametrize("name", ["q02-options-pipe.xlsx", "q02b-options-lines.xlsx"])
def test_02_options_in_one_cell_are_split(name):
    single, multiple, judge = imported(R2 / "02-bank-options-in-one-cell" / name).questions
    assert single.options == {
        "A": "国务院民政部门",
        "B": "国务院卫生健康部门",
        "C": "国务院自然资源部门",
        "D": "国务院市场监管部门",
    }
    assert single.answer == "A" and multiple.answer == ["A", "B"] and multiple.options["B"] == "文明节俭"
    assert judge.answer is True and judge.options == {}


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("A．国务院民政部门  B．国务院卫生健康部门", {"A": "国务院民政部门", "B": "国务院卫生健康部门"}),
        ("国务院民政部门｜国务院卫生健康部门", {"A": "国务院民政部门", "B": "国务院卫生健康部门"}),
        ("（A）国务院民政部门\r\n（B）国务院卫生健康部门", {"A": "国务院民政部门", "B": "国务院卫生健康部门"}),
    ],
)
def test_02_option_cell_shapes(cell, expected):
    assert bank.split_options(cell) == expected


@pytest.mark.parametrize(
    "cell, message",
    [
        ("A.国务院民政部门", "只有一项"),
        ("A.国务院民政部门|C.国务院卫生健康部门", "应依次为 A、B，实际为 A、C"),
        ("A.国务院民政部门|国务院卫生健康部门", "实际为 A、（无）"),
    ],
)
def test_02_option_cells_that_cannot_be_split_are_refused_with_the_column(cell, message):
    with pytest.raises(ValueError, match="“选项”列") as error:
        bank.split_options(cell)
    assert message in str(error.value)


def test_02_option_cell_and_option_columns_together_are_refused(tmp_path):
    header = [*BANK_HEADER, "选项"]
    row = [*bank_row("1", "单选", "依照《殡葬管理条例》，哪个部门负责全国的殡葬管理工作？", "甲", "乙"), "A.甲|B.乙"]
    with pytest.raises(bank.BankError) as error:
        imported(workbook(tmp_path / "b.xlsx", {"题库": [header, row]}))
    assert refusal(error) == ["“选项”列与“选项A…选项F”列不能同时填写：请只用其中一种"]


# ------------------------------------------------------------------ 03 pictures and error values in cells


def test_03_pictures_in_option_cells_are_refused_cell_by_cell(cli, tmp_path):
    source = R2 / "03-bank-pictures-in-cells" / "q05-cell-pictures.xlsx"
    with pytest.raises(bank.BankError) as error:
        imported(source)
    picture = "是嵌入单元格的图片，不是文字：题库只读文字，图片不能作为选项{0}，请改为文字"
    assert refusal(error) == [
        *(
            f"工作表 题库 单元格 {cell}2（选项{letter}）: {picture.format(letter)}"
            for cell, letter in zip("DEFG", "ABCD")
        ),
        "工作表 题库 单元格 E3（选项B）: 是公式错误 #VALUE!（值的类型不对，或是放在单元格中的图片）："
        "请修正公式（图片不能作为数据），或手工填写选项B",
    ]
    out = tmp_path / "out" / "burial.yaml"
    result = cli("quiz", "import", source, "-o", out, "--as-of", AS_OF)
    assert result.returncode == 1 and "5 个问题" in result.stderr and not out.exists()


def test_03_error_values_formulas_and_pictures_on_a_roster(tmp_path):
    def setup(wb):
        ws = wb["名册"]
        ws["C3"] = "#N/A"  # a VLOOKUP that found nothing (openpyxl stores it as an error cell)
        ws["D4"] = "#REF!"
        ws["C5"] = "=VLOOKUP(A5,人事!A:C,3,FALSE)"  # a formula without its result (never saved by Excel)

    rows = [["工号", "姓名", "科室", "类别"], *[list(r) for r in FIVE_STAFF[:4]]]
    path = workbook(tmp_path / "名册.xlsx", {"名册": rows}, setup)
    db = records.open_db(tmp_path / "records.db")
    with pytest.raises(records.RecordsError) as error:
        records.import_roster(db, path)
    assert [p.message.removeprefix(f"{path}: ") for p in error.value.problems] == [
        "工作表 名册 单元格 C3（科室）: 是公式错误 #N/A（查找不到）：请补全被查找的数据（如人事信息），或手工填写科室",
        "工作表 名册 单元格 D4（类别）: 是公式错误 #REF!（引用的单元格已被删除）：请修正公式中的引用，或手工填写类别",
        "工作表 名册 单元格 C5（科室）: 是公式 =VLOOKUP(A5,人事!A:C,3,FALSE)，文件中没有它的计算结果（文件由程序生成，"
        "未在 Excel/WPS 中保存过）：请在 Excel/WPS 中打开并保存一次，或把公式换成数值",
    ]
    assert records.roster(db) == []  # nothing written


def test_03_error_values_as_a_csv_saved_them_on_results_and_exemptions(tmp_path):
    db = db_with(tmp_path)
    results = tmp_path / "成绩.csv"
    results.write_text(
        "工号,考试编号,得分,满分,提交时间\nMZ001,2026-paper,#DIV/0!,100,2026-11-05 09:30\n", encoding="utf-8"
    )
    with pytest.raises(records.RecordsError, match=r"单元格 C2（得分）: 是公式错误 #DIV/0!（除以零）"):
        records.import_results(db, results)
    exempt = tmp_path / "免考.csv"
    exempt.write_text('工号,免考原因,年度\n#N/A,病假,2026\nMZ002,"=DISPIMG(""ID_1"",1)",2026\n', encoding="utf-8")
    with pytest.raises(records.RecordsError) as error:
        records.import_exemptions(db, exempt)
    lines = [p.message for p in error.value.problems]
    assert "单元格 A2（工号）: 是公式错误 #N/A" in lines[0] and "单元格 B3（免考原因）: 是嵌入单元格的图片" in lines[1]
    assert db.execute("SELECT count(*) FROM attempts").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM exemptions").fetchone()[0] == 0


# ------------------------------------------------------------------ 04 hidden rows, sheets, columns


def test_04_hidden_row_is_skipped_and_named(cli, tmp_path):
    source = R2 / "04-bank-hidden-rows-sheets" / "q06-hidden-rows.xlsx"
    b = imported(source)
    assert [q.id for q in b.questions] == ["burial-001", "burial-002", "burial-003"]
    assert b.summary == "跳过隐藏的第5行"
    assert not any("已停用" in q.stem for q in b.questions)
    result = cli("quiz", "import", source, "-o", tmp_path / "b.yaml", "--as-of", AS_OF)
    assert result.returncode == 0 and "跳过隐藏的第5行" in result.stdout and "已导入 3 道题" in result.stdout


def test_04_hidden_sheet_is_skipped_and_named_or_read_when_chosen():
    source = R2 / "04-bank-hidden-rows-sheets" / "q06b-hidden-sheet.xlsx"
    b = imported(source)
    assert len(b.questions) == 3 and b.summary == "跳过隐藏的工作表 旧题库（停用）"
    old = imported(source, sheet_names=["旧题库（停用）"])
    assert [q.stem for q in old.questions] == ["依照《殡葬管理条例》（2012年修订），哪类地区应当实行火葬？（已停用）"]
    assert (
        "读取了隐藏的工作表 旧题库（停用）（--sheet 指定）" in old.summary
        and "未读取：题库（未用 --sheet 指定）" in old.summary
    )


def test_04_very_hidden_sheet_hidden_rows_and_columns_on_a_roster(tmp_path):
    def setup(wb):
        wb["离职人员"].sheet_state = "veryHidden"
        ws = wb["在职人员"]
        ws.row_dimensions[4].hidden = True  # filtered out by an autofilter, say
        ws.column_dimensions["D"].hidden = True

    rows = [["工号", "姓名", "科室", "类别"], *[list(r) for r in FIVE_STAFF[:4]]]
    path = workbook(
        tmp_path / "名册.xlsx", {"在职人员": rows, "离职人员": [rows[0], ["MZ099", "调走", "办公室", "公务员"]]}, setup
    )
    table = sheets.read_sheet(path, sheets.ROSTER)
    assert [r.values["staff_id"] for r in table.rows] == ["MZ001", "MZ002", "MZ004"]
    assert "category" not in table.columns
    assert table.summary() == "跳过隐藏的第4行、隐藏的D列“类别”、隐藏的工作表 离职人员"

    # a required column that is hidden: said so
    def hide_id(wb):
        wb["名册"].column_dimensions["A"].hidden = True

    with pytest.raises(sheets.SheetError, match="A列“工号”被隐藏：请在 Excel 中取消隐藏"):
        sheets.read_sheet(workbook(tmp_path / "h.xlsx", {"名册": rows}, hide_id), sheets.ROSTER)


def test_04_a_roster_reads_one_sheet_unless_told(tmp_path, cli):
    rows = [["工号", "姓名", "科室", "类别"], *[list(r) for r in FIVE_STAFF]]
    gone = [rows[0], ["MZ098", "老张", "办公室", "公务员"], ["MZ099", "老李", "办公室", "公务员"]]
    path = workbook(tmp_path / "名册.xlsx", {"在职人员": rows, "离职人员": gone})
    db = records.open_db(tmp_path / "records.db")
    with pytest.raises(records.RecordsError) as error:
        records.import_roster(db, path)
    assert refusal(error) == [
        f"{path}: 工作表 在职人员（5 行）、离职人员（2 行） 都有名册表头：名册只读一个工作表，请用 --sheet 指定要导入的"
        "工作表（如 --sheet 在职人员）；确实要合并时逐个给出：--sheet 在职人员 --sheet 离职人员 "
        "(several sheets carry the header)"
    ]
    assert records.roster(db) == []
    home = tmp_path / "home"
    result = cli("roster", "import", path, "--sheet", "在职人员", "--home", home)
    assert result.returncode == 0, result.stderr
    assert (
        "读取工作表 在职人员 5 行；未读取：离职人员（未用 --sheet 指定）" in result.stdout
        and "新增 5 人" in result.stdout
    )
    result = cli("roster", "import", path, "--sheet", "退休人员", "--home", home)
    assert result.returncode == 1 and "没有工作表 退休人员（文件中的工作表: 在职人员、离职人员）" in result.stderr
    assert len(sheets.read_sheet(path, sheets.ROSTER, sheets=["在职人员", "离职人员"]).rows) == 7
    # an exemption list too decides who is counted: one sheet a year is not one list
    (tmp_path / "records").mkdir()
    db = db_with(tmp_path / "records")
    exempt = workbook(
        tmp_path / "免考.xlsx",
        {"2025年": [["工号", "免考原因"], ["MZ001", "病假"]], "2026年": [["工号", "免考原因"], ["MZ002", "产假"]]},
    )
    with pytest.raises(records.RecordsError, match="都有免考名单表头"):
        records.import_exemptions(db, exempt, year=2026)
    assert records.import_exemptions(db, exempt, year=2026, sheet_names=["2026年"]) == 1
    assert db.execute("SELECT staff_id, year FROM exemptions").fetchall() == [("MZ002", 2026)]
    # results and completions read every visible sheet with the header (each row names its exam or course)
    results = workbook(
        tmp_path / "成绩.xlsx",
        {
            name: [["工号", "考试编号", "得分", "满分", "提交时间"], ["MZ001", exam, 80, 100, "2026-11-05 09:30"]]
            for name, exam in (("正考", "2026-paper"), ("补考", "2026-makeup"))
        },
    )
    assert records.import_results(db, results).counts.added == 2


# ------------------------------------------------------------------ 05 one statement, one key


def test_05_near_duplicates_with_contradicting_keys_are_refused():
    source = R2 / "05-bank-near-duplicates" / "q08-near-duplicates.xlsx"
    with pytest.raises(bank.BankError) as error:
        imported(source)
    assert refusal(error) == [
        f"题干与 {source} 第2行 题号 1 重复（只差标点或空括号）",
        f"与 {source} 第4行 题号 3 是同一题干（只差标点或空括号），答案却不同（正确 与 错误）："
        "同一道题只能有一个答案，请删去一题或改正答案",
    ]


def test_05_quiz_check_finds_them_across_banks(tmp_path, cli):
    first = imported(R2 / "01-bank-star-headers" / "q01-star-headers.xlsx")
    [judge] = [q for q in first.questions if q.type == "judge"]
    judge = replace(judge, id="other-001", stem="殡葬事业是重要的公益事业（　）", answer=False)
    other = bank.Bank("other", "其他", [judge])
    bank.save_bank(first, tmp_path / "burial.yaml")
    bank.save_bank(other, tmp_path / "other.yaml")
    result = cli("quiz", "check", tmp_path, "--as-of", AS_OF)
    assert result.returncode == 1
    assert "是同一题干（只差标点或空括号），答案却不同（正确 与 错误）" in result.stdout


@pytest.mark.parametrize(
    "a, b",
    [
        ("殡葬事业是重要的公益事业（  ）。", "殡葬事业是重要的公益事业"),
        ("殡葬事业是\u200b重要的公益事业。", "殡葬事业是重要的公益事业！"),
        ("殡葬事业是____的公益事业", "殡葬事业是（ ）的公益事业？"),
    ],
)
def test_05_stems_compared_without_end_punctuation_blanks_and_invisible_characters(a, b):
    assert bank.stem_key(a) == bank.stem_key(b)


# ------------------------------------------------------------------ 06 encrypted or mislabelled workbooks


@pytest.mark.parametrize("name", ["r12-password.xlsx", "q12-password-bank.xlsx"])
def test_06_password_protected_workbook_says_so(name):
    path = R2 / "06-password-protected-xlsx" / name
    with pytest.raises(sheets.SheetError) as error:
        sheets.read_sheet(path, sheets.ROSTER if name.startswith("r") else sheets.BANK)
    assert str(error.value) == (
        f"{path}: 文件设置了打开密码（已加密），无法读取：请在 Excel 中打开，文件→信息→保护工作簿→"
        "用密码进行加密，清空密码后保存（WPS：文件→文档加密→密码加密，清除密码），再重新导入 "
        "(the workbook is password-protected)"
    )


def test_06_old_xls_under_another_name_and_text_exports(tmp_path):
    old = DATA / "sheets" / "old-roster.xls"  # written by xlwt: a real Excel 97-2003 workbook
    renamed = tmp_path / "名册.xlsx"
    renamed.write_bytes(old.read_bytes())
    with pytest.raises(sheets.SheetError, match=r"这是旧版 Excel/WPS 表格文件（.xls/.et），只是后缀改成了 .xlsx"):
        sheets.read_sheet(renamed, sheets.ROSTER)
    with pytest.raises(sheets.SheetError, match=r"旧版 .xls 文件请在 Excel 或 WPS 中另存为 .xlsx"):
        sheets.read_sheet(old, sheets.ROSTER)
    html = tmp_path / "成绩导出.xls"
    html.write_text("<html><table><tr><td>工号</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(sheets.SheetError, match=r"不是 Excel 工作簿，内容是网页（HTML）"):
        sheets.read_sheet(html, sheets.RESULTS)
    # an .xlsx saved under a .csv name is read as the workbook it is
    real = workbook(tmp_path / "r.xlsx", {"名册": [["工号", "姓名"], ["MZ001", "李建国"]]})
    misnamed = tmp_path / "名册.csv"
    misnamed.write_bytes(real.read_bytes())
    assert [r.values["name"] for r in sheets.read_sheet(misnamed, sheets.ROSTER).rows] == ["李建国"]


# ------------------------------------------------------------------ 08 two-row header, 09 note rows, repeated headers


def test_08_header_over_two_rows_with_merged_cells(tmp_path):
    db = records.open_db(tmp_path / "records.db")
    result = records.import_roster(db, R2 / "08-roster-two-line-header" / "r15-two-row-header.xlsx")
    assert result.added == 7 and result.summary == ""
    assert staff(db) == [
        ("MZ001", "李建国", "办公室", "领导干部"),
        ("MZ002", "王芳", "办公室", "公务员"),
        ("MZ003", "赵磊", "社会救助科", "公务员"),
        ("MZ004", "陈静", "社会救助科", "公务员"),
        ("MZ005", "刘洋", "社会救助科", "事业人员"),
        ("MZ006", "孙丽", "殡葬管理科", "执法人员"),
        ("MZ007", "周强", "殡葬管理科", "执法人员"),
    ]


def test_08_required_fields_split_over_the_two_header_rows_on_results(tmp_path):
    db = db_with(tmp_path)
    path = workbook(
        tmp_path / "成绩.xlsx",
        {
            "成绩": [
                ["工号", "考试信息", None, "成绩", None],
                [None, "考试编号", "交卷时间", "得分", "满分"],
                ["MZ001", "2026-paper", "2026-11-05 09:30", 85, 100],
            ]
        },
        lambda wb: [wb["成绩"].merge_cells(r) for r in ("A1:A2", "B1:C1", "D1:E1")],
    )
    assert records.import_results(db, path).counts.added == 1


def test_09_template_note_row_is_skipped_and_named(tmp_path):
    db = records.open_db(tmp_path / "records.db")
    result = records.import_roster(db, R2 / "09-roster-template-note-row" / "r21-note-row.xlsx")
    assert result.added == 7 and result.summary == "跳过第2行（填写说明）"
    assert "必填" not in {p[1] for p in staff(db)} and all(p[0].startswith("MZ") for p in staff(db))
    b = imported(R2 / "09-roster-template-note-row" / "q21-note-row.xlsx")
    assert len(b.questions) == 3 and b.summary == "跳过第2行（填写说明）"


def test_09_example_row_and_repeated_header_rows_are_never_people(tmp_path):
    path = tmp_path / "免考.csv"
    path.write_text(
        "工号,姓名,免考原因,年度\n例：MZ001,张三,如 长期病假,2026\nMZ001,李建国,病假,2026\n"
        "工号,姓名,免考原因,年度\nMZ002,王芳,产假,2026\n",
        encoding="utf-8",
    )
    db = db_with(tmp_path)
    seen = []
    assert records.import_exemptions(db, path, summary=seen.append) == 2
    assert seen == ["跳过第2行（填写说明）、第4行（表头文字）"]


# ------------------------------------------------------------------ 11 characters lost or invisible


def test_11_question_marks_for_lost_characters_are_refused(tmp_path, cli):
    source = R2 / "11-roster-rare-chars-gbk-csv" / "r13-roster-gbk.csv"
    db = records.open_db(tmp_path / "records.db")
    with pytest.raises(records.RecordsError) as error:
        records.import_roster(db, source)
    lost = (
        "文件的编码丢失了生僻字（GBK 编码的 CSV 装不下这些字，存成了“?”）：请改用 .xlsx，或在 Excel 中"
        "另存为“CSV UTF-8（逗号分隔）”后重新导入"
    )
    assert refusal(error) == [f"{source}: 第3行 姓名 '王?'：{lost}", f"{source}: 第6行 姓名 '?刘洋'：{lost}"]
    assert records.roster(db) == []
    utf8 = tmp_path / "名册.csv"
    utf8.write_text(
        source.read_bytes().decode("gbk").replace("王?", "王䶮").replace("?刘洋", "𠮷刘洋"), encoding="utf-8"
    )
    records.import_roster(db, utf8)
    assert {"王䶮", "𠮷刘洋"} <= {p[1] for p in staff(db)}
    result = cli("roster", "import", source, "--home", tmp_path / "home")
    assert result.returncode == 1 and "失败：2 个问题，未写入任何数据" in result.stderr


def test_11_invisible_characters_do_not_split_a_name(tmp_path):
    db = records.open_db(tmp_path / "records.db")
    path = workbook(
        tmp_path / "名册.xlsx",
        {
            "名册": [
                ["工\u200b号", "姓名", "科室", "类别"],
                ["MZ\u2060001", "李\u200b建国", "办公室\ufeff", "公务\u00ad员"],
                ["\ufeffMZ002", "王芳\u200d", "办\u200c公室", "公务员"],
            ]
        },
    )
    records.import_roster(db, path)
    assert staff(db) == [("MZ001", "李建国", "办公室", "公务员"), ("MZ002", "王芳", "办公室", "公务员")]
    results = tmp_path / "成绩.csv"
    results.write_text(
        "工号,考试编号,得分,满分,提交时间\nMZ\u200b001,2026-paper,85,100,2026-11-05 09:30\n", encoding="utf-8"
    )
    imported_results = records.import_results(db, results)
    assert imported_results.counts.added == 1 and imported_results.not_on_roster == []


# ------------------------------------------------------------------ 12 ids as Excel leaves them

ID_CASES = R2 / "12-roster-idcard-as-staff-id"
SCIENTIFIC = (
    "被 Excel 改成了科学计数法，末几位已丢失：请从原始数据重新导出，或在 Excel 中把该列设为“文本”后重新输入完整号码"
)


@pytest.mark.parametrize(
    "name, rows",
    [
        (
            "r17-idcard-excel-saved.csv",
            {
                2: "1.10101E+17",
                3: "1.10101E+17",
                4: "1.10105E+17",
                5: "1.10105E+17",
                6: "1.10106E+17",
                8: "1.10108E+17",
            },
        ),
        (
            "r17e-idcard-excel-saved-distinct.csv",
            {2: "1.10101E+17", 3: "3.20102E+17", 4: "3.30106E+17", 6: "5.10104E+17"},
        ),
    ],
)
def test_12_ids_in_scientific_notation_are_refused(tmp_path, name, rows):
    db = records.open_db(tmp_path / "records.db")
    with pytest.raises(records.RecordsError) as error:
        records.import_roster(db, ID_CASES / name)
    assert refusal(error) == [f"{ID_CASES / name}: 第{r}行 工号 '{v}'：{SCIENTIFIC}" for r, v in rows.items()]
    assert records.roster(db) == []


def test_12_id_numbers_past_15_digits_say_the_digits_are_lost(tmp_path):
    db = records.open_db(tmp_path / "records.db")
    with pytest.raises(records.RecordsError) as error:
        records.import_roster(db, ID_CASES / "r17d-idcard-number-cells.xlsx")
    lines = refusal(error)
    assert len(lines) == 6 and "单元格 A2（工号）: 是数字 1.1010119700101e+17" in lines[0]
    assert all("末几位已丢失，改单元格格式也找不回来；请把该列设为“文本”后重新输入完整号码" in line for line in lines)
    assert not any("“常规”" in line for line in lines)
    # the same id saved to CSV from a number column: 18 digits, zeros after the 15th
    path = tmp_path / "名册.csv"
    path.write_text("工号,姓名\n110101197001010000,李建国\n11010519491231002X,王芳\n", encoding="utf-8")
    with pytest.raises(
        records.RecordsError, match=r"第2行 工号 '110101197001010000'：共 18 位，第15位之后全是 0"
    ) as error:
        records.import_roster(db, path)
    assert len(error.value.problems) == 1  # 11010519491231002X carries a valid check character


def test_12_a_final_lower_case_x_matches_the_roster(tmp_path, cli):
    home = tmp_path / "home"
    assert cli("roster", "import", ID_CASES / "r17b-idcard-roster.xlsx", "--home", home).returncode == 0
    result = cli("results", "import", ID_CASES / "r17c-results-lower-x.csv", "--home", home)
    assert result.returncode == 0 and "新增 2 次作答" in result.stdout and "不在名册中" not in result.stdout
    db = records.open_db(home / "records.db")
    scores = dict(db.execute("SELECT staff_id, score FROM attempts").fetchall())
    assert scores == {"11010819820606006X": 92.0, "110101197001010011": 88.0}
    # and on the command line: exempt with a lower-case x
    assert cli("exempt", "11010819820606006x", "--year", "2026", "--reason", "产假", "--home", home).returncode == 0
    assert db.execute("SELECT staff_id FROM exemptions").fetchall() == [("11010819820606006X",)]


def test_12_ids_with_spaces_commas_or_chinese_are_refused(tmp_path):
    path = tmp_path / "名册.csv"
    path.write_text("工号,姓名\nMZ 001,李建国\n王芳,王芳\n", encoding="utf-8")
    with pytest.raises(records.RecordsError) as error:
        records.import_roster(records.open_db(tmp_path / "records.db"), path)
    assert [line.split("：")[0] for line in refusal(error)] == [
        f"{path}: 第2行 工号 'MZ 001'",
        f"{path}: 第3行 工号 '王芳'",
    ]


# ------------------------------------------------------------------ 14 years as people write them


def test_14_years_written_as_words_or_dates(tmp_path, cli):
    home = tmp_path / "home"
    cases = R2 / "14-exempt-year-as-words"
    assert cli("roster", "import", cases / "r19-roster.xlsx", "--home", home).returncode == 0
    result = cli("exempt", "--file", cases / "r19-exempt-year.xlsx", "--home", home)
    assert result.returncode == 0 and "已登记免考 3 人" in result.stdout
    db = records.open_db(home / "records.db")
    assert db.execute("SELECT staff_id, year FROM exemptions ORDER BY staff_id").fetchall() == [
        ("MZ004", 2026),
        ("MZ005", 2026),
        ("MZ006", 2026),
    ]


@pytest.mark.parametrize(
    "text", ["2026", "2026年", "2026年度", "2026 年度", "２０２６年", "2026-01-01", "2026年3月1日"]
)
def test_14_year_forms(text):
    assert sheets.year_text(sheets.nfkc(text)) == "2026"


def test_14_a_year_that_is_no_year_says_what_to_write(tmp_path):
    db = db_with(tmp_path)
    path = tmp_path / "免考.csv"
    path.write_text("工号,免考原因,年度\nMZ001,病假,今年\nMZ002,产假,\n", encoding="utf-8")
    with pytest.raises(records.RecordsError) as error:
        records.import_exemptions(db, path)
    assert [p.message for p in error.value.problems] == [
        "年度 '今年' 无法识别：年度应写四位数字，如 2026（或不填此列，用 --year 2026）(bad or missing year)",
        "没有年度：年度应写四位数字，如 2026（或不填此列，用 --year 2026）(bad or missing year)",
    ]


# ------------------------------------------------------------------ 15 a platform's results export

PLATFORM = R2 / "15-results-platform-columns"


def test_15_platform_export_without_ids_is_refused_with_columns_needed_and_seen(tmp_path):
    db = records.open_db(tmp_path / "records.db")
    records.import_roster(db, PLATFORM / "s20-roster.xlsx")
    with pytest.raises(records.RecordsError) as error:
        records.import_results(db, PLATFORM / "s20-platform-export.xlsx")
    [line] = refusal(error)
    assert "表头缺少列: 工号、考试编号、满分（成绩需要列: 工号、考试编号、得分、满分、提交时间）" in line
    assert "表头中的列: 序号、姓名、单位、成绩、考试时间" in line and "--column 得分=原始成绩" in line


@pytest.mark.parametrize("name", ["s20b-platform-with-ids.xlsx", "s20c-platform-renamed.xlsx"])
def test_15_platform_columns_score_and_submission_time(tmp_path, name):
    db = records.open_db(tmp_path / "records.db")
    records.import_roster(db, PLATFORM / "s20-roster.xlsx")
    result = records.import_results(db, PLATFORM / name)
    assert result.counts.added == 2
    assert result.summary == "未读取 考试时间（H列）：提交时间取自 I列“交卷时间”"
    rows = db.execute("SELECT staff_id, score, max_score, submitted_at FROM attempts ORDER BY staff_id").fetchall()
    assert rows == [
        ("MZ001", 96.0, 100.0, "2026-11-05T01:58:00+00:00"),  # 交卷时间 9:58 Beijing, not 考试时间 9:30
        ("MZ002", 88.0, 100.0, "2026-11-05T02:20:00+00:00"),
    ]


def test_15_column_map_names_a_header_the_aliases_do_not_know(tmp_path, cli):
    home = tmp_path / "home"
    cli("roster", "import", PLATFORM / "s20-roster.xlsx", "--home", home, check=True)
    path = workbook(
        tmp_path / "平台成绩.xlsx",
        {
            "成绩": [
                ["工号", "考试编号", "原始成绩", "百分制成绩", "试卷总分", "结束时间"],
                ["MZ001", "2026-platform", 48, 96, 50, datetime(2026, 11, 5, 9, 58)],
            ]
        },
    )
    refused = cli("results", "import", path, "--home", home)
    assert refused.returncode == 1 and "表头缺少列: 提交时间" in refused.stderr
    result = cli(
        "results", "import", path, "--column", "得分=原始成绩", "--column", "提交时间=结束时间", "--home", home
    )
    assert result.returncode == 0, result.stderr
    assert "未读取 百分制成绩（D列）：得分取自 C列“原始成绩”（--column 指定）" in result.stdout
    db = records.open_db(home / "records.db")
    assert db.execute("SELECT score, max_score, percent FROM attempts").fetchall() == [(48.0, 50.0, 96.0)]
    bad = cli("results", "import", path, "--column", "分数线=原始成绩", "--home", home)
    assert bad.returncode == 1 and "成绩没有“分数线”这一项" in bad.stderr
    absent = cli("results", "import", path, "--column", "得分=卷面分", "--column", "提交时间=结束时间", "--home", home)
    assert absent.returncode == 1 and "--column 得分=卷面分: 表头中没有“卷面分”这一列" in absent.stderr


# ------------------------------------------------------------------ the exported bank still round-trips


def test_exported_bank_and_template_read_back_unchanged(tmp_path):
    b = imported(R2 / "01-bank-star-headers" / "q01-star-headers.xlsx")
    out = tmp_path / "out.xlsx"
    bank.write_sheet(b, out)
    again = bank.import_sheet(out, as_of=AS_OF)
    assert [q.to_dict() for q in again.questions] == [q.to_dict() for q in b.questions]
    assert again.summary == "读取工作表 题库 3 行；未读取：说明（没有题库表头）"
    data = yaml.safe_load(bank.dump_bank(again))
    assert data["questions"][0]["options"]["A"] == "国务院民政部门"
    assert load_workbook(out)["题库"].max_row == 4


# ------------------------------------------------------------------ more shapes of the same kinds


def test_footer_lines_zero_height_rows_and_text_formulas_on_a_roster(tmp_path):
    def setup(wb):
        wb["名册"].merge_cells("A7:D7")

    rows = [
        ["工号：", "姓名*", "科室", "类别"],
        ["'MZ001", "李建国", "办公室", "领导干部"],
        ["MZ002", "王芳", "办公室", "公务员"],
        ["0003", "赵磊", "社会救助科", "公务员"],
        ["MZ004", "陈静", "社会救助科", "公务员"],
        [None],
        ["注：以上人员不含退休人员"],
        ["制表人：张三", None, "审核人：李四"],
    ]
    path = workbook(tmp_path / "名册.xlsx", {"名册": rows}, setup)
    # row 3 squeezed to nothing, as Excel writes it (openpyxl leaves a zero height out)
    patch_xml(path, "xl/worksheets/sheet1.xml", '<row r="3"', '<row r="3" ht="0" customHeight="1"')
    table = sheets.read_sheet(path, sheets.ROSTER)
    assert [r.values["staff_id"] for r in table.rows] == ["MZ001", "0003", "MZ004"]
    assert table.summary() == "跳过隐藏的第3行、第7行（表尾“注:以上人员不含退休人员”）、第8行（表尾“制表人:张三”）"


def test_csv_cells_as_exports_keep_text(tmp_path):
    path = tmp_path / "名册.csv"
    path.write_text('工号,姓名\n="0003",赵磊\n\'110101197001010011,李建国\n', encoding="utf-8")
    assert [r.values["staff_id"] for r in sheets.read_sheet(path, sheets.ROSTER).rows] == ["0003", "110101197001010011"]


def test_a_picture_floating_over_an_empty_option_cell_is_refused(tmp_path):
    from openpyxl.drawing.image import Image as Picture
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(tmp_path / "logo.png")

    def setup(wb):
        wb["题库"].add_image(Picture(str(tmp_path / "logo.png")), "E2")

    stem = "依照《殡葬管理条例》，哪个部门负责全国的殡葬管理工作？"
    path = workbook(
        tmp_path / "b.xlsx", {"题库": [BANK_HEADER, bank_row("1", "单选", stem, "国务院民政部门", None)]}, setup
    )
    with pytest.raises(bank.BankError) as error:
        imported(path)
    assert refusal(error) == [
        "工作表 题库 单元格 E2（选项B）: 是一张浮在单元格上的图片，单元格里没有文字：题库只读文字，图片不能作为选项B，请改为文字"
    ]


def test_id_card_column_is_the_staff_id_only_without_a_staff_id_column(tmp_path):
    db = records.open_db(tmp_path / "records.db")
    path = tmp_path / "名册.csv"
    path.write_text("姓名,身份证号码,科室\n孙丽,11010819820606006x,殡葬管理科\n", encoding="utf-8")
    result = records.import_roster(db, path)
    assert staff(db) == [("11010819820606006X", "孙丽", "殡葬管理科", "其他")]
    assert result.summary == "工号取自 B列“身份证号码”"
    both = tmp_path / "名册2.csv"
    both.write_text("工号,姓名,身份证号\nMZ006,孙丽,11010819820606006X\n", encoding="utf-8")
    table = sheets.read_sheet(both, sheets.ROSTER)
    assert table.rows[0].values["staff_id"] == "MZ006"
    assert table.summary() == "未读取 身份证号（C列）：工号取自 A列“工号”"
    results = tmp_path / "成绩.csv"
    results.write_text(
        "用户名,考试编号,总成绩,试卷满分,交卷时间\n11010819820606006x,2026-p,92,100,2026-11-05 09:30\n",
        encoding="utf-8",
    )
    assert records.import_results(db, results).counts.added == 1


@pytest.mark.parametrize(
    "cell",
    [
        "A.国务院民政部门；B.国务院卫生健康部门；",
        "A、国务院民政部门，B、国务院卫生健康部门",
        "A.国务院民政部门；|B.国务院卫生健康部门",
    ],
)
def test_option_cells_with_other_separators(cell):
    assert bank.split_options(cell) == {"A": "国务院民政部门", "B": "国务院卫生健康部门"}


def test_numbered_stems_are_one_stem_and_generic_stems_with_other_options_are_not_contradictions():
    assert bank.stem_key("3、殡葬事业是重要的公益事业。") == bank.stem_key("（12）殡葬事业是重要的公益事业")
    assert bank.stem_key("第4题 殡葬事业是重要的公益事业") == bank.stem_key("殡葬事业是重要的公益事业")
    a = bank.Question("b-1", "single", "下列说法正确的是（ ）。", "A", "解", [], "exam", {"A": "甲", "B": "乙"})
    b = bank.Question("b-2", "single", "下列说法正确的是：", "B", "解", [], "exam", {"A": "丙", "B": "丁"})
    c = bank.Question("b-3", "single", "下列说法正确的是", "A", "解", [], "exam", {"A": "乙", "B": "甲"})
    problems = [p.message for p in bank.check_unique([(a, "x.yaml", "1"), (b, "x.yaml", "2"), (c, "x.yaml", "3")])]
    assert problems == [
        "题干与 x.yaml 1 重复（只差标点或空括号）",
        "与 x.yaml 1 是同一题干（只差标点或空括号），答案却不同（A“甲” 与 A“乙”）：同一道题只能有一个答案，请删去一题或改正答案",
    ]


def test_invisible_characters_are_exactly_unicode_format_characters():
    import sys
    import unicodedata

    format_characters = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    removed = {ch for ch in format_characters if sheets.visible("名" + ch) == "名"}
    assert removed == format_characters
    assert sheets.visible("名\u3000字·") == "名\u3000字·"  # spaces and visible marks stay
