"""The checks of one question (schema, answer, options, citations and quotes against the law) and
of a set of questions (unique ids, no stem twice)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from grader.banks.model import DIFFICULTY_NAMES, FIELDS, ID_PATTERN, POOLS, REQUIRED, Citation, Problem, Question
from grader.banks.options import positional_options
from grader.laws import LawError, Library, cn_to_int, library, normalize, to_date, today
from grader.scoring import TYPES
from grader.sheets import visible
from grader.vocabulary import LETTERS

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
