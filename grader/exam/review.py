"""`lawstudy exam review ID`: release the personal review (错题本) as the nbgrader assignment `ID-review`.

Like a course: one notebook (错题本.ipynb) and the practice file (practice-pool questions only)
go through nbgrader's generate_assignment and release_assignment; staff fetch it in 考试与作业.
Nothing in it is personal: each person's kernel reads which articles they missed from the
feedback page nbgrader delivered to them (grader.review_book). It names no exam question, so it
may only go out once the feedback may (after the exam's last window, make-up included).

The two halves, as for courses: `stage_review` (reads the banks; root on a hub) and
`publish_review` (nbgrader, in the exchange; the grader on a hub).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from grader.exam.paper import load_paper
from grader.laws import normalize
from grader.vocabulary import CHINA

NOTEBOOK = "错题本.ipynb"
SUFFIX = "-review"


def review_id(exam_id: str) -> str:
    return exam_id + SUFFIX


def review_notebook(exam_id: str, title: str) -> nbformat.NotebookNode:
    """The notebook staff open: how to use it, then one collapsed cell that shows the review."""
    from grader.course import HOW_TO

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    code = nbformat.v4.new_code_cell(f"from grader.review_book import review\n\nreview({exam_id!r})")
    code.metadata["jupyter"] = {"source_hidden": True}
    nb.cells = [
        nbformat.v4.new_markdown_cell(HOW_TO),
        nbformat.v4.new_markdown_cell(
            f"# 错题本：{title}\n\n"
            "本页按你本人的成绩反馈，列出你答错的题目所依据的法条原文，并附上同一条款的练习题（即时反馈）。"
            "请先获取成绩反馈，再打开本页。"
        ),
        code,
    ]
    return nb


def _exam_texts(banks) -> list[str]:
    """Every exam-pool question's stem and 解析 (normalized), for the leak check."""
    return [normalize(t) for b in banks for q in b.questions if q.pool == "exam" for t in (q.stem, q.explanation)]


def check_no_exam_question(folder: Path, banks) -> None:
    """Raise ExamError when any file in `folder` holds an exam-pool question's stem or 解析."""
    from grader.exam.pipeline import ExamError

    texts = [t for t in _exam_texts(banks) if len(t) >= 8]
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            content = normalize(path.read_text(encoding="utf-8", errors="replace"))
            if any(t in content for t in texts):
                raise ExamError(f"{path} 含考试题的题干或解析，已停止发布")


def stage_review(instance, exam_id: str, force: bool = False, now: datetime | None = None, banks=None) -> Path:
    """Write 错题本.ipynb and practice.json into the nbgrader source folder of `ID-review`.

    Raises ExamError before the exam's last window has closed (unless force), or when what
    would be released holds an exam question. Returns the source folder."""
    from grader.bank import load_banks
    from grader.course import practice_data
    from grader.exam.pipeline import ExamError

    paper = load_paper(instance.papers, exam_id)
    now = now or datetime.now(UTC)
    if now < paper.spec.last_close and not force:
        raise ExamError(
            "错题本依据成绩反馈，须在最后一场考试（含补考）截止后发布："
            f"{paper.spec.last_close.astimezone(CHINA).strftime('%Y-%m-%d %H:%M')}。培训管理员确需提前发布请加 --force"
        )
    banks = banks if banks is not None else load_banks()
    source = instance.source(review_id(exam_id))
    if source.exists():
        shutil.rmtree(source)
    source.mkdir(parents=True)
    nbformat.write(review_notebook(exam_id, paper.spec.title), source / NOTEBOOK)
    (source / "practice.json").write_text(
        json.dumps(practice_data(banks), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    try:
        check_no_exam_question(source, banks)
    except ExamError:
        shutil.rmtree(source)
        raise
    return source


def publish_review(instance, exam_id: str) -> Path:
    """nbgrader generate_assignment and release_assignment of the staged review; returns the
    outbound folder. Raises ExamError when it was never staged."""
    from grader.exam import nbgrader_course as nbg
    from grader.exam.pipeline import ExamError

    name = review_id(exam_id)
    if not (instance.source(name) / NOTEBOOK).is_file():
        raise ExamError(f"错题本 {name} 尚未生成（lawstudy exam review {exam_id}）")
    nbg.write_config(instance)
    nbg.ensure_exchange(instance)
    api = nbg.api(instance)
    nbg.check(api.generate_assignment(name, force=True, create=True), "generate_assignment")
    outbound = instance.outbound(name)
    if outbound.exists():
        shutil.rmtree(outbound)
    nbg.check(api.release_assignment(name), "release_assignment")
    return outbound


def release_review(instance, exam_id: str, force: bool = False, now: datetime | None = None, banks=None) -> Path:
    """Stage and publish the review of `exam_id` (one machine); see stage_review for the errors."""
    stage_review(instance, exam_id, force=force, now=now, banks=banks)
    return publish_review(instance, exam_id)
