"""Writing a report by suffix (.json .csv .xlsx .html .md) and the plain-text exports."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from grader.records import RecordsError
from grader.reports.html import write_html
from grader.reports.report import exam_name, pct, timing_lines
from grader.reports.tables import (
    GROUP_HEADERS,
    LIST_TABLES,
    RATE_KEYS,
    csv_text,
    mark_text,
    md_text,
    shown_text,
    shown_value,
    study_sections,
    summary_rows,
)
from grader.reports.xlsx import write_xlsx

# ------------------------------------------------------------------ exports


def write(report: dict, path: str | os.PathLike) -> Path:
    """Export by suffix: .json .csv .xlsx .html .md (written to a temp file, then moved in place)."""
    path = Path(path)
    writers = {".json": write_json, ".csv": write_csv, ".xlsx": write_xlsx, ".html": write_html, ".md": write_md}
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise RecordsError(f"不支持的报表格式 {path.suffix}，可选 {' '.join(writers)} (unsupported report format)")
    if writer is write_csv:
        return write_in_place(path, lambda tmp: write_csv(report, tmp, people=people_csv_path(path)))
    return write_in_place(path, lambda tmp: writer(report, tmp))


def write_in_place(path: Path, write_to) -> Path:
    """`write_to(tmp)` a temp file beside `path`, then move it in place: a reader never sees half
    a file, and a failure leaves the old file (or none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    try:
        write_to(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_json(report: dict, path: Path) -> None:
    # no indent: the C encoder is several times faster on a city-sized people list
    path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")


def people_csv_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}_人员名单.csv")


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
            w.writerow(["" if shown_value(p, k) is None else csv_text(shown_value(p, k)) for k, _ in columns])


def study_md(report: dict) -> list[str]:
    """The study section as Markdown lines (each table with its note)."""
    lines: list[str] = []
    for section in study_sections(report):
        columns = section["columns"]
        lines += [f"## {section['title']}", ""]
        if section["note"]:
            lines += [md_text(section["note"]), ""]
        if not section["rows"]:
            lines += ["无。", ""]
            continue
        lines += ["| " + " | ".join(h for _, h in columns) + " |", "|" + "---|" * len(columns)]
        lines += [
            "| " + " | ".join(shown_text(k, shown_value(r, k)) for k, _ in columns) + " |" for r in section["rows"]
        ]
        lines.append("")
    return lines


def write_md(report: dict, path: Path) -> None:
    t = report["total"]
    lines = [
        f"# {exam_name(report)}统计",
        "",
        f"合格分 {mark_text(report['pass_mark'])}，优秀分 {mark_text(report['excellence_mark'])}（百分制）。",
        "",
        *[f"- {md_text(line)}" for line in timing_lines(report)],
        "",
        "## 年度报告用语",
        "",
        report["paragraph"],
        "",
        f"**{report['todo']}**",
        "",
        *study_md(report),
        "## 全局",
        "",
        "| " + " | ".join(h for _, h in GROUP_HEADERS) + " |",
        "|" + "---:|" * len(GROUP_HEADERS),
        "| " + " | ".join(shown_text(k, t[k]) for k, _ in GROUP_HEADERS) + " |",
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
            "| " + md_text(r[name]) + " | " + " | ".join(shown_text(k, r[k]) for k, _ in GROUP_HEADERS) + " |"
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
            f"| {q['answered']} | {pct(q['facility'])}（{q['first_n']}人） | {shown_text('discrimination', shown_value(q, 'discrimination'))} "
            f"| {shown_value(q, 'flags')} | {md_text(q['stem'] or '')} |"
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
            lines += [
                "| " + " | ".join(shown_text(k, shown_value(r, k)) for k, _ in columns) + " |" for r in report[key]
            ]
        else:
            lines.append("无。")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
