"""Exports of an item analysis (grader.exam.item_analysis) by suffix: .json .xlsx .html .md.

Every rate is shown with its count; a rate on fewer than 10 answers carries a mark (`*`, or
`small: true` in the JSON) and is never hidden.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from pathlib import Path

from grader.exam.analysis import SMALL
from grader.laws import int_to_cn

FLAG_NAMES = {
    "easy": "过易",
    "hard": "过难",
    "low_discrimination": "区分度低",
    "negative_discrimination": "区分度为负",
    "suspect_key": "答案可能有误",
}
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


def flag_text(flags: list[str]) -> str:
    return "、".join(FLAG_NAMES.get(f, f) for f in flags)


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
        from grader.exam.item_analysis import AnalysisError

        raise AnalysisError(f"不支持的格式 {path.suffix}，可选 {' '.join(writers)} (unsupported format)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    try:
        writer(result, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_json(result: dict, path: Path) -> None:
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def _md(value) -> str:
    from grader.report import md_text

    return md_text(value)


def write_md(result: dict, path: Path) -> None:
    lines = [f"# 试题分析：{result['exam']['title']}", ""] + [f"- {_md(x)}" for x in summary_lines(result)] + [""]
    marked = flagged(result)
    lines += [f"## 需要注意的题目（{len(marked)}）", ""]
    if marked:
        lines += ["| 题号 | 法律依据 | 通过率 | 区分度 | 提示 |", "|---|---|---:|---:|---|"]
        lines += [
            f"| {_md(q['question_id'])} | {_md(citation(q))} | {pct(q['facility'], q['small'])} "
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
        lines += ["| " + " | ".join(_md("" if c is None else c) for c in row) + " |" for row in rows]
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

    from grader.exam import analysis as stats
    from grader.report import cjk_font

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
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if c is None else str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_html(result: dict, path: Path) -> None:
    from grader.report import _chart

    charts = [_scatter(result)]
    weakest = [a for a in result["articles"] if a["answers"]][:10]
    if weakest:
        charts.append(
            _chart(
                [f"{citation(a)}（{a['answers']}人次）" for a in weakest],
                {"正确率": [a["correct_rate"] for a in weakest]},
                "正确率最低的条款",
            )
        )
    marked = flagged(result)
    title = f"试题分析：{result['exam']['title']}"
    sections = [
        "".join(f"<p>{html.escape(x)}</p>" for x in summary_lines(result)),
        *[f'<img alt="chart" src="{c}">' for c in charts],
        f"<h2>需要注意的题目（{len(marked)}）</h2>"
        + (_table([h for _, h in QUESTION_COLUMNS], [question_cells(q) for q in marked]) if marked else "<p>无。</p>"),
        "<h2>各题统计</h2>"
        + _table([h for _, h in QUESTION_COLUMNS], [question_cells(q) for q in result["questions"]]),
        "<h2>选项分析</h2>" + _table(OPTION_HEADERS, option_rows(result)),
        "<h2>各条款正确率（从低到高）</h2>" + _table(ARTICLE_HEADERS, article_rows(result)),
        "<h2>各科室各法规正确率（从低到高）</h2>" + _table(DEPARTMENT_HEADERS, department_rows(result)),
        f"<p>{html.escape(SMALL_NOTE)}</p>",
    ]
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; }}
h2 {{ font-size: 1.2em; border-left: 4px solid #c00; padding-left: .5em; margin-top: 1.6em; }}
table {{ border-collapse: collapse; font-size: .85em; }} th, td {{ border: 1px solid #ccc; padding: .2em .5em; }}
th {{ background: #ddebf7; }} img {{ max-width: 100%; display: block; margin: 1em 0; }}
</style></head><body><h1>{html.escape(title)}</h1>{"".join(sections)}</body></html>
"""
    path.write_text(page, encoding="utf-8")
