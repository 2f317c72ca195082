"""Courses: course.yaml plus Jupytext Markdown lessons, checked and built into notebooks.

Lessons are reviewed as plain text in git and opened by staff as notebooks. Building a
course writes the notebooks and a practice file holding practice-pool questions only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat
import yaml

from grader.bank import Bank, Problem, Question, load_banks
from grader.laws import (
    CITATION,
    TITLE_TEXT,
    LawError,
    Library,
    Version,
    cn_date,
    library,
    to_date,
    today,
    version_name,
)

QUOTED_CITATION = re.compile(
    rf"“([^”]+)”\s*（\s*(《{TITLE_TEXT}》\s*第[零〇一二三四五六七八九十百千两0-9]+条)([^）]*)）"
)
PRACTICE_CALL = re.compile(r"practice\(\s*['\"]([^'\"]+)['\"]\s*\)")
ARTICLE_CALL = re.compile(
    r"article\(\s*['\"]([^'\"]+)['\"]\s*,\s*(\d+)\s*"
    r"(?:,\s*version\s*=\s*['\"]([0-9-]+)['\"]\s*)?\)"
)
YEAR_SUFFIX = re.compile(r"^\s*[，,]?\s*(\d{4})年版")
HOW_TO = (
    "> **使用方法**：课时打开后会自动运行，稍等几秒即可阅读讲解、点选练习题的答案并点“提交”，"
    "即可看到对错、解析和法律依据。无需输入任何代码。"
    "（如果练习题没有出现，打开菜单“内核”，点“重启并运行所有单元格”。）"
)


def courses_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "courses"


@dataclass
class Lesson:
    path: Path
    notebook: nbformat.NotebookNode

    @property
    def title(self) -> str:
        for cell in self.notebook.cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    if line.startswith("# "):
                        return line[2:].strip()
        return self.path.stem

    @property
    def markdown(self) -> str:
        return "\n".join(c.source for c in self.notebook.cells if c.cell_type == "markdown")

    @property
    def code(self) -> str:
        return "\n".join(c.source for c in self.notebook.cells if c.cell_type == "code")

    def practice_ids(self) -> list[str]:
        return PRACTICE_CALL.findall(self.code)


@dataclass
class Course:
    id: str
    title: str
    summary: str
    hours: float
    folder: Path
    lessons: list[Lesson]
    laws: dict[str, str] = field(default_factory=dict)  # pinned versions: title as written -> YYYY-MM-DD


def load_course(folder: Path) -> Course:
    """Read course.yaml and its lessons. `laws:` pins the versions the lessons were written against."""
    folder = Path(folder)
    meta = yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8"))
    lessons = [Lesson(folder / name, jupytext.read(folder / name)) for name in meta["lessons"]]
    pins = {str(k): version_name(v) for k, v in (meta.get("laws") or {}).items()}
    return Course(
        meta["id"], meta["title"], meta.get("summary", ""), float(meta.get("hours", 0)), folder, lessons, pins
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
                number = int(_cn_to_int(c.group(2)))
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
                    LessonCitation(file, n, m.group(0), statute.title, int(_cn_to_int(m.group(2))), version, explicit)
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


def _cn_to_int(text: str) -> int:
    from grader.laws import cn_to_int

    return cn_to_int(text)


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


def load_courses(root: Path | None = None) -> list[Course]:
    root = Path(root or courses_dir())
    return [load_course(p.parent) for p in sorted(root.glob("*/course.yaml"))]


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


def practice_data(banks: list[Bank]) -> dict:
    """Practice-pool questions with their keys (lessons give instant feedback); no exam question."""
    out = {}
    for q in (q for b in banks for q in b.questions if q.pool == "practice"):
        data = q.to_dict()
        data["basis"] = [dict(c, citation=cited.cited) for c, cited in zip(data["basis"], q.basis)]
        out[q.id] = {
            k: data[k]
            for k in ("id", "type", "stem", "options", "answer", "explanation", "basis", "points", "partial")
            if k in data
        }
    return {"questions": out}


def lesson_notebook(
    lesson: Lesson, pins: dict[str, str] | None = None, as_of=None, laws: Library | None = None
) -> nbformat.NotebookNode:
    """The notebook staff open: a how-to line first, code cells collapsed.

    When a version the lesson cites through the course's pins (`pins`, title -> YYYY-MM-DD) is no
    longer in force on `as_of` (default today, i.e. when the notebook is built), a plain notice
    (本课所引《…》为…文本，已于…修订) comes first.
    """
    nb = nbformat.from_dict(json.loads(nbformat.writes(lesson.notebook)))
    nb.metadata.pop("jupytext", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(HOW_TO))
    if pins:
        laws = laws or library()
        pinned, _ = pinned_versions(Course("", "", "", 0, lesson.path.parent, [], dict(pins)), laws)
        cited = {
            c.law: c.version
            for c in lesson_citations(lesson, pinned, laws, as_of)
            if not c.error and not c.explicit and c.law in pinned and c.version is not None
        }
        notice = superseded_notice(list(cited.values()), laws, as_of)
        if notice:
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(notice))
    return nb


def build_courses(target: Path, courses: list[Course] | None = None, banks: list[Bank] | None = None) -> list[Path]:
    """Write each course's lessons as notebooks under target/, and target/practice.json."""
    target = Path(target)
    courses = courses if courses is not None else load_courses()
    banks = banks if banks is not None else load_banks()
    written = []
    for course in courses:
        folder = target / course.id
        folder.mkdir(parents=True, exist_ok=True)
        for lesson in course.lessons:
            path = folder / (lesson.path.stem + ".ipynb")
            nbformat.write(lesson_notebook(lesson, course.laws), path)
            written.append(path)
        (folder / "course.json").write_text(
            json.dumps(
                {
                    "id": course.id,
                    "title": course.title,
                    "summary": course.summary,
                    "hours": course.hours,
                    "lessons": [lesson.path.stem + ".ipynb" for lesson in course.lessons],
                    # lesson -> its practice questions: what `course collect` requires answered
                    "practice": {lesson.path.stem: lesson.practice_ids() for lesson in course.lessons},
                    "laws": course.laws,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
    practice = target / "practice.json"
    practice.write_text(json.dumps(practice_data(banks), ensure_ascii=False, indent=1), encoding="utf-8")
    written.append(practice)
    return written


# ------------------------------------------------------------------ courses as nbgrader assignments


def release_course(instance, course_id: str, banks: list[Bank] | None = None) -> Path:
    """Release a course's lessons as an nbgrader assignment named by the course id.

    Staff fetch it beside the exam and click Submit when they have worked through it; that
    submission, once collected, is what credits the course's 学时 (`lawstudy sync`). Lessons carry
    practice-pool questions only, so releasing them shows staff nothing of an exam.
    Re-releasing after a lesson changed replaces the fetched version for those who fetch later.
    The two halves are `stage_course` (reads courses/ and the banks) and `publish_course`
    (nbgrader, in the exchange); on a hub root stages and the grader publishes.
    """
    stage_course(instance, course_id, banks)
    return publish_course(instance, course_id)


def stage_course(instance, course_id: str, banks: list[Bank] | None = None) -> Path:
    """Write the course's lesson notebooks, course.json and practice.json into the course's nbgrader
    source folder (course/source/ID). Raises ValueError for an unknown course. Returns the folder."""
    import shutil
    import tempfile

    found = {c.id: c for c in load_courses()}
    if course_id not in found:
        raise ValueError(f"没有课程 {course_id}（已有: {', '.join(sorted(found))}）")
    course = found[course_id]
    source = instance.source(course.id)
    with tempfile.TemporaryDirectory() as scratch:
        build_courses(Path(scratch), [course], banks)
        if source.exists():
            shutil.rmtree(source)
        shutil.copytree(Path(scratch) / course.id, source)
        shutil.copy(Path(scratch) / "practice.json", source / "practice.json")
    return source


def publish_course(instance, course_id: str) -> Path:
    """nbgrader generate_assignment and release_assignment of a staged course; registers the course
    (title, hours) in the records. Raises ValueError when the course was never staged."""
    import shutil

    from grader import records
    from grader.exam import nbgrader_course as nbg

    meta = staged_course(instance, course_id)
    nbg.write_config(instance)
    nbg.ensure_exchange(instance)
    api = nbg.api(instance)
    nbg.check(api.generate_assignment(course_id, force=True, create=True), "generate_assignment")
    outbound = instance.outbound(course_id)
    if outbound.exists():
        shutil.rmtree(outbound)
    nbg.check(api.release_assignment(course_id), "release_assignment")
    records.register_course(records.open_db(instance.records), course_id, meta["title"], meta["hours"])
    return outbound


def staged_course(instance, course_id: str) -> dict:
    """The course.json of a staged course (id, title, hours, lessons, practice: lesson -> question ids).
    Raises ValueError when the course was never staged (`lawstudy course release`)."""
    path = instance.source(course_id) / "course.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ValueError(f"课程 {course_id} 尚未发布（lawstudy course release {course_id}）") from None
    if not isinstance(meta, dict) or meta.get("id") != course_id:
        raise ValueError(f"课程 {course_id} 的 course.json 不完整，请重新发布")
    return meta


@dataclass
class CourseCollect:
    credited: list[str]  # staff ids newly credited with the course's 学时
    already: list[str]  # submitted, credited before
    unknown: list[str]  # nbgrader student ids not on the roster (reported, not counted)
    not_credited: dict[str, int] = field(default_factory=dict)  # why (中文) -> how many submissions
    audit: list[dict] = field(default_factory=list)  # set-aside entries, one line per real owner and reason


def collect_course(instance, course_id: str) -> CourseCollect:
    """Collect the course's submissions and credit the course's 学时.

    Every inbound entry is first checked on its own like an exam's (grader.exam.guard: no links,
    no special files, owned by the person it names, parseable, within size and count); the rest
    are set aside against their real owner and never credited. On a hub (an entry owned by the
    person, not by the trainer's account) a submission is only a receipt: the person is credited
    when the exam service saw them open every lesson and answer its practice questions (right or
    wrong), in the year the server saw it complete. On one machine (`lawstudy lab`) the
    submission itself still counts, in the year of its time. Collecting twice credits nobody twice.
    """
    from types import SimpleNamespace

    from grader import records
    from grader.exam import nbgrader_course as nbg
    from grader.exam.guard import InboundGuard
    from grader.exam.receipts import append_audit, load_receipts, save_receipts
    from grader.exam.service_grading import open_store
    from grader.exam.submissions import UnknownZone, parse_stamp

    db = records.open_db(instance.records)
    target = SimpleNamespace(id=course_id, spec=SimpleNamespace(attempts=10**6))
    guard = InboundGuard(instance.inbound, target, instance.set_aside(course_id)).run()  # type: ignore[arg-type]
    private = instance.home / "set-aside" / f"{course_id}-receipts"
    save_receipts(private, guard.received)
    append_audit(private, guard.audit)
    nbg.check(nbg.api(instance).collect(course_id, update=True), "collect")
    logins = records.staff_by_login(db)
    result = CourseCollect([], [], [], audit=guard.audit)
    for item in guard.set_aside:
        why = "提交被搁置（" + item.reason + "）"
        result.not_credited[why] = result.not_credited.get(why, 0) + 1
    receipts = load_receipts(private)
    store = open_store(instance.home)
    lessons = None
    for folder in sorted(instance.submitted.glob(f"*/{course_id}")):
        student = folder.parent.name
        staff_id = logins.get(student)
        if staff_id is None:
            result.unknown.append(student)
            continue
        on_hub = any(n.startswith(f"{student}+{course_id}+") for n in receipts)
        if on_hub:
            if lessons is None:  # the lessons as released (the grader may not read courses/)
                try:
                    lessons = staged_course(instance, course_id).get("practice") or {}
                except ValueError:
                    lessons = {}
                if not lessons:
                    found = next((c for c in load_courses() if c.id == course_id), None)
                    lessons = {les.path.stem: les.practice_ids() for les in found.lessons} if found else {}
            if store is None or not lessons:
                why = "考试服务中没有学习记录"
                result.not_credited[why] = result.not_credited.get(why, 0) + 1
                continue
            done, when, reason = store.studied(student, course_id, lessons)
            if not done:
                why = "未学完：" + reason.split(" ")[0]
                result.not_credited[why] = result.not_credited.get(why, 0) + 1
                continue
        else:
            stamp = folder / "timestamp.txt"
            try:
                when = parse_stamp(stamp.read_text(encoding="utf-8")) if stamp.is_file() else None
            except UnknownZone:  # credited for this year rather than at a guessed time
                when = None
        # on a hub: the study the exam service saw; on one machine: the submission (self-reported)
        new = records.record_completion(
            db, staff_id, course_id, completed_at=when, source="service" if on_hub else "nbgrader"
        )
        (result.credited if new else result.already).append(staff_id)
    return result


def record_completion(db, staff_id: str, course_id: str, year: int | None = None, hours: float | None = None) -> bool:
    """Credit a staff member a course's 学时 for the year; False when already credited.

    A course the records do not know yet is registered first with the title and hours its
    courses/ID/course.yaml gives (unless `hours` is given), so a completion recorded before the
    course was built still counts its hours.
    """
    from grader import records

    known = db.execute("SELECT 1 FROM courses WHERE id = ?", [course_id]).fetchone()
    if hours is None and not known:
        try:
            found = next((c for c in load_courses() if c.id == course_id), None)
        except Exception:  # the courses/ folder may be absent from a bare instance
            found = None
        if found is not None:
            records.register_course(db, course_id, found.title, found.hours)
    return records.record_completion(db, staff_id, course_id, year=year, hours=hours)
