"""What the reader returns: rows with where they stand, and the table's account of what it read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.sheets.kinds import Kind

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
    titles: dict[str, list[str]] = field(default_factory=dict)  # sheet -> the lines above its header

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
