"""The tables every export shares: column headers, how a value is shown, the terminal summary."""

from __future__ import annotations

import re

from grader.reports.report import paragraph, pct, timing_lines
from grader.vocabulary import EXCELLENT, FAILED, PASSED

# ------------------------------------------------------------------ tables shared by the exports

GROUP_HEADERS = [
    ("required", "应考人数"),
    ("exempt", "免考人数"),
    ("participants", "参考人数"),
    ("passed", "合格人数"),
    ("first_attempt_passed", "首次合格人数"),
    ("excellent", "优秀人数"),
    ("participation_rate", "参与率"),
    ("pass_rate", "合格率"),
    ("overall_pass_rate", "总合格率（合格/应考）"),
    ("hours_per_person", "人均学时"),
    ("course_hours", "课程学时"),
    ("activity_hours", "学法活动学时"),
    ("hours", "合计学时"),
]
# The study section (issue 30): activities by 形式, each activity, the laws studied, the rotation.
ACTIVITY_HEADERS = [
    ("kind", "形式"),
    ("sessions", "场次"),
    ("attendances", "参加人次"),
    ("hours", "学时"),
    ("person_hours", "人次学时"),
]
STUDY_TABLES = {
    "activity_list": (
        "学法活动",
        [
            ("date", "日期"),
            ("kind", "形式"),
            ("topic", "主题"),
            ("speaker", "主讲人/主办单位"),
            ("hours", "学时"),
            ("attendances", "参加人次"),
        ],
    ),
    "laws_studied": ("学习的法律法规", [("law_label", "法律法规"), ("sessions", "场次"), ("attendances", "参加人次")]),
}
ROTATION_DEPARTMENT_HEADERS = [
    ("department", "科室"),
    ("required", "应轮训"),
    ("completed", "已完成"),
    ("rate", "完成率"),
]
ROTATION_PENDING_HEADERS = [
    ("staff_id", "工号"),
    ("name", "姓名"),
    ("department", "科室"),
    ("category", "类别"),
    ("hours", "轮训期内学时"),
    ("needed_hours", "尚需学时"),
    ("course_missing", "尚需完成课程"),
]
RATE_KEYS = {"participation_rate", "pass_rate", "overall_pass_rate", "correct_rate", "facility", "rate"}
LIST_TABLES = {
    "absent": (
        "缺考名单",
        [
            ("staff_id", "工号"),
            ("name", "姓名"),
            ("department", "科室"),
            ("category", "类别"),
            ("hours", "学时（课程与学法活动）"),
        ],
    ),
    "failed": (
        "不合格名单",
        [
            ("staff_id", "工号"),
            ("name", "姓名"),
            ("department", "科室"),
            ("category", "类别"),
            ("attempts", "考试次数"),
            ("best", "最高分（百分制）"),
            ("hours", "学时（课程与学法活动）"),
        ],
    ),
    "exempt": (
        "免考名单",
        [("staff_id", "工号"), ("name", "姓名"), ("department", "科室"), ("category", "类别"), ("reason", "免考原因")],
    ),
    "flagged": (
        "异常提交",
        [
            ("exam", "考试"),
            ("staff_id", "工号"),
            ("name", "姓名"),
            ("department", "科室"),
            ("flag_name", "问题"),
            ("detail", "说明"),
            ("submitted_at", "提交时间（UTC）"),
            ("counted", "是否计入"),
        ],
    ),
    "questions": (
        "题目正确率",
        [
            ("exam", "考试"),
            ("question_id", "题号"),
            ("law", "法规"),
            ("article", "条"),
            ("type", "题型"),
            ("answered", "作答人次"),
            ("correct", "答对人次"),
            ("correct_rate", "正确率"),
            ("facility", "通过率（首次作答）"),
            ("discrimination", "区分度"),
            ("flags", "提示"),
            ("stem", "题干"),
        ],
    ),
    "people": (
        "人员明细",
        [
            ("staff_id", "工号"),
            ("name", "姓名"),
            ("department", "科室"),
            ("category", "类别"),
            ("status", "状态"),
            ("attempts", "考试次数"),
            ("best", "最高分（百分制）"),
            ("first_attempt_passed", "首次合格"),
            ("course_hours", "课程学时"),
            ("activity_hours", "学法活动学时"),
            ("total_hours", "合计学时"),
            ("exempt_reason", "免考原因"),
        ],
    ),
}


def status(person: dict) -> str:
    if not person["required"]:
        return "免考"
    if not person["attempts"]:
        return "缺考"
    if not person["passed"]:
        return FAILED
    return EXCELLENT if person["excellent"] else PASSED


# The flags of a question in an item analysis (grader.exams.analysis.item_flags).
ITEM_FLAG_NAMES = {
    "easy": "过易",
    "hard": "过难",
    "low_discrimination": "区分度低",
    "negative_discrimination": "区分度为负",
    "suspect_key": "答案可能有误",
}


def flag_text(flags: list[str]) -> str:
    return "、".join(ITEM_FLAG_NAMES.get(f, f) for f in flags)


def law_label(law: str, article: int | None) -> str:
    """'《殡葬管理条例》' or '《殡葬管理条例》第十二条'."""
    from grader.laws import int_to_cn

    return f"《{law}》" + (f"第{int_to_cn(int(article))}条" if article else "")


def shown_value(row: dict, key: str):
    if key == "status":
        return status(row)
    if key in ("course_hours", "activity_hours") and isinstance(row.get("hours"), dict):
        return row["hours"][key]
    if key == "law_label":
        return law_label(row["law"], row.get("article"))
    value = row.get(key)
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "law" and value:
        return f"《{value}》"
    if key == "flags":
        return flag_text(value or [])
    if key == "discrimination" and value is not None:
        return round(value, 2)
    return value


SCREEN_FIGURES = [
    ("required", "应考"),
    ("participants", "参考"),
    ("passed", "合格"),
    ("excellent", "优秀"),
    ("participation_rate", "参与率"),
    ("pass_rate", "合格率"),
    ("overall_pass_rate", "总合格率"),
]


def screen_table(report: dict) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of the summary a terminal shows (fits 80 columns): the bureau, then each department."""

    def row(name: str, figures: dict) -> list[str]:
        return [name, *(pct(figures[k]) if k in RATE_KEYS else str(figures[k]) for k, _ in SCREEN_FIGURES)]

    rows = [row("全局", report["total"])] + [row(d["department"], d) for d in report["departments"]]
    return ["范围", *(h for _, h in SCREEN_FIGURES)], rows


def screen_notes(report: dict) -> list[str]:
    """The lines under the terminal summary: who is missing, the report paragraph."""
    return [
        f"缺考 {len(report['absent'])} 人，不合格 {len(report['failed'])} 人，免考 {len(report['exempt'])} 人",
        "年度报告段落：" + paragraph(report),
        *timing_lines(report),
    ]


def summary_rows(report: dict) -> list[list]:
    """[范围, 名称, figures...] for the bureau, each department and each category."""
    rows = [["全局", "全局", *[report["total"][k] for k, _ in GROUP_HEADERS]]]
    rows += [["科室", d["department"], *[d[k] for k, _ in GROUP_HEADERS]] for d in report["departments"]]
    rows += [["类别", c["category"], *[c[k] for k, _ in GROUP_HEADERS]] for c in report["categories"]]
    return rows


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|!~])")


def csv_text(value):
    """A CSV cell that a spreadsheet opens as text, never as a formula: a string starting with
    = + - @ TAB or CR gets a leading apostrophe (OWASP, "CSV Injection"). Numbers pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def md_text(value: str) -> str:
    """Text for a Markdown table cell: Markdown and HTML characters escaped, one line."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ").replace("\r", " ")


def mark_text(value) -> str:
    return "各考试不同" if value is None else f"{value:g}"


def shown_text(key: str, value) -> str:
    if key in RATE_KEYS:
        return pct(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return md_text(value)


def study_sections(report: dict) -> list[dict]:
    """The study section's tables, for every export: [{key, title, note, columns, rows}] — activities
    by 形式 (with a 合计 row), each activity, the laws studied, the rotation per 科室 and who has
    not completed it. Sections with nothing to show are left out, except the rotation's when a
    rule is set."""
    out = []
    kinds = report.get("activities") or []
    if kinds:
        total = {"kind": "合计", **report["study_total"]}
        out.append(
            {
                "key": "activities",
                "title": "学法活动（按形式）",
                "note": "参加人次：签到或台账中对应到名册的人员；只登记了参加人数的活动按人数计。人次学时：计入个人的学时。",
                "columns": ACTIVITY_HEADERS,
                "rows": [*kinds, total],
            }
        )
        for key in ("activity_list", "laws_studied"):
            title, columns = STUDY_TABLES[key]
            if report.get(key):
                out.append({"key": key, "title": title, "note": "", "columns": columns, "rows": report[key]})
    rotation = report.get("rotation") or {}
    if rotation.get("rule"):
        note = (
            f"规则：{rotation['rule']}（{rotation['from_year']}—{rotation['to_year']}年，本实例 settings.yaml 的设置）。"
            f"应完成{rotation['required']}人，已完成{rotation['completed']}人，完成率{pct(rotation['rate'])}。"
        )
        out.append(
            {
                "key": "rotation",
                "title": f"{rotation['name']}（按科室）",
                "note": note,
                "columns": ROTATION_DEPARTMENT_HEADERS,
                "rows": rotation["departments"],
            }
        )
        out.append(
            {
                "key": "rotation_pending",
                "title": f"轮训未完成名单（{len(rotation['pending'])}人）",
                "note": "",
                "columns": ROTATION_PENDING_HEADERS,
                "rows": rotation["pending"],
            }
        )
    return out
