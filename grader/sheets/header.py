"""Finding a sheet's header row (under title rows, across two merged rows) and its columns."""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.errors import SheetError
from grader.sheets.files import _Sheet
from grader.sheets.kinds import HEADER_SCAN_ROWS, Kind
from grader.sheets.table import _letter
from grader.sheets.text import header_word

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
