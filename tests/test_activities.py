"""Study activities (issue 30): a 学法台账 and 签到表 in the shapes offices write them, imported with
`lawstudy activity import` into a real records database, every figure of the report's study
section checked against a count this test makes from the rows it wrote."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from factories import roster_csv
from openpyxl import Workbook

pytestmark = pytest.mark.integration

YEAR = 2026
ZWSP = "\u200b"
PEOPLE = [
    ("MZ001", "王伟", "办公室", "领导干部"),
    ("MZ002", "李芳", "办公室", "公务员"),
    ("MZ003", "张敏", "社会救助科", "公务员"),
    ("MZ004", "刘静", "社会救助科", "执法人员"),
    ("MZ005", "陈晨", "社会事务科", "公务员"),
    ("MZ006", "陈晨", "婚姻登记处", "事业人员"),  # the same name in two 科室: ambiguous without one
    ("MZ007", "赵强", "婚姻登记处", "公务员"),
    ("MZ008", "孙丽", "社会事务科", "公务员"),
]
BY_ID = {p[0]: p for p in PEOPLE}
ROTATION = "rotation:\n  years: 3\n  min_hours: 6\n  category: 公务员\n"


def title_row(ws, text: str, width: int) -> None:
    ws.append([text])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)


class Written:
    """What the test wrote, as it means it: per activity its kind, hours and the people who count."""

    def __init__(self):
        self.activities: dict[tuple[str, str], dict] = {}  # (date, kind) -> {hours, people, headcount, laws}

    def add(self, date: str, kind: str, hours: float, people=(), headcount: int | None = None, laws=()):
        entry = self.activities.setdefault(
            (date, kind), {"hours": hours, "people": set(), "headcount": headcount, "laws": set()}
        )
        entry["people"] |= set(people)
        entry["laws"] |= set(laws)

    def attendances(self, entry) -> int:
        return len(entry["people"]) or (entry["headcount"] or 0)


def write_ledger(path: Path, written: Written) -> Path:
    """A 学法台账: merged title, 序号, one row each; names, a name twice on the roster, someone not on
    it, a 参加人数 only, a note under the data."""
    wb = Workbook()
    ws = wb.active
    ws.title = f"{YEAR}年"
    title_row(ws, f"{YEAR}年度学法台账", 9)
    ws.append(["序号", "时间", "学习形式", "学习内容", "主讲人", "主办单位", "学时", "涉及法律", "参加人员"])
    rows = [
        ("2026年1月6日", "会前学法", "学习《社会救助暂行办法》", "王伟", "", 1, "社会救助暂行办法", "王伟、李芳、张敏"),
        (
            "2026-02-10",
            "会前学法",
            "学习宪法",
            "王伟",
            "",
            1,
            "《中华人民共和国宪法》",
            "王伟、李芳、陈晨（社会事务科）",
        ),
        ("2026/3/3", "会前讲法", "低保审核的法律风险", "张敏", "", 0.5, "社会救助暂行办法", "王伟、陈晨、钱七"),
        ("2026年4月16日", "专题培训", "殡葬管理专题培训", "", "区民政局", "3学时", "《殡葬管理条例》", ""),
        ("2026年5月20日", "以会代训", "全区民政工作会议", "", "", 1, "", ""),
        ("2026年6月18日", "讲座", "民法典婚姻家庭编", "陈教授", "", 2, "民法典", ""),
        ("2026年7月14日", "外派培训", "全省民政系统法制培训班", "", "省民政厅", 8, "行政处罚法", "刘静、MZ007"),
    ]
    for n, row in enumerate(rows, 1):
        ws.append([n, *row])
    ws.cell(row=2, column=10, value="参加人数")
    ws.cell(row=7, column=10, value="45人")
    ws.append(["注：参加人员以签到表为准"])
    wb.save(path)
    written.add("2026-01-06", "会前学法", 1, ["MZ001", "MZ002", "MZ003"], laws=["社会救助暂行办法"])
    written.add("2026-02-10", "会前学法", 1, ["MZ001", "MZ002", "MZ005"], laws=["中华人民共和国宪法"])
    # 陈晨 without a 科室 is two people on the roster, 钱七 is nobody: listed, not counted
    written.add("2026-03-03", "会前讲法", 0.5, ["MZ001"], laws=["社会救助暂行办法"])
    written.add("2026-04-16", "专题培训", 3, laws=["殡葬管理条例"])
    written.add("2026-05-20", "以会代训", 1, headcount=45)
    written.add("2026-06-18", "专家讲座", 2, laws=["中华人民共和国民法典"])
    written.add("2026-07-14", "外派培训", 8, ["MZ004", "MZ007"], laws=["中华人民共和国行政处罚法"])
    return path


def write_sign_ins(folder: Path, written: Written) -> list[Path]:
    """Three sign-in sheets: (1) the 专题培训 of the ledger: merged title with the date, 签名 √ or
    请假, a struck-out row hidden, a name with a zero-width space, 陈晨 with her 科室; (2) the
    专家讲座: the date on a second title line, 工号, the invited speaker signing; (3) a 培训班 not in the
    ledger: a workbook whose title gives date, kind and 学时, its 签名 column empty (a typed-up copy)."""
    files = []
    wb = Workbook()
    ws = wb.active
    ws.title = "签到表"
    title_row(ws, "2026年4月16日殡葬管理专题培训签到表", 4)
    ws.append(["序号", "姓名", "科室", "签名"])
    ws.append([1, "李芳", "办公室", "√"])
    ws.append([2, "张" + ZWSP + "敏", "社会救助科", "√"])
    ws.append([3, "陈晨", "婚姻登记处", "√"])
    ws.append([4, "赵强", "婚姻登记处", "请假"])
    ws.append([5, "孙丽", "社会事务科", "√"])
    ws.append([6, "赵强", "婚姻登记处", "√"])  # struck out: hidden
    ws.row_dimensions[ws.max_row].hidden = True
    files.append(folder / "签到表-殡葬.xlsx")
    wb.save(files[-1])
    written.add("2026-04-16", "专题培训", 3, ["MZ002", "MZ003", "MZ006", "MZ008"])

    wb = Workbook()
    ws = wb.active
    ws.title = "签到"
    title_row(ws, "民法典婚姻家庭编专家讲座签到表", 5)
    title_row(ws, "时间：2026年6月18日    主讲人：陈教授", 5)
    ws.append(["序号", "工号", "姓名", "科室", "签名"])
    ws.append([1, "", "陈教授", "市委党校", "√"])
    ws.append([2, "MZ005", "陈晨", "社会事务科", "√"])
    ws.append([3, "MZ007", "赵强", "婚姻登记处", "√"])
    ws.append([4, "MZ001", "王伟", "办公室", "√"])
    files.append(folder / "签到表-讲座.xlsx")
    wb.save(files[-1])
    written.add("2026-06-18", "专家讲座", 2, ["MZ005", "MZ007", "MZ001"])

    wb = Workbook()
    ws = wb.active
    ws.title = "培训班"
    title_row(ws, "婚姻登记业务培训班签到表（2026.9.9，4学时）", 3)
    ws.append(["姓名", "部门", "签到"])
    for name, department in (("赵强", "婚姻登记处"), ("陈晨", "婚姻登记处"), ("孙丽", "社会事务科")):
        ws.append([name, department, None])
    files.append(folder / "签到表-培训班.xlsx")
    wb.save(files[-1])
    written.add("2026-09-09", "培训班", 4, ["MZ007", "MZ006", "MZ008"])
    return files


@pytest.fixture
def bureau(tmp_path, cli):
    home = tmp_path / "home"
    cli("roster", "import", roster_csv(tmp_path / "名册.csv", PEOPLE), "--home", home, check=True)
    cli("course", "complete", "MZ002", "burial", "--year", YEAR, "--hours", 2, "--home", home, check=True)
    cli("course", "complete", "MZ005", "burial", "--year", YEAR - 2, "--hours", 3, "--home", home, check=True)
    cli("course", "complete", "MZ008", "burial", "--year", YEAR - 3, "--hours", 5, "--home", home, check=True)
    (home / "settings.yaml").write_text(ROTATION, encoding="utf-8")
    written = Written()
    files = [write_ledger(tmp_path / "学法台账.xlsx", written), *write_sign_ins(tmp_path, written)]
    course_hours = {"MZ002": 2.0}  # in YEAR
    window_course_hours = {"MZ002": 2.0, "MZ005": 3.0}  # in YEAR-2..YEAR (MZ008's is older)
    return home, files, written, course_hours, window_course_hours


def dump(home: Path) -> dict:
    with sqlite3.connect(home / "records.db") as conn:
        return {
            t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}")))  # noqa: S608 - the test's own names
            for t in ("activities", "activity_laws", "attendance")
        }


def test_import_counts_every_figure_once_and_lists_who_is_not_counted(bureau, cli, tmp_path):
    home, files, written, course_hours, window_course_hours = bureau

    preview = cli("activity", "import", *files, "--dry-run", "--home", home, check=True)
    assert "未写入" in preview.stdout and "新增 8 场" in preview.stdout, preview.stdout
    assert dump(home) == {"activities": [], "activity_laws": [], "attendance": []}

    done = cli("activity", "import", *files, "--home", home, check=True)
    out = done.stdout
    assert "Traceback" not in done.stderr
    # who was listed and not counted, each with file, sheet and row
    assert "学法台账.xlsx: 第5行 参加人员 陈晨：名册中有 2 人名为 陈晨" in out
    assert "学法台账.xlsx: 第5行 参加人员 钱七：钱七 不在名册中" in out
    assert "签到表-殡葬.xlsx: 工作表 签到表 第6行 赵强：签名栏为“请假”，未计入" in out
    assert "签到表-讲座.xlsx: 工作表 签到 第4行 陈教授" in out and "不在名册中" in out
    assert "跳过隐藏的第8行" in out
    first = dump(home)

    again = cli("activity", "import", *files, "--home", home, check=True)
    assert "新增 0 场" in again.stdout and "新增 0 人次" in again.stdout, again.stdout
    assert dump(home) == first

    outputs = [x for suffix in ("json", "md", "xlsx", "html") for x in ("-o", tmp_path / f"r.{suffix}")]
    cli("report", "--year", YEAR, *outputs, "--home", home, check=True)
    rep = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))

    # the independent count, from what the test wrote
    acts = written.activities
    kinds: dict[str, Counter] = defaultdict(Counter)
    for (_, kind), a in acts.items():
        kinds[kind]["sessions"] += 1
        kinds[kind]["attendances"] += written.attendances(a)
        kinds[kind]["hours"] += a["hours"]
    got = {k["kind"]: (k["sessions"], k["attendances"], k["hours"]) for k in rep["activities"]}
    assert got == {k: (c["sessions"], c["attendances"], c["hours"]) for k, c in kinds.items()}
    order = ["会前学法", "会前讲法", "以会代训", "专题培训", "专家讲座", "培训班", "外派培训", "执法资格培训", "其他"]
    assert [k["kind"] for k in rep["activities"]] == [k for k in order if k in kinds]

    activity_hours: Counter = Counter()
    for a in acts.values():
        for staff_id in a["people"]:
            activity_hours[staff_id] += a["hours"]
    people = {p["staff_id"]: p for p in rep["people"]}
    for staff_id in BY_ID:
        assert people[staff_id]["hours"] == {
            "course_hours": course_hours.get(staff_id, 0),
            "activity_hours": activity_hours.get(staff_id, 0),
        }, staff_id
    by_department: Counter = Counter()
    for staff_id, (_, _, department, _) in BY_ID.items():
        by_department[department] += activity_hours[staff_id] + course_hours.get(staff_id, 0)
    assert {d["department"]: d["hours"] for d in rep["departments"]} == pytest.approx(dict(by_department))

    laws = Counter(law for a in acts.values() for law in a["laws"])
    assert {row["law"]: row["sessions"] for row in rep["laws_studied"]} == dict(laws)

    # the rotation: 公务员, 6 hours within 2024-2026 from courses and activities
    civil = [s for s, p in BY_ID.items() if p[3] == "公务员"]
    done_ids = [s for s in civil if activity_hours[s] + window_course_hours.get(s, 0) >= 6]
    assert rep["rotation"]["required"] == len(civil)
    assert rep["rotation"]["completed"] == len(done_ids)
    assert rep["rotation"]["rate"] == pytest.approx(len(done_ids) / len(civil))
    pending = {p["staff_id"]: p["needed_hours"] for p in rep["rotation"]["pending"]}
    assert pending == {
        s: pytest.approx(6 - activity_hours[s] - window_course_hours.get(s, 0)) for s in civil if s not in done_ids
    }

    # the paragraph, written the way annual reports are
    total_attendances = sum(written.attendances(a) for a in acts.values())
    per_person = round(sum(activity_hours.values()) + sum(course_hours.values()), 2) / len(BY_ID)
    paragraph = rep["paragraph"]
    assert paragraph.startswith(
        f"全年组织会前学法{kinds['会前学法']['sessions']}次、中层干部会前讲法{kinds['会前讲法']['sessions']}次、"
        f"以会代训{kinds['以会代训']['sessions']}次、专题培训{kinds['专题培训']['sessions']}期、"
        f"专家讲座{kinds['专家讲座']['sessions']}场、培训班{kinds['培训班']['sessions']}期，"
        f"选派干部参加上级部门法制培训{kinds['外派培训']['sessions']}次，干部职工参训{total_attendances}人次，"
        f"人均学法{round(per_person, 2):g}学时；"
    ), paragraph
    rate = len(done_ids) / len(civil) * 100
    assert f"应完成{len(civil)}人，已完成{len(done_ids)}人，完成率{rate:.1f}".rstrip("0").rstrip(".") in paragraph
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert paragraph in md and "## 学法活动（按形式）" in md and "## 轮训未完成名单" in md
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<h2>学法活动（按形式）</h2>" in html and "<h2>学习的法律法规</h2>" in html
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "r.xlsx")["学法活动"]
    rows = {r[0]: r[1:4] for r in sheet.iter_rows(values_only=True) if r[0] in kinds}
    assert rows == {k: (c["sessions"], c["attendances"], c["hours"]) for k, c in kinds.items()}


def test_add_and_list(bureau, cli):
    home = bureau[0]
    added = cli(
        "activity",
        "add",
        "--date",
        "2026-03-05",
        "--kind",
        "会前学法",
        "--topic",
        "学习《殡葬管理条例》",
        "--speaker",
        "王伟",
        "--hours",
        "1",
        "--laws",
        "《殡葬管理条例》第一条",
        "--attendees",
        "MZ001,MZ002",
        "--home",
        home,
        check=True,
    )
    assert "新增 1 场" in added.stdout and "新增 2 人次" in added.stdout
    again = cli(
        "activity", "add", "--date", "2026-03-05", "--kind", "会前学法", "--topic", "学习 殡葬管理条例",
        "--hours", "1", "--attendees", "MZ001", "--home", home, check=True,
    )  # fmt: skip
    assert "新增 0 场" in again.stdout and "新增 0 人次" in again.stdout  # the same activity (topic normalised)
    listed = cli("activity", "list", "--year", YEAR, "--home", home, check=True).stdout
    assert "2026-03-05  会前学法  学习《殡葬管理条例》  王伟  1学时  参加 2 人次  《殡葬管理条例》第一条" in listed
    assert "共 1 场" in listed
    data = json.loads(cli("activity", "list", "--json", "--home", home, check=True).stdout)
    assert [(a["kind"], a["attendances"], a["laws"]) for a in data] == [
        ("会前学法", 2, [{"law": "殡葬管理条例", "article": 1}])
    ]
    # a 工号 not on the roster, an unknown law: one message each, nothing written
    bad = cli(
        "activity", "add", "--date", "2026-04-01", "--kind", "专题培训", "--topic", "x", "--hours", "2",
        "--laws", "不存在的条例", "--attendees", "MZ999", "--home", home,
    )  # fmt: skip
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "工号 MZ999 不在名册中" in bad.stderr and "涉及法律“不存在的条例”" in bad.stderr
    assert len(json.loads(cli("activity", "list", "--json", "--home", home, check=True).stdout)) == 1


def test_a_bad_file_writes_nothing(bureau, cli, tmp_path):
    home, files = bureau[0], bureau[1]
    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "形式", "主题", "学时"])
    ws.append(["2026-05-01", "会前学法", "学习婚姻登记条例", 1])
    ws.append(["三月", "会前学法", "学习宪法", 1])
    ws.append(["2026-06-01", "开会", "年中会议", "两小时"])
    bad = tmp_path / "坏台账.xlsx"
    wb.save(bad)
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "科室"])
    ws.append(["李芳", "办公室"])
    untitled = tmp_path / "无标题签到表.xlsx"
    wb.save(untitled)
    result = cli("activity", "import", files[0], bad, untitled, "--home", home)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    err = result.stderr
    assert "坏台账.xlsx: 第3行: 日期“三月”无法识别" in err
    assert "坏台账.xlsx: 第4行: 形式“开会”无法识别" in err and "学时“两小时”" in err
    assert "无标题签到表.xlsx" in err and "没有说明日期" in err and "--date" in err
    assert "未写入任何数据" in err
    assert dump(home) == {"activities": [], "activity_laws": [], "attendance": []}
    # options for a sign-in sheet give what its title does not say
    ok = cli(
        "activity", "import", untitled, "--date", "2026-05-02", "--kind", "专题培训", "--hours", "2",
        "--topic", "社会组织登记专题培训", "--home", home, check=True,
    )  # fmt: skip
    assert "新增 1 场" in ok.stdout and "新增 1 人次" in ok.stdout
    not_a_workbook = tmp_path / "签到表.xlsx"
    not_a_workbook.write_text("姓名\n李芳\n", encoding="utf-8")
    result = cli("activity", "import", not_a_workbook, "--home", home)
    assert result.returncode == 1 and "不是 Excel 工作簿" in result.stderr and "Traceback" not in result.stderr


def test_no_rotation_rule_and_a_bad_one(bureau, cli, tmp_path):
    home = bureau[0]
    (home / "settings.yaml").unlink()
    cli("report", "--year", YEAR, "-o", tmp_path / "r.json", "--home", home, check=True)
    rep = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert rep["rotation"] == {
        "rule": None,
        "required": 0,
        "completed": 0,
        "rate": None,
        "departments": [],
        "pending": [],
    }
    assert rep["activities"] == [] and "轮训" not in rep["paragraph"]
    (home / "settings.yaml").write_text("rotation:\n  years: 3\n  hours: 12\n", encoding="utf-8")
    bad = cli("report", "--year", YEAR, "-o", tmp_path / "r.json", "--home", home)
    assert bad.returncode == 1 and "settings.yaml: rotation 有不认识的键 hours" in bad.stderr
    assert "Traceback" not in bad.stderr
