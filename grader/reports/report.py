"""The report of a year: the figures (grader.records.figures), the item figures of its questions,
and the words: the paragraph for the annual rule-of-law report (法治政府建设年度报告), what is still
to do, the next steps, which record decided each exam's times."""

from __future__ import annotations

import sqlite_utils

from grader.records.figures import figures
from grader.records.rotation import RotationRule, rotation_status


def build(db: sqlite_utils.Database, year: int, exam: str | None = None, rotation: RotationRule | None = None) -> dict:
    """The report for a year (and optionally one exam) as a JSON-ready dict (the JSON report):
    grader.records.figures.figures plus `facility`, `discrimination` and `flags` on each question,
    `rotation` (grader.records.rotation.rotation_status under the instance's rule, or none set),
    `paragraph`, `todo` and `next_steps`. Raises RecordsError for an unknown exam or an empty roster."""
    report = figures(db, year, exam)
    report["rotation"] = rotation_status(db, rotation, year)
    add_item_figures(report["questions"], report.pop("first_answers"))
    report["paragraph"] = paragraph(report)
    report["todo"] = todo(report)
    report["next_steps"] = next_steps(report)
    return report


def add_item_figures(questions: list[dict], first_answers: list[dict]) -> None:
    """Add `facility`, `discrimination` and `flags` (grader.exams.analysis, docs/figures.md "Item
    analysis") to each question row, over each person's first counted attempt at its exam.

    The records keep scores, not the options chosen, so `suspect_key` is never set here (use
    `lawstudy exam analyse`)."""
    from grader.exams import analysis as stats

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


# ------------------------------------------------------------------ words


def pct(rate: float | None) -> str:
    if rate is None:
        return "—"
    text = f"{rate * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def exam_name(report: dict) -> str:
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


# How the annual report counts each form of study (场次、期数): 会前学法12次、专题培训班10期.
KIND_WORDS = {
    "会前学法": ("会前学法", "次"),
    "会前讲法": ("中层干部会前讲法", "次"),
    "以会代训": ("以会代训", "次"),
    "专题培训": ("专题培训", "期"),
    "专家讲座": ("专家讲座", "场"),
    "培训班": ("培训班", "期"),
    "执法资格培训": ("行政执法资格培训", "期"),
    "其他": ("其他学法活动", "次"),
}


def study_sentence(report: dict) -> str:
    """'全年组织会前学法12次、专题培训3期，选派干部参加上级法制培训2次，干部职工参训420人次，
    人均学法28.5学时；' ('' when the year has no study activities)."""
    kinds = {k["kind"]: k for k in report.get("activities") or []}
    if not kinds:
        return ""
    held = [f"{KIND_WORDS[k][0]}{kinds[k]['sessions']}{KIND_WORDS[k][1]}" for k in KIND_WORDS if k in kinds]
    text = "全年组织" + "、".join(held) if held else "全年"
    if "外派培训" in kinds:
        text += f"{'，' if held else ''}选派干部参加上级部门法制培训{kinds['外派培训']['sessions']}次"
    text += f"，干部职工参训{report['study_total']['attendances']}人次"
    t = report["total"]
    if t.get("required"):
        text += f"，人均学法{t['hours_per_person']:g}学时"
    return text + "；"


def rotation_sentence(report: dict) -> str:
    """'公务员学法三年轮训（2024—2026年）应完成40人，已完成38人，完成率95%。' ('' without a rule)."""
    r = report.get("rotation") or {}
    if not r.get("rule") or not r["required"]:
        return ""
    return (
        f"{r['name']}（{r['from_year']}—{r['to_year']}年）应完成{r['required']}人，已完成{r['completed']}人，"
        f"完成率{pct(r['rate'])}。"
    )


def paragraph(report: dict) -> str:
    """The sentence(s) for the annual rule-of-law report (法治政府建设年度报告): the year's study
    (场次、期数、人次、人均学时), then the exam's 参与率 and 合格率, then the rotation."""
    study = study_sentence(report)
    return study + exam_paragraph(report, hours=not study) + rotation_sentence(report)


def exam_paragraph(report: dict, hours: bool = True) -> str:
    """The exam's sentence(s); with `hours`, the year's 学时 after them."""
    t = report["total"]
    name = exam_name(report)
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
    if hours and t.get("hours"):
        text += f"全年干部职工累计完成学法课程{t['hours']:g}学时，人均{t['hours_per_person']:g}学时。"
    return text


def todo(report: dict) -> str:
    """What is still missing before every figure reaches 100%."""
    t = report["total"]
    parts = []
    if report["absent"]:
        parts.append(f"{len(report['absent'])}人尚未参加考试")
    if report["failed"]:
        parts.append(f"{len(report['failed'])}人未达合格分，需组织补考")
    rotation = report.get("rotation") or {}
    if rotation.get("pending"):
        parts.append(f"{len(rotation['pending'])}人尚未完成{rotation['name']}")
    if not parts:
        return "各项指标均已达到100%，无待办事项。" if t["required"] else "无应参考人员。"
    lists = [name for key, name in (("absent", "缺考名单"), ("failed", "不合格名单")) if report[key]]
    if rotation.get("pending"):
        lists.append("轮训未完成名单")
    return "待办：" + "；".join(parts) + f"（名单见{'、'.join(lists)}）。"
