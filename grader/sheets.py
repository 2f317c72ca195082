"""One reader for every sheet lawstudy takes: 题库 banks, rosters, exemption lists, results.

Files come as trainers, HR staff and other systems write them, and are read the way a person
looking at them in Excel reads them:

- the header row is found even under a title row; header words go through one alias table per
  sheet kind (`KINDS`), and a note in brackets after a header word ("工号（必填）") is ignored;
- every worksheet carrying the header is read (a 说明 sheet is not); `Table.summary()` says which
  sheets gave how many rows;
- a merged cell's value applies to every row (and column) it covers;
- a cell is the text Excel shows: dates in the cell's Chinese or ISO form, percentages, numbers
  zero-padded by their format (工号 0001 stays "0001"); a format that cannot be rendered
  faithfully is refused with the cell named (`SheetError`), never guessed;
- identifiers and short fields are NFKC-normalised (full-width letters, digits, punctuation);
  white space in names, 科室 and 类别 is collapsed ("社会　救助科" is "社会救助科"); free text
  (题干, 选项, 解析, 依据原文) is kept as written, only trimmed;
- CSV is read as UTF-8, UTF-8 with BOM, or GBK (as Excel on Chinese Windows saves it).

`parse_datetime` reads the dates and times spreadsheets write (2020/11/5 9:30, 2020-11-05 09:30,
2020年11月5日 9:30) as Beijing time unless they carry a zone.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from grader.errors import SheetError
from grader.vocabulary import parse_datetime  # noqa: F401  (documented above as part of reading sheets)

HEADER_SCAN_ROWS = 10  # a header below this many title/blank rows is not looked for


# ------------------------------------------------------------------ sheet kinds (alias tables)


@dataclass(frozen=True)
class Kind:
    """A kind of sheet: its fields with the header words that name them, which are required.

    `columns` maps a field to its header aliases; the first alias is the name shown in messages.
    `free` fields are free text (kept as written, trimmed); `collapse` fields have their inner
    white space collapsed; every other field is NFKC-normalised and trimmed.
    """

    name: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    free: frozenset[str] = frozenset()
    collapse: frozenset[str] = frozenset()

    def label(self, key: str) -> str:
        """The header word staff know a field by (工号 for staff_id)."""
        return self.columns[key][0]


BANK = Kind(
    "题库",
    {
        "id": ("题号", "题目编号", "试题编号", "序号", "编号", "id"),
        "type": ("题型", "题目类型", "试题类型", "类型", "type"),
        "stem": ("题干", "题目", "题目内容", "试题内容", "试题", "问题", "stem"),
        **{f"option_{c}": (f"选项{c}", f"{c}选项", f"选项 {c}", c, f"option_{c}", f"option {c}") for c in "ABCDEF"},
        "answer": ("答案", "正确答案", "参考答案", "标准答案", "answer"),
        "explanation": ("解析", "答案解析", "题目解析", "试题解析", "解释", "explanation"),
        "basis": ("法律依据", "依据", "出处", "法条", "basis"),
        "quote": ("依据原文", "原文", "条文原文", "法条原文", "quote"),
        "points": ("分值", "分数", "每题分值", "points"),
        "difficulty": ("难度", "难易程度", "难易度", "difficulty"),
        "tags": ("标签", "知识点", "tags"),
        "pool": ("题库用途", "用途", "pool"),
        "shuffle": ("选项顺序", "固定选项顺序", "shuffle"),
    },
    required=("id", "type", "stem", "answer", "explanation", "basis", "quote", "pool"),
    free=frozenset({"stem", "explanation", "quote", "basis"} | {f"option_{c}" for c in "ABCDEF"}),
)

# How a staff member's number is headed in the sheets bureaus keep (the roster also accepts a bare 编号).
STAFF_ID_HEADERS = ("工号", "职工编号", "员工编号", "人员编号", "staff_id")

ROSTER = Kind(
    "名册",
    {
        "staff_id": (*STAFF_ID_HEADERS[:-1], "编号", "staff_id"),
        "name": ("姓名", "职工姓名", "人员姓名", "name"),
        "department": ("科室", "部门", "科室/部门", "所在科室", "所在部门", "处室", "department"),
        "category": ("类别", "人员类别", "人员类型", "身份类别", "category"),
    },
    required=("staff_id", "name"),
    collapse=frozenset({"name", "department", "category"}),
)

RESULTS = Kind(
    "成绩",
    {
        "staff_id": STAFF_ID_HEADERS,
        "exam": ("考试编号", "考试", "exam", "exam_id"),
        "score": ("得分", "成绩", "分数", "score"),
        "max_score": ("满分", "总分", "max_score"),
        "submitted_at": ("提交时间", "考试时间", "交卷时间", "submitted_at"),
        "name": ("姓名", "name"),
    },
    required=("staff_id", "exam", "score", "max_score", "submitted_at"),
    collapse=frozenset({"name"}),
)

EXEMPTIONS = Kind(
    "免考名单",
    {
        "staff_id": STAFF_ID_HEADERS,
        "reason": ("免考原因", "原因", "理由", "reason"),
        "year": ("年度", "年份", "year"),
        "name": ("姓名", "name"),
    },
    required=("staff_id", "reason"),
    free=frozenset({"reason"}),
    collapse=frozenset({"name"}),
)

COMPLETIONS = Kind(
    "课程完成",
    {
        "staff_id": STAFF_ID_HEADERS,
        "course": ("课程编号", "课程", "course", "course_id"),
        "completed_at": ("完成时间", "提交时间", "completed_at"),
        "hours": ("学时", "hours"),
    },
    required=("staff_id", "course"),
)

KINDS = {k.name: k for k in (BANK, ROSTER, RESULTS, EXEMPTIONS, COMPLETIONS)}


# ------------------------------------------------------------------ text normalisation

_BRACKET_NOTE = re.compile(r"[（(\[【［<《].*?[)）\]】］>》]")
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")


def nfkc(text: str) -> str:
    """NFKC-normalised and trimmed: 'ＡＢ' -> 'AB', '０００１' -> '0001', full-width space -> ' '."""
    if not isinstance(text, str):
        text = str(text)
    if text.isascii():  # most cells: nothing to normalise
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


def collapse(text: str) -> str:
    """NFKC, then white space collapsed: one space between Latin words, none next to Chinese.

    "社会　救助科", "社会 救助科" and "社会救助科" are one department.
    """
    text = " ".join(nfkc(text).split())
    return _SPACE_NEAR_CJK.sub("", text)


def header_word(text: str) -> str:
    """A header cell as matched against the alias tables: NFKC, no bracketed note, no spaces."""
    text = _BRACKET_NOTE.sub("", nfkc(text))
    return "".join(text.split()).casefold()


# ------------------------------------------------------------------ dates and times

# ------------------------------------------------------------------ cells as Excel shows them


def _split_sections(fmt: str) -> list[str]:
    sections, current, quoted, escape = [], "", False, False
    for ch in fmt:
        if escape:
            current += ch
            escape = False
        elif ch == "\\":
            current += ch
            escape = True
        elif ch == '"':
            current += ch
            quoted = not quoted
        elif ch == ";" and not quoted:
            sections.append(current)
            current = ""
        else:
            current += ch
    sections.append(current)
    return sections


def _tokens(section: str) -> list[tuple[str, str]]:
    """(kind, text): kind is 'lit' for literal text, else the format character(s)."""
    out, i = [], 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            end = len(section) if end < 0 else end
            out.append(("lit", section[i + 1 : end]))
            i = end + 1
        elif ch == "\\" and i + 1 < len(section):
            out.append(("lit", section[i + 1]))
            i += 2
        elif ch == "_" and i + 1 < len(section):
            out.append(("lit", " "))
            i += 2
        elif ch == "*" and i + 1 < len(section):
            i += 2
        elif ch == "[":
            end = section.find("]", i)
            end = len(section) if end < 0 else end
            out.append(("bracket", section[i + 1 : end]))
            i = end + 1
        else:
            out.append((ch, ch))
            i += 1
    return out


class _Unfaithful(Exception):
    pass


_COLOURS = {"black", "blue", "cyan", "green", "magenta", "red", "white", "yellow"}


def _strip_brackets(tokens):
    out = []
    for kind, text in tokens:
        if kind == "bracket":
            low = text.lower()
            if (
                low in _COLOURS
                or low.startswith("color")
                or re.fullmatch(r"\$-[0-9a-f]+", low)
                or re.fullmatch(r"\$[^-]*-[0-9a-f]+", low)
            ):
                if text.startswith("$") and "-" in text and not text.startswith("$-"):
                    out.append(("lit", text[1 : text.index("-")]))  # currency symbol [$¥-804]
                continue
            raise _Unfaithful(f"[{text}]")
        out.append((kind, text))
    return out


def _general(value) -> str:
    """A number as Excel's General format shows it (refused where it would show 1.2E+17)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        number = int(value)
        if abs(number) >= 10**11:
            raise _Unfaithful("General（位数过多，Excel 显示为科学计数法）")
        return str(number)
    text = f"{value:.10g}"
    if "e" in text:
        raise _Unfaithful("General（Excel 显示为科学计数法）")
    return text


def _number_text(value: float, fmt: str) -> str:
    sections = _split_sections(fmt)
    section = sections[0]
    negative = value < 0
    if negative and len(sections) > 1:
        section, value = sections[1], -value
        negative = False
    elif value == 0 and len(sections) > 2:
        section = sections[2]
    tokens = _strip_brackets(_tokens(section))
    kinds = [k for k, _ in tokens]
    if "@" in kinds and not any(k in "0#?" for k in kinds):
        return _general(value)  # a text format ("@"): the number as typed
    if any(k.lower() in ("e",) for k in kinds) or "/" in kinds:
        raise _Unfaithful(fmt)
    if not any(k in "0#?" for k in kinds):
        if all(k == "lit" or k in " -+()$¥€£" for k in kinds):
            return "".join(t for _, t in tokens)  # a format that shows only text
        raise _Unfaithful(fmt)
    percent = kinds.count("%")
    scaled = Decimal(str(abs(value))) * (Decimal(100) ** percent)
    # integer and decimal placeholders
    first = next(i for i, k in enumerate(kinds) if k in "0#?")
    last = max(i for i, k in enumerate(kinds) if k in "0#?")
    dot = next((i for i, k in enumerate(kinds) if k == "." and first <= i <= last + 1), None)
    int_part = tokens[first : dot if dot is not None else last + 1]
    dec_part = tokens[dot + 1 : last + 1] if dot is not None else []
    decimals = [t for k, t in dec_part if k in "0#?"]
    if any(k not in "0#?" for k, _ in dec_part):
        raise _Unfaithful(fmt)
    grouping = any(k == "," for k, _ in int_part)
    trailing_commas = tokens[last + 1 : last + 2] and tokens[last + 1][0] == ","
    if trailing_commas:
        raise _Unfaithful(fmt)
    quantum = Decimal(1).scaleb(-len(decimals))
    rounded = scaled.quantize(quantum, rounding=ROUND_HALF_UP)
    int_digits, _, dec_digits = f"{rounded:f}".partition(".")
    # decimals: '0' always shown, '#' only when not a trailing zero
    dec_out = list(dec_digits.ljust(len(decimals), "0"))
    for i in range(len(decimals) - 1, -1, -1):
        if decimals[i] in "#?" and dec_out[i] == "0":
            dec_out[i] = "" if decimals[i] == "#" else " "
        else:
            break
    dec_text = "".join(dec_out)
    # integer part: placeholders filled from the right, literals in place
    if int_digits == "0":
        int_digits = ""
    holders = [(k, t) for k, t in int_part if k != ","]
    if grouping and any(k == "lit" for k, _ in holders):
        raise _Unfaithful(fmt)
    digits = list(int_digits)
    out: list[str] = []
    placeholders = [i for i, (k, _) in enumerate(holders) if k in "0#?"]
    for index in range(len(holders) - 1, -1, -1):
        kind, text = holders[index]
        if kind in "0#?":
            if index == placeholders[0]:
                rest = "".join(digits)
                digits = []
                out.append(rest if rest else ("0" if kind == "0" else (" " if kind == "?" else "")))
            elif digits:
                out.append(digits.pop())
            else:
                out.append("0" if kind == "0" else (" " if kind == "?" else ""))
        else:
            out.append(text)
    int_text = "".join(reversed(out))
    if grouping:
        int_text = f"{int(int_text or 0):,}" if int_text.strip() else int_text
        minimum = sum(1 for k, _ in holders if k == "0")
        if len(int_text.replace(",", "")) < minimum:
            int_text = f"{int(int_text.replace(',', '') or 0):0{minimum}d}"
            int_text = f"{int(int_text):,}".rjust(len(int_text), "0")
    number = int_text + ("." + dec_text if dot is not None and (dec_text or kinds[dot] == ".") else "")
    before = "".join(t for _, t in tokens[:first])  # literals, %, signs as written
    after = "".join(t for _, t in tokens[last + 1 :])
    sign = "-" if negative and rounded != 0 else ""
    return sign + before + number + after


_DATE_TOKENS = re.compile(
    r"(yyyy|yy|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|aaaa|aaa|hh|h|ss|s|AM/PM|A/P|上午/下午|e|g+)", re.IGNORECASE
)


def _date_text(value, fmt: str) -> str:
    if isinstance(value, time):
        value = datetime.combine(date(1899, 12, 31), value)
    elif isinstance(value, timedelta):
        raise _Unfaithful(fmt)
    elif not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    low = fmt.lower()
    if low == "mm-dd-yy":  # built-in 14: the reader's locale short date -> ISO
        return value.strftime("%Y-%m-%d")
    if low == "m/d/yy h:mm":  # built-in 22: locale date and time -> ISO
        return value.strftime("%Y-%m-%d %H:%M")
    section = _split_sections(fmt)[0]
    tokens = _strip_brackets(_tokens(section))
    pieces: list[tuple[str, str]] = []
    for kind, text in tokens:
        if kind == "lit":
            pieces.append(("lit", text))
            continue
        if pieces and pieces[-1][0] == "raw":
            pieces[-1] = ("raw", pieces[-1][1] + text)
        else:
            pieces.append(("raw", text))
    parts: list[tuple[str, str]] = []  # (token or 'lit', text)
    for kind, text in pieces:
        if kind == "lit":
            parts.append(("lit", text))
            continue
        for chunk in _DATE_TOKENS.split(text):
            if not chunk:
                continue
            parts.append((chunk.lower(), chunk) if _DATE_TOKENS.fullmatch(chunk) else ("lit", chunk))
    twelve = any(k in ("am/pm", "a/p", "上午/下午") for k, _ in parts)
    out = []
    for i, (kind, text) in enumerate(parts):
        if kind == "lit":
            if re.search(r"[a-zA-Z0]", text) and text not in (".", ",", "T"):
                if re.fullmatch(r"\.0+", text):
                    raise _Unfaithful(fmt)
            out.append(text)
            continue
        if kind in ("m", "mm"):
            prev = [k for k, _ in parts[:i] if k != "lit"]
            nxt = [k for k, _ in parts[i + 1 :] if k != "lit"]
            minute = (prev and prev[-1] in ("h", "hh")) or (nxt and nxt[0] in ("s", "ss"))
            number = value.minute if minute else value.month
            out.append(f"{number:02d}" if kind == "mm" else str(number))
        elif kind == "yyyy":
            out.append(f"{value.year:04d}")
        elif kind == "yy":
            out.append(f"{value.year % 100:02d}")
        elif kind == "dd":
            out.append(f"{value.day:02d}")
        elif kind == "d":
            out.append(str(value.day))
        elif kind == "aaaa":
            out.append("星期" + "一二三四五六日"[value.weekday()])
        elif kind == "aaa":
            out.append("一二三四五六日"[value.weekday()])
        elif kind in ("hh", "h"):
            hour = value.hour % 12 or 12 if twelve else value.hour
            out.append(f"{hour:02d}" if kind == "hh" else str(hour))
        elif kind == "ss":
            out.append(f"{value.second:02d}")
        elif kind == "s":
            out.append(str(value.second))
        elif kind == "am/pm":
            out.append("AM" if value.hour < 12 else "PM")
        elif kind == "上午/下午":
            out.append("上午" if value.hour < 12 else "下午")
        else:  # month or day names, eras, A/P: not rendered
            raise _Unfaithful(fmt)
    return "".join(out)


def cell_text(value, number_format: str | None = "General") -> str:
    """The text Excel displays for a cell value under its number format.

    Raises ValueError (with the format) when the format cannot be rendered faithfully.
    """
    if value is None:
        return ""
    fmt = (number_format or "General").strip()
    try:
        if isinstance(value, str):
            return value
        if isinstance(value, (datetime, date, time, timedelta)):
            if fmt.lower() == "general":
                if isinstance(value, datetime):
                    return value.strftime(
                        "%Y-%m-%d %H:%M:%S"
                        if value.second
                        else "%Y-%m-%d %H:%M"
                        if (value.hour or value.minute)
                        else "%Y-%m-%d"
                    )
                return value.isoformat()  # type: ignore[union-attr]  # timedelta: caught below
            return _date_text(value, fmt)
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, (int, float)):
            if fmt.lower() in ("general", "@", "", "g/通用格式", "通用格式"):
                return _general(value)
            return _number_text(float(value) if isinstance(value, float) else value, fmt)
        return str(value)
    except _Unfaithful:
        raise ValueError(f"数字格式 {fmt!r} 无法如实显示") from None


# ------------------------------------------------------------------ tables


@dataclass
class Row:
    """One data row: where it is (sheet, row number as the sheet shows it) and its fields' text."""

    sheet: str
    number: int
    values: dict[str, str]
    multi: bool = False  # the file has more than one data sheet: name the sheet in messages

    @property
    def where(self) -> str:
        """'第5行' or '工作表 单选题 第5行'."""
        return f"工作表 {self.sheet} 第{self.number}行" if self.multi else f"第{self.number}行"

    def get(self, key: str, default: str = "") -> str:
        """The field's text, or `default` when the column is absent or the cell empty."""
        return self.values.get(key, default) or default

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class Table:
    """What `read_sheet` found: the rows, and which sheets gave how many (or were skipped)."""

    path: Path
    kind: Kind
    rows: list[Row]
    sheets: list[tuple[str, int]] = field(default_factory=list)  # (sheet, data rows)
    skipped: list[str] = field(default_factory=list)  # sheets without the header
    meta: dict[str, str] = field(default_factory=dict)  # 说明 sheet: 题库编号, 题库名称
    header_row: dict[str, int] = field(default_factory=dict)  # sheet -> header row number
    columns: set[str] = field(default_factory=set)  # fields present in the header

    def summary(self) -> str:
        """'读取工作表 单选题 1 行、多选题 1 行；未读取：说明（没有表头）' (empty for a one-sheet file)."""
        if len(self.sheets) <= 1 and not self.skipped:
            return ""
        text = "读取工作表 " + "、".join(f"{name} {n} 行" for name, n in self.sheets)
        if self.skipped:
            text += "；未读取：" + "、".join(self.skipped) + f"（没有{self.kind.name}表头）"
        return text


def _match_header(cells: list[str], kind: Kind) -> tuple[dict[str, int], list[str]]:
    """(field -> column index, duplicate messages) for one candidate header row."""
    aliases: dict[str, str] = {}
    for key, words in kind.columns.items():
        for word in words:
            aliases.setdefault(header_word(word), key)
    index: dict[str, int] = {}
    duplicates = []
    for i, cell in enumerate(cells):
        word = header_word(cell) if cell else ""
        name = aliases.get(word)
        if name is None:
            continue
        if name in index:
            duplicates.append(f"{kind.label(name)}（第{index[name] + 1}列和第{i + 1}列）")
            continue
        index[name] = i
    return index, duplicates


def _find_header(rows: list[list[str]], kind: Kind):
    """(row index, field -> column, duplicate columns) of the first row within HEADER_SCAN_ROWS that
    has every required field; else (None, the closest row's field -> column, the closest row's index)."""
    best: tuple[int, dict[str, int], int] = (-1, {}, 0)
    for i, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        index, duplicates = _match_header(cells, kind)
        if all(k in index for k in kind.required):
            return i, index, duplicates
        if len(index) > best[0]:
            best = (len(index), index, i)
    return None, best[1], best[2]


def _normaliser(kind: Kind, key: str):
    """How a field's text is cleaned: free text trimmed, names collapsed, the rest NFKC."""
    if key in kind.free:
        return str.strip
    if key in kind.collapse:
        return collapse
    return nfkc


def _normalise(kind: Kind, key: str, text: str) -> str:
    return _normaliser(kind, key)(text)


def _csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise SheetError(f"{path}: 无法识别编码：请另存为 UTF-8 或 GBK 的 CSV (unknown encoding)")
    if "\x00" in text:
        raise SheetError(f"{path}: 不是文本格式的 CSV 文件 (binary data in a .csv)")
    try:
        return [list(r) for r in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        raise SheetError(f"{path}: CSV 格式错误: {error}") from None


class _Grid:
    """One worksheet as (value, number_format) cells, merged ranges filled in."""

    def __init__(self, ws):
        self.ws = ws
        self.title = ws.title
        self.cells: dict[tuple[int, int], tuple[object, str]] = {}
        self.max_row = ws.max_row or 0
        self.max_col = ws.max_column or 0
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    self.cells[(c.row, c.column)] = (c.value, c.number_format)
        for merged in ws.merged_cells.ranges:
            top = self.cells.get((merged.min_row, merged.min_col))
            if top is None:
                continue
            for r in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    self.cells[(r, col)] = top

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

    def text(self, r: int, col: int, file: str) -> str:
        value, fmt = self.cells.get((r, col), (None, "General"))
        try:
            return cell_text(value, fmt)
        except ValueError as error:
            from openpyxl.utils import get_column_letter

            raise SheetError(
                f"{file}: 工作表 {self.title} 单元格 {get_column_letter(col)}{r}: {error}"
                f"（值 {value!r}）；请把该列设为“文本”或“常规”格式后重新保存 "
                "(cell format cannot be shown faithfully)"
            ) from None


def _read_xlsx(path: Path, kind: Kind) -> Table:
    from openpyxl import load_workbook

    file = str(path)
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise SheetError(f"{file}: 无法打开 Excel 文件 (cannot open): {type(error).__name__}: {error}") from None
    table = Table(path, kind, [])
    data: list[tuple[_Grid, int, dict[str, int]]] = []
    best_miss: tuple[int, str, list[str], int] | None = None
    problems: list[str] = []
    try:
        for ws in wb.worksheets:
            grid = _Grid(ws)
            if ws.title == "说明":
                for r in range(1, grid.max_row + 1):
                    key, value = grid.raw_text(r, 1).strip(), grid.raw_text(r, 2).strip()
                    if key:
                        table.meta[key] = value
                table.skipped.append(ws.title)
                continue
            rows = [
                [grid.raw_text(r, c) for c in range(1, grid.max_col + 1)]
                for r in range(1, min(grid.max_row, HEADER_SCAN_ROWS) + 1)
            ]
            at, index, extra = _find_header(rows, kind)
            if at is None:
                table.skipped.append(ws.title)
                found = len(index)
                if any(any(c for c in row) for row in rows) and (best_miss is None or found > best_miss[0]):
                    missing = [kind.label(k) for k in kind.required if k not in index]
                    best_miss = (found, ws.title, missing, extra + 1)  # extra: the closest row
                continue
            if extra:  # extra: duplicate columns
                problems.append(f"{file}: 工作表 {ws.title} 第{at + 1}行（表头）列名重复: {'、'.join(extra)}")
                continue
            data.append((grid, at + 1, index))
        if problems:
            raise SheetError("\n".join(problems))
        if not data:
            raise SheetError(_no_header_message(file, kind, wb.sheetnames, best_miss))
        multi = len(data) > 1
        for grid, header_number, index in data:
            table.header_row[grid.title] = header_number
            table.columns |= set(index)
            count = 0
            for r in range(header_number + 1, grid.max_row + 1):
                values = {k: _normalise(kind, k, grid.text(r, c + 1, file)) for k, c in index.items()}
                if not any(values.values()):
                    continue
                table.rows.append(Row(grid.title, r, values, multi))
                count += 1
            table.sheets.append((grid.title, count))
    finally:
        wb.close()
    return table


def _no_header_message(file: str, kind: Kind, sheets: list[str], best) -> str:
    need = "、".join(kind.label(k) for k in kind.required)
    if best:
        _, sheet, missing, row = best
        where = f"工作表 {sheet} 第{row}行" if len(sheets) > 1 else f"第{row}行"
        text = f"{file}: {where}（表头）: 表头缺少列: {'、'.join(missing)}（{kind.name}需要列: {need}）"
    else:
        text = f"{file}: 表格为空，没有{kind.name}表头（需要列: {need}）"
    if len(sheets) > 1:
        text += f"；文件中的工作表: {'、'.join(sheets)}"
    return text + " (no header row with the required columns)"


def _read_csv(path: Path, kind: Kind) -> Table:
    file = str(path)
    raw = _csv_rows(path)
    if not any(any(c.strip() for c in r) for r in raw):
        raise SheetError(f"{file}: 文件为空 (empty file)")
    at, index, extra = _find_header(raw, kind)
    if at is None:
        missing = [kind.label(k) for k in kind.required if k not in index]
        raise SheetError(
            f"{file}: 第{extra + 1}行（表头）: 表头缺少列: {'、'.join(missing)}"
            f"（{kind.name}需要列: {'、'.join(kind.label(k) for k in kind.required)}） "
            "(no header row with the required columns)"
        )
    if extra:
        raise SheetError(f"{file}: 第{at + 1}行（表头）列名重复: {'、'.join(extra)}")
    table = Table(path, kind, [], header_row={"": at + 1}, columns=set(index))
    cleaners = [(k, c, _normaliser(kind, k)) for k, c in index.items()]
    width = max(index.values()) + 1
    for number, cells in enumerate(raw[at + 1 :], start=at + 2):
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        values = {k: clean(cells[c]) for k, c, clean in cleaners}
        if any(values.values()):
            table.rows.append(Row("", number, values))
    table.sheets.append(("", len(table.rows)))
    return table


def read_sheet(path: str | Path, kind: Kind) -> Table:
    """Read a .xlsx/.xlsm or .csv of the given kind (BANK, ROSTER, RESULTS, EXEMPTIONS...).

    Raises SheetError (file, sheet, row or cell named) when the file is missing, unreadable,
    has no header with the kind's required columns, or holds a cell whose format cannot be shown
    faithfully. Rows that are entirely empty are skipped.
    """
    path = Path(path)
    if not path.exists():
        raise SheetError(f"{path}: 文件不存在 (file not found)")
    if path.is_dir():
        raise SheetError(f"{path}: 是文件夹，不是表格文件 (a directory)")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, kind)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, kind)
    if suffix == ".xls":
        raise SheetError(f"{path}: 旧版 .xls 文件请在 Excel 或 WPS 中另存为 .xlsx (old .xls not supported)")
    raise SheetError(f"{path}: 不支持的文件类型 {suffix or '（无后缀）'}，请用 .xlsx 或 .csv (unsupported file type)")


def read_csv_rows(path: Path) -> tuple[list[list[str]], str]:
    """Raw rows of a CSV in UTF-8, UTF-8 with BOM or GBK, and the encoding that decoded it."""
    data = Path(path).read_bytes()
    encoding = "utf-8-sig"
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        encoding = "gb18030"
    return _csv_rows(Path(path)), encoding
