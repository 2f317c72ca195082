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
]
RATE_KEYS = {"participation_rate", "pass_rate", "overall_pass_rate", "correct_rate", "facility"}
LIST_TABLES = {
    "absent": (
        "缺考名单",
        [("staff_id", "工号"), ("name", "姓名"), ("department", "科室"), ("category", "类别"), ("hours", "学时")],
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
            ("hours", "学时"),
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
            ("hours", "学时"),
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


def shown_value(row: dict, key: str):
    if key == "status":
        return status(row)
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
