"""Exports of an item analysis (grader.exams.item_analysis) by suffix: .json .xlsx .html .md.

Every rate is shown with its count; a rate on fewer than 10 answers carries a mark (`*`, or
`small: true` in the JSON) and is never hidden.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from grader import pages
from grader.exams.analysis import SMALL
from grader.laws import int_to_cn
from grader.reports.charts import bar_chart, cjk_font, png_uri
from grader.reports.exports import write_in_place
from grader.reports.tables import flag_text, md_text

TYPE_NAMES = {"single": "单选", "multiple": "多选", "judge": "判断"}
SOURCE_NAMES = {"service": "考试服务保存的作答（JupyterHub）", "files": "阅卷时各份答卷的答案文件（单机）"}
SITTING_NAMES = {"first": "每人第一次作答", "all": "全部作答（含补考）"}
SMALL_NOTE = f"* 作答少于 {SMALL} 人次，比率仅供参考"


class ExportError(ValueError):
    pass


def pct(rate, small: bool = False) -> str:
    if rate is None:
        return "—"
    text = f"{rate * 100:.1f}%"
    return text + ("*" if small else "")


def num(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def option_label(value) -> str:
    if value is True:
        return "正确"
    if value is False:
        return "错误"
    return str(value)


def citation(row: dict) -> str:
    return f"《{row['law']}》第{int_to_cn(int(row['article']))}条" if row.get("law") else ""


QUESTION_COLUMNS = [
    ("question_id", "题号"),
    ("type", "题型"),
    ("citation", "法律依据"),
    ("n", "人数"),
    ("answered", "作答"),
    ("correct", "答对"),
    ("facility", "通过率"),
    ("discrimination", "区分度（校正点二列）"),
    ("upper_lower", "高低分组差"),
    ("flags", "提示"),
    ("stem", "题干"),
]


def question_cells(q: dict) -> list:
    return [
        q["question_id"],
        TYPE_NAMES.get(q["type"], q["type"]),
        citation(q),
        q["n"],
        q["answered"],
        q["correct"],
        pct(q["facility"], q["small"]),
        num(q["discrimination"]),
        num(q["upper_lower"]),
        flag_text(q["flags"]),
        q["stem"],
    ]


def option_rows(result: dict) -> list[list]:
    out = []
    for q in result["questions"]:
        for o in q["options"]:
            out.append(
                [
                    q["question_id"],
                    option_label(o["option"]),
                    "✓" if o["keyed"] else "",
                    o["count"],
                    pct(o["share"], q["small"]),
                    pct(o["top_share"]),
                    pct(o["bottom_share"]),
                    num(o["point_biserial"]),
                    o["text"],
                ]
            )
    return out


OPTION_HEADERS = ["题号", "选项", "正确答案", "选择人数", "比例", "高分组比例", "低分组比例", "点二列相关", "选项文字"]
ARTICLE_HEADERS = ["法律依据", "版本", "题数", "作答人次", "答对人次", "正确率"]
DEPARTMENT_HEADERS = ["科室", "法规", "人数", "作答人次", "答对人次", "正确率"]


def article_rows(result: dict) -> list[list]:
    return [
        [citation(a), a["version"], len(a["questions"]), a["answers"], a["correct"], pct(a["correct_rate"], a["small"])]
        for a in result["articles"]
    ]


def department_rows(result: dict) -> list[list]:
    return [
        [
            d["department"],
            f"《{d['law']}》",
            d["people"],
            d["answers"],
            d["correct"],
            pct(d["correct_rate"], d["small"]),
        ]
        for d in result["departments"]
    ]


def summary_lines(result: dict) -> list[str]:
    e = result["exam"]
    return [
        f"{e['title']}（{e['id']}）：{SITTING_NAMES.get(e['sitting'], e['sitting'])}，"
        f"{e['n']} 人次，{e['questions']} 题。",
        f"平均分 {num(e['mean'], 1)}，标准差 {num(e['sd'], 1)}（百分制）；信度 KR-20 {num(e['kr20'])}，"
        f"测量标准误 {num(e['sem'], 1)} 分；高低分组各 {e['group_size']} 人。",
        f"作答来源：{SOURCE_NAMES.get(e['source'], e['source'])}。",
    ] + ([f"参加人数少于 {SMALL}，各项统计仅供参考。"] if e["small"] else [])


def flagged(result: dict) -> list[dict]:
    return [q for q in result["questions"] if q["flags"]]


# ------------------------------------------------------------------ writers


def write(result: dict, path: str | os.PathLike) -> Path:
    """Write `result` by suffix (.json .xlsx .html .md): a temp file, then moved in place."""
    path = Path(path)
    writers = {".json": write_json, ".xlsx": write_xlsx, ".html": write_html, ".md": write_md}
    writer = writers.get(path.suffix.lower())
    if writer is None:
        from grader.exams.item_analysis import AnalysisError

        raise AnalysisError(f"不支持的格式 {path.suffix}，可选 {' '.join(writers)} (unsupported format)")
    return write_in_place(path, lambda tmp: writer(result, tmp))


def write_json(result: dict, path: Path) -> None:
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def write_md(result: dict, path: Path) -> None:
    lines = [f"# 试题分析：{result['exam']['title']}", ""] + [f"- {md_text(x)}" for x in summary_lines(result)] + [""]
    marked = flagged(result)
    lines += [f"## 需要注意的题目（{len(marked)}）", ""]
    if marked:
        lines += ["| 题号 | 法律依据 | 通过率 | 区分度 | 提示 |", "|---|---|---:|---:|---|"]
        lines += [
            f"| {md_text(q['question_id'])} | {md_text(citation(q))} | {pct(q['facility'], q['small'])} "
            f"| {num(q['discrimination'])} | {flag_text(q['flags'])} |"
            for q in marked
        ]
    else:
        lines.append("无。")
    for title, headers, rows in (
        ("各题统计", [h for _, h in QUESTION_COLUMNS], [question_cells(q) for q in result["questions"]]),
        ("选项分析", OPTION_HEADERS, option_rows(result)),
        ("各条款正确率（从低到高）", ARTICLE_HEADERS, article_rows(result)),
        ("各科室各法规正确率（从低到高）", DEPARTMENT_HEADERS, department_rows(result)),
    ):
        lines += ["", f"## {title}", "", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(md_text("" if c is None else c) for c in row) + " |" for row in rows]
    lines += ["", SMALL_NOTE, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_xlsx(result: dict, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")

    def sheet(title, headers, rows, widths=None):
        ws = wb.create_sheet(title)
        ws.append(headers)
        for c in ws[1]:
            c.font, c.fill = bold, fill
        for row in rows:
            ws.append(["'" + v if isinstance(v, str) and v.startswith(("=", "+", "-", "@")) else v for v in row])
        ws.freeze_panes = "A2"
        for col, width in (widths or {}).items():
            ws.column_dimensions[col].width = width
        return ws

    ws = wb.active
    ws.title = "概况"
    for line in summary_lines(result) + [SMALL_NOTE]:
        ws.append([line])
    ws.column_dimensions["A"].width = 100
    sheet(
        "各题统计",
        [h for _, h in QUESTION_COLUMNS],
        [question_cells(q) for q in result["questions"]],
        {"C": 26, "J": 24, "K": 60},
    )
    sheet("选项分析", OPTION_HEADERS, option_rows(result), {"I": 60})
    sheet("各条款正确率", ARTICLE_HEADERS, article_rows(result), {"A": 30})
    sheet("各科室各法规正确率", DEPARTMENT_HEADERS, department_rows(result), {"A": 16, "B": 28})
    wb.save(path)


def _scatter(result: dict) -> str:
    """Facility against discrimination, one dot per question, as a base64 PNG data URI."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from grader.exams import analysis as stats

    with plt.rc_context({"font.family": [cjk_font()], "axes.unicode_minus": False}):
        fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
        for q in result["questions"]:
            if q["facility"] is None:
                continue
            d = q["discrimination"] if q["discrimination"] is not None else 0.0
            ax.scatter(q["facility"], d, s=22, color="#c00" if q["flags"] else "#357")
            if q["flags"]:
                ax.annotate(q["question_id"], (q["facility"], d), fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.axhline(stats.LOW_DISCRIMINATION, color="#999", lw=0.8, ls="--")
        ax.axvline(stats.HARD, color="#999", lw=0.8, ls=":")
        ax.axvline(stats.EASY, color="#999", lw=0.8, ls=":")
        ax.set_xlim(-0.02, 1.02)
        ax.set_xlabel("通过率")
        ax.set_ylabel("区分度（校正点二列相关）")
        ax.set_title("各题通过率与区分度（红点为需注意的题目）")
        ax.spines[["top", "right"]].set_visible(False)
        return png_uri(fig)


TEMPLATES = Path(__file__).resolve().parent / "templates"


def page(result: dict) -> str:
    """The item analysis as one HTML page (templates/analysis.html.j2, autoescaped)."""
    charts = [_scatter(result)]
    weakest = [a for a in result["articles"] if a["answers"]][:10]
    if weakest:
        charts.append(
            bar_chart(
                [f"{citation(a)}（{a['answers']}人次）" for a in weakest],
                {"正确率": [a["correct_rate"] for a in weakest]},
                "正确率最低的条款",
            )
        )
    question_headers = [h for _, h in QUESTION_COLUMNS]
    return pages.render(
        TEMPLATES,
        "analysis.html.j2",
        title=f"试题分析：{result['exam']['title']}",
        summary=summary_lines(result),
        charts=charts,
        marked=[question_cells(q) for q in flagged(result)],
        tables=[
            ("各题统计", question_headers, [question_cells(q) for q in result["questions"]]),
            ("选项分析", OPTION_HEADERS, option_rows(result)),
            ("各条款正确率（从低到高）", ARTICLE_HEADERS, article_rows(result)),
            ("各科室各法规正确率（从低到高）", DEPARTMENT_HEADERS, department_rows(result)),
        ],
        question_headers=question_headers,
        note=SMALL_NOTE,
    )


def write_html(result: dict, path: Path) -> None:
    path.write_text(page(result), encoding="utf-8")
