"""Courses: course.yaml plus Jupytext Markdown lessons, checked and built into notebooks.

Lessons are reviewed as plain text in git and opened by staff as notebooks. Building a
course writes the notebooks and a practice file holding practice-pool questions only.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
import yaml

from grader.bank import Bank, Problem, Question, load_banks
from grader.laws import CITATION, LawError, Library, library

QUOTED_CITATION = re.compile(r"“([^”]+)”\s*（\s*(《[^》]+》\s*第[零〇一二三四五六七八九十百千两0-9]+条)[^）]*）")
PRACTICE_CALL = re.compile(r"practice\(\s*['\"]([^'\"]+)['\"]\s*\)")
ARTICLE_CALL = re.compile(r"article\(\s*['\"]([^'\"]+)['\"]\s*,\s*(\d+)\s*\)")
HOW_TO = ("> **使用方法**：点击上方工具栏的 ⏩ 按钮（或菜单“运行 → 运行全部单元格”），"
          "然后阅读讲解、点选练习题的答案并点“提交”，即可看到对错、解析和法律依据。无需输入任何代码。")


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


def load_course(folder: Path) -> Course:
    folder = Path(folder)
    meta = yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8"))
    lessons = [Lesson(folder / name, jupytext.read(folder / name)) for name in meta["lessons"]]
    return Course(meta["id"], meta["title"], meta.get("summary", ""), float(meta.get("hours", 0)),
                  folder, lessons)


def load_courses(root: Path | None = None) -> list[Course]:
    root = Path(root or courses_dir())
    return [load_course(p.parent) for p in sorted(root.glob("*/course.yaml"))]


def check_course(course: Course, questions: dict[str, Question], laws: Library | None = None) -> list[Problem]:
    """Every cited article exists, every quote is verbatim, practice ids exist in the practice pool."""
    laws = laws or library()
    problems = []
    for lesson in course.lessons:
        file = str(lesson.path)
        text = lesson.markdown
        for match in CITATION.finditer(text):
            try:
                laws.cite(match.group(0))
            except LawError as error:
                problems.append(Problem(file, match.group(0), str(error)))
        for quote, cite in QUOTED_CITATION.findall(text):
            try:
                art = laws.cite(cite)
            except LawError:
                continue
            if not art.contains(quote):
                problems.append(Problem(file, cite, f"引文“{quote}”不在{art.citation}原文中"))
        for law, number in ARTICLE_CALL.findall(lesson.code):
            try:
                laws.article(law, int(number))
            except LawError as error:
                problems.append(Problem(file, f"article({law!r}, {number})", str(error)))
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
        data["basis"] = [dict(c, citation=f"《{c['law']}》第{_cn(c['article'])}条") for c in data["basis"]]
        out[q.id] = {k: data[k] for k in ("id", "type", "stem", "options", "answer", "explanation", "basis",
                                          "points", "partial") if k in data}
    return {"questions": out}


def _cn(n: int) -> str:
    from grader.laws import int_to_cn
    return int_to_cn(n)


def lesson_notebook(lesson: Lesson) -> nbformat.NotebookNode:
    """The notebook staff open: a how-to line first, code cells collapsed."""
    nb = nbformat.from_dict(json.loads(nbformat.writes(lesson.notebook)))
    nb.metadata.pop("jupytext", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(HOW_TO))
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
            nbformat.write(lesson_notebook(lesson), path)
            written.append(path)
        (folder / "course.json").write_text(json.dumps(
            {"id": course.id, "title": course.title, "summary": course.summary, "hours": course.hours,
             "lessons": [lesson.path.stem + ".ipynb" for lesson in course.lessons]},
            ensure_ascii=False, indent=2), encoding="utf-8")
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
    """
    import shutil
    import tempfile

    from grader import records
    from grader.exam import course as nbg
    found = {c.id: c for c in load_courses()}
    if course_id not in found:
        raise ValueError(f"没有课程 {course_id}（已有: {', '.join(sorted(found))}）")
    course = found[course_id]
    source = instance.course_dir / "source" / course.id
    with tempfile.TemporaryDirectory() as scratch:
        build_courses(Path(scratch), [course], banks)
        if source.exists():
            shutil.rmtree(source)
        shutil.copytree(Path(scratch) / course.id, source)
        shutil.copy(Path(scratch) / "practice.json", source / "practice.json")
    nbg.write_config(instance)
    nbg.ensure_exchange(instance)
    api = nbg.api(instance)
    nbg.check(api.generate_assignment(course.id, force=True, create=True), "generate_assignment")
    outbound = instance.exchange / instance.course_id / "outbound" / course.id
    if outbound.exists():
        shutil.rmtree(outbound)
    nbg.check(api.release_assignment(course.id), "release_assignment")
    records.register_course(records.open_db(instance.records), course.id, course.title, course.hours)
    return outbound


@dataclass
class CourseCollect:
    credited: list[str]            # staff ids newly credited with the course's 学时
    already: list[str]             # submitted, credited before
    unknown: list[str]             # nbgrader student ids not on the roster (reported, not counted)


def collect_course(instance, course_id: str) -> CourseCollect:
    """Collect the course's submissions (nbgrader collect) and credit each submitter the course's
    学时 for the year of the submission (China time). No kernels run: lessons hold no graded cells,
    a submission is the proof of completion. Collecting twice credits nobody twice."""
    from grader import records
    from grader.exam import course as nbg
    from grader.exam.submissions import UnknownZone, parse_stamp
    db = records.open_db(instance.records)
    nbg.check(nbg.api(instance).collect(course_id, update=True), "collect")
    logins = records.staff_by_login(db)
    result = CourseCollect([], [], [])
    for folder in sorted((instance.course_dir / "submitted").glob(f"*/{course_id}")):
        student = folder.parent.name
        staff_id = logins.get(student)
        if staff_id is None:
            result.unknown.append(student)
            continue
        stamp = folder / "timestamp.txt"
        try:
            when = parse_stamp(stamp.read_text(encoding="utf-8")) if stamp.is_file() else None
        except UnknownZone:   # credited for this year rather than at a guessed time
            when = None
        new = records.record_completion(db, staff_id, course_id, completed_at=when, source="nbgrader")
        (result.credited if new else result.already).append(staff_id)
    return result
