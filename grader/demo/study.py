"""The demo bureau's year of study outside the exam: a 学法台账 and a few 签到表 written as offices
write them (a merged title row, a 序号 column, a 签名 column with √ or 请假, an invited speaker who is
not on the roster, a struck-out row hidden, a name carrying a zero-width space, a typed-up copy
whose 签名 column is empty), and the instance's rotation rule (settings.yaml).

All of it is fictional; the statutes named are ones shipped in courses/laws/ (titles only: the
import resolves each through grader.laws)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from grader.demo.bureau import Person

LEDGER_FILE = "2026年学法台账.xlsx"
ROTATION_SETTINGS = "rotation:\n  years: 3\n  min_hours: 12\n  category: 公务员\n"

# (month, day, kind, topic, speaker, organiser, hours, laws, who): who = "leaders" (named in the
# ledger's 参加人员), "count" (only 参加人数 written), "sign-in" (a 签到表 carries the names), "enforcers"
MEETINGS = [
    (1, 6, "会前学法", "学习《社会救助暂行办法》", "", "", 1, "社会救助暂行办法", "leaders"),
    (2, 10, "会前学法", "学习《中华人民共和国宪法》", "", "", 1, "中华人民共和国宪法", "leaders"),
    (3, 3, "会前学法", "学习《殡葬管理条例》", "", "", 1, "殡葬管理条例", "leaders"),
    (4, 7, "会前学法", "学习《中华人民共和国行政复议法》", "", "", 1, "中华人民共和国行政复议法", "leaders"),
    (5, 5, "会前学法", "学习《社会团体登记管理条例》", "", "", 1, "社会团体登记管理条例", "leaders"),
    (
        6,
        2,
        "会前学法",
        "学习《中华人民共和国政府信息公开条例》",
        "",
        "",
        1,
        "中华人民共和国政府信息公开条例",
        "leaders",
    ),
    (7, 7, "会前学法", "学习《婚姻登记条例》", "", "", 1, "婚姻登记条例", "leaders"),
    (
        8,
        4,
        "会前学法",
        "学习《中华人民共和国村民委员会组织法》",
        "",
        "",
        1,
        "中华人民共和国村民委员会组织法",
        "leaders",
    ),
    (9, 1, "会前学法", "学习《中华人民共和国行政处罚法》", "", "", 1, "中华人民共和国行政处罚法", "leaders"),
    (
        10,
        13,
        "会前学法",
        "学习《中华人民共和国老年人权益保障法》",
        "",
        "",
        1,
        "中华人民共和国老年人权益保障法",
        "leaders",
    ),
    (11, 3, "会前学法", "学习《基金会管理条例》", "", "", 1, "基金会管理条例", "leaders"),
    (12, 1, "会前学法", "学习《中华人民共和国法治宣传教育法》", "", "", 1, "中华人民共和国法治宣传教育法", "leaders"),
    (3, 17, "会前讲法", "低保审核确认中的法律风险", "{head:社会救助科}", "", 0.5, "社会救助暂行办法", "leaders"),
    (
        6,
        16,
        "会前讲法",
        "社会组织年检与行政处罚",
        "{head:社会组织管理科}",
        "",
        0.5,
        "中华人民共和国行政处罚法",
        "leaders",
    ),
    (9, 15, "会前讲法", "婚姻登记常见问题", "{head:婚姻登记处}", "", 0.5, "婚姻登记条例", "leaders"),
    (5, 20, "以会代训", "全区民政工作会议暨依法行政培训", "", "", 1, "", "count"),
    (11, 18, "以会代训", "年终民政工作推进会", "", "", 1, "", "count"),
    (
        4,
        16,
        "专题培训",
        "社会救助政策法规专题培训",
        "{head:社会救助科}",
        "",
        3,
        "社会救助暂行办法、浙江省社会救助条例",
        "sign-in",
    ),
    (
        8,
        20,
        "专题培训",
        "行政复议与行政诉讼应诉专题培训",
        "{head:办公室}",
        "",
        3,
        "中华人民共和国行政复议法",
        "sign-in",
    ),
    (6, 18, "专家讲座", "民法典婚姻家庭编专家讲座", "陈教授（特邀）", "", 2, "中华人民共和国民法典", "sign-in"),
    (10, 22, "培训班", "殡葬管理培训班", "", "区民政局", 6, "殡葬管理条例", "sign-in"),
    (10, 29, "培训班", "民办非企业单位登记管理培训班", "", "区民政局", 6, "民办非企业单位登记管理暂行条例", "sign-in"),
    (7, 14, "外派培训", "全省民政系统法制培训班", "", "省民政厅", 8, "中华人民共和国行政处罚法", "enforcers"),
    (
        9,
        8,
        "执法资格培训",
        "行政执法资格培训及考试",
        "",
        "区司法局",
        16,
        "中华人民共和国行政处罚法、中华人民共和国行政强制法",
        "enforcers",
    ),
]

ZERO_WIDTH_SPACE = "\u200b"


def write_study_year(folder: Path, people: list[Person], year: int, rng: random.Random) -> list[Path]:
    """Write the ledger and the sign-in sheets of `year` into `folder`; return their paths (the
    ledger first: `lawstudy activity import` takes them in one command)."""
    from openpyxl import Workbook

    heads = {p.department: p for p in people if p.category == "领导干部"}
    leaders = [p.name for p in people if p.category == "领导干部"]
    enforcers = [p for p in people if p.category == "执法人员"]
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年"
    columns = ["序号", "日期", "形式", "主题", "主讲人", "主办单位", "学时", "涉及法律", "参加人员", "参加人数"]
    ws.append([f"区民政局{year}年度学法台账"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.append(columns)
    sign_ins = []
    rows = sorted(MEETINGS, key=lambda m: (m[0], m[1]))
    for n, (month, day, kind, topic, speaker, organiser, hours, laws, who) in enumerate(rows, 1):
        if speaker.startswith("{head:"):
            speaker = heads[speaker[6:-1]].name
        names, count = "", None
        if who == "leaders":
            names = "、".join(leaders)
        elif who == "count":
            count = f"{rng.randint(40, 55)}人"
        elif who == "enforcers":
            names = "、".join(p.name for p in rng.sample(enforcers, min(3, len(enforcers))))
        else:
            sign_ins.append((dt.date(year, month, day), kind, topic))
        ws.append([n, f"{year}年{month}月{day}日", kind, topic, speaker, organiser, hours, laws, names, count])
    ws.append(["注：参加人员以签到表为准。"])
    ledger = folder / LEDGER_FILE
    wb.save(ledger)
    return [ledger, *_sign_in_files(folder, people, sign_ins, rng)]


def _sign_in_files(folder: Path, people: list[Person], sign_ins, rng: random.Random) -> list[Path]:
    """Four shapes: a merged title with a 签名 column (√, 请假, a hidden struck-out row, a name with a
    zero-width space); a title and a 时间/主讲人 line with 工号 and an invited speaker; a typed-up
    copy whose 签名 column is empty; a workbook of two sheets, one per 培训班."""
    from openpyxl import Workbook

    files = []
    staff = [p for p in people if p.category != "领导干部"]
    by_kind: dict[str, list] = {}
    for day, kind, topic in sign_ins:
        by_kind.setdefault(kind, []).append((day, kind, topic))

    def title(ws, text: str, width: int) -> None:
        ws.append([text])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)

    # 1. 专题培训 (first): merged title, 序号/姓名/科室/签名; √, one 请假, a hidden row, a zero-width space
    day, kind, topic = by_kind["专题培训"][0]
    wb = Workbook()
    ws = wb.active
    ws.title = "签到表"
    title(ws, f"{day.year}年{day.month}月{day.day}日{topic}签到表", 4)
    ws.append(["序号", "姓名", "科室", "签名"])
    chosen = rng.sample(staff, 24)
    for i, p in enumerate(chosen, 1):
        name = p.name[:1] + ZERO_WIDTH_SPACE + p.name[1:] if i == 3 else p.name
        ws.append([i, name, p.department, "请假" if i == 7 else "√"])
    ws.append([len(chosen) + 1, chosen[0].name, chosen[0].department, "√"])  # written twice, struck out:
    ws.row_dimensions[ws.max_row].hidden = True  # hidden, so not read
    files.append(folder / f"签到表-{topic}.xlsx")
    wb.save(files[-1])

    # 2. 专家讲座: title and a 时间/主讲人 line, 工号 column, the invited speaker signs too
    day, kind, topic = by_kind["专家讲座"][0]
    wb = Workbook()
    ws = wb.active
    ws.title = "签到"
    title(ws, f"{topic}签到表", 5)
    title(ws, f"时间：{day.year}年{day.month}月{day.day}日    主讲人：陈教授（特邀）", 5)
    ws.append(["序号", "工号", "姓名", "科室", "签名"])
    ws.append([1, "", "陈教授", "市委党校", "√"])
    for i, p in enumerate(rng.sample(staff, 30), 2):
        ws.append([i, p.staff_id, p.name, p.department, "√"])
    files.append(folder / f"签到表-{topic}.xlsx")
    wb.save(files[-1])

    # 3. 专题培训 (second): a typed-up copy, 签名 column left empty (the signatures are on paper)
    day, kind, topic = by_kind["专题培训"][1]
    wb = Workbook()
    ws = wb.active
    title(ws, f"{topic}签到表（{day.year}.{day.month}.{day.day}）", 4)
    ws.append(["序号", "姓名", "科室", "签名"])
    for i, p in enumerate(rng.sample(staff, 20), 1):
        ws.append([i, p.name, p.department, None])
    files.append(folder / f"签到表-{topic}.xlsx")
    wb.save(files[-1])

    # 4. 培训班: one workbook, a sheet per class
    wb = Workbook()
    wb.remove(wb.active)
    for day, _kind, topic in by_kind["培训班"]:
        ws = wb.create_sheet(topic[:31])
        title(ws, f"{day.year}年{day.month}月{day.day}日 {topic} 签到表", 4)
        ws.append(["序号", "姓名", "科室", "签名"])
        for i, p in enumerate(rng.sample(staff, 15), 1):
            ws.append([i, p.name, p.department, "√"])
    files.append(folder / "培训班签到表.xlsx")
    wb.save(files[-1])
    return files
