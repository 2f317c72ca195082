"""The HTML report: templates/report.html.j2 (autoescaped, grader.pages), its charts as data URIs."""

from __future__ import annotations

from pathlib import Path

from grader import pages
from grader.reports.charts import bar_chart
from grader.reports.report import exam_name, timing_lines
from grader.reports.tables import GROUP_HEADERS, LIST_TABLES, mark_text, shown_text, shown_value, study_sections

TEMPLATES = Path(__file__).resolve().parent / "templates"


def table_rows(columns: list[tuple[str, str]], rows: list[dict], limit: int | None = None) -> list[list]:
    """The cells of `rows` as the report shows them: (text, "num") for a number, (text, "") else."""
    return [
        [(shown_text(k, shown_value(r, k)), "num" if isinstance(r.get(k), (int, float)) else "") for k, _ in columns]
        for r in (rows[:limit] if limit else rows)
    ]


def charts(report: dict) -> list[str]:
    """Participation and pass rates per department and per category, the study activities by 形式
    (场次, 参加人次), and the weakest questions."""
    out = []
    for key, label in (("departments", "department"), ("categories", "category")):
        rows = report[key]
        if rows:
            out.append(
                bar_chart(
                    [r[label] for r in rows],
                    {"参与率": [r["participation_rate"] for r in rows], "合格率": [r["pass_rate"] for r in rows]},
                    f"{'各科室' if key == 'departments' else '各类人员'}参与率与合格率",
                )
            )
    kinds = report.get("activities") or []
    if kinds:
        out.append(
            bar_chart(
                [k["kind"] for k in kinds],
                {"场次": [k["sessions"] for k in kinds], "参加人次": [k["attendances"] for k in kinds]},
                "学法活动（按形式）",
                percent=False,
            )
        )
    weakest = [q for q in report["questions"] if q["answered"]][:10]
    if weakest:
        out.append(
            bar_chart(
                [f"{q['question_id']} 《{q['law']}》第{q['article']}条" for q in weakest],
                {"正确率": [q["correct_rate"] for q in weakest]},
                "正确率最低的题目",
            )
        )
    return out


def page(report: dict, list_limit: int = 5000) -> str:
    """The report as one HTML page (lists cut at `list_limit` rows, the rest named)."""
    t = report["total"]
    groups = []
    for key, field, label, title in (
        ("departments", "department", "科室", "按科室"),
        ("categories", "category", "类别", "按类别"),
    ):
        columns = [("name", label), *GROUP_HEADERS]
        rows = [{"name": r[field], **r} for r in report[key]]
        groups.append({"title": title, "headers": [h for _, h in columns], "rows": table_rows(columns, rows)})
    lists = []
    for key in ("absent", "failed", "exempt", "flagged", "questions"):
        title, columns = LIST_TABLES[key]
        rows = report[key]
        lists.append(
            {
                "title": title,
                "count": len(rows),
                "headers": [h for _, h in columns],
                "rows": table_rows(columns, rows, list_limit),
                "more": len(rows) - list_limit if list_limit and len(rows) > list_limit else 0,
            }
        )
    return pages.render(
        TEMPLATES,
        "report.html.j2",
        name=exam_name(report),
        pass_mark=mark_text(report["pass_mark"]),
        excellence_mark=mark_text(report["excellence_mark"]),
        timing=timing_lines(report),
        paragraph=report["paragraph"],
        todo=report["todo"],
        cards=[(shown_text(k, t[k]), h) for k, h in GROUP_HEADERS],
        groups=groups,
        study=[
            {
                "title": section["title"],
                "note": section["note"],
                "headers": [h for _, h in section["columns"]],
                "rows": table_rows(section["columns"], section["rows"], list_limit),
            }
            for section in study_sections(report)
        ],
        charts=charts(report),
        lists=lists,
    )


def write_html(report: dict, path: Path, list_limit: int = 5000) -> None:
    """Write the HTML report to `path` (UTF-8)."""
    path.write_text(page(report, list_limit), encoding="utf-8")
