"""The annual study-the-law figures (学法用法考试统计) and their exports.

ALL figures are defined here, once, as SQL over the records database (see docs/figures.md):

* scope: attempts whose China-time year is the report year (and of one exam, if given), minus
  attempts flagged `impersonation`; each attempt is scaled to 100 (`percent`) and judged against
  its own exam's pass and excellence marks (60/90 for exams only seen in imported results);
* people: each current staff member, whether required (not exempt that year) and, from their
  attempts in scope, attempt count, best percent, passed (best >= pass mark), passed at the first
  attempt, excellent (best >= excellence mark), and study hours credited that year;
* groups: sums of those facts for the whole bureau, per department and per category, with
  participation rate = participants / required, pass rate = passed / participants and overall
  pass rate = passed / required (NULL when the denominator is 0).

`build(db, year, exam)` returns the report as a dict (the JSON report); `write(report, path)`
exports it by suffix: .json, .csv, .xlsx, .html, .md.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
import re
from pathlib import Path

import sqlite_utils

from grader.records import CATEGORIES, RecordsError
from grader.vocabulary import EXCELLENT, FAILED, FLAG_NAMES, NOT_COUNTED_FLAGS, PASSED

# ------------------------------------------------------------------ the figures, in SQL

# Counted attempts in scope: the year (China time), optionally one exam, impersonation set aside.
NOT_COUNTED = ", ".join(f"'{f}'" for f in NOT_COUNTED_FLAGS)
SCOPE = f"""
scope AS (
    SELECT a.id, a.staff_id, a.exam_id, a.submitted_at, a.percent,
           a.percent >= e.pass_mark AS ok,
           a.percent >= e.excellence_mark AS great
    FROM attempts a JOIN exams e ON e.id = a.exam_id
    WHERE a.year = :year AND (:exam IS NULL OR a.exam_id = :exam)
      AND a.id NOT IN (
          SELECT b.id FROM flags f
          JOIN attempts b ON b.exam_id = f.exam_id AND b.staff_id = f.staff_id
                         AND (f.submitted_at IS NULL OR f.submitted_at = b.submitted_at)
          WHERE f.flag IN ({NOT_COUNTED}))
)"""

# One row per current staff member: the facts every figure is a sum of.
PEOPLE = f"""
CREATE TEMP TABLE report_people AS
WITH {SCOPE},
person AS (
    -- first_ok: `ok` of the earliest attempt (by submitted_at, then exam id). UTC ISO texts sort in
    -- time order, so the minimum of "time exam ok" ends in that attempt's 0/1 (one pass, no window).
    SELECT staff_id, count(*) AS attempts, max(percent) AS best, max(ok) AS passed,
           CAST(substr(min(submitted_at || ' ' || exam_id || ' ' || ok), -1) AS INTEGER) AS first_ok,
           max(great) AS excellent
    FROM scope GROUP BY staff_id
),
hours AS (
    SELECT staff_id, sum(hours) AS hours FROM completions WHERE year = :year GROUP BY staff_id
)
SELECT s.staff_id, s.name, s.department, s.category,
       x.staff_id IS NULL AS required, x.reason AS exempt_reason,
       coalesce(p.attempts, 0) AS attempts, p.best AS best,
       coalesce(p.passed, 0) AS passed, coalesce(p.first_ok, 0) AS first_ok,
       coalesce(p.excellent, 0) AS excellent, coalesce(h.hours, 0) AS hours
FROM staff s
LEFT JOIN exemptions x ON x.staff_id = s.staff_id AND x.year = :year
LEFT JOIN person p ON p.staff_id = s.staff_id
LEFT JOIN hours h ON h.staff_id = s.staff_id
WHERE s.active = 1
"""

# The same figures for any grouping of report_people ({key}: a column, or NULL for the bureau).
GROUP = """
SELECT {key} AS name,
       sum(required) AS required,
       sum(NOT required) AS exempt,
       sum(required AND attempts > 0) AS participants,
       sum(required AND passed) AS passed,
       sum(required AND first_ok) AS first_attempt_passed,
       sum(required AND excellent) AS excellent,
       sum(required AND attempts > 0) * 1.0 / nullif(sum(required), 0) AS participation_rate,
       sum(required AND passed) * 1.0 / nullif(sum(required AND attempts > 0), 0) AS pass_rate,
       sum(required AND passed) * 1.0 / nullif(sum(required), 0) AS overall_pass_rate,
       round(sum(CASE WHEN required THEN hours ELSE 0 END), 2) AS hours,
       round(sum(CASE WHEN required THEN hours ELSE 0 END) * 1.0 / nullif(sum(required), 0), 2) AS hours_per_person
FROM report_people
GROUP BY {key}
ORDER BY {key}
"""

LISTS = {
    "absent": """SELECT staff_id, name, department, category, hours FROM report_people
                 WHERE required AND attempts = 0 ORDER BY department, staff_id""",
    "failed": """SELECT staff_id, name, department, category, attempts, best, hours FROM report_people
                 WHERE required AND attempts > 0 AND NOT passed ORDER BY department, staff_id""",
    "exempt": """SELECT staff_id, name, department, category, exempt_reason AS reason FROM report_people
                 WHERE NOT required ORDER BY department, staff_id""",
    "people": """SELECT staff_id, name, department, category, required, exempt_reason, attempts, best,
                        passed, first_ok AS first_attempt_passed, excellent, hours
                 FROM report_people ORDER BY department, staff_id""",
}

FLAGGED = f"""
SELECT f.exam_id AS exam, f.student, f.staff_id, s.name, s.department, f.flag, f.detail, f.submitted_at,
       f.flag NOT IN ({NOT_COUNTED}) AS counted
FROM flags f LEFT JOIN staff s ON s.staff_id = f.staff_id
WHERE f.year = :year AND (:exam IS NULL OR f.exam_id = :exam)
ORDER BY f.exam_id, f.staff_id, f.submitted_at
"""

QUESTIONS = f"""
WITH {SCOPE.replace("WHERE a.year = :year", "WHERE a.exam_id IN (SELECT exam_id FROM questions) AND a.year = :year")},
tally AS (
    SELECT s.exam_id, an.question_id, count(*) AS answered, sum(an.score >= an.max_score) AS correct
    FROM scope s JOIN answers an ON an.attempt_id = s.id
    GROUP BY s.exam_id, an.question_id
)
SELECT q.exam_id AS exam, q.question_id, q.law, q.article, q.type, q.stem,
       coalesce(t.answered, 0) AS answered, coalesce(t.correct, 0) AS correct,
       t.correct * 1.0 / nullif(t.answered, 0) AS correct_rate
FROM questions q
LEFT JOIN tally t ON t.exam_id = q.exam_id AND t.question_id = q.question_id
WHERE q.exam_id IN (SELECT exam_id FROM scope) OR q.exam_id = :exam
ORDER BY correct_rate IS NULL, correct_rate, q.exam_id, q.position
"""

# Item figures (grader.exam.analysis) over each person's FIRST counted attempt at each exam in scope:
# one 0/1 per question (score = max score is right).
FIRST_ANSWERS = f"""
WITH {SCOPE},
first AS (SELECT exam_id, staff_id, min(submitted_at) AS at FROM scope GROUP BY exam_id, staff_id)
SELECT s.exam_id AS exam, s.staff_id, an.question_id, an.score >= an.max_score AS ok
FROM scope s
JOIN first f ON f.exam_id = s.exam_id AND f.staff_id = s.staff_id AND f.at = s.submitted_at
JOIN answers an ON an.attempt_id = s.id
ORDER BY s.exam_id, s.staff_id
"""

EXAMS = """
SELECT id, title, pass_mark, excellence_mark, max_score, source, timing FROM exams
WHERE (:exam IS NOT NULL AND id = :exam)
   OR (:exam IS NULL AND id IN (SELECT DISTINCT exam_id FROM attempts WHERE year = :year))
   OR (:exam IS NULL AND year = :year)
ORDER BY id
"""

# 学时 by how they were known (issue 29): "service" = the study the exam service saw and scored
# on a hub; anything else (a course submitted on one machine, a completion list imported, entered
# by hand) is the person's or an office's word.
HOURS_SOURCES = """
SELECT CASE WHEN c.source = 'service' THEN 'service' ELSE 'reported' END AS source, round(sum(c.hours), 2) AS hours
FROM completions c JOIN staff s ON s.staff_id = c.staff_id
WHERE c.year = :year AND s.active = 1
GROUP BY 1
"""

FIGURES = (
    "required",
    "exempt",
    "participants",
    "passed",
    "first_attempt_passed",
    "excellent",
    "participation_rate",
    "pass_rate",
    "overall_pass_rate",
)


def build(db: sqlite_utils.Database, year: int, exam: str | None = None) -> dict:
    """The report for a year (and optionally one exam) as a JSON-ready dict."""
    params = {"year": int(year), "exam": exam}
    if exam is not None and db.execute("SELECT 1 FROM exams WHERE id = ?", [exam]).fetchone() is None:
        raise RecordsError(f"没有编号为 {exam} 的考试 (no such exam)")
    if db.execute("SELECT 1 FROM staff LIMIT 1").fetchone() is None:
        raise RecordsError("名册为空：请先导入名册（lawstudy roster import 名册.xlsx） (no staff on the roster)")
    with getattr(db, "snapshot", db.atomic)():  # one read snapshot for every figure and list
        db.execute("DROP TABLE IF EXISTS temp.report_people")
        db.execute(PEOPLE, params)
        try:
            total = dict(next(db.query(GROUP.format(key="NULL"))))
            total.pop("name")
            departments = [_named(r, "department") for r in db.query(GROUP.format(key="department"))]
            order = {c: i for i, c in enumerate(CATEGORIES)}
            categories = sorted(
                (_named(r, "category") for r in db.query(GROUP.format(key="category"))),
                key=lambda r: (order.get(r["category"], len(order)), r["category"]),
            )
            lists = {k: list(db.query(sql)) for k, sql in LISTS.items()}
        finally:
            db.execute("DROP TABLE IF EXISTS temp.report_people")
        exams = list(db.query(EXAMS, params))
        hours_sources = {r["source"]: r["hours"] for r in db.query(HOURS_SOURCES, params)}
        flagged = list(db.query(FLAGGED, params))
        questions = list(db.query(QUESTIONS, params))
        first_answers = list(db.query(FIRST_ANSWERS, params))
    marks = {e["pass_mark"] for e in exams}
    excellence = {e["excellence_mark"] for e in exams}
    for person in lists["people"]:
        for key in ("required", "passed", "first_attempt_passed", "excellent"):
            person[key] = bool(person[key])
    for f in flagged:
        f["counted"] = bool(f["counted"])
        f["flag_name"] = FLAG_NAMES.get(f["flag"], f["flag"])
    report = {
        "year": int(year),
        "exam": exam,
        "pass_mark": marks.pop() if len(marks) == 1 else (60.0 if not marks else None),
        "excellence_mark": excellence.pop() if len(excellence) == 1 else (90.0 if not excellence else None),
        "exams": exams,
        "total": total,
        "departments": departments,
        "categories": categories,
        "absent": lists["absent"],
        "failed": lists["failed"],
        "exempt": lists["exempt"],
        "flagged": flagged,
        "questions": questions,
        "people": lists["people"],
        "hours_sources": hours_sources,
    }
    add_item_figures(questions, first_answers)
    report["paragraph"] = paragraph(report)
    report["todo"] = todo(report)
    report["next_steps"] = next_steps(report)
    return report


def add_item_figures(questions: list[dict], first_answers: list[dict]) -> None:
    """Add `facility`, `discrimination` and `flags` (grader.exam.analysis, docs/figures.md "Item
    analysis") to each question row, over each person's first counted attempt at its exam.

    The records keep scores, not the options chosen, so `suspect_key` is never set here (use
    `lawstudy exam analyse`)."""
    from grader.exam import analysis as stats

    by_exam: dict[str, dict[str, dict[str, int]]] = {}
    for row in first_answers:
        by_exam.setdefault(row["exam"], {}).setdefault(row["staff_id"], {})[row["question_id"]] = int(row["ok"])
    for exam_id, people in by_exam.items():
        ids = [q["question_id"] for q in questions if q["exam"] == exam_id]
        matrix = [[answers.get(qid, 0) for qid in ids] for _, answers in sorted(people.items())]
        for j, q in enumerate(q for q in questions if q["exam"] == exam_id):
            p = stats.facility(stats.column(matrix, j))
            d = stats.discrimination(matrix, j)
            q.update(first_n=len(matrix), facility=p, discrimination=d, flags=stats.item_flags(p, d))
    for q in questions:
        if "facility" not in q:
            q.update(first_n=0, facility=None, discrimination=None, flags=[])


def weakest_articles(report: dict, count: int = 3) -> list[dict]:
    """The `count` articles with the lowest correct rate over the report's question rows
    ({law, article, answered, correct, correct_rate}), fewest right first; unanswered left out."""
    tally: dict[tuple, dict] = {}
    for q in report["questions"]:
        if not q["answered"] or not q["law"]:
            continue
        t = tally.setdefault(
            (q["law"], q["article"]), {"law": q["law"], "article": q["article"], "answered": 0, "correct": 0}
        )
        t["answered"] += q["answered"]
        t["correct"] += q["correct"]
    rows = [{**t, "correct_rate": t["correct"] / t["answered"]} for t in tally.values()]
    return sorted(rows, key=lambda r: (r["correct_rate"], -r["answered"], r["law"], r["article"]))[:count]


def next_steps(report: dict) -> str:
    """Two sentences for the annual report's 下一步打算, naming the weakest articles ('' if none)."""
    from grader.laws import int_to_cn

    weak = weakest_articles(report)
    if not weak:
        return ""
    named = "、".join(
        f"《{a['law']}》第{int_to_cn(int(a['article']))}条（正确率{pct(a['correct_rate'])}，{a['answered']}人次作答）"
        for a in weak
    )
    return (
        f"下一步，针对{report['year']}年学法用法知识考试中正确率最低的{named}，组织专题学习和案例讲解，"
        "并纳入下一年度学法培训计划。"
        "各科室结合本科室业务，组织干部职工完成上述条款的练习，在下一次考试前补齐薄弱环节。"
    )


def _named(row: dict, key: str) -> dict:
    row = dict(row)
    return {key: row.pop("name"), **row}


# ------------------------------------------------------------------ words


def pct(rate: float | None) -> str:
    if rate is None:
        return "—"
    text = f"{rate * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def _exam_name(report: dict) -> str:
    if report["exam"] and report["exams"]:
        title = report["exams"][0]["title"] or report["exam"]
        return title if title != report["exam"] else f"{report['year']}年学法用法知识考试（{title}）"
    return f"{report['year']}年学法用法知识考试"


TIMING_WORDS = {
    "service": "开考、每次作答与交卷时间由考试服务在服务器上记录（JupyterHub）",
    "files": "作答与时间取自答题文件（单机 lawstudy lab，未经考试服务）",
}


def timing_lines(report: dict) -> list[str]:
    """One line per graded exam saying which record decided its times and answers (issue 15), and
    one saying how the year's 学时 were known (issue 29: self-reported hours are labelled so)."""
    lines = [
        f"{e['title'] or e['id']}（{e['id']}）：{TIMING_WORDS[e['timing']]}。"
        for e in report["exams"]
        if e.get("timing") in TIMING_WORDS
    ]
    sources = report.get("hours_sources") or {}
    if sources.get("service") or sources.get("reported"):
        parts = []
        if sources.get("service"):
            parts.append(
                f"{sources['service']:g} 学时由考试服务记录的学习过程核验（打开课时、练习经服务器计分且用时合理）"
            )
        if sources.get("reported"):
            parts.append(
                f"{sources['reported']:g} 学时为自报或导入（单机提交课程、导入完成名单或手工登记），未经服务器核验"
            )
        lines.append("课程学时：" + "；".join(parts) + "。")
    return lines


def paragraph(report: dict) -> str:
    """The sentence(s) for the annual rule-of-law report (法治政府建设年度报告)."""
    t = report["total"]
    name = _exam_name(report)
    if not t["required"]:
        return f"{report['year']}年度无应参考人员。"
    exempt = f"（另有{t['exempt']}人按规定免考）" if t["exempt"] else ""
    if t["participation_rate"] == 1 and t["pass_rate"] == 1:
        text = f"组织全局{t['required']}名干部职工参加{name}{exempt}，参与率与合格率均达到100%"
    else:
        text = (
            f"组织全局{t['required']}名干部职工参加{name}{exempt}，实际参考{t['participants']}人，"
            f"参与率{pct(t['participation_rate'])}；合格{t['passed']}人，合格率{pct(t['pass_rate'])}"
        )
    if t["excellent"]:
        text += f"，其中优秀{t['excellent']}人"
    text += "。"
    hours = t.get("hours") or 0
    if hours:
        text += f"全年干部职工累计完成学法课程{hours:g}学时，人均{t['hours_per_person']:g}学时。"
    return text


def todo(report: dict) -> str:
    """What is still missing before every figure reaches 100%."""
    t = report["total"]
    parts = []
    if report["absent"]:
        parts.append(f"{len(report['absent'])}人尚未参加考试")
    if report["failed"]:
        parts.append(f"{len(report['failed'])}人未达合格分，需组织补考")
    if not parts:
        return "各项指标均已达到100%，无待办事项。" if t["required"] else "无应参考人员。"
    return "待办：" + "；".join(parts) + "（名单见缺考名单、不合格名单）。"


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


def _value(row: dict, key: str):
    if key == "status":
        return status(row)
    value = row.get(key)
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "law" and value:
        return f"《{value}》"
    if key == "flags":
        from grader.exam.analysis_export import flag_text

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


# ------------------------------------------------------------------ exports


def write(report: dict, path: str | os.PathLike) -> Path:
    """Export by suffix: .json .csv .xlsx .html .md (written to a temp file, then moved in place)."""
    path = Path(path)
    writers = {".json": write_json, ".csv": write_csv, ".xlsx": write_xlsx, ".html": write_html, ".md": write_md}
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise RecordsError(f"不支持的报表格式 {path.suffix}，可选 {' '.join(writers)} (unsupported report format)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    try:
        if writer is write_csv:
            write_csv(report, tmp, people=people_csv_path(path))
        else:
            writer(report, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_json(report: dict, path: Path) -> None:
    # no indent: the C encoder is several times faster on a city-sized people list
    path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")


def people_csv_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}_人员名单.csv")


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


def write_csv(report: dict, path: Path, people: Path | None = None) -> None:
    """FILE.csv: the figures (全局, per 科室, per 类别); FILE_人员名单.csv: each person and status."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["范围", "名称", *[h for _, h in GROUP_HEADERS]])
        for row in summary_rows(report):
            w.writerow(
                [
                    f"{v:.4f}" if isinstance(v, float) and k in RATE_KEYS else ("" if v is None else csv_text(v))
                    for (k, v) in zip(["", ""] + [k for k, _ in GROUP_HEADERS], row)
                ]
            )
    people = people or people_csv_path(path)
    _, columns = LIST_TABLES["people"]
    with open(people, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([h for _, h in columns])
        for p in report["people"]:
            w.writerow(["" if _value(p, k) is None else csv_text(_value(p, k)) for k, _ in columns])


def write_md(report: dict, path: Path) -> None:
    t = report["total"]
    lines = [
        f"# {_exam_name(report)}统计",
        "",
        f"合格分 {_mark(report['pass_mark'])}，优秀分 {_mark(report['excellence_mark'])}（百分制）。",
        "",
        *[f"- {md_text(line)}" for line in timing_lines(report)],
        "",
        "## 年度报告用语",
        "",
        report["paragraph"],
        "",
        f"**{report['todo']}**",
        "",
        "## 全局",
        "",
        "| 应考 | 免考 | 参考 | 合格 | 首次合格 | 优秀 | 参与率 | 合格率 | 总合格率 | 人均学时 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        "| " + " | ".join(_fmt(k, t[k]) for k, _ in GROUP_HEADERS) + " |",
        "",
    ]
    for key, title in (("departments", "按科室"), ("categories", "按类别")):
        name = "department" if key == "departments" else "category"
        lines += [
            f"## {title}",
            "",
            "| "
            + ("科室" if name == "department" else "类别")
            + " | "
            + " | ".join(h for _, h in GROUP_HEADERS)
            + " |",
            "|---|" + "---:|" * len(GROUP_HEADERS),
        ]
        lines += [
            "| " + md_text(r[name]) + " | " + " | ".join(_fmt(k, r[k]) for k, _ in GROUP_HEADERS) + " |"
            for r in report[key]
        ]
        lines.append("")
    weakest = [q for q in report["questions"] if q["answered"]][:10]
    if weakest:
        lines += [
            "## 正确率最低的题目（需重点讲解）",
            "",
            "| 题号 | 法律依据 | 正确率 | 作答人次 | 通过率（首次作答） | 区分度 | 提示 | 题干 |",
            "|---|---|---:|---:|---:|---:|---|---|",
        ]
        lines += [
            f"| {md_text(q['question_id'])} | 《{md_text(q['law'])}》第{q['article']}条 | {pct(q['correct_rate'])} "
            f"| {q['answered']} | {pct(q['facility'])}（{q['first_n']}人） | {_fmt('discrimination', _value(q, 'discrimination'))} "
            f"| {_value(q, 'flags')} | {md_text(q['stem'] or '')} |"
            for q in weakest
        ]
        lines.append("")
    if report.get("next_steps"):
        lines += ["## 下一步打算（可写入年度报告）", "", report["next_steps"], ""]
    for key in ("absent", "failed", "exempt", "flagged"):
        title, columns = LIST_TABLES[key]
        lines += [f"## {title}（{len(report[key])}{'条' if key == 'flagged' else '人'}）", ""]
        if report[key]:
            lines += ["| " + " | ".join(h for _, h in columns) + " |", "|" + "---|" * len(columns)]
            lines += ["| " + " | ".join(_fmt(k, _value(r, k)) for k, _ in columns) + " |" for r in report[key]]
        else:
            lines.append("无。")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def _mark(value) -> str:
    return "各考试不同" if value is None else f"{value:g}"


def _fmt(key: str, value) -> str:
    if key in RATE_KEYS:
        return pct(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return md_text(value)


# ------------------------------------------------------------------ xlsx (openpyxl, native charts)


def write_xlsx(report: dict, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")

    def header(ws, names):
        cells = []
        for n in names:
            c = WriteOnlyCell(ws, value=n)
            c.font, c.fill = bold, fill
            cells.append(c)
        ws.append(cells)

    def printable(ws):
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0

    def cell(ws, key, value):
        if isinstance(value, str) and value.startswith("="):
            c = WriteOnlyCell(ws, value=value)
            c.data_type = "s"  # a name like =HYPERLINK(...) stays text, never a live formula
            return c
        if key not in RATE_KEYS or value is None:
            return value  # plain values: a styled cell object per cell is slow for 200,000 rows
        c = WriteOnlyCell(ws, value=value)
        c.number_format = "0.0%"
        return c

    # 汇总
    ws = wb.create_sheet("汇总")
    printable(ws)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 70
    ws.row_dimensions[len(GROUP_HEADERS) + 7].height = 80
    ws.row_dimensions[len(GROUP_HEADERS) + 8].height = 40
    title = WriteOnlyCell(ws, value=f"{_exam_name(report)}统计")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    ws.append(["合格分（百分制）", _mark(report["pass_mark"])])
    ws.append(["优秀分（百分制）", _mark(report["excellence_mark"])])
    for line in timing_lines(report):
        ws.append(["计时与作答记录", cell(ws, "timing", line)])
    ws.append([])
    header(ws, ["指标", "数值"])
    for key, name in GROUP_HEADERS:
        ws.append([name, cell(ws, key, report["total"][key])])
    ws.append([])
    for label, text in (("年度报告用语", report["paragraph"]), ("待办", report["todo"])):
        c = WriteOnlyCell(ws, value=text)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        head = WriteOnlyCell(ws, value=label)
        head.font, head.alignment = bold, Alignment(vertical="top")
        ws.append([head, None, c])

    # 按科室 / 按类别, each with a bar chart of the rates
    for key, sheet, label in (("departments", "按科室", "科室"), ("categories", "按类别", "类别")):
        ws = wb.create_sheet(sheet)
        printable(ws)
        ws.column_dimensions["A"].width = 18
        for col in "BCDEFGHIJK":
            ws.column_dimensions[col].width = 20 if col == "J" else 12
        ws.freeze_panes = "B2"
        header(ws, [label] + [h for _, h in GROUP_HEADERS])
        name = "department" if key == "departments" else "category"
        rows = report[key]
        for r in rows:
            ws.append([cell(ws, name, r[name])] + [cell(ws, k, r[k]) for k, _ in GROUP_HEADERS])
        if rows:
            chart = BarChart()
            chart.type = "bar" if len(rows) > 8 else "col"
            chart.title = f"{sheet}参与率与合格率"
            chart.y_axis.title = "比率"
            chart.y_axis.number_format = "0%"
            chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
            chart.x_axis.delete = False
            chart.y_axis.delete = False
            data = Reference(ws, min_col=8, max_col=9, min_row=1, max_row=len(rows) + 1)
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(rows) + 1))
            chart.height = max(7.5, 0.6 * len(rows) + 3) if chart.type == "bar" else 7.5
            chart.width = 24
            ws.add_chart(chart, f"A{len(rows) + 4}")

    # lists
    for key in ("absent", "failed", "exempt", "flagged", "questions", "people"):
        sheet, columns = LIST_TABLES[key]
        ws = wb.create_sheet(sheet)
        printable(ws)
        for i, (k, _) in enumerate(columns):
            ws.column_dimensions[chr(65 + i)].width = {
                "stem": 60,
                "detail": 40,
                "reason": 30,
                "law": 28,
                "submitted_at": 26,
                "department": 16,
            }.get(k, 12)
        ws.freeze_panes = "A2"
        header(ws, [h for _, h in columns])
        rated = [k in RATE_KEYS for k, _ in columns]
        for r in report[key]:
            ws.append(
                [
                    cell(ws, k, _value(r, k)) if rate or isinstance(_value(r, k), str) else _value(r, k)
                    for (k, _), rate in zip(columns, rated)
                ]
            )
        if key == "questions":
            answered = [q for q in report["questions"] if q["answered"]]
            shown = min(10, len(answered))
            if shown:
                chart = BarChart()
                chart.type = "bar"
                chart.title = "正确率最低的题目"
                chart.y_axis.number_format = "0%"
                chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
                chart.x_axis.delete = False
                chart.y_axis.delete = False
                chart.legend = None
                chart.add_data(Reference(ws, min_col=8, min_row=1, max_row=shown + 1), titles_from_data=True)
                chart.set_categories(Reference(ws, min_col=2, min_row=2, max_row=shown + 1))
                chart.height, chart.width = 0.7 * shown + 4, 20
                ws.add_chart(chart, "K2")
    wb.save(path)


# ------------------------------------------------------------------ html (matplotlib charts, CJK font)


# The font that always works: Noto Sans CJK (SIL Open Font License 1.1) from the PyPI package
# noto-cjk-sans-otc, a dependency. Its collection holds the SC face (Simplified Chinese glyph forms).
# It is registered with matplotlib by file path whenever a chart is drawn, so neither a missing system
# package nor a font cache written before a font was installed can hide it. Debian's fonts-noto-cjk
# (or any other CJK font the system has) is still used when present.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Sans SC",
)


def packaged_cjk_font() -> Path | None:
    """The CJK font file that comes with lawstudy's Python dependencies, if installed."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return path if path.is_file() else None


def register_cjk_font() -> Path | None:
    """Make the packaged CJK font known to matplotlib (once per process); returns its path."""
    from matplotlib import font_manager

    path = packaged_cjk_font()
    if path is not None and str(path) not in {f.fname for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(path))
    return path


def cjk_font() -> str:
    """The family name of a CJK font matplotlib can use; fails clearly if none."""
    from matplotlib import font_manager

    register_cjk_font()
    names = {f.name for f in font_manager.fontManager.ttflist}
    for preferred in CJK_FAMILIES:
        if preferred in names:
            return preferred
    for name in sorted(names):
        if "CJK" in name or "Hei" in name or "Han Sans" in name:
            return name
    raise RecordsError(
        "找不到中文字体，无法绘制图表；请重新安装 lawstudy 的依赖（含 noto-cjk-sans-otc）或安装 fonts-noto-cjk "
        "(no CJK font found for matplotlib: pip install noto-cjk-sans-otc, or apt-get install fonts-noto-cjk)"
    )


def _chart(labels: list[str], series: dict[str, list], title: str, percent: bool = True) -> str:
    """A horizontal bar chart as a base64 PNG data URI, Chinese labels in a CJK font."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    family = cjk_font()
    with plt.rc_context({"font.family": [family], "axes.unicode_minus": False}):
        height = max(2.6, 0.42 * len(labels) * max(1, len(series)) * 0.6 + 1.4)
        fig, ax = plt.subplots(figsize=(9, height), dpi=110)
        n = len(series)
        bar = 0.8 / n
        positions = range(len(labels))
        for i, (name, values) in enumerate(series.items()):
            vals = [v or 0 for v in values]
            ys = [p + (i - (n - 1) / 2) * bar for p in positions]
            bars = ax.barh(ys, vals, height=bar, label=name)
            ax.bar_label(bars, labels=[pct(v) if percent else f"{v:g}" for v in values], padding=2, fontsize=8)
        ax.set_yticks(list(positions), labels)
        ax.invert_yaxis()
        if percent:
            ax.set_xlim(0, 1.12)
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(title)
        if n > 1:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _html_table(columns: list[tuple[str, str]], rows: list[dict], limit: int | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h in columns)
    body = []
    for r in rows[:limit] if limit else rows:
        cells = []
        for k, _ in columns:
            v = _fmt(k, _value(r, k))
            cells.append(f'<td class="{"num" if isinstance(r.get(k), (int, float)) else ""}">{html.escape(v)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="more">另有 {len(rows) - limit} 行，见 Excel 或 CSV 报表。</p>'
        if limit and len(rows) > limit
        else ""
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def write_html(report: dict, path: Path, list_limit: int = 5000) -> None:
    t = report["total"]
    name = _exam_name(report)
    charts = []
    for key, label in (("departments", "department"), ("categories", "category")):
        rows = report[key]
        if rows:
            charts.append(
                _chart(
                    [r[label] for r in rows],
                    {"参与率": [r["participation_rate"] for r in rows], "合格率": [r["pass_rate"] for r in rows]},
                    f"{'各科室' if key == 'departments' else '各类人员'}参与率与合格率",
                )
            )
    weakest = [q for q in report["questions"] if q["answered"]][:10]
    if weakest:
        charts.append(
            _chart(
                [f"{q['question_id']} 《{q['law']}》第{q['article']}条" for q in weakest],
                {"正确率": [q["correct_rate"] for q in weakest]},
                "正确率最低的题目",
            )
        )
    cards = "".join(
        f'<div class="card"><div class="v">{html.escape(_fmt(k, t[k]))}</div><div class="k">{h}</div></div>'
        for k, h in GROUP_HEADERS
    )
    group_cols = lambda label: [("name", label)] + GROUP_HEADERS  # noqa: E731
    sections = [
        f"<h2>按科室</h2>{_html_table(group_cols('科室'), [{'name': d['department'], **d} for d in report['departments']])}",
        f"<h2>按类别</h2>{_html_table(group_cols('类别'), [{'name': c['category'], **c} for c in report['categories']])}",
    ]
    sections += [f'<img alt="chart" src="{uri}">' for uri in charts]
    for key in ("absent", "failed", "exempt", "flagged", "questions"):
        title, columns = LIST_TABLES[key]
        rows = report[key]
        sections.append(
            f"<h2>{title}（{len(rows)}）</h2>" + (_html_table(columns, rows, list_limit) if rows else "<p>无。</p>")
        )
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(name)}统计</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
       margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }}
h1 {{ font-size: 1.6em; }} h2 {{ font-size: 1.2em; border-left: 4px solid #c00; padding-left: .5em; margin-top: 1.6em; }}
.para {{ background: #fff8e6; border: 1px solid #f0d28c; padding: .8em 1em; line-height: 1.8; }}
.todo {{ color: #b00; font-weight: bold; }}
.cards {{ display: flex; flex-wrap: wrap; gap: .6em; }}
.card {{ border: 1px solid #ccd; border-radius: 6px; padding: .5em .9em; min-width: 7em; text-align: center; }}
.card .v {{ font-size: 1.4em; font-weight: bold; }} .card .k {{ font-size: .85em; color: #555; }}
table {{ border-collapse: collapse; margin: .5em 0; font-size: .9em; }}
th, td {{ border: 1px solid #ccc; padding: .25em .6em; }} th {{ background: #ddebf7; }}
td.num {{ text-align: right; }} img {{ max-width: 100%; display: block; margin: 1em 0; }}
.more {{ color: #666; }}
</style></head><body>
<h1>{html.escape(name)}统计</h1>
<p>合格分 {_mark(report["pass_mark"])}，优秀分 {_mark(report["excellence_mark"])}（百分制）。</p>
{"".join(f'<p class="timing">{html.escape(line)}</p>' for line in timing_lines(report))}
<h2>年度报告用语</h2>
<p class="para">{html.escape(report["paragraph"])}</p>
<p class="todo">{html.escape(report["todo"])}</p>
<h2>全局</h2><div class="cards">{cards}</div>
{"".join(sections)}
</body></html>
"""
    path.write_text(page, encoding="utf-8")
