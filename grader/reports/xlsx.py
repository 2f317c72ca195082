"""The Excel report (openpyxl, write-only for city-sized lists, native bar charts)."""

from __future__ import annotations

from pathlib import Path

from grader.reports.report import exam_name, timing_lines
from grader.reports.tables import GROUP_HEADERS, LIST_TABLES, RATE_KEYS, mark_text, shown_value, study_sections

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
    title = WriteOnlyCell(ws, value=f"{exam_name(report)}统计")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    ws.append(["合格分（百分制）", mark_text(report["pass_mark"])])
    ws.append(["优秀分（百分制）", mark_text(report["excellence_mark"])])
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

    # 学法活动: the study section, one sheet, its tables one under another
    sections = study_sections(report)
    if sections:
        ws = wb.create_sheet("学法活动")
        printable(ws)
        for col, width in zip("ABCDEFG", (14, 14, 40, 22, 10, 10, 12)):
            ws.column_dimensions[col].width = width
        for section in sections:
            head = WriteOnlyCell(ws, value=section["title"])
            head.font = Font(bold=True, size=12)
            ws.append([head])
            if section["note"]:
                ws.append([section["note"]])
            header(ws, [h for _, h in section["columns"]])
            for r in section["rows"]:
                ws.append([cell(ws, k, shown_value(r, k)) for k, _ in section["columns"]])
            if not section["rows"]:
                ws.append(["无。"])
            ws.append([])

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
                    cell(ws, k, shown_value(r, k)) if rate or isinstance(shown_value(r, k), str) else shown_value(r, k)
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
