"""Importing and exporting the Excel / CSV 题库 trainers already keep."""

import csv

import pytest
from openpyxl import Workbook, load_workbook

from grader import banks as bank

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def law_before_2026_03_30(monkeypatch):
    """Check as of 2026-01-01 (lawstudy reads $LAWSTUDY_TODAY as today, also in the CLI subprocesses).

    These fixtures quote the 2012 殡葬管理条例 without naming a version, as trainers' sheets did
    before versions existed; an unversioned citation is checked against the version in force on
    the day of the check, and the 2012 text was superseded on 2026-03-30. Pinning the date keeps
    each test testing what it is about; the checks are unchanged (tests/test_law_versions.py covers
    the version chosen by date, including these quotes failing after 2026-03-30).
    """
    monkeypatch.setenv("LAWSTUDY_TODAY", "2026-01-01")


HEADERS = bank.SHEET_HEADERS
ROWS = [
    # 题号 题型 题干 A..F 答案 解析 法律依据 依据原文 分值 难度 标签 题库用途
    [
        "1",
        "单选",
        "下列哪类地区应当实行火葬？",
        "人口稠密、耕地较少、交通方便的地区",
        "少数民族聚居地区",
        "山区",
        "所有地区",
        "",
        "",
        "B".replace("B", "A"),
        "第四条。",
        "《殡葬管理条例》第四条",
        "人口稠密、耕地较少、交通方便的地区，应当实行火葬",
        "2",
        "易",
        "火葬区",
        "考试",
    ],
    [
        "2",
        "多选",
        "殡葬管理的方针包括？",
        "积极地、有步骤地实行火葬",
        "改革土葬",
        "节约殡葬用地",
        "全面禁止土葬",
        "",
        "",
        "A、B、C",
        "第二条。",
        "《殡葬管理条例》第二条",
        "积极地、有步骤地实行火葬，改革土葬",
        "2",
        "中",
        "方针、火葬",
        "练习",
    ],
    [
        "3",
        "判断",
        "殡仪服务人员可以利用工作之便索取财物。",
        "",
        "",
        "",
        "",
        "",
        "",
        "×",
        "不得索取。",
        "《殡葬管理条例》第十二条",
        "不得利用工作之便索取财物",
        "2",
        "难",
        "",
        "考试",
    ],
    [
        "4",
        "多选",
        "禁止在哪些地区建造坟墓？",
        "耕地、林地",
        "水源保护区",
        "经批准的公墓",
        "",
        "",
        "",
        "A,B",
        "第十条、第十一条。",
        "《殡葬管理条例》第十条\n《殡葬管理条例》第十一条",
        "禁止在下列地区建造坟墓\n严格限制公墓墓穴占地面积和使用年限",
        "2",
        "2",
        "公墓",
        "考试",
    ],
    [
        "5",
        "判断",
        "实行火葬和允许土葬的地区，由省级人民政府划定。",
        "",
        "",
        "",
        "",
        "",
        "",
        "对",
        "第四条。",
        "《中华人民共和国殡葬管理条例》第四条".replace("中华人民共和国", ""),
        "由省、自治区、直辖市人民政府划定",
        "1",
        "1",
        "",
        "练习",
    ],
]


def xlsx(path, rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def csv_file(path, rows, encoding, headers=HEADERS):
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)
    return path


def test_xlsx_import_reads_every_way_of_writing_answers(tmp_path):
    b = bank.import_sheet(xlsx(tmp_path / "题库.xlsx", ROWS), bank_id="burial")
    got = {q.id: q for q in b.questions}
    assert list(got) == ["burial-001", "burial-002", "burial-003", "burial-004", "burial-005"]
    assert got["burial-001"].answer == "A" and got["burial-001"].pool == "exam"
    assert got["burial-002"].answer == ["A", "B", "C"] and got["burial-002"].tags == ["方针", "火葬"]
    assert got["burial-003"].answer is False and got["burial-003"].difficulty == 3
    assert [c.article for c in got["burial-004"].basis] == [10, 11]
    assert got["burial-005"].answer is True and got["burial-005"].points == 1


@pytest.mark.parametrize(
    "answer,qtype,expected",
    [
        ("B", "single", "B"),
        (" b ", "single", "B"),
        ("ACD", "multiple", ["A", "C", "D"]),
        ("A,C,D", "multiple", ["A", "C", "D"]),
        ("A、C、D", "multiple", ["A", "C", "D"]),
        ("A，C", "multiple", ["A", "C"]),
        ("对", "judge", True),
        ("错", "judge", False),
        ("正确", "judge", True),
        ("错误", "judge", False),
        ("√", "judge", True),
        ("×", "judge", False),
        ("A", "judge", True),
        ("B", "judge", False),
    ],
)
def test_answer_spellings(answer, qtype, expected):
    assert bank.parse_answer(qtype, answer) == expected


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_every_encoding_trainers_save(tmp_path, encoding):
    rows = [r[:] for r in ROWS]
    rows[2][9] = "×"
    rows[2][9] = "错" if encoding == "gbk" else "×"  # × is not in GBK's common set on every system
    b = bank.import_sheet(csv_file(tmp_path / "t.csv", rows, encoding), bank_id="burial")
    assert len(b.questions) == 5
    assert b.questions[0].stem == "下列哪类地区应当实行火葬？"


BAD_ROWS = [
    (lambda r: r.__setitem__(1, "填空"), "题型 '填空'"),
    (lambda r: r.__setitem__(0, ""), "缺少题号"),
    (lambda r: r.__setitem__(9, "E"), "单选题答案 'E'"),
    (lambda r: r.__setitem__(9, "AB"), "单选题只能有一个答案"),
    (lambda r: r.__setitem__(9, "也许"), "应由选项字母组成"),
    (lambda r: r.__setitem__(11, "殡葬管理条例第四条"), "应写作《法规名称》第X条"),
    (lambda r: r.__setitem__(11, "《殡葬管理条例》第九十条"), "没有第九十条"),
    (lambda r: r.__setitem__(12, "所有地区都应当实行火葬"), "不在该条原文中"),
    (lambda r: r.__setitem__(16, "测验"), "题库用途 '测验'"),
    (lambda r: r.__setitem__(13, "两分"), "分值 '两分'"),
    (lambda r: r.__setitem__(14, "超难"), "难度 '超难'"),
    (lambda r: r.__setitem__(4, r[3]), "选项重复"),
    (lambda r: r.__setitem__(2, ""), "缺少必填字段 stem"),
    (lambda r: r.__setitem__(12, ""), "依据原文有 0 段"),
]


@pytest.mark.parametrize("spoil,expected", BAD_ROWS)
def test_bad_row_named_by_row_number_and_nothing_written(tmp_path, cli, spoil, expected):
    rows = [r[:] for r in ROWS]
    spoil(rows[0])
    src = xlsx(tmp_path / "题库.xlsx", rows)
    out = tmp_path / "quizzes" / "burial.yaml"
    result = cli("quiz", "import", src, "-o", out)
    assert result.returncode == 1
    assert "第2行" in result.stderr and expected in result.stderr, result.stderr
    assert "未写入任何文件" in result.stderr
    assert not out.exists() and not out.parent.exists()


def test_duplicate_id_in_sheet_and_against_other_banks(tmp_path, cli):
    rows = [r[:] for r in ROWS]
    rows[1][0] = "1"
    rows[1][2] = "新题干？"
    result = cli("quiz", "import", xlsx(tmp_path / "a.xlsx", rows), "-o", tmp_path / "q" / "burial.yaml")
    assert result.returncode == 1 and "第3行" in result.stderr and "题号 burial-001 重复" in result.stderr


def test_missing_columns_and_wrong_file_type(tmp_path, cli):
    src = xlsx(tmp_path / "a.xlsx", ROWS, headers=[h for h in HEADERS if h != "答案"])
    result = cli("quiz", "import", src, "-o", tmp_path / "x.yaml")
    assert result.returncode == 1 and "缺少列: 答案" in result.stderr
    (tmp_path / "a.txt").write_text("x")
    result = cli("quiz", "import", tmp_path / "a.txt", "-o", tmp_path / "x.yaml")
    assert result.returncode == 1 and "不支持的文件类型" in result.stderr
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    result = cli("quiz", "import", tmp_path / "broken.xlsx", "-o", tmp_path / "x.yaml")
    assert result.returncode == 1 and "broken.xlsx" in result.stderr and "无法打开" in result.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_import_refuses_to_overwrite_without_force(tmp_path, cli):
    src = xlsx(tmp_path / "a.xlsx", ROWS)
    out = tmp_path / "burial.yaml"
    cli("quiz", "import", src, "-o", out, check=True)
    before = out.read_text(encoding="utf-8")
    result = cli("quiz", "import", src, "-o", out)
    assert result.returncode == 1 and "--force" in result.stderr
    assert out.read_text(encoding="utf-8") == before
    cli("quiz", "import", src, "-o", out, "--force", check=True)


def test_export_then_import_gives_back_the_same_bank(tmp_path, cli):
    src = xlsx(tmp_path / "a.xlsx", ROWS)
    first = tmp_path / "q1" / "burial.yaml"
    cli("quiz", "import", src, "-o", first, "--title", "殡葬管理", check=True)
    for suffix in ("xlsx", "csv"):
        sheet = tmp_path / f"out.{suffix}"
        cli("quiz", "export", first, "-o", sheet, check=True)
        again = tmp_path / f"q2{suffix}" / "burial.yaml"
        cli("quiz", "import", sheet, "-o", again, "--title", "殡葬管理", check=True)
        assert again.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    wb = load_workbook(tmp_path / "out.xlsx")
    assert wb["题库"]["B2"].value == "单选" and wb["说明"]["B1"].value == "burial"


def test_template_has_headers_and_one_checked_example(tmp_path, cli):
    out = tmp_path / "模板.xlsx"
    cli("quiz", "template", "-o", out, check=True)
    ws = load_workbook(out)["题库"]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.max_row == 2
    imported = bank.import_sheet(out)
    assert len(imported.questions) == 1


def test_cli_check_reports_every_problem_and_exit_code(tmp_path, cli):
    path = tmp_path / "b.yaml"
    path.write_text(
        "bank: b\nquestions:\n- id: a\n  type: single\n  stem: 问\n  answer: Z\n"
        "  options: {A: 甲, B: 乙}\n  explanation: 解\n  pool: exam\n"
        "  basis: [{law: 殡葬管理条例, article: 4, quote: 不在这里}]\n",
        encoding="utf-8",
    )
    result = cli("quiz", "check", path)
    assert result.returncode == 1
    assert "单选题答案 'Z'" in result.stdout and "依据原文与《殡葬管理条例》（2012年修订）第四条不符" in result.stdout
    assert "发现 2 个问题" in result.stderr
