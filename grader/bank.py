"""Question banks: the model, YAML load/save, the checks, Excel/CSV import and export.

A bank is data a trainer edits; everything here exists so that a wrong question (a bad
answer key, a quote the law does not contain) is caught before any staff member sees it.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from grader.errors import LawstudyError
from grader.laws import (
    CITATION,
    PREFIX,
    LawError,
    Library,
    Version,
    cn_date,
    cn_to_int,
    int_to_cn,
    library,
    normalize,
    to_date,
    today,
)
from grader.scoring import TYPES, Key
from grader.vocabulary import LETTERS, TYPE_NAMES

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
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: banks load 5x faster
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


# ---------------------------------------------------------------- validation


def validate_question(
    raw: dict, where: str, file: str, laws: Library, as_of=None, defaults: dict[str, str] | None = None
) -> tuple[Question | None, list[Problem]]:
    """Check one question given as a mapping; return the question (if usable) and every problem.

    Each basis quote is checked against the version it names (`version:`), else the bank's default
    for that law (`defaults`, title -> version), else the version in force on `as_of` (default
    today). A quote found only in another version is reported in plain words naming that version.
    The question's validity (valid_from / valid_until) is computed from the versions cited.
    """
    problems: list[Problem] = []
    as_of = to_date(as_of) if as_of is not None else today()
    defaults = defaults or {}

    def bad(message: str) -> None:
        problems.append(Problem(file, where, message))

    if not isinstance(raw, dict):
        bad("题目应为键值对（mapping）")
        return None, problems
    for name in raw:
        if name not in FIELDS:
            bad(f"未知字段 {name!r}（可用字段: {', '.join(FIELDS)}）")
    for name in REQUIRED:
        if raw.get(name) in (None, "", []):
            bad(f"缺少必填字段 {name}")
    qid = raw.get("id")
    if qid not in (None, "") and (not isinstance(qid, str) or not ID_PATTERN.match(qid)):
        bad(f"题号 {qid!r} 无效：只能用字母、数字、-、_、.")
    qtype = raw.get("type")
    if qtype is not None and qtype not in TYPES:
        bad(f"题型 {qtype!r} 无效，应为 single（单选）、multiple（多选）或 judge（判断）")
    for text_field in ("stem", "explanation"):
        if raw.get(text_field) is not None and not isinstance(raw.get(text_field), str):
            bad(f"{text_field} 应为文字")

    options = raw.get("options") or {}
    if not isinstance(options, dict):
        bad("options 应为 A、B、C… 到选项文字的对应")
        options = {}
    options = {str(k): v for k, v in options.items()}
    if qtype == "judge" and options:
        bad("判断题不设选项（options 应省略）")
    if qtype in ("single", "multiple"):
        keys = list(options)
        if len(keys) < 2:
            bad("选择题至少需要两个选项")
        elif keys != list(LETTERS[: len(keys)]):
            bad(f"选项应依次为 {'、'.join(LETTERS[: len(keys)])}（最多 A–F），实际为 {'、'.join(keys)}")
        for k, v in options.items():
            if not isinstance(v, (str, int, float)) or not str(v).strip():
                bad(f"选项{k} 为空")
        texts = [normalize(str(v)) for v in options.values()]
        for text, n in Counter(texts).items():
            if n > 1 and text:
                bad(f"选项重复: {text!r}")
        options = {k: str(v) for k, v in options.items()}

    answer = raw.get("answer")
    if qtype == "single" and answer is not None:
        if not isinstance(answer, str) or answer not in options:
            bad(f"单选题答案 {answer!r} 应为一个存在的选项字母（{'、'.join(options)}）")
    elif qtype == "multiple" and answer is not None:
        if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
            bad(f"多选题答案 {answer!r} 应为选项字母列表，如 [A, C]")
        else:
            if len(set(answer)) != len(answer):
                bad(f"多选题答案有重复字母: {answer}")
            missing = [a for a in answer if a not in options]
            if missing:
                bad(f"多选题答案中的 {'、'.join(missing)} 不是选项")
            if len(set(answer)) < 2:
                bad("多选题答案至少应有两个选项（只有一个正确项请用单选题）")
    elif qtype == "judge" and answer is not None and not isinstance(answer, bool):
        bad(f"判断题答案 {answer!r} 应为 true（正确）或 false（错误）")

    basis_raw = raw.get("basis") or []
    basis: list[Citation] = []
    if not isinstance(basis_raw, list):
        bad("basis 应为列表，每项含 law、article、quote")
        basis_raw = []
    cited_versions = []
    for i, item in enumerate(basis_raw, 1):
        if not isinstance(item, dict) or not {"law", "article", "quote"} <= set(item):
            bad(f"法律依据第{i}项应含 law、article、quote（及 version）")
            continue
        extra = set(item) - {"law", "article", "quote", "version"}
        if extra:
            bad(f"法律依据第{i}项有未知字段: {', '.join(sorted(extra))}")
        try:
            number = (
                item["article"] if isinstance(item["article"], int) else cn_to_int(str(item["article"]).strip("第条"))
            )
        except ValueError:
            bad(f"法律依据第{i}项的条号 {item['article']!r} 无效")
            continue
        quote = str(item["quote"] or "")
        try:
            statute = laws.statute(str(item["law"]))
            named = item.get("version") or defaults.get(statute.title)
            version = laws.version(statute.title, named, as_of)
            article = version.article(number)
        except (LawError, ValueError) as error:
            bad(f"法律依据第{i}项: {error}")
            continue
        if not normalize(quote):
            bad(f"法律依据第{i}项没有依据原文（quote）")
        elif not article.contains(quote):
            elsewhere = laws.elsewhere_message(statute.title, quote, version)
            which = f"{version.citation}{article.label}"
            bad(
                f"依据原文不在{which}中：{elsewhere}"
                if elsewhere
                else f"依据原文与{which}不符：“{quote}”不在该条原文中"
            )
        basis.append(Citation(statute.title, number, quote, version.name))
        cited_versions.append(version)

    points = raw.get("points", 2)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        bad(f"分值 {points!r} 应为正数")
        points = 0
    difficulty = raw.get("difficulty", 2)
    if difficulty not in DIFFICULTY_NAMES or isinstance(difficulty, bool):
        bad(f"难度 {difficulty!r} 应为 1（易）、2（中）或 3（难）")
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        bad("tags 应为文字列表")
        tags = []
    pool = raw.get("pool")
    if pool is not None and pool not in POOLS:
        bad(f"题库用途 {pool!r} 应为 practice（练习）或 exam（考试）")
    partial = raw.get("partial", 0) or 0
    if partial and (qtype != "multiple" or not isinstance(partial, (int, float)) or not 0 < partial < 1):
        bad("partial 只用于多选题，且应在 0 与 1 之间")
    shuffle = raw.get("shuffle")
    if shuffle is not None and not isinstance(shuffle, bool):
        bad(f"shuffle {shuffle!r} 应为 true（打乱选项顺序）或 false（保持选项顺序）")
    elif shuffle is True and positional_options(options):
        bad(f"选项依赖位置（{'；'.join(positional_options(options))}），不能 shuffle: true")

    if problems:
        return None, problems
    assert isinstance(qid, str) and isinstance(qtype, str) and isinstance(pool, str) and answer is not None
    ends = [v.in_force_until for v in cited_versions if v.in_force_until]
    return Question(
        id=qid,
        type=qtype,
        stem=raw["stem"],
        answer=answer,
        explanation=raw["explanation"],
        basis=basis,
        pool=pool,
        options=options,
        points=points,
        difficulty=difficulty,
        tags=tags,
        partial=partial,
        shuffle=shuffle,
        valid_from=max((v.in_force_from for v in cited_versions), default=None),
        valid_until=min(ends, default=None),
    ), problems


_BLANK = re.compile(r"\(\)|_{2,}")  # after `normalize`: （  ） is (), a blank to fill in is ____
_STEM_NUMBER = re.compile(r"^(第\d+题[.、:]?|\(\d+\)|\d+[.、)])")  # 第3题 / （3） / 3. / 3、 before a stem
# What a stem says once the way a law is named is set aside: a version described in brackets
# (（2025年修订）, （2026年4月30日通过）), a version described before the title (2025年修订的), the words
# that introduce the law (依照, 按照…), 现行, and punctuation.
_STEM_VERSION = re.compile(
    r"[（(][^（）()]*(?:\d{4}年|年版|修订|修正|通过)[^（）()]*[）)]|\d{4}年(?:\d{1,2}月\d{1,2}日)?(?:修订|修正|通过)的"
)
_STEM_WORDS = re.compile(r"依照|按照|根据|依据|现行")
_STEM_PUNCTUATION = re.compile(r"[\W_]+")
_STEM_TITLE = re.compile(r"《([^《》]+)》")


def stem_key(stem: str, laws: Library | None = None) -> str:
    """The stem as two questions are compared for being the same statement: without invisible
    characters, a leading question number (`3.`, `（3）`, `第3题`), blank brackets `（ ）` or blanks
    `____`, and punctuation; a law named by its short or full title (《社会救助法》 =
    《中华人民共和国社会救助法》), with or without its version described (（2025年修订）, 2025年修订的),
    introduced by 依照 or 按照, reads the same. "殡葬事业是重要的公益事业（  ）。" and
    "3、殡葬事业是重要的公益事业" are one stem.

    Returns the normalized text ('' for an empty stem); titles the law index does not know are kept.
    """
    from grader.sheets import visible

    laws = laws or library()

    def title(match: re.Match) -> str:
        try:
            return laws.statute(match.group(1)).title
        except LawError:
            return match.group(1)

    text = _BLANK.sub("", _STEM_NUMBER.sub("", normalize(visible(stem))))
    text = _STEM_TITLE.sub(title, unicodedata.normalize("NFKC", text))
    text = _STEM_WORDS.sub("", _STEM_VERSION.sub("", unicodedata.normalize("NFKC", text)))
    return _STEM_PUNCTUATION.sub("", text)


def _written_key(stem: str) -> str:
    """The stem with only its writing set aside (number, blanks, punctuation, invisible characters)."""
    from grader.sheets import visible

    return _STEM_PUNCTUATION.sub("", _BLANK.sub("", _STEM_NUMBER.sub("", normalize(visible(stem)))))


def keyed_meaning(q: Question):
    """What a question's key says, independent of option letters: True/False for 判断, else the set
    of keyed option texts (so the same options in another order with the letter moved agree)."""
    if q.type == "judge":
        return bool(q.answer)
    letters = q.answer if isinstance(q.answer, list) else [q.answer]
    return frozenset(normalize(str(q.options.get(str(letter), letter))) for letter in letters)


def keyed_text(q: Question) -> str:
    """The key as a trainer reads it in a message: '正确', or 'B“国务院民政部门”'."""
    if q.type == "judge":
        return q.answer_text()
    letters = sorted(q.answer) if isinstance(q.answer, list) else [str(q.answer)]
    return "、".join(f"{letter}“{q.options.get(letter, '')}”" for letter in letters)


def _overlap(a: Question, b: Question) -> bool:
    """Whether two questions are valid on some common day (no dates: always)."""
    start = max((d for d in (a.valid_from, b.valid_from) if d), default=None)
    ends = [d for d in (a.valid_until, b.valid_until) if d]
    return start is None or not ends or start < min(ends)


def check_unique(questions: list[tuple[Question, str, str]], laws: Library | None = None) -> list[Problem]:
    """Ids must be unique across all banks; one statement is asked once and keyed once.

    Stems are compared by `stem_key`: two questions whose stems differ only in punctuation, blank
    brackets, a question number or how the law is named are the same statement when both are valid
    on some common day (a paper could ask it twice, or a practice question could give an exam
    question away); when their keys disagree as well (one keyed 正确, the other 错误; or the same
    options, in any order, with different ones keyed) the message says the statement is keyed both
    ways. The older version of a question kept for past exams (valid only before its successor) is
    not a duplicate. Stems written identically are duplicates whatever their dates.
    """
    problems = []
    seen_ids: dict[str, str] = {}
    seen_stems: dict[str, str] = {}
    seen_keys: dict[str, list[tuple[Question, str]]] = {}
    for q, file, where in questions:
        if q.id in seen_ids:
            problems.append(Problem(file, where, f"题号 {q.id} 重复（已在 {seen_ids[q.id]} 出现）"))
        else:
            seen_ids[q.id] = f"{file} {where}"
        stem = normalize(q.stem)
        key = stem_key(q.stem, laws)
        exact = seen_stems.get(stem)
        for other, place in seen_keys.get(key, []):
            if not key or not (_overlap(q, other) or place == exact):
                continue
            same_options = {normalize(v) for v in other.options.values()} == {normalize(v) for v in q.options.values()}
            how = "只差标点或空括号" if _written_key(other.stem) == _written_key(q.stem) else "只差法规名称或版本写法"
            if other.type == q.type and same_options and keyed_meaning(other) != keyed_meaning(q):
                problems.append(
                    Problem(
                        file,
                        where,
                        f"与 {place} 是同一题干（{how}），答案却不同（{keyed_text(other)} 与 "
                        f"{keyed_text(q)}）：同一道题只能有一个答案，请删去一题或改正答案",
                    )
                )
            elif place == exact:
                problems.append(Problem(file, where, f"题干与 {place} 重复"))
            elif how == "只差标点或空括号":
                problems.append(Problem(file, where, f"题干与 {place} 重复（{how}）"))
            else:
                problems.append(
                    Problem(
                        file,
                        where,
                        f"题干与 {place} 实质相同（{how}），两题在同一时期有效，会被当作两道题使用：请改写或删去其中一道",
                    )
                )
            break
        seen_stems.setdefault(stem, f"{file} {where}")
        seen_keys.setdefault(key, []).append((q, f"{file} {where}"))
    return problems


def superseded_note(version: Version, laws: Library | None = None) -> str:
    """The line an explanation written for a superseded version ends with, from the law index:

    （本题依据《殡葬管理条例》（2012年修订），适用于2026年3月30日前；该版本已于2026年3月30日被2025年修订版取代。）
    （本题依据《社会救助暂行办法》（2019年版），适用于2026年7月1日前；该版本未废止，但自2026年7月1日起
    与《中华人民共和国社会救助法》不一致的，适用社会救助法。）

    Raises ValueError for a version that is still in force (it has no `in_force_until`).
    """
    laws = laws or library()
    if version.in_force_until is None:
        raise ValueError(f"{version.citation}仍在施行")
    return (
        f"（本题依据{version.citation}，适用于{cn_date(version.in_force_until)}前；"
        f"{laws.superseded_message(version)}。）"
    )


def unsaid_supersessions(q: Question, laws: Library | None = None, as_of=None) -> list[tuple[Version, bool]]:
    """What `q`'s explanation states as law without saying it no longer applies on `as_of` (default
    today): (version, cited) pairs, `cited` True for a version its basis cites, False for a statute
    the explanation names (《…》) of which no version is in force on `as_of` any more.

    A cited version is said to be superseded when the explanation names the day it stopped applying
    (2026年3月30日) and, when another statute took over, that statute (by its title or a short name),
    as `superseded_note` writes it. A statute only named in passing is said to be superseded when
    the explanation names that day or the statute that took over. Content rule: "an explanation
    written for a superseded version says so".
    """
    laws = laws or library()
    as_of = to_date(as_of) if as_of is not None else today()
    text = normalize(q.explanation)
    out: list[tuple[Version, bool]] = []

    def successor_names(v: Version) -> list[str]:
        if not v.superseded_by or v.superseded_by[0] == v.title:
            return []
        try:
            other = laws.statute(v.superseded_by[0])
        except LawError:
            return [v.superseded_by[0]]
        return [n for n in (other.title, other.title.removeprefix(PREFIX), *other.short_names) if n]

    def ended(v: Version) -> bool:
        return v.in_force_until is not None and as_of >= v.in_force_until

    seen: set[tuple[str, str]] = set()
    for c in q.basis:
        try:
            v = laws.statute(c.law).version(c.version)
        except LawError:
            continue
        if not ended(v) or (v.title, v.name) in seen:
            continue
        seen.add((v.title, v.name))
        assert v.in_force_until is not None
        names = successor_names(v)
        day = normalize(cn_date(v.in_force_until)) in text
        if not (day and (not names or any(normalize(n) in text for n in names))):
            out.append((v, True))
    for match in _STEM_TITLE.finditer(q.explanation):
        try:
            statute = laws.statute(match.group(1))
        except LawError:
            continue
        v = statute.latest
        if statute.in_force(as_of) is not None or not ended(v) or (v.title, v.name) in seen:
            continue
        seen.add((v.title, v.name))
        assert v.in_force_until is not None
        said = [cn_date(v.in_force_until), *successor_names(v)]
        if not any(normalize(n) in text for n in said):
            out.append((v, False))
    return out


# ---------------------------------------------------------------- YAML


def _question_lines(text: str) -> list[int]:
    """Line numbers of each question in a bank file, for messages."""
    try:
        root = yaml.compose(text, Loader=LOADER)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "questions" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def bank_versions(raw, laws: Library, file: str) -> tuple[dict[str, str], list[Problem]]:
    """A bank's top-level `versions: {title: YYYY-MM-DD}` as full title -> version name, checked."""
    out: dict = {}
    problems: list = []
    if raw in (None, {}):
        return out, problems
    if not isinstance(raw, dict):
        return out, [Problem(file, "versions", "versions 应为 法规名称: 版本日期（YYYY-MM-DD）的对应")]
    for title, name in raw.items():
        try:
            statute = laws.statute(str(title))
            out[statute.title] = statute.version(name).name
        except (LawError, ValueError) as error:
            problems.append(Problem(file, "versions", str(error)))
    return out, problems


def parse_bank(
    path: Path, laws: Library, as_of=None
) -> tuple[Bank | None, list[tuple[Question, str, str]], list[Problem]]:
    """Read and check one bank file; see `validate_question` for how quotes and versions are checked."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return None, [], [Problem(file, "", f"不是 UTF-8 编码的文本（{error.reason}，位置 {error.start}）")]
    except OSError as error:
        return None, [], [Problem(file, "", f"无法读取: {error.strerror}")]
    try:
        data = yaml.load(text, Loader=LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        reason = getattr(error, "problem", None) or str(error)
        return None, [], [Problem(file, where, f"YAML 语法错误: {reason}")]
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        return None, [], [Problem(file, "", "题库文件应含 bank、title 和 questions 列表")]
    problems = []
    bank_id = data.get("bank") or path.stem
    unknown = set(data) - {"bank", "title", "questions", "versions"}
    if unknown:
        problems.append(Problem(file, "", f"未知顶层字段: {', '.join(sorted(map(str, unknown)))}"))
    defaults, found = bank_versions(data.get("versions"), laws, file)
    problems += found
    lines = _question_lines(text)
    good, located = [], []
    for i, raw in enumerate(data["questions"]):
        line = lines[i] if i < len(lines) else 0
        qid = raw.get("id") if isinstance(raw, dict) else None
        where = f"第{line}行 题目 {qid}" if qid else f"第{line}行 第{i + 1}题"
        question, found = validate_question(raw, where, file, laws, as_of, defaults)
        problems += found
        if question:
            question.bank, question.line = bank_id, line
            good.append(question)
            located.append((question, file, where))
    return Bank(bank_id, data.get("title") or bank_id, good, path, defaults), located, problems


def bank_paths(paths: list[Path] | None = None, root: Path | None = None) -> list[Path]:
    """Expand folders to their *.yaml banks (exam specs under exams/ are not banks)."""
    if not paths:
        paths = [root or default_quizzes_dir()]
    found = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found += sorted(x for x in p.glob("*.yaml") if x.is_file())
            found += sorted(x for x in p.glob("*.yml") if x.is_file())
        else:
            found.append(p)
    return found


def default_quizzes_dir() -> Path:
    """./quizzes when the working folder has one (a trainer's checkout), else the project's own."""
    here = Path.cwd() / "quizzes"
    return here if here.is_dir() else Path(__file__).resolve().parent.parent / "quizzes"


@dataclass
class CheckResult:
    banks: list[Bank]
    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def questions(self) -> list[Question]:
        return [q for b in self.banks for q in b.questions]

    def summary(self) -> dict:
        qs = self.questions
        laws = Counter(c.law for q in qs for c in q.basis)
        return {
            "banks": len(self.banks),
            "questions": len(qs),
            "by_type": dict(Counter(q.type for q in qs)),
            "by_pool": dict(Counter(q.pool for q in qs)),
            "by_law": dict(laws.most_common()),
        }

    def valid_exam_questions(self, as_of) -> dict[str, tuple[int, int]]:
        """Per law cited: (exam questions valid on `as_of`, exam questions citing it)."""
        out: dict[str, list[int]] = {}
        for q in self.questions:
            if q.pool != "exam":
                continue
            for law in dict.fromkeys(c.law for c in q.basis):
                row = out.setdefault(law, [0, 0])
                row[0] += q.valid_on(as_of)
                row[1] += 1
        return {law: (v, n) for law, (v, n) in sorted(out.items(), key=lambda kv: -kv[1][1])}


def check(paths: list[Path] | None = None, laws: Library | None = None, as_of=None) -> CheckResult:
    """Validate banks together: every problem in every file, ids unique across all of them.

    Unversioned citations are checked against the version in force on `as_of` (default today).
    """
    laws = laws or library()
    banks, located, problems = [], [], []
    files = bank_paths(paths)
    if not files:
        where = ", ".join(map(str, paths)) if paths else str(default_quizzes_dir())
        problems.append(Problem(where, "", "没有找到题库文件（*.yaml）"))
    for path in files:
        if not path.exists():
            problems.append(Problem(str(path), "", "文件不存在"))
            continue
        bank, loc, found = parse_bank(path, laws, as_of)
        problems += found
        if bank:
            banks.append(bank)
            located += loc
    problems += check_unique(located, laws)
    warnings = [Problem(file, where, text) for q, file, where in located for text in question_warnings(q)]
    day = to_date(as_of) if as_of is not None else today()
    for q, file, where in located:
        for v, cited in unsaid_supersessions(q, laws, day):
            if cited:
                text = f"所引{v.citation}在{cn_date(day)}已不是现行依据（{laws.superseded_message(v)}），解析没有说明"
                hint = f"请在解析末尾写明：{superseded_note(v, laws)}"
            else:
                text = f"解析提到的《{v.title}》在{cn_date(day)}已不是现行依据，解析没有说明"
                hint = f"请写明：《{v.title}》{laws.supersession_phrase(v)}"
            warnings.append(Problem(file, where, f"{text}；{hint}"))
    return CheckResult(banks, problems, warnings)


def load_banks(paths: list[Path] | None = None, as_of=None) -> list[Bank]:
    """Banks ready to use; raises BankError listing every problem if any."""
    result = check(paths, as_of=as_of)
    if result.problems:
        raise BankError(result.problems)
    return result.banks


def questions_by_id(banks: list[Bank]) -> dict[str, Question]:
    return {q.id: q for b in banks for q in b.questions}


def dump_bank(bank: Bank) -> str:
    return yaml.safe_dump(bank.to_dict(), allow_unicode=True, sort_keys=False, width=1000)


def save_bank(bank: Bank, path: Path) -> None:
    """Write atomically: a half-written bank is never left behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dump_bank(bank), encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------- sheets (Excel / CSV)

JUDGE_TRUE = {"对", "正确", "√", "✓", "✔", "A", "T", "TRUE", "是", "Y", "YES", "1", "V"}
JUDGE_FALSE = {"错", "错误", "×", "✗", "✘", "X", "B", "F", "FALSE", "否", "N", "NO", "0"}
JUDGE_OPTION_WORDS = {
    "正确": True,
    "对": True,
    "√": True,
    "是": True,
    "错误": False,
    "错": False,
    "×": False,
    "否": False,
}
TYPE_WORDS = {
    "单选": "single",
    "单选题": "single",
    "单项选择": "single",
    "单项选择题": "single",
    "多选": "multiple",
    "多选题": "multiple",
    "多项选择": "multiple",
    "多项选择题": "multiple",
    "判断": "judge",
    "判断题": "judge",
    "是非题": "judge",
    "single": "single",
    "multiple": "multiple",
    "judge": "judge",
}
POOL_WORDS = {"练习": "practice", "考试": "exam", "practice": "practice", "exam": "exam"}
DIFFICULTY_WORDS = {
    "易": 1,
    "简单": 1,
    "容易": 1,
    "中": 2,
    "中等": 2,
    "一般": 2,
    "难": 3,
    "困难": 3,
    "较难": 3,
    "1": 1,
    "2": 2,
    "3": 3,
}
SHUFFLE_WORDS = {
    "固定": False,
    "不打乱": False,
    "保持": False,
    "否": False,
    "false": False,
    "no": False,
    "打乱": True,
    "是": True,
    "true": True,
    "yes": True,
}
SPLIT_LIST = re.compile(r"[,，、;；\s/|]+")
_ANSWER_WRAP = re.compile(r"^[\s(（\[【［]+|[\s)）\]】］]+$")
_ANSWER_TAIL = re.compile(r"[\s。，,.．;；:：!！、]+$")
# An option that points at other options or at positions: wrong once options are shuffled.
POSITIONAL = re.compile(
    r"^(以上|上述|前述|前面|前三|前两|其余)|"  # 以上都是, 以上都不对, 以上均…, 上述选项…
    r"(以上|上述)(都|均|皆|全|各)|"
    r"^(都|均|全)(不)?(是|对|正确|错误|不对)$|"
    r"(?<![A-Za-z])(选项)?[A-F]\s*项?\s*(和|与|及|、|,|，|或|加|\+|/)\s*(选项)?[A-F](?![A-Za-z])|"  # A和B…
    r"^[A-F]{2,6}$|(?<![A-Za-z])[A-F]{2,6}\s*(都|均|皆|项|两项|三项|选项|正确|错误)"
)  # AB都…
_PASTED_LABEL = re.compile(r"^\s*[(（]?([A-Fa-fＡ-Ｆａ-ｆ])\s*[．.、:：)）]\s*")


def positional_options(options: dict[str, str]) -> list[str]:
    """Options whose meaning depends on where they stand or on other options ('B: 以上都是')."""
    from grader.sheets import nfkc

    return [f"选项{k}“{v}”" for k, v in options.items() if POSITIONAL.search(nfkc(str(v)))]


def pasted_labels(options: dict[str, str]) -> list[str]:
    """Options that begin with a label of their own, pasted from a paper ('A．全国的…')."""
    from grader.sheets import nfkc

    return [f"选项{k}“{v}”" for k, v in options.items() if _PASTED_LABEL.match(nfkc(str(v)))]


def question_warnings(q: Question) -> list[str]:
    """What `quiz check` and `quiz import` point out without refusing the question."""
    out = []
    positional = positional_options(q.options)
    if positional and q.shuffle is None:
        out.append(
            f"选项依赖位置或其他选项（{'；'.join(positional)}）：考试中保持原顺序，不打乱；"
            "最好改写为不依赖位置的选项（写 shuffle: false 表示确认保持顺序）"
        )
    labels = pasted_labels(q.options)
    if labels:
        out.append(f"选项文字以字母编号开头（{'；'.join(labels)}）：考试会重新编排字母，请删去编号")
    return out


def _answer_text(text: str) -> str:
    """NFKC, upper case, without brackets around it or punctuation after it: '（Ａ）。' -> 'A'."""
    from grader.sheets import nfkc

    text = nfkc(text).upper()
    previous = None
    while previous != text:
        previous = text
        text = _ANSWER_TAIL.sub("", _ANSWER_WRAP.sub("", text))
    return text


def parse_answer(qtype: str, text: str, options: dict[str, str] | None = None):
    """Accept the ways answers are written in practice: B; ACD, A,C,D, A、C、D; full-width ＡＢ;
    （A）, A。; 判断 as 对/错, √/×, 1/0, A/B.

    A 判断 question with option texts (正确/错误 or 对/错, in either order) reads a letter answer
    through those texts, so "A 错误, B 正确, answer B" is true: the key is never inverted.
    """
    raw = str(text)
    text = _answer_text(raw)
    if qtype == "judge":
        if options and len(text) == 1 and text in LETTERS:
            meaning = _judge_options(options)
            if text not in meaning:
                raise ValueError(f"判断题答案 {raw!r} 不是选项（选项: {'、'.join(options)}）")
            return meaning[text]
        if text in JUDGE_TRUE:
            return True
        if text in JUDGE_FALSE:
            return False
        raise ValueError(f"判断题答案 {raw!r} 无法识别（可写 对/错、正确/错误、√/×、1/0、A/B）")
    letters = [c for c in SPLIT_LIST.sub("", text)]
    if not letters or any(c not in LETTERS for c in letters):
        raise ValueError(f"答案 {raw!r} 应由选项字母组成（如 B、ACD、A,C,D、A、C、D）")
    if qtype == "single":
        if len(letters) != 1:
            raise ValueError(f"单选题只能有一个答案，实际为 {raw!r}")
        return letters[0]
    return letters


def _judge_options(options: dict[str, str]) -> dict[str, bool]:
    """A 判断 row's option letters -> truth, from texts 正确/错误, 对/错 (either order)."""
    from grader.sheets import nfkc

    meaning = {}
    for letter, text in options.items():
        word = _ANSWER_TAIL.sub("", nfkc(_PASTED_LABEL.sub("", nfkc(text))))
        if word not in JUDGE_OPTION_WORDS:
            raise ValueError(f"判断题的选项{letter} {text!r} 应为 正确/错误 或 对/错（或不填选项）")
        meaning[letter] = JUDGE_OPTION_WORDS[word]
    if sorted(meaning.values()) != [False, True]:
        raise ValueError(f"判断题的选项应一个为正确、一个为错误，实际为 {'、'.join(options.values())}")
    return meaning


def _number(text: str, what: str):
    from grader.sheets import nfkc

    cleaned = re.sub(r"\s*分$", "", nfkc(text))
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{what} {text!r} 应为数字") from None
    return int(value) if value.is_integer() else value


_OPTION_BREAK = re.compile(r"\s*(?:[|｜]|\r?\n)\s*")
_INLINE_LABEL = re.compile(r"(?:^|(?<=[\s;；,，、]))[(（]?([A-Fa-fＡ-Ｆａ-ｆ])\s*[．.、:：)）]")
_PIECE_END = re.compile(r"[\s;；,，、]+$")


def _inline_options(text: str) -> list[str]:
    """'A.国务院 B.省级 C.县级' on one line -> its pieces, labels running A, B, C… (else [text])."""
    from grader.sheets import nfkc

    starts, expected = [], 0
    for match in _INLINE_LABEL.finditer(text):
        if expected < len(LETTERS) and nfkc(match.group(1)).upper() == LETTERS[expected]:
            starts.append(match.start())
            expected += 1
    if len(starts) < 2 or starts[0] != 0:
        return [text]
    return [_PIECE_END.sub("", text[a:b]).strip() for a, b in zip(starts, [*starts[1:], len(text)])]


def split_options(text: str) -> dict[str, str]:
    """All options in one 选项 cell, as import templates and papers copied from Word write them:
    'A.国务院民政部门|B.国务院卫生健康部门', one option a line, or 'A.… B.… C.…' on one line.

    Returns letter -> text (labels removed). Labels, when written, must run A, B, C… in order;
    unlabelled pieces are lettered in order. Raises ValueError naming the column otherwise.
    """
    from grader.sheets import nfkc

    pieces = [_PIECE_END.sub("", p).strip() for p in _OPTION_BREAK.split(text.strip())]
    pieces = [p for p in pieces if p]
    if len(pieces) == 1:
        pieces = _inline_options(pieces[0])
    if len(pieces) < 2:
        raise ValueError(
            f"“选项”列只有一项 {text!r}：多个选项请用 | 或换行分开（如 A.国务院民政部门|B.国务院卫生健康部门），"
            "或每个选项一列（选项A…选项F）"
        )
    if len(pieces) > len(LETTERS):
        raise ValueError(f"“选项”列有 {len(pieces)} 项，最多 {len(LETTERS)} 项（A–F）")
    labels = [_PASTED_LABEL.match(p) for p in pieces]
    if not any(labels):
        return {LETTERS[i]: p for i, p in enumerate(pieces)}
    letters = [nfkc(m.group(1)).upper() if m else "" for m in labels]
    if letters != list(LETTERS[: len(pieces)]):
        shown = "、".join(letter or "（无）" for letter in letters)
        raise ValueError(f"“选项”列的字母编号应依次为 {'、'.join(LETTERS[: len(pieces)])}，实际为 {shown}")
    return {letter: p[m.end() :].strip() for letter, p, m in zip(letters, pieces, labels) if m}


def row_to_raw(row: dict[str, str], bank_id: str, warn=None) -> dict:
    """One sheet row (field -> cell text, as grader.sheets.BANK names the fields) as a raw
    question mapping for validate_question. `warn(message)` receives labels stripped from options."""
    qtype = TYPE_WORDS.get("".join(row.get("type", "").split()).lower())
    if not qtype:
        raise ValueError(f"题型 {row.get('type', '')!r} 应为 单选、多选 或 判断")
    qid = row.get("id", "")
    if not qid:
        raise ValueError("缺少题号")
    if qid.isdigit():
        qid = f"{bank_id}-{int(qid):03d}"
    options = {c: row[f"option_{c}"] for c in LETTERS if row.get(f"option_{c}")}
    if row.get("options"):
        if options:
            raise ValueError("“选项”列与“选项A…选项F”列不能同时填写：请只用其中一种")
        options = split_options(row["options"])
    for letter, text in list(options.items()):
        label = _PASTED_LABEL.match(text)
        if label and qtype != "judge":
            stripped = text[label.end() :].strip()  # the rest of the text exactly as written
            if stripped:
                options[letter] = stripped
                if warn:
                    warn(f"选项{letter} “{text}” 开头的编号已去掉（考试会重新编排字母）")
    answer = parse_answer(qtype, row.get("answer", ""), options if qtype == "judge" else None)
    if qtype == "judge":
        options = {}  # read through; a judge question has no options of its own
    cites = [c for c in re.split(r"[\n；;]+", row.get("basis", "")) if c.strip()]
    quotes = [q for q in re.split(r"\n+|｜", row.get("quote", "")) if q.strip()]
    if not cites:
        raise ValueError("缺少法律依据（如《殡葬管理条例》第十二条）")
    if len(quotes) != len(cites):
        raise ValueError(f"法律依据有 {len(cites)} 条而依据原文有 {len(quotes)} 段（多条依据时原文逐行对应）")
    basis = []
    for cite, quote in zip(cites, quotes):
        match = CITATION.search(cite)
        if not match:
            raise ValueError(f"法律依据 {cite.strip()!r} 应写作《法规名称》第X条")
        entry = {"law": match.group(1), "article": cn_to_int(match.group(2)), "quote": quote.strip()}
        year = re.match(r"\s*[，,（(]?\s*(\d{4})年版", cite[match.end() :])
        if year:
            try:
                entry["version"] = library().statute(match.group(1)).by_year(int(year.group(1))).name
            except LawError as error:
                raise ValueError(str(error)) from None
        basis.append(entry)
    raw = {
        "id": qid,
        "type": qtype,
        "stem": row.get("stem", ""),
        "answer": answer,
        "explanation": row.get("explanation", ""),
        "basis": basis,
    }
    if options:
        raw["options"] = options
    if row.get("points"):
        raw["points"] = _number(row["points"], "分值")
    if row.get("difficulty"):
        if row["difficulty"] not in DIFFICULTY_WORDS:
            raise ValueError(f"难度 {row['difficulty']!r} 应为 易/中/难 或 1/2/3")
        raw["difficulty"] = DIFFICULTY_WORDS[row["difficulty"]]
    raw["tags"] = [t for t in SPLIT_LIST.split(row.get("tags", "")) if t]
    pool = row.get("pool", "").lower()
    if pool not in POOL_WORDS:
        raise ValueError(f"题库用途 {row.get('pool', '')!r} 应为 练习 或 考试")
    raw["pool"] = POOL_WORDS[pool]
    if row.get("shuffle"):
        word = row["shuffle"].lower()
        if word not in SHUFFLE_WORDS:
            raise ValueError(f"选项顺序 {row['shuffle']!r} 应为 固定 或 打乱（留空：按选项内容自动决定）")
        raw["shuffle"] = SHUFFLE_WORDS[word]
    return raw


def read_csv_rows(path: Path) -> tuple[list[list[str]], str]:
    """Read a CSV in UTF-8, UTF-8 with BOM, or GBK (the one reader is grader.sheets)."""
    from grader import sheets

    try:
        return sheets.read_csv_rows(path)
    except sheets.SheetError as error:
        raise BankError([Problem(str(path), "", str(error))]) from None


def bank_id_problem(bank_id: str, source: str) -> str | None:
    """Why a bank id cannot be used (None if it can): ids are ASCII, they name question ids."""
    if ID_PATTERN.match(bank_id or ""):
        return None
    return (
        f"题库编号 {bank_id!r} 取自{source}，只能用英文字母、数字、-、_、.（题号由它生成，如 burial-001）："
        f"请加 --bank 英文编号（如 --bank burial），或换一个英文文件名（如 -o quizzes/burial.yaml）"
    )


def import_sheet_as(
    source,
    output: Path,
    bank_id: str | None = None,
    title: str | None = None,
    as_of=None,
    sheet_names: list[str] | None = None,
) -> Bank:
    """Read a sheet as the bank that will be written to `output`.

    Its id is `bank_id`, else the output file's name; its question ids are checked against the
    other banks in the output's folder (the bank being replaced excepted). `sheet_names`: read only
    these worksheets (--sheet).
    """
    output = Path(output)
    others = (
        [p for p in bank_paths([output.parent]) if p.resolve() != output.resolve()] if output.parent.is_dir() else []
    )
    return import_sheet(
        source,
        bank_id=bank_id or output.stem,
        title=title,
        others=others,
        id_source="--bank" if bank_id else f"输出文件名 {output.name}",
        as_of=as_of,
        sheet_names=sheet_names,
    )


def import_sheet(
    path: Path,
    bank_id: str | None = None,
    title: str | None = None,
    laws: Library | None = None,
    others: list[Path] | None = None,
    as_of=None,
    id_source: str = "",
    sheet_names: list[str] | None = None,
    columns: dict[str, str] | None = None,
) -> Bank:
    """Read a trainer's 题库 sheet into a bank, checked like `quiz check`; any bad row fails it all.

    The sheet is read by grader.sheets (hidden rows and sheets, a 填写说明 row, Excel error values
    and pictures: see there); `sheet_names` and `columns` are passed to `sheets.read_sheet`.
    All options in one 选项 cell are split (`split_options`).

    Every worksheet with the 题库 header is read (`Bank.summary` says which gave how many rows);
    labels pasted into options are stripped and listed in `Bank.warnings` with the positional
    options that the exam will keep in order. An invalid bank id is reported once, before rows.
    A citation may name its version (《殡葬管理条例》第四条，2012年版); otherwise it is checked against
    the version in force on `as_of` (default today), and that version is written into the bank.
    """
    from grader import sheets

    laws = laws or library()
    path = Path(path)
    file = str(path)
    try:
        table = sheets.read_sheet(path, sheets.BANK, sheets=sheet_names, columns=columns)
    except sheets.SheetError as error:
        raise BankError(
            [Problem(file, "", line.removeprefix(f"{file}: ")) for line in str(error).splitlines()]
        ) from None
    meta = table.meta
    source = id_source or ("参数" if bank_id else "")
    if not bank_id:
        bank_id, source = (
            (meta.get("题库编号"), "说明表的题库编号") if meta.get("题库编号") else (path.stem, f"文件名 {path.name}")
        )
    bank_id = str(bank_id)
    title = str(title or meta.get("题库名称") or bank_id)
    why = bank_id_problem(bank_id, source or "题库编号")
    if why:
        raise BankError([Problem(file, "", why)])
    if not table.rows:
        raise BankError([Problem(file, "", "表格中没有题目" + (f"（{table.summary()}）" if table.summary() else ""))])
    problems: list[Problem] = []
    located: list = []
    questions: list[Question] = []
    warnings: list[Problem] = []
    for row in table.rows:
        where = row.where + (f" 题号 {row.get('id')}" if row.get("id") else "")
        try:
            raw = row_to_raw(
                row.values, bank_id, warn=lambda text, w=where, out=warnings: out.append(Problem(file, w, text))
            )
        except ValueError as error:
            problems.append(Problem(file, where, str(error)))
            continue
        question, found = validate_question(raw, where, file, laws, as_of)
        problems += found
        if question:
            question.bank = bank_id
            questions.append(question)
            located.append((question, file, where))
            warnings += [Problem(file, where, text) for text in question_warnings(question)]
    others_checked = check(others, laws, as_of) if others else None
    if others_checked:
        located = [
            (q, str(b.path), f"题目 {q.id}") for b in others_checked.banks if b.id != bank_id for q in b.questions
        ] + located
    problems += [p for p in check_unique(located, laws) if p.file == file]
    if problems:
        failure = BankError(problems)
        failure.summary = table.summary()
        raise failure
    return Bank(bank_id, title, questions, warnings=warnings, summary=table.summary())


def question_to_row(q: Question) -> list:
    options = [q.options.get(c, "") for c in LETTERS]
    return (
        [q.id, TYPE_NAMES[q.type], q.stem]
        + options
        + [
            q.answer_text(),
            q.explanation,
            "\n".join(c.label + (f"，{c.version[:4]}年版" if c.version else "") for c in q.basis),
            "\n".join(c.quote for c in q.basis),
            q.points,
            DIFFICULTY_NAMES[q.difficulty],
            "、".join(q.tags),
            POOL_NAMES[q.pool],
            {None: "", False: "固定", True: "打乱"}[q.shuffle],
        ]
    )


def _style_sheet(ws, widths: dict[str, int]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def write_sheet(bank: Bank, path: Path) -> None:
    """Export a bank to the 题库 sheet trainers keep (one row per question)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(SHEET_HEADERS)
            for q in bank.questions:
                writer.writerow(question_to_row(q))
        return
    wb = Workbook()
    ws = wb.active
    ws.title = "题库"
    ws.append(SHEET_HEADERS)
    for q in bank.questions:
        ws.append(question_to_row(q))
    widths = {
        get_column_letter(i + 1): w for i, w in enumerate([12, 6, 40] + [20] * 6 + [8, 40, 24, 40, 6, 6, 16, 8, 8])
    }
    _style_sheet(ws, widths)
    for column, choices in (("B", "单选,多选,判断"), ("O", "易,中,难"), ("Q", "练习,考试"), ("R", "固定,打乱")):
        dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        ws.add_data_validation(dv)
        dv.add(f"{column}2:{column}5000")
    info = wb.create_sheet("说明")
    info.append(["题库编号", bank.id])
    info.append(["题库名称", bank.title])
    info.append(
        [
            "填写说明",
            "题型填 单选/多选/判断；多选答案写 ACD 或 A、C、D；判断答案写 正确/错误；"
            "法律依据写《法规名称》第X条，多条依据分行填写，依据原文逐行对应且须与条文原文一致；"
            "题库用途填 练习 或 考试；选项顺序留空（自动）、填 固定（考试中不打乱）或 打乱。",
        ]
    )
    info.column_dimensions["A"].width = 12
    info.column_dimensions["B"].width = 100
    tmp = path.with_name(path.name + ".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(path)


def template_bank() -> Bank:
    """One real, checked example row for the empty template."""
    example = Question(
        id="burial-001",
        type="single",
        stem="依照《殡葬管理条例》（2025年修订），在实行火葬的地区，遗体应当在哪里火化？",
        options={
            "A": "就地、就近在殡仪馆火化",
            "B": "由丧属自行选择任何地区的殡仪馆火化",
            "C": "在死者户籍所在地的殡仪馆火化",
            "D": "在丧属居住地的殡仪馆火化",
        },
        answer="A",
        explanation="殡葬管理条例（2025年修订）第二十九条规定，在实行火葬的地区，遗体应当就地、就近在殡仪馆火化；"
        "确需跨区域运输遗体的，要凭运输目的地民政部门出具的遗体接收证明。",
        basis=[Citation("殡葬管理条例", 29, "在实行火葬的地区，遗体应当就地、就近在殡仪馆火化", "2025-12-12")],
        pool="practice",
        points=2,
        difficulty=1,
        tags=["火葬区"],
    )
    return Bank("burial", "殡葬管理（示例）", [example])
