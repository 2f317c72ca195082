"""Reading a file: the rows under the header (note rows, repeated headers and footers skipped and
named), checked cell by cell; `read_sheet` is the one entry point."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import SheetError
from grader.sheets.cells import _PICTURE, cell_problem, picture_message, uncached_formula_message
from grader.sheets.files import _NO_ISSUES, _csv_rows, _CsvSheet, _decode_csv, _open, _Sheet, _WorkbookSheet
from grader.sheets.header import Header, _column_map, _find_header, _missing_message
from grader.sheets.kinds import Kind
from grader.sheets.table import Row, Table, _letter, _numbers, _short
from grader.sheets.text import (
    collapse,
    free_text,
    header_word,
    lost_characters_problem,
    nfkc,
    staff_id_problem,
    staff_id_text,
    year_text,
)

# ------------------------------------------------------------------ rows under the header

_NOTE_STRONG = re.compile(
    r"^(必填|选填|非必填|必须填写|可选|可不填|不必填|示例|样例|范例|例如|例[:：]|填写说明|填表说明|说明[:：]|注[:：]|"
    r"请填写|请输入|请选择)"
)
_NOTE_WEAK = re.compile(r"^(如|例|默认|格式)[\s:：《“\"（(A-Za-z0-9]")


def _header_like(kind: Kind, key: str, text: str, header_text: str) -> bool:
    """Whether a cell under the header is a header word itself (its own column's word or alias)."""
    word = header_word(text)
    return bool(word) and (word == header_word(header_text) or kind.field_of(text) == key)


def is_note_row(kind: Kind, header: Header, values: dict[str, str]) -> bool:
    """A template's 填写说明/示例 row: its cells start 必填/选填/示例/例如… (2 points each) or
    如…/例…/默认… or repeat their column's header word (1 point each); at least 2 points and at
    least half of its filled cells so."""
    filled = [(k, v) for k, v in values.items() if v]
    points = marked = 0
    for key, text in filled:
        if _NOTE_STRONG.match(text):
            points, marked = points + 2, marked + 1
        elif _NOTE_WEAK.match(text) or _header_like(kind, key, text, header.cells[header.index[key]]):
            points, marked = points + 1, marked + 1
    return points >= 2 and marked * 2 >= len(filled)


_FOOTER_START = frozenset("注备说附制填审复核负联合总小共单盖")
_FOOTER = re.compile(
    r"^(注|备注|说明|附注|制表|填表|审核|复核|核对|负责人|联系人|联系电话|合计|总计|小计|共计|单位（盖章）|单位\(盖章\)|盖章)"
)


def footer_text(values: dict[str, str]) -> str | None:
    """The text of a line under the data (注：…, 制表人：…, 合计…) — its first filled cell (`values`
    in column order) starts so — else None. Never a person or a question."""
    for text in values.values():
        if text:
            return text if text[0] in _FOOTER_START and _FOOTER.match(text) else None
    return None


def is_header_row(kind: Kind, header: Header, values: dict[str, str]) -> bool:
    """A row of header words under the header (a repeated header, the lower line of a header
    that was not recognised as one): never a person or a question."""
    filled = [(k, v) for k, v in values.items() if v]
    return len(filled) >= 2 and all(_header_like(kind, k, v, header.cells[header.index[k]]) for k, v in filled)


def _normaliser(kind: Kind, key: str):
    """How a field's text is cleaned: free text trimmed, names collapsed, ids and years read as
    people mean them, the rest NFKC (invisible characters removed from all)."""
    if key in kind.free:
        return free_text
    if key in kind.collapse:
        return collapse
    if key in kind.ids:
        return staff_id_text
    if key in kind.years:
        return lambda text: year_text(nfkc(text))
    return nfkc


def _normalise(kind: Kind, key: str, text: str) -> str:
    return _normaliser(kind, key)(text)


@dataclass
class _Reading:
    """The state of reading one file: where messages point, what was found wrong or passed over."""

    file: str
    kind: Kind
    problems: list[str] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)

    def cell(self, sheet: _Sheet, row: int, column: int, key: str, message: str) -> None:
        place = f"工作表 {sheet.title} " if sheet.workbook else ""
        self.problems.append(
            f"{self.file}: {place}单元格 {_letter(column + 1)}{row}（{self.kind.label(key)}）: {message}"
        )

    def value(self, where: str, key: str, text: str, message: str) -> None:
        self.problems.append(f"{self.file}: {where} {self.kind.label(key)} '{text}'：{message}")


def _check_row(reading: _Reading, sheet: _Sheet, header: Header, row: Row, issues) -> None:
    """Every reason a data row's cells are not data (the reader's rules, for every kind)."""
    kind = reading.kind
    for key, (issue, detail) in issues.items():
        if issue == "formula":
            picture = _PICTURE.match(detail)
            detail = picture_message(kind, kind.label(key)) if picture else uncached_formula_message(detail)
        elif issue == "picture":
            detail = (
                f"是一张浮在单元格上的图片，单元格里没有文字：{kind.name}只读文字，图片不能作为{kind.label(key)}，"
                "请改为文字"
            )
        reading.cell(sheet, row.number, header.index[key], key, detail)
    for key, text in row.values.items():
        if not text or key in issues:
            continue
        if text[0] in "#=":
            in_cell = cell_problem(text, kind, key)
            if in_cell:
                reading.cell(sheet, row.number, header.index[key], key, in_cell)
                continue
        in_value = None
        if key in kind.ids:
            if len(text) < 16 and text.isascii() and text.isalnum():
                continue  # MZ001, 0001: the usual 工号, nothing to look at
            in_value = staff_id_problem(text)
        elif key in kind.collapse:
            in_value = lost_characters_problem(text, sheet.gbk)
        if in_value:
            reading.value(row.where, key, text, in_value)


def _read_rows(reading: _Reading, sheet: _Sheet, header: Header, multi: bool) -> list[Row]:
    """The data rows under a header: empty rows dropped; hidden rows, a 填写说明 row before the first
    data row and repeated header rows passed over (and named); every cell checked."""
    kind = reading.kind
    cleaners = [(k, _normaliser(kind, k)) for k in sorted(header.index, key=header.index.__getitem__)]
    first_key = next(iter(kind.required))
    header_forms = (
        {nfkc(header.cells[header.index[first_key]]), *kind.columns[first_key]} if first_key in header.index else set()
    )
    by_column = [(k, header.index[k], clean) for k, clean in cleaners]
    ordered = {k: header.index[k] for k, _ in cleaners}
    width = max(header.index.values()) + 1
    plain = sheet.rows if isinstance(sheet, _CsvSheet) else None
    rows: list[Row] = []
    hidden: list[int] = []
    prefix = f"{sheet.title} " if multi else ""

    data_seen = False
    for r in range(header.last + 1, sheet.max_row + 1):
        if plain is not None and len(plain[r - 1]) >= width:  # a CSV row (the bulk of big files): directly
            cells = plain[r - 1]
            values, issues = {k: clean(cells[c]) for k, c, clean in by_column}, _NO_ISSUES
        else:
            texts, issues = sheet.row_texts(r, ordered)
            values = {k: clean(text) for (k, clean), text in zip(cleaners, texts)}
        if not any(values.values()) and not issues:
            continue
        if r in sheet.hidden_rows:
            hidden.append(r)
            continue
        if not data_seen and is_note_row(kind, header, values):
            reading.passed_over.append(f"{prefix}第{r}行（填写说明）")
            continue
        if values.get(first_key, "") in header_forms and is_header_row(kind, header, values):
            reading.passed_over.append(f"{prefix}第{r}行（表头文字）")
            continue
        footer = footer_text(values) if data_seen else None
        if footer:
            reading.passed_over.append(f"{prefix}第{r}行（表尾“{_short(footer)}”）")
            continue
        data_seen = True
        row = Row(sheet.title, r, values, multi)
        _check_row(reading, sheet, header, row, issues)
        rows.append(row)
    if hidden:
        reading.passed_over.insert(0, f"{prefix}隐藏的第{_numbers(hidden)}行")
    return rows


# ------------------------------------------------------------------ reading a file


def _choose(file: str, found: list[_Sheet], names: Sequence[str] | None) -> list[_Sheet]:
    """The sheets --sheet names (all when none), SheetError for a name the file does not have."""
    if not names:
        return found
    if not found[0].workbook:
        raise SheetError(f"{file}: CSV 文件只有一个表，不用 --sheet (a CSV file has no sheets)")
    titles = {s.title.strip(): s for s in found}
    unknown = [n for n in names if n.strip() not in titles]
    if unknown:
        raise SheetError(
            f"{file}: 没有工作表 {'、'.join(unknown)}（文件中的工作表: {'、'.join(s.title for s in found)}） (no such sheet)"
        )
    wanted = {n.strip() for n in names}
    return [s for s in found if s.title.strip() in wanted]


def read_sheet(
    path: str | Path, kind: Kind, sheets: Sequence[str] | None = None, columns: dict[str, str] | None = None
) -> Table:
    """Read a .xlsx/.xlsm or .csv of the given kind (BANK, ROSTER, RESULTS, EXEMPTIONS...).

    `sheets`: read only these worksheets (the commands' --sheet; a hidden sheet named here is read).
    `columns`: field label -> header text for columns the alias tables do not know (the commands'
    --column, e.g. {"得分": "原始成绩"}); that column then names the field, others that would are not
    read. Returns a `Table`; `Table.summary()` says what was read and what was passed over.

    Raises SheetError (file, sheet, row or cell named; one line per problem) when the file is
    missing, encrypted or not a workbook, has no header with the kind's required columns, holds a
    cell that is not data (an error value, a picture, a formula without its result, a format that
    cannot be shown faithfully, an id Excel mangled, a `?` for a lost character), or — for a kind
    read from one sheet (the roster) — has several visible sheets with the header and `sheets` is
    not given. Rows that are entirely empty are skipped.
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise SheetError(f"{path}: 文件不存在 (file not found)")
    if path.is_dir():
        raise SheetError(f"{path}: 是文件夹，不是表格文件 (a directory)")
    mapped = _column_map(kind, columns)
    found = _open(path)
    chosen = _choose(file, found, sheets)
    table = Table(path, kind, [])
    reading = _Reading(file, kind)
    data: list[tuple[_Sheet, Header]] = []
    misses: list[tuple[_Sheet, Header | None]] = []
    hidden_with_header: list[str] = []
    for sheet in chosen:
        if sheet.title == "说明" and isinstance(sheet, _WorkbookSheet) and not sheets:
            if not sheet.hidden:
                table.meta.update(sheet.meta())
                table.skipped.append(sheet.title)
            continue
        header = _find_header(sheet, kind, mapped)
        has_header = header is not None and header.complete(kind)
        if sheet.hidden and not sheets:
            if has_header:
                hidden_with_header.append(sheet.title)
            continue
        if not has_header:
            if not sheet.hidden:
                table.skipped.append(sheet.title)
            if header is not None:
                misses.append((sheet, header))
            continue
        assert header is not None
        if header.duplicates:
            where = f"工作表 {sheet.title} " if sheet.workbook else ""
            reading.problems.append(
                f"{file}: {where}第{header.first}行（表头）列名重复: {'；'.join(header.duplicates)}"
            )
            continue
        data.append((sheet, header))
    several = len(found) > 1
    for label, header_text in (columns or {}).items():
        if data and not any(header_word(header_text) in map(header_word, h.cells) for _, h in data):
            seen = "、".join(c.strip() for c in data[0][1].cells if c.strip())
            reading.problems.append(
                f"{file}: --column {label}={header_text}: 表头中没有“{header_text}”这一列（表头中的列: {seen}）"
            )
    if reading.problems:
        raise SheetError("\n".join(reading.problems))
    if not data:
        raise SheetError(_nothing_message(file, kind, found, misses, hidden_with_header, bool(sheets)))
    multi = len(data) > 1
    for sheet, header in data:
        rows = _read_rows(reading, sheet, header, multi)
        table.rows += rows
        table.sheets.append((sheet.title, len(rows)))
        table.header_row[sheet.title] = header.last
        table.titles[sheet.title] = title_lines(sheet, header, kind)
        table.columns |= set(header.index)
        table.notes += header.notes
        hidden_columns = list(header.hidden.values())
        if hidden_columns:
            reading.passed_over.append("隐藏的" + "、".join(hidden_columns))
        if sheet.hidden:
            table.notes.append(f"读取了隐藏的工作表 {sheet.title}（--sheet 指定）")
    if kind.one_sheet and multi and not sheets:
        counts = "、".join(f"{name}（{n} 行）" for name, n in table.sheets)
        names = " ".join(f"--sheet {name}" for name, _ in table.sheets)
        raise SheetError(
            f"{file}: 工作表 {counts} 都有{kind.name}表头：{kind.name}只读一个工作表，请用 --sheet 指定要导入的"
            f"工作表（如 --sheet {table.sheets[0][0]}）；确实要合并时逐个给出：{names} (several sheets carry the header)"
        )
    if sheets and several:
        table.unchosen = [s.title for s in found if s not in chosen and s.title != "说明"]
        table.skipped = []
    table.passed_over = reading.passed_over + [f"隐藏的工作表 {name}" for name in hidden_with_header]
    if reading.problems:
        raise SheetError("\n".join(reading.problems))
    return table


def title_lines(sheet: _Sheet, header: Header, kind: Kind) -> list[str]:
    """The text above a sheet's header, a line per row (a merged title counted once, cells of a row
    joined by a space, NFKC-normalised, invisible characters removed): '2026年3月5日会前学法签到表'.
    A row holding a header word of `kind` is the header's, not a title."""
    lines = []
    for cells in sheet.scan(header.last - 1):
        if any(kind.field_of(cell) for cell in cells if cell.strip()):
            continue
        seen: list[str] = []
        for cell in cells:
            text = collapse(cell)
            if text and text not in seen:
                seen.append(text)
        if seen:
            lines.append(" ".join(seen))
    return lines


def _nothing_message(
    file: str, kind: Kind, found: list[_Sheet], misses: list, hidden_with_header: list[str], chosen: bool
) -> str:
    """Why no sheet gave data: only hidden sheets carry the header, or the closest header misses columns."""
    if hidden_with_header:
        names = "、".join(hidden_with_header)
        return (
            f"{file}: 只有隐藏的工作表 {names} 有{kind.name}表头；隐藏的工作表不读取：请在 Excel 中取消隐藏，"
            f"或用 --sheet {hidden_with_header[0]} 指定 (only hidden sheets carry the header)"
        )
    several = len(found) > 1
    best = max(misses, key=lambda m: len(m[1].index), default=None)
    text = (
        _missing_message(file, kind, best[0], best[1], several)
        if best
        else _missing_message(file, kind, found[0], None, False)
    )
    if several and not chosen:
        text += f"；文件中的工作表: {'、'.join(s.title for s in found)}"
    return text


def read_csv_rows(path: Path) -> tuple[list[list[str]], str]:
    """Raw rows of a CSV in UTF-8, UTF-8 with BOM or GBK, and the encoding that decoded it."""
    path = Path(path)
    return _csv_rows(path), _decode_csv(path)[1]
