"""The question bank model: a bank, its questions, their citations, and the problems a check finds."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.banks.options import positional_options
from grader.errors import LawstudyError
from grader.laws import LawError, int_to_cn, library, to_date
from grader.scoring import Key
from grader.vocabulary import LETTERS

POOLS = ("practice", "exam")
POOL_NAMES = {"practice": "练习", "exam": "考试"}
DIFFICULTY_NAMES = {1: "易", 2: "中", 3: "难"}
FIELDS = (
    "id",
    "type",
    "stem",
    "options",
    "answer",
    "explanation",
    "basis",
    "points",
    "difficulty",
    "tags",
    "pool",
    "partial",
    "shuffle",
)
REQUIRED = ("id", "type", "stem", "answer", "explanation", "basis", "pool")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SHEET_HEADERS = (
    ["题号", "题型", "题干"]
    + [f"选项{c}" for c in LETTERS]
    + ["答案", "解析", "法律依据", "依据原文", "分值", "难度", "标签", "题库用途", "选项顺序"]
)


class BankError(LawstudyError, ValueError):
    """A bank or sheet that cannot be used; the message lists every problem found."""

    summary = ""  # what was read of a sheet, when the bank came from one

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Problem:
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}" if self.where else f"{self.file}: {self.message}"


@dataclass
class Citation:
    """One basis entry: 《law》第article条 of `version` (its date, 'YYYY-MM-DD'), quoted."""

    law: str
    article: int
    quote: str
    version: str = ""

    @property
    def label(self) -> str:
        return f"《{self.law}》第{int_to_cn(self.article)}条"

    @property
    def cited(self) -> str:
        """The label with the version staff know it by: 《殡葬管理条例》第四条（2012年修订）."""
        if not self.version:
            return self.label
        try:
            name = library().statute(self.law).version(self.version).year_label
        except LawError:
            name = self.version
        return f"{self.label}（{name}）"

    def to_dict(self) -> dict:
        data: dict = {"law": self.law}
        if self.version:
            data["version"] = self.version
        data.update(article=self.article, quote=self.quote)
        return data


@dataclass
class Question:
    id: str
    type: str
    stem: str
    answer: str | list[str] | bool
    explanation: str
    basis: list[Citation]
    pool: str
    options: dict[str, str] = field(default_factory=dict)
    points: float = 2
    difficulty: int = 2
    tags: list[str] = field(default_factory=list)
    partial: float = 0
    shuffle: bool | None = None  # None: shuffled per person unless an option depends on position
    bank: str = ""
    line: int = 0
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def valid_on(self, day) -> bool:
        """Whether every version this question cites is in force on `day` (validity is computed:
        from the latest in-force date of the cited versions until the earliest date one stops)."""
        day = to_date(day)
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day < self.valid_until
        )

    @property
    def validity(self) -> str:
        """'2026-03-30 起' / '2012-11-09 至 2026-03-30（不含）' for messages."""
        start = self.valid_from.isoformat() if self.valid_from else "—"
        return f"{start} 起" if self.valid_until is None else f"{start} 至 {self.valid_until.isoformat()}（不含）"

    @property
    def keeps_order(self) -> bool:
        """True when the exam must show the options in bank order (shuffle: false, or positional)."""
        return self.shuffle is False or (self.shuffle is None and bool(positional_options(self.options)))

    @property
    def key(self) -> Key:
        answer = frozenset(self.answer) if isinstance(self.answer, list) else self.answer
        return Key(self.type, answer, float(self.points), float(self.partial or 0), frozenset(self.options))

    def answer_text(self) -> str:
        """The answer as staff read it: 'B', 'ACD', '正确'."""
        if self.type == "judge":
            return "正确" if self.answer else "错误"
        return "".join(sorted(self.answer)) if isinstance(self.answer, list) else str(self.answer)

    def to_dict(self) -> dict:
        data: dict = {"id": self.id, "type": self.type, "stem": self.stem}
        if self.options:
            data["options"] = dict(self.options)
        data["answer"] = sorted(self.answer) if isinstance(self.answer, list) else self.answer
        data["explanation"] = self.explanation
        data["basis"] = [c.to_dict() for c in self.basis]
        data["points"] = int(self.points) if float(self.points).is_integer() else self.points
        data["difficulty"] = self.difficulty
        data["tags"] = list(self.tags)
        data["pool"] = self.pool
        if self.partial:
            data["partial"] = self.partial
        if self.shuffle is not None:
            data["shuffle"] = self.shuffle
        return data


@dataclass
class Bank:
    id: str
    title: str
    questions: list[Question]
    path: Path | None = None
    versions: dict[str, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)  # shown, never fatal
    summary: str = ""  # which sheets gave how many rows

    def to_dict(self) -> dict:
        data: dict = {"bank": self.id, "title": self.title}
        if self.versions:
            data["versions"] = dict(self.versions)
        data["questions"] = [q.to_dict() for q in self.questions]
        return data
