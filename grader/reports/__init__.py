"""The annual study-the-law report (学法用法考试统计) and its exports; the item analysis's exports.

`build(db, year, exam)` returns the report as a dict (the JSON report): the figures, defined once
as SQL over the records (grader.records.figures, docs/figures.md), and the words for the annual
rule-of-law report. `write(report, path)` exports it by suffix: .json, .csv, .xlsx, .html, .md.
HTML pages come from Jinja2 templates (templates/, autoescaped: grader.pages).

Modules: report (build, the words), tables (headers and how values are shown), exports (by
suffix; json, csv, md), xlsx, html, charts (matplotlib, the CJK font), analysis (the exports of
an item analysis, grader.exams.item_analysis).
"""

from grader.records.figures import FIGURES
from grader.reports.charts import cjk_font, packaged_cjk_font, register_cjk_font
from grader.reports.exports import people_csv_path, write, write_csv, write_json, write_md
from grader.reports.html import write_html
from grader.reports.report import build, next_steps, paragraph, pct, timing_lines, todo, weakest_articles
from grader.reports.tables import csv_text, md_text, screen_notes, screen_table
from grader.reports.xlsx import write_xlsx

__all__ = [
    "FIGURES",
    "build",
    "cjk_font",
    "csv_text",
    "md_text",
    "next_steps",
    "packaged_cjk_font",
    "paragraph",
    "pct",
    "people_csv_path",
    "register_cjk_font",
    "screen_notes",
    "screen_table",
    "timing_lines",
    "todo",
    "weakest_articles",
    "write",
    "write_csv",
    "write_html",
    "write_json",
    "write_md",
    "write_xlsx",
]
