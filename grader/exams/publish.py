"""Building and releasing an exam, as a pipeline of small steps over nbgrader's own API.

build:   spec -> PaperAssembler -> exam notebook -> nbgrader generate_assignment -> LeakScanner -> records
release: LeakScanner -> nbgrader release_assignment -> LeakScanner (exchange copy)
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.answers import ANSWERS_FILE
from grader.exams import nbgrader_course as nbg
from grader.exams.guard import LeakScanner
from grader.exams.notebook import NOTEBOOK, exam_notebook
from grader.exams.paper import Paper, PaperAssembler, load_paper, paper_path, private_dir, save_paper
from grader.exams.spec import ExamSpec, SpecError, load_spec
from grader.exams.steps import ExamError, Progress, open_records, quiet
from grader.instance import Instance
from grader.lab.start_page import write_window

# ------------------------------------------------------------------ build


@dataclass
class BuildResult:
    paper: Paper
    source: Path
    release: Path
    paper_file: Path
    unchanged: bool = False  # already released, and the banks and spec give the same paper


def assemble(spec: ExamSpec, quizzes: Path | None = None) -> Paper:
    from grader.banks import default_quizzes_dir, load_banks

    root = Path(quizzes or default_quizzes_dir())
    paths = []
    for bank_id in spec.banks:
        path = root / f"{bank_id}.yaml"
        if not path.is_file():
            raise SpecError(f"找不到题库文件 {path}")
        paths.append(path)
    assembler = PaperAssembler(spec)
    # Unversioned citations are read as the law in force when the exam opens.
    return assembler.assemble(load_banks(paths, as_of=assembler.law_date))


def released_cells(notebook: Path) -> dict[str, dict]:
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    out = {}
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid:
            source = cell.get("source", "")
            out[gid] = {
                "cell_type": cell["cell_type"],
                "source": "".join(source) if isinstance(source, list) else source,
            }
    return out


def build(
    instance: Instance, exam_id: str, quizzes: Path | None = None, force: bool = False, progress: Progress = quiet
) -> BuildResult:
    spec = load_spec(exam_id, quizzes)
    outbound = instance.outbound(spec.id)
    progress(0, 5, "组卷")
    paper = assemble(spec, quizzes)
    # on a hub the questions reach staff only from the exam service, inside their sitting
    paper.delivery = "service" if instance.on_hub else "notebook"
    if outbound.exists() and not force:
        if _same_paper(instance, paper):  # building is deterministic: nothing to do
            progress(5, 5, "试卷未变")
            return BuildResult(
                load_paper(instance.papers, spec.id),
                instance.source(spec.id) / NOTEBOOK,
                instance.release(spec.id),
                paper_path(instance.papers, spec.id),
                unchanged=True,
            )
        raise ExamError(
            f"考试 {spec.id} 已发布，而题库或考试设置已改动：重新组卷会换掉已发出的试卷；确需重建请加 --force"
        )
    instance.ensure()
    private_dir(instance.papers)
    nbg.write_config(instance)
    nbg.ensure_exchange(instance)
    source = instance.source(spec.id)
    source.mkdir(parents=True, exist_ok=True)
    for stale in (ANSWERS_FILE, "." + ANSWERS_FILE + ".lock"):
        (source / stale).unlink(missing_ok=True)
    progress(1, 5, "生成试卷笔记本")
    nbformat.write(exam_notebook(paper), source / NOTEBOOK)
    progress(2, 5, "nbgrader generate_assignment")
    nbg.check(nbg.api(instance).generate_assignment(spec.id, force=True, create=True), "generate_assignment")
    release = instance.release(spec.id)
    paper.released = released_cells(release / NOTEBOOK)
    progress(3, 5, "检查泄露")
    LeakScanner(paper).ensure_clean(release)
    paper_file = save_paper(paper, instance.papers)
    progress(4, 5, "登记考试")
    records, db = open_records(instance)
    records.register_exam(
        db,
        {
            "id": spec.id,
            "title": spec.title,
            "year": spec.year,
            "pass_mark": spec.pass_mark,
            "excellence_mark": spec.excellence_mark,
            "max_score": paper.max_score,
            "opens_at": spec.window.opens_at.isoformat(),
            "closes_at": spec.last_close.isoformat(),
        },
        [
            {
                "question_id": q.id,
                "law": q.basis[0]["law"] if q.basis else None,
                "article": q.basis[0]["article"] if q.basis else None,
                "type": q.type,
                "points": q.points,
                "stem": q.stem,
            }
            for q in paper.questions
        ],
    )
    progress(5, 5, "完成")
    return BuildResult(paper, source / NOTEBOOK, release, paper_file)


def _same_paper(instance: Instance, paper: Paper) -> bool:
    try:
        old = load_paper(instance.papers, paper.id)
    except SpecError:
        return False
    return (
        old.spec.to_dict() == paper.spec.to_dict()
        and old.delivery == paper.delivery
        and [q.to_dict() for q in old.questions] == [q.to_dict() for q in paper.questions]
    )


# ------------------------------------------------------------------ release


def release(instance: Instance, exam_id: str) -> Path:
    """Release the built exam to staff through nbgrader's exchange (a no-op when released unchanged).

    Raises ExamError on a hub instance for a paper built before the hub was set up (its notebook
    holds the questions, which on a hub staff may see only inside their sitting), and LeakError
    when a file staff would fetch holds a key, a 解析 or, for a hub paper, a question."""
    paper = load_paper(instance.papers, exam_id)
    if instance.on_hub and paper.delivery != "service":
        raise ExamError(
            f"考试 {exam_id} 是在本实例成为 hub 实例之前组卷的，试卷笔记本中含有题目原文；在 hub 上题目只能由考试服务"
            f"在各人开考时发放。请重新组卷后再发布：lawstudy exam build {exam_id} --force"
        )
    scanner = LeakScanner(paper)
    release_dir = instance.release(exam_id)
    # the exam's window and time limit, for the staff's start page: public, no answers (scanned too)
    write_window(release_dir, paper.spec)
    scanner.ensure_clean(release_dir)
    outbound = instance.outbound(exam_id)
    if _same_files(release_dir, outbound):  # released already, unchanged: releasing again is a no-op
        return outbound
    nbg.ensure_exchange(instance)
    nbg.check(nbg.api(instance).release_assignment(exam_id), "release_assignment")
    try:
        scanner.ensure_clean(outbound)
    except Exception:
        shutil.rmtree(outbound, ignore_errors=True)
        raise
    return outbound


def _same_files(a: Path, b: Path) -> bool:
    import filecmp

    if not (a.is_dir() and b.is_dir()):
        return False
    names = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    return names == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()) and all(
        filecmp.cmp(a / n, b / n, shallow=False) for n in names
    )
