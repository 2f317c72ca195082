"""The sheets of a file: the visible worksheets of a workbook or one CSV file, recognised by
content (an encrypted workbook or an old .xls under an .xlsx name is named as such)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from grader.errors import SheetError
from grader.sheets.cells import cell_text
from grader.sheets.text import excel_text

# ------------------------------------------------------------------ sheets: a worksheet or a CSV file


_NO_ISSUES: dict[str, tuple[str, str]] = {}


class _CsvSheet:
    """A CSV file as the reader sees a sheet: rows of text, nothing merged or hidden."""

    hidden = False
    hidden_rows: frozenset[int] = frozenset()
    hidden_cols: frozenset[int] = frozenset()
    workbook = False

    def __init__(self, rows: list[list[str]], gbk: bool):
        self.title = ""
        self.rows = rows
        self.max_row = len(rows)
        self.gbk = gbk

    def scan(self, n: int) -> list[list[str]]:
        return [list(r) for r in self.rows[:n]]

    def merged_down(self, r: int, c: int) -> bool:
        return False

    def row_texts(self, r: int, index: dict[str, int]) -> tuple[list[str], dict[str, tuple[str, str]]]:
        cells = self.rows[r - 1]
        n = len(cells)
        return [cells[c] if c < n else "" for c in index.values()], _NO_ISSUES


class _WorkbookSheet:
    """One worksheet as (value, number format) cells, merged ranges filled in, with what Excel hides
    (the sheet, rows, columns) and the formulas whose result the file does not hold."""

    workbook = True
    gbk = False

    def __init__(self, ws, formulas=None):
        self.title = ws.title
        self.hidden = ws.sheet_state != "visible"  # 'hidden' or 'veryHidden'
        self.cells: dict[tuple[int, int], tuple[object, str]] = {}
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        self.max_row = ws.max_row or 0
        self.max_col = ws.max_column or 0
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    self.cells[(c.row, c.column)] = (c.value, c.number_format)
        for merged in ws.merged_cells.ranges:
            top = self.cells.get((merged.min_row, merged.min_col))
            for r in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    self.anchor[(r, col)] = (merged.min_row, merged.min_col)
                    if top is not None:
                        self.cells[(r, col)] = top
        self.hidden_rows = frozenset(r for r, d in ws.row_dimensions.items() if d.hidden or d.ht == 0)
        self.hidden_cols = frozenset(
            c
            for d in ws.column_dimensions.values()
            if (d.hidden or (d.customWidth and d.width == 0)) and d.min
            for c in range(d.min, (d.max or d.min) + 1)
        )
        self.pictures = frozenset(  # top-left cells of pictures floating over the sheet
            (image.anchor._from.row + 1, image.anchor._from.col + 1)
            for image in getattr(ws, "_images", [])
            if hasattr(getattr(image, "anchor", None), "_from")
        )
        self.uncached: dict[tuple[int, int], str] = {}
        if formulas is not None:
            for row in formulas.iter_rows():
                for c in row:
                    text = c.value if isinstance(c.value, str) else getattr(c.value, "text", None)
                    if text and str(text).startswith("=") and (c.row, c.column) not in self.cells:
                        if ws.cell(c.row, c.column).data_type != "str":  # t="str" with <v></v>: a cached ""
                            self.uncached[(c.row, c.column)] = str(text)

    def scan(self, n: int) -> list[list[str]]:
        return [[self.raw_text(r, c) for c in range(1, self.max_col + 1)] for r in range(1, min(self.max_row, n) + 1)]

    def merged_down(self, r: int, c: int) -> bool:
        """Whether cell (r + 1, c) belongs to the same merged range as (r, c) (1-based)."""
        top = self.anchor.get((r, c))
        return top is not None and self.anchor.get((r + 1, c)) == top

    def raw_text(self, r: int, col: int) -> str:
        """A cell's text for header finding (formats never refused here)."""
        value = self.cells.get((r, col), (None, ""))[0]
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        try:
            return cell_text(*self.cells[(r, col)])
        except ValueError:
            return str(value)

    def row_texts(self, r: int, index: dict[str, int]) -> tuple[list[str], dict[str, tuple[str, str]]]:
        """(the texts of the index's columns in its order, field -> (issue, detail)): issue 'format'
        (cannot be shown faithfully) or 'formula' (no cached result; detail is the formula)."""
        texts: list[str] = []
        issues: dict[str, tuple[str, str]] = {}
        for key, c in index.items():
            value, fmt = self.cells.get((r, c + 1), (None, "General"))
            if value is None:
                texts.append("")
                if (r, c + 1) in self.uncached:
                    issues[key] = ("formula", self.uncached[(r, c + 1)])
                elif (r, c + 1) in self.pictures:
                    issues[key] = ("picture", "")
                continue
            try:
                texts.append(cell_text(value, fmt))
            except ValueError as error:
                texts.append("")
                issues[key] = ("format", str(error))
        return texts, issues

    def meta(self) -> dict[str, str]:
        """A 说明 sheet's 'key | value' rows (题库编号, 题库名称)."""
        out = {}
        for r in range(1, self.max_row + 1):
            key, value = self.raw_text(r, 1).strip(), self.raw_text(r, 2).strip()
            if key:
                out[key] = value
        return out


_Sheet = _CsvSheet | _WorkbookSheet


# ------------------------------------------------------------------ opening files (by content, not by name)

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".et")


def _content(path: Path) -> str:
    """'zip' (an .xlsx), 'ole2' (an old .xls/.et, or any encrypted Office file), 'empty' or 'text'."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head == _OLE2:
        return "ole2"
    return "text"


def ole2_message(path: Path) -> str:
    """What an OLE2 compound file under a workbook's name is and what to do: encrypted (it carries an
    `EncryptedPackage` stream: an open password), else an old .xls/.et workbook."""
    data = path.read_bytes()
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        return (
            f"{path}: 文件设置了打开密码（已加密），无法读取：请在 Excel 中打开，文件→信息→保护工作簿→"
            "用密码进行加密，清空密码后保存（WPS：文件→文档加密→密码加密，清除密码），再重新导入 "
            "(the workbook is password-protected)"
        )
    if path.suffix.lower() in (".xls", ".et"):
        return f"{path}: 旧版 {path.suffix} 文件请在 Excel 或 WPS 中另存为 .xlsx 后导入 (old .xls/.et not supported)"
    return (
        f"{path}: 这是旧版 Excel/WPS 表格文件（.xls/.et），只是后缀改成了 {path.suffix}：请在 Excel/WPS 中打开，"
        "另存为“Excel 工作簿 (*.xlsx)”后重新导入 (an old .xls/.et workbook, not .xlsx)"
    )


def _has_formulas(path: Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        return any(
            _FORMULA.search(archive.read(name))
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def _workbook_sheets(path: Path) -> list[_WorkbookSheet]:
    from openpyxl import load_workbook

    try:  # a file object: openpyxl goes by the content, whatever the name says (名册.csv holding an .xlsx)
        with open(path, "rb") as fh:
            wb = load_workbook(fh, data_only=True)
        with open(path, "rb") as fh:
            formulas = load_workbook(fh, data_only=False) if _has_formulas(path) else None
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise SheetError(
            f"{path}: 无法打开 Excel 文件：文件已损坏，或不是 .xlsx 格式；请在 Excel/WPS 中打开并另存为 .xlsx "
            "(cannot open: not a valid .xlsx workbook)"
        ) from None
    try:
        return [_WorkbookSheet(ws, formulas[ws.title] if formulas else None) for ws in wb.worksheets]
    finally:
        wb.close()
        if formulas:
            formulas.close()


def _decode_csv(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise SheetError(f"{path}: 无法识别编码：请另存为 UTF-8 或 GBK 的 CSV (unknown encoding)")  # pragma: no cover


def _csv_rows(path: Path) -> list[list[str]]:
    text, _ = _decode_csv(path)
    if "\x00" in text:
        raise SheetError(f"{path}: 不是文本格式的 CSV 文件 (binary data in a .csv)")
    try:
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
        if '="' in text:  # cells an export wrote as ="0001" to keep them text
            rows = [[excel_text(c) for c in row] for row in rows]
        return rows
    except csv.Error as error:
        raise SheetError(f"{path}: CSV 格式错误: {error}") from None


def _csv_sheet(path: Path) -> _CsvSheet:
    rows = _csv_rows(path)
    if not any(any(c.strip() for c in r) for r in rows):
        raise SheetError(f"{path}: 文件为空 (empty file)")
    return _CsvSheet(rows, gbk=_decode_csv(path)[1] != "utf-8-sig")


def _open(path: Path) -> list[_Sheet]:
    """The sheets of a file, recognised by its content: an .xlsx under any workbook or .csv name is
    read as a workbook; an encrypted or old OLE2 workbook, or text under a workbook's name, refused."""
    suffix = path.suffix.lower()
    if suffix not in (*WORKBOOK_SUFFIXES, ".csv"):
        raise SheetError(
            f"{path}: 不支持的文件类型 {suffix or '（无后缀）'}，请用 .xlsx 或 .csv (unsupported file type)"
        )
    content = _content(path)
    if content == "empty":
        raise SheetError(f"{path}: 文件为空 (empty file)")
    if content == "ole2":
        raise SheetError(ole2_message(path))
    if content == "zip":
        return list(_workbook_sheets(path))
    if suffix == ".csv":
        return [_csv_sheet(path)]
    head = path.read_bytes()[:512].lstrip().lower()
    what = "网页（HTML）" if head.startswith((b"<", b"\xef\xbb\xbf<")) else "文本"
    raise SheetError(
        f"{path}: 不是 Excel 工作簿，内容是{what}（一些系统导出的“Excel”其实是{what}）：请在 Excel/WPS 中打开，"
        "另存为“Excel 工作簿 (*.xlsx)”后重新导入 (not an Excel workbook)"
    )
