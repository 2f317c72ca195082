"""The checks of a course: every citation in a lesson resolves to an article of a version, quotes
are verbatim, the versions cited are in force, practice questions come from the practice pool."""

from __future__ import annotations

from dataclasses import dataclass

from grader.banks import Problem, Question
from grader.courses.model import ARTICLE_CALL, QUOTED_CITATION, YEAR_SUFFIX, Course, Lesson
from grader.laws import (
    CITATION,
    LawError,
    Library,
    Version,
    cn_date,
    cn_to_int,
    library,
    to_date,
    today,
)


@dataclass
class LessonCitation:
    """A citation in a lesson file: where, which version, and whether the version was named on purpose.

    `explicit` is True for a deliberate citation of a version (`，2012年版` in prose, `version=` in
    code): staff see it labelled as that text, and it is not a failure when that version is old.
    """

    file: str
    line: int
    text: str
    law: str
    article: int
    version: Version | None
    explicit: bool
    quote: str = ""
    error: str = ""


def pinned_versions(course: Course, laws: Library) -> tuple[dict[str, Version], list[Problem]]:
    """The course's `laws:` pins as full title -> Version, and a problem for each bad pin."""
    out, problems = {}, []
    for title, name in course.laws.items():
        try:
            statute = laws.statute(title)
            out[statute.title] = statute.version(name)
        except LawError as error:
            problems.append(Problem(str(course.folder / "course.yaml"), f"laws: {title}", str(error)))
    return out, problems


def lesson_citations(lesson: Lesson, pins: dict[str, Version], laws: Library, as_of=None) -> list[LessonCitation]:
    """Every citation in a lesson file (prose quotes, bare citations, article() calls), by line.

    The version is the one named explicitly, else the course's pin, else the one in force on
    `as_of` (default today). A citation that cannot be resolved carries `error`.
    """
    as_of = to_date(as_of) if as_of is not None else today()
    file = str(lesson.path)
    out = []

    def resolve(law_text, number, explicit_name=None, year=None):
        statute = laws.statute(law_text)
        if explicit_name:
            return statute, statute.version(explicit_name), True
        if year:
            return statute, statute.by_year(int(year)), True
        if statute.title in pins:
            return statute, pins[statute.title], False
        return statute, laws.version(statute.title, as_of=as_of), False

    for n, line in enumerate(lesson.path.read_text(encoding="utf-8").splitlines(), 1):
        quoted_spans = []
        for m in QUOTED_CITATION.finditer(line):
            quoted_spans.append(m.span(2))
            cite, suffix = m.group(2), m.group(3)
            year = YEAR_SUFFIX.match(suffix)
            c = CITATION.search(cite)
            assert c is not None, cite  # QUOTED_CITATION holds a CITATION
            try:
                statute, version, explicit = resolve(c.group(1), None, year=year.group(1) if year else None)
                number = int(cn_to_int(c.group(2)))
                out.append(LessonCitation(file, n, m.group(0), statute.title, number, version, explicit, m.group(1)))
            except (LawError, ValueError) as error:
                out.append(LessonCitation(file, n, m.group(0), c.group(1), 0, None, False, m.group(1), str(error)))
        for m in CITATION.finditer(line):
            if any(a <= m.start() < b for a, b in quoted_spans):
                continue
            year = YEAR_SUFFIX.match(line[m.end() :])
            try:
                statute, version, explicit = resolve(m.group(1), None, year=year.group(1) if year else None)
                out.append(
                    LessonCitation(file, n, m.group(0), statute.title, int(cn_to_int(m.group(2))), version, explicit)
                )
            except (LawError, ValueError) as error:
                out.append(LessonCitation(file, n, m.group(0), m.group(1), 0, None, False, "", str(error)))
        for m in ARTICLE_CALL.finditer(line):
            try:
                statute, version, explicit = resolve(m.group(1), None, explicit_name=m.group(3))
                out.append(LessonCitation(file, n, m.group(0), statute.title, int(m.group(2)), version, explicit))
            except (LawError, ValueError) as error:
                out.append(
                    LessonCitation(file, n, m.group(0), m.group(1), int(m.group(2)), None, False, "", str(error))
                )
    return out


def superseded_notice(versions: list[Version], laws: Library, as_of=None) -> str:
    """The plain notice staff see atop a lesson whose pinned versions are no longer in force, or ''.

    One line per statute: 本课所引《殡葬管理条例》为2012年修订文本，已于2026年3月30日修订（…）;
    for a text overridden by another law (not repealed) the words are `Library.supersession_phrase`'s
    (未废止，但自…起与《…》不一致的，适用…), never 废止.
    """
    as_of = to_date(as_of) if as_of is not None else today()
    lines = []
    for v in versions:
        if v.in_force(as_of) or v.in_force_until is None or as_of < v.in_force_from:
            continue
        if v.supersession == "revised" and (not v.superseded_by or v.superseded_by[0] == v.title):
            lines.append(f"本课所引《{v.title}》为{v.year_label}文本，已于{cn_date(v.in_force_until)}修订。")
        else:
            lines.append(f"本课所引《{v.title}》为{v.year_label}文本，{laws.supersession_phrase(v)}。")
    if not lines:
        return ""
    return (
        "> **注意：本课依据的法规已有变化**\n>\n"
        + "\n>\n".join(f"> {line}" for line in lines)
        + "\n>\n> 本课内容按旧文本讲解，学习和办事请以现行规定为准（可问培训人员本课何时更新）。"
    )


def check_course(
    course: Course, questions: dict[str, Question], laws: Library | None = None, as_of=None
) -> list[Problem]:
    """Every cited article exists, every quote is verbatim, practice ids exist in the practice pool,
    and every version cited without an explicit year (the course's pin, or else the version in force)
    is in force on `as_of` (default today). Explicitly dated old citations are allowed."""
    laws = laws or library()
    as_of = to_date(as_of) if as_of is not None else today()
    pins, problems = pinned_versions(course, laws)
    for lesson in course.lessons:
        file = str(lesson.path)
        stale: dict[str, list[int]] = {}
        for c in lesson_citations(lesson, pins, laws, as_of):
            where = f"第{c.line}行 {c.text if len(c.text) < 40 else c.text[:40] + '…'}"
            if c.error or c.version is None:
                problems.append(Problem(file, where, c.error or "未找到版本"))
                continue
            try:
                art = c.version.article(c.article)
            except LawError as error:
                problems.append(Problem(file, where, str(error)))
                continue
            if c.quote and not art.contains(c.quote):
                elsewhere = laws.elsewhere_message(c.law, c.quote, c.version)
                problems.append(
                    Problem(
                        file,
                        where,
                        f"引文不在{c.version.citation}{art.label}中：{elsewhere}"
                        if elsewhere
                        else f"引文“{c.quote}”不在{c.version.citation}{art.label}原文中",
                    )
                )
            if not c.explicit and not c.version.in_force(as_of):
                stale.setdefault(c.law, []).append(c.line)
        for title, lines in stale.items():
            v = pins.get(title) or laws.statute(title).latest
            problems.append(
                Problem(
                    file,
                    f"第{lines[0]}行等 {len(lines)} 处",
                    f"所引{v.citation}在{as_of.isoformat()}{'不是现行依据' if v.supersession == 'overridden' else '不施行'}："
                    f"{laws.superseded_message(v) if as_of >= v.in_force_from else '尚未施行'}"
                    "（运行 lawstudy laws impact 查看需改写之处；有意引用旧文本请写明“，YYYY年版”或 version=）",
                )
            )
        ids = lesson.practice_ids()
        if not ids:
            problems.append(Problem(file, "", "本课没有练习题（practice(...)）"))
        for qid in ids:
            q = questions.get(qid)
            if q is None:
                problems.append(Problem(file, qid, "练习题不存在"))
            elif q.pool != "practice":
                problems.append(Problem(file, qid, "课程中使用了考试题（pool: exam），考试题不得出现在课程中"))
    return problems
