"""Banks as YAML files: find, load (checked), save; `check` runs every check over the banks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from grader.banks.model import Bank, BankError, Problem, Question
from grader.banks.options import question_warnings
from grader.banks.supersession import superseded_note, unsaid_supersessions
from grader.banks.validate import check_unique, validate_question
from grader.instance import PACKAGE
from grader.laws import LawError, Library, cn_date, library, to_date, today

# ---------------------------------------------------------------- YAML

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: banks load 5x faster


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
    return here if here.is_dir() else PACKAGE.parent / "quizzes"


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
