"""One reader for every sheet lawstudy takes: 题库 banks, rosters, exemption lists, results.

Files come as trainers, HR staff and other systems write them, and are read the way a person
looking at them in Excel reads them:

- the header row is found even under a title row, and across two rows when merged header cells
  continue it (工号 merged down, 科室/类别 under 任职情况); header words go through one alias table
  per sheet kind (`KINDS`); a note in brackets ("工号（必填）") and a required mark (`题型*`, `*题干`,
  `※答案`, `工号：`) are ignored; a template's 填写说明/示例 row under the header, a repeated header row
  and a line under the data (注：…, 制表人：…, 合计) are skipped and named, never read as a person or
  a question; a 身份证号 column is the 工号 where there is no 工号 column (`Kind.weak`);
- every visible worksheet carrying the header is read (a 说明 sheet is not; a roster reads one
  sheet: `Kind.one_sheet`); `read_sheet(..., sheets=[...])` (the commands' `--sheet`) chooses;
- what Excel/WPS does not show is not data: hidden and very hidden sheets, hidden rows and hidden
  columns are skipped and named in `Table.summary()`;
- a merged cell's value applies to every row (and column) it covers;
- a cell is the text Excel shows: dates in the cell's Chinese or ISO form, percentages, numbers
  zero-padded by their format (工号 0001 stays "0001"); a format that cannot be rendered
  faithfully, a number past Excel's 15 significant digits, an Excel error value (`#N/A`, `#REF!`...),
  a formula without a cached result and a picture placed in a cell (`=DISPIMG(…)`) or floating over
  an empty one are refused with the cell named and what to do (`SheetError`), never guessed; a CSV
  cell `="0001"` is 0001;
- identifiers and short fields are NFKC-normalised (full-width letters, digits, punctuation);
  characters nobody can see (Unicode category Cf: zero-width space, word joiner, BOM, soft hyphen)
  are removed from every field; white space in names, 科室 and 类别 is collapsed ("社会　救助科" is
  "社会救助科"); free text (题干, 选项, 解析, 依据原文) is kept as written, only trimmed;
- ids (工号, 身份证号) in scientific notation or with their last digits lost are refused; a leading
  ' is dropped and a final x is read as X; a `?` in a name, 科室 or 类别 (a character a GBK file could not hold) is refused;
- CSV is read as UTF-8, UTF-8 with BOM, or GBK (as Excel on Chinese Windows saves it); a file is
  recognised by its content, so an encrypted workbook or an old .xls under an .xlsx name gets a
  message saying which and what to do.

`parse_datetime` reads the dates and times spreadsheets write (2020/11/5 9:30, 2020-11-05 09:30,
2020年11月5日 9:30) as Beijing time unless they carry a zone.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from pathlib import Path

from grader.errors import SheetError
from grader.vocabulary import parse_datetime  # noqa: F401  (documented above as part of reading sheets)

HEADER_SCAN_ROWS = 10  # a header below this many title/blank rows is not looked for


# ------------------------------------------------------------------ sheet kinds (alias tables)


@dataclass(frozen=True)
class Kind:
    """A kind of sheet: its fields with the header words that name them, which are required.

    `columns` maps a field to its header aliases; the first alias is the name shown in messages.
    `weak` aliases name a field only when no column carries one of its `columns` aliases (考试时间
    is the submission time unless a 交卷时间 column is there too). `free` fields are free text (kept
    as written, trimmed); `collapse` fields (names, 科室, 类别) have their inner white space collapsed
    and may not hold a `?`; `ids` fields are 工号/身份证号; `years` fields are read as a four-digit
    year; every other field is NFKC-normalised and trimmed. `one_sheet`: a workbook in which several
    visible sheets carry the header is refused unless the sheet is named. `hint`: said when the
    header is missing.
    """

    name: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    free: frozenset[str] = frozenset()
    collapse: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    years: frozenset[str] = frozenset()
    weak: dict[str, tuple[str, ...]] = field(default_factory=dict)
    one_sheet: bool = False
    hint: str = ""

    def label(self, key: str) -> str:
        """The header word staff know a field by (工号 for staff_id)."""
        return self.columns[key][0]

    @cached_property
    def words(self) -> dict[str, str]:
        """Header word (as `header_word` gives it) -> field, for the strong aliases."""
        out: dict[str, str] = {}
        for key, words in self.columns.items():
            for word in words:
                out.setdefault(header_word(word), key)
        return out

    @cached_property
    def weak_words(self) -> dict[str, str]:
        """Header word -> field, for the weak aliases."""
        return {header_word(word): key for key, words in self.weak.items() for word in words}

    def field_of(self, label: str) -> str | None:
        """The field a header word names (strong or weak alias, or the field's own key), else None."""
        word = header_word(label)
        return self.words.get(word) or self.weak_words.get(word) or (label if label in self.columns else None)


BANK = Kind(
    "题库",
    {
        "id": ("题号", "题目编号", "试题编号", "序号", "编号", "id"),
        "type": ("题型", "题目类型", "试题类型", "类型", "type"),
        "stem": ("题干", "题目", "题目内容", "试题内容", "试题", "问题", "stem"),
        **{f"option_{c}": (f"选项{c}", f"{c}选项", f"选项 {c}", c, f"option_{c}", f"option {c}") for c in "ABCDEF"},
        "options": ("选项", "选项内容", "备选项", "备选答案", "options"),
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
    free=frozenset({"stem", "explanation", "quote", "basis", "options"} | {f"option_{c}" for c in "ABCDEF"}),
)

# How a staff member's number is headed in the sheets bureaus keep (the roster also accepts a bare 编号).
STAFF_ID_HEADERS = ("工号", "职工编号", "员工编号", "人员编号", "staff_id")
# A 身份证号 column is the 工号 only when the sheet has no 工号 column (bureaus that key staff by it).
ID_CARD_HEADERS = ("身份证号", "身份证号码", "公民身份号码", "证件号码")

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
    ids=frozenset({"staff_id"}),
    weak={"staff_id": ID_CARD_HEADERS},
    one_sheet=True,
)

RESULTS = Kind(
    "成绩",
    {
        "staff_id": STAFF_ID_HEADERS,
        "exam": ("考试编号", "考试", "exam", "exam_id"),
        "score": ("得分", "成绩", "分数", "考试成绩", "总成绩", "最终成绩", "score"),
        "max_score": ("满分", "总分", "试卷总分", "试卷满分", "max_score"),
        "submitted_at": ("提交时间", "交卷时间", "submitted_at"),
        "name": ("姓名", "name"),
    },
    required=("staff_id", "exam", "score", "max_score", "submitted_at"),
    collapse=frozenset({"name"}),
    ids=frozenset({"staff_id"}),
    weak={
        "staff_id": (*ID_CARD_HEADERS, "用户名", "账号", "登录账号"),
        "submitted_at": ("考试时间", "完成时间"),
        "score": ("百分制成绩",),
    },
    hint=(
        "学法平台导出的成绩表没有工号时，请按名册补上工号列（如用 VLOOKUP 按姓名查名册），"
        "并加上考试编号、满分列；列名与此不同时用 --column 指定，如 --column 得分=原始成绩"
    ),
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
    ids=frozenset({"staff_id"}),
    years=frozenset({"year"}),
    weak={"staff_id": ID_CARD_HEADERS},
    one_sheet=True,  # like the roster, it decides who is counted: 2025年 and 2026年 sheets are not one list
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
    ids=frozenset({"staff_id"}),
    weak={"staff_id": ID_CARD_HEADERS},
)

KINDS = {k.name: k for k in (BANK, ROSTER, RESULTS, EXEMPTIONS, COMPLETIONS)}


# ------------------------------------------------------------------ text normalisation

_BRACKET_NOTE = re.compile(r"[（(\[【［<《].*?[)）\]】］>》]")
_REQUIRED_MARK = re.compile(r"^[*※]+|[*※:]+$")  # 题型*, *题干, ※答案, 工号： (＊ and ： after NFKC)
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")


_TEXT_FORMULA = re.compile(r'^="(.*)"$', re.DOTALL)


def excel_text(text: str) -> str:
    """A CSV cell as Excel shows it: `="0001"` (how exports keep a number as text) is 0001."""
    if text[:2] == '="':
        match = _TEXT_FORMULA.match(text.strip())
        if match:
            return match.group(1).replace('""', '"')
    return text


# Unicode's format characters (category Cf), as of Unicode 14 (Python 3.11); tests/test_sheets_round2.py
# checks this class against `unicodedata` so a newer Python's additions are noticed.
_FORMAT_CHARACTERS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def visible(text: str) -> str:
    """`text` without the characters nobody can see: Unicode category Cf (zero-width space U+200B,
    word joiner U+2060, BOM U+FEFF inside a cell, soft hyphen U+00AD, direction marks...)."""
    if text.isascii():
        return text
    return _FORMAT_CHARACTERS.sub("", text)


def nfkc(text: str) -> str:
    """NFKC-normalised, invisible characters removed, trimmed: 'ＡＢ' -> 'AB', '０００１' -> '0001'."""
    if not isinstance(text, str):
        text = str(text)
    if text.isascii():  # most cells: nothing to normalise
        return text.strip()
    return unicodedata.normalize("NFKC", visible(text)).strip()


def free_text(text: str) -> str:
    """Free text (题干, 选项, 解析…) as written: only invisible characters removed and the ends trimmed."""
    return visible(text).strip()


def collapse(text: str) -> str:
    """NFKC, then white space collapsed: one space between Latin words, none next to Chinese.

    "社会　救助科", "社会 救助科" and "社会救助科" are one department.
    """
    text = " ".join(nfkc(text).split())
    return _SPACE_NEAR_CJK.sub("", text)


def header_word(text: str) -> str:
    """A header cell as matched against the alias tables: NFKC, no bracketed note, no required
    mark (`*`, `＊`, `※` at either end), no spaces, case-folded."""
    text = _BRACKET_NOTE.sub("", nfkc(text)).strip()
    text = _REQUIRED_MARK.sub("", text)
    return "".join(text.split()).casefold()


# ------------------------------------------------------------------ ids, names and years as Excel leaves them

_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?E[+-]?\d+$", re.IGNORECASE)
_FINAL_X = re.compile(r"^\d+[xX]$")
_NOT_IN_ID = re.compile(rf"[\s,，、;；?？\ufffd{_CJK}]")
_ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def staff_id_text(text: str) -> str:
    """A 工号 or 身份证号 as compared and stored: NFKC, invisible characters removed, Excel's text
    prefix (a leading ') dropped, a final x after digits upper-cased ('11010819820606006x' is
    '11010819820606006X', GB 11643-1999's check letter)."""
    text = nfkc(text)
    if text[:1] == "'":
        text = text[1:].strip()
    return text[:-1] + "X" if text[-1:] == "x" and _FINAL_X.match(text) else text


def id_card_checksum_ok(text: str) -> bool:
    """Whether an 18-character 公民身份号码 carries its own check character (GB 11643-1999, ISO 7064
    MOD 11-2): the weighted sum of the first 17 digits decides the 18th."""
    if len(text) != 18 or not text[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_CARD_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == text[17].upper()


def staff_id_problem(text: str) -> str | None:
    """Why an id cell cannot be a 工号 as written (None if it can): scientific notation, digits past
    the 15th lost (a number Excel kept as a double), spaces, commas, `?` or Chinese characters."""
    if not text:
        return None
    if _SCIENTIFIC.match(text):
        return (
            "被 Excel 改成了科学计数法，末几位已丢失：请从原始数据重新导出，或在 Excel 中把该列设为“文本”后"
            "重新输入完整号码"
        )
    if len(text) >= 16 and text.isdigit() and not text[15:].strip("0") and not id_card_checksum_ok(text):
        return (
            f"共 {len(text)} 位，第15位之后全是 0：Excel 只保留 15 位有效数字，末几位已丢失；请从原始数据重新导出，"
            "或在 Excel 中把该列设为“文本”后重新输入完整号码"
        )
    if _NOT_IN_ID.search(text):
        return "不像工号（含空格、逗号、问号或汉字）：工号只用字母、数字和 - _ ."
    return None


def lost_characters_problem(text: str, gbk: bool) -> str | None:
    """A `?` (or U+FFFD) in a name, 科室 or 类别 is a character an encoding could not hold, not a name."""
    if "?" not in text and "\ufffd" not in text:
        return None
    if gbk:
        return (
            "文件的编码丢失了生僻字（GBK 编码的 CSV 装不下这些字，存成了“?”）：请改用 .xlsx，或在 Excel 中"
            "另存为“CSV UTF-8（逗号分隔）”后重新导入"
        )
    return "“?”是丢失的生僻字（在某次另存为 CSV 时丢失）：请改为正确的字后重新导入"


_YEAR = re.compile(r"^(\d{4})\s*(?:年度?)?$|^(\d{4})\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:[ T].*)?$")


def year_text(text: str) -> str:
    """A year as people write it -> its four digits: '2026', '2026年', '2026年度', '2026 年度', a date
    ('2026-01-01', '2026年1月1日', a date cell) -> '2026'; anything else is returned unchanged."""
    match = _YEAR.match(text)
    return (match.group(1) or match.group(2)) if match else text


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


class _LostDigits(Exception):
    """A number past Excel's 15 significant digits: the digits after the 15th are gone."""


EXCEL_DIGITS = 15  # Excel keeps a number as a double: 15 significant digits


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

    Raises ValueError (with the format) when the format cannot be rendered faithfully, and for a
    number of more than 15 significant digits (an 18-digit 身份证号 typed as a number: Excel kept
    only 15, the rest are zeros).
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
            if abs(value) >= 10**EXCEL_DIGITS:
                raise _LostDigits(value)
            if fmt.lower() in ("general", "@", "", "g/通用格式", "通用格式"):
                return _general(value)
            return _number_text(float(value) if isinstance(value, float) else value, fmt)
        return str(value)
    except _Unfaithful:
        raise ValueError(
            f"数字格式 {fmt!r} 无法如实显示（值 {value!r}）；请把该列设为“文本”或“常规”格式后重新保存"
        ) from None
    except _LostDigits:
        raise ValueError(
            f"是数字 {float(value):.15g}，无法如实显示：Excel 只保留 {EXCEL_DIGITS} 位有效数字，末几位已丢失，"
            "改单元格格式也找不回来；请把该列设为“文本”后重新输入完整号码（或在号码前加英文单引号 '）"
        ) from None


# ------------------------------------------------------------------ cells that are not data

# Excel's error values, what each means to the person who sees it, and what to do first.
ERROR_VALUES: dict[str, tuple[str, str]] = {
    "#N/A": ("查找不到", "请补全被查找的数据（如人事信息），"),
    "#REF!": ("引用的单元格已被删除", "请修正公式中的引用，"),
    "#VALUE!": ("值的类型不对，或是放在单元格中的图片", "请修正公式（图片不能作为数据），"),
    "#DIV/0!": ("除以零", "请修正公式，"),
    "#NAME?": ("函数或名称无法识别", "请修正公式，"),
    "#NUM!": ("数值无效", "请修正公式，"),
    "#NULL!": ("引用的区域不相交", "请修正公式，"),
    "#SPILL!": ("溢出区域被挡住", "请修正公式，"),
    "#CALC!": ("计算出错", "请修正公式，"),
    "#FIELD!": ("字段无效", "请修正公式，"),
    "#BLOCKED!": ("数据被阻止", "请修正公式，"),
    "#CONNECT!": ("无法连接数据源", "请修正公式，"),
    "#BUSY!": ("尚未算完", "请在 Excel 中等计算完成后保存，"),
    "#UNKNOWN!": ("未知的数据类型", "请修正公式，"),
    "#GETTING_DATA": ("数据尚未取回", "请在 Excel 中等数据取回后保存，"),
    "#PYTHON!": ("Python 公式出错", "请修正公式，"),
}
_PICTURE = re.compile(r"^=?\s*(?:_xlfn\.)?DISPIMG\s*\(", re.IGNORECASE)


def picture_message(kind: Kind, label: str) -> str:
    """What to say about a picture placed in a cell (WPS 嵌入单元格图片, `=DISPIMG(…)`)."""
    return f"是嵌入单元格的图片，不是文字：{kind.name}只读文字，图片不能作为{label}，请改为文字"


def cell_problem(text: str, kind: Kind, key: str) -> str | None:
    """Why a cell's text is not data, with what to do (None if it is data): an Excel error value
    (`#N/A`, `#REF!`, `#VALUE!`, `#DIV/0!`, `#NAME?`…, also as a CSV saved it) or a picture placed in
    the cell (WPS stores `=DISPIMG("ID_…",1)` as the cell's value)."""
    if not text or text[0] not in "#=":
        return None
    label = kind.label(key)
    text = text.strip()
    if _PICTURE.match(text):
        return picture_message(kind, label)
    error = ERROR_VALUES.get(text.upper())
    if error:
        meaning, advice = error
        return f"是公式错误 {text.upper()}（{meaning}）：{advice}或手工填写{label}"
    return None


def uncached_formula_message(formula: str) -> str:
    """A formula whose result the file does not hold (written by a program, never saved by Excel)."""
    shown = formula if len(formula) <= 40 else formula[:40] + "…"
    return (
        f"是公式 {shown}，文件中没有它的计算结果（文件由程序生成，未在 Excel/WPS 中保存过）："
        "请在 Excel/WPS 中打开并保存一次，或把公式换成数值"
    )


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
    """What `read_sheet` found: the rows, which sheets gave how many, and what was skipped."""

    path: Path
    kind: Kind
    rows: list[Row]
    sheets: list[tuple[str, int]] = field(default_factory=list)  # (sheet, data rows)
    skipped: list[str] = field(default_factory=list)  # visible sheets without the header
    meta: dict[str, str] = field(default_factory=dict)  # 说明 sheet: 题库编号, 题库名称
    header_row: dict[str, int] = field(default_factory=dict)  # sheet -> (last) header row number
    columns: set[str] = field(default_factory=set)  # fields present in the header
    unchosen: list[str] = field(default_factory=list)  # sheets with the header that --sheet left out
    passed_over: list[str] = field(default_factory=list)  # '隐藏的第5行', '第2行（填写说明）'…
    notes: list[str] = field(default_factory=list)  # columns not read and why

    def summary(self) -> str:
        """What was read and what was not, for the command to print ('' when one sheet was read
        whole): '读取工作表 单选题 1 行、多选题 1 行；未读取：说明（没有题库表头）',
        '跳过隐藏的第5行、隐藏的工作表 旧题库（停用）', '未读取 考试时间（H列）：提交时间取自 交卷时间（I列）'."""
        parts = []
        if len(self.sheets) > 1 or self.skipped or self.unchosen:
            text = "读取工作表 " + "、".join(f"{name} {n} 行" for name, n in self.sheets)
            if self.skipped:
                text += "；未读取：" + "、".join(self.skipped) + f"（没有{self.kind.name}表头）"
            if self.unchosen:
                text += "；未读取：" + "、".join(self.unchosen) + "（未用 --sheet 指定）"
            parts.append(text)
        if self.passed_over:
            parts.append("跳过" + "、".join(self.passed_over))
        parts += self.notes
        return "；".join(parts)


def _letter(column: int) -> str:
    """Excel's name of a 1-based column: 1 -> 'A', 28 -> 'AB'."""
    name = ""
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name


def _short(text: str, n: int = 12) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _numbers(rows: Sequence[int]) -> str:
    """'5、7-9' for rows 5, 7, 8, 9."""
    runs: list[list[int]] = []
    for r in sorted(rows):
        if runs and r == runs[-1][-1] + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    return "、".join(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)


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


# ------------------------------------------------------------------ the header


@dataclass
class Header:
    """Where a sheet's header is and which column holds each field.

    `first`/`last`: 1-based rows (two when merged header cells continue it on the next row);
    `index`: field -> 0-based column; `cells`: the header text of each column (the lower row's word
    where the header spans two rows); `duplicates`: fields named by two columns; `notes`: columns not
    read and why; `hidden`: field -> the hidden column that names it.
    """

    first: int
    last: int
    index: dict[str, int]
    cells: list[str]
    duplicates: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)

    def complete(self, kind: Kind) -> bool:
        return all(k in self.index for k in kind.required)


def _column_map(kind: Kind, columns: dict[str, str] | None) -> dict[str, str]:
    """`--column 得分=考试成绩` as header word -> field; SheetError for a field the kind has not."""
    out = {}
    for label, header in (columns or {}).items():
        key = kind.field_of(label)
        if key is None:
            fields = "、".join(kind.label(k) for k in kind.columns)
            raise SheetError(f"--column {label}={header}: {kind.name}没有“{label}”这一项（可用: {fields}）")
        out[header_word(header)] = key
    return out


def _header_key(word: str, kind: Kind, mapped: dict[str, str]) -> tuple[str, int] | tuple[None, int]:
    """(field, tier) a header word names: tier 0 mapped by --column, 1 an alias, 2 a weak alias."""
    if word in mapped:
        return mapped[word], 0
    if word in kind.words:
        return kind.words[word], 1
    if word in kind.weak_words:
        return kind.weak_words[word], 2
    return None, 3


def _match_header(cells: list[str], kind: Kind, hidden: frozenset[int], mapped: dict[str, str], row: int) -> Header:
    """Which column holds each field in one candidate header row (cells: the row's texts)."""
    found: dict[str, list[list[int]]] = {}  # field -> columns per tier
    hidden_hits: dict[str, str] = {}
    for i, cell in enumerate(cells):
        word = header_word(cell) if cell else ""
        if not word:
            continue
        key, tier = _header_key(word, kind, mapped)
        if key is None:
            continue
        if i + 1 in hidden:
            hidden_hits.setdefault(key, f"{_letter(i + 1)}列“{cell.strip()}”")
            continue
        found.setdefault(key, [[], [], []])[tier].append(i)
    header = Header(row, row, {}, cells, hidden=hidden_hits)
    for key in kind.columns:
        tiers = found.get(key)
        if not tiers:
            continue
        chosen = next(t for t in tiers if t)
        named = "、".join(f"{_letter(i + 1)}列“{cells[i].strip()}”" for i in chosen)
        header.index[key] = chosen[0]
        if len(chosen) > 1:
            header.duplicates.append(f"{named} 都表示{kind.label(key)}，请删去其中一列")
            continue
        if chosen is tiers[2]:
            header.notes.append(f"{kind.label(key)}取自 {named}")
        source = f"{named}" + ("（--column 指定）" if chosen is tiers[0] else "")
        for other in (t for t in tiers if t is not chosen and t):
            for i in other:
                header.notes.append(f"未读取 {cells[i].strip()}（{_letter(i + 1)}列）：{kind.label(key)}取自 {source}")
    return header


def _continues(sheet: _Sheet, rows: list[list[str]], i: int, kind: Kind, mapped: dict[str, str]) -> bool:
    """Whether row i + 1 (0-based) continues header row i: each of its cells is under a header cell
    merged down over both rows, repeats the header word above it, or is itself a header word — and
    at least one is merged down or names a field the row above does not."""
    upper, lower = rows[i], rows[i + 1]
    merged = named = False
    for j, cell in enumerate(lower):
        if not cell.strip():
            continue
        if sheet.merged_down(i + 1, j + 1):
            merged = True
            continue
        word = header_word(cell)
        if word and j < len(upper) and word == header_word(upper[j]):
            continue
        if _header_key(word, kind, mapped)[0] is None:
            return False
        named = True
    return merged or named


def _combine(upper: list[str], lower: list[str], kind: Kind, mapped: dict[str, str]) -> list[str]:
    """A header over two rows as one: the lower row's word where it names a field, else the upper's."""
    width = max(len(upper), len(lower))
    upper, lower = upper + [""] * (width - len(upper)), lower + [""] * (width - len(lower))
    return [lo if lo and _header_key(header_word(lo), kind, mapped)[0] else up for up, lo in zip(upper, lower)]


def _find_header(sheet: _Sheet, kind: Kind, mapped: dict[str, str]) -> Header | None:
    """The first row within HEADER_SCAN_ROWS (with the next one, when it continues it) that names
    every required field; else the closest candidate (`complete` false), or None for an empty sheet."""
    rows = sheet.scan(HEADER_SCAN_ROWS + 1)
    best: Header | None = None
    for i in range(min(len(rows), HEADER_SCAN_ROWS)):
        if not any(c.strip() for c in rows[i]):
            continue
        header = _match_header(rows[i], kind, sheet.hidden_cols, mapped, i + 1)
        if i + 1 < len(rows) and _continues(sheet, rows, i, kind, mapped):
            both = _match_header(_combine(rows[i], rows[i + 1], kind, mapped), kind, sheet.hidden_cols, mapped, i + 1)
            if len(both.index) >= len(header.index):
                header, header.last = both, i + 2
        if header.complete(kind):
            return header
        if best is None or len(header.index) > len(best.index):
            best = header
    return best


def _missing_message(file: str, kind: Kind, sheet: _Sheet, header: Header | None, several: bool) -> str:
    need = "、".join(kind.label(k) for k in kind.required)
    if header is None:
        return f"{file}: 表格为空，没有{kind.name}表头（需要列: {need}）"
    missing = [k for k in kind.required if k not in header.index]
    where = f"工作表 {sheet.title} 第{header.first}行" if several else f"第{header.first}行"
    seen = [c.strip() for c in header.cells if c.strip()]
    text = (
        f"{file}: {where}（表头）: 表头缺少列: {'、'.join(kind.label(k) for k in missing)}（{kind.name}需要列: {need}）"
    )
    text += f"；表头中的列: {'、'.join(seen)}"
    hidden = [f"{header.hidden[k]}被隐藏" for k in missing if k in header.hidden]
    if hidden:
        text += f"；{'、'.join(hidden)}：请在 Excel 中取消隐藏"
    if kind.hint:
        text += f"；{kind.hint}"
    return text + " (no header row with the required columns)"


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
