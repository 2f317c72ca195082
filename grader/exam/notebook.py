"""The nbgrader source notebook of an exam: instructions, one answer cell per question, hidden tests."""

from __future__ import annotations

import pprint

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.exam.paper import Paper
from grader.vocabulary import QUESTION_TYPES, SECTION_NAMES

NOTEBOOK = "exam.ipynb"
CN_NUM = "一二三四五六七八九十"


def grade_id(question_id: str) -> str:
    """The autograder-test cell of a question; `lawstudy sync` reads grades by this name."""
    return f"q-{question_id}"


def _meta(grade_id: str, *, grade=False, points=0, hidden=True) -> dict:
    meta: dict = {
        "nbgrader": {
            "grade": grade,
            "grade_id": grade_id,
            "locked": True,
            "schema_version": 3,
            "solution": False,
            "task": False,
        },
        "deletable": False,
        "editable": False,
    }
    if grade:
        meta["nbgrader"]["points"] = points
    if hidden:
        meta["jupyter"] = {"source_hidden": True}
    return meta


def instructions(paper: Paper) -> str:
    spec = paper.spec
    served = paper.delivery == "service"
    counts: dict[str, list] = {}
    for q in paper.questions:
        counts.setdefault(q.type, []).append(q.points)
    parts = "，".join(f"{SECTION_NAMES[t]} {len(p)} 题" for t, p in counts.items())
    lines = [
        f"# {spec.title}",
        "",
        "## 开始答题：试卷打开后会自动运行，稍等几秒，下方会出现全部题目。",
        *(
            [
                "",
                "题目在你打开试卷时由考试服务器发给你（此前任何人都看不到题目），计时从那一刻开始；"
                "题目只在本次作答期间显示，交卷后不再显示。",
            ]
            if served
            else []
        ),
        "",
        "如果题目没有出现：打开菜单 **“内核”**，点 **“重启并运行所有单元格”**"
        "（英文界面为 Kernel → Restart Kernel and Run All Cells），在弹出的对话框中点击 **“重启”（Restart）**。",
        "",
        "**只需点选答案（鼠标或键盘均可），不需要输入任何内容。**",
        "",
        f"- 本试卷{parts}，满分 **{paper.max_score:g} 分**，{spec.pass_mark:g} 分及格，{spec.excellence_mark:g} 分及以上为优秀。",
        f"- 考试时间：{spec.window.text()}" + (f"；补考时间：{spec.makeup.text()}" if spec.makeup else "") + "。",
    ]
    if spec.time_limit:
        lines.append(f"- 答题时限 **{spec.time_limit} 分钟**，从第一次打开试卷并运行时开始计时。")
    lines += [
        "- 每点一次，答案**立即自动保存**，题目下方会显示“✓ 答案已保存”。关闭页面后再打开试卷，已选答案仍在。",
        "- 题目顺序和选项顺序每人不同，请按自己屏幕上的字母作答。",
        "- 全部答完后交卷：打开菜单 **“考试与作业”**，点 **“打开考试与作业列表”**，在“已获取”一栏本考试一行点 **“提交”**"
        "（培训管理员界面为 Nbgrader → Assignment List → Submit）。"
        "截止前可以修改后再次提交，以最后一次提交为准。",
        "- 不要修改、删除或添加任何单元格，否则试卷会被标记为异常。",
    ]
    return "\n".join(lines)


def exam_notebook(paper: Paper) -> nbformat.NotebookNode:
    """The nbgrader source notebook. `paper.delivery` "service" leaves the questions out: the exam
    service hands each person their paper when their sitting opens (grader.hub.exam_service)."""
    spec = paper.spec
    data: dict = {
        "exam": spec.id,
        "title": spec.title,
        "seed": spec.seed,
        "time_limit": spec.time_limit,
        "closes_at_text": spec.window.text().split(" 至 ")[1],
    }
    if paper.delivery == "service":
        data["delivery"] = "service"
    else:
        data["questions"] = paper.display()
    setup = (
        "# 试卷数据与答题控件（请勿修改）\nfrom grader.widgets import ExamPaper\n"
        f"paper = ExamPaper({pprint.pformat(data, width=110, sort_dicts=False)})\npaper"
    )
    cells = [
        new_markdown_cell(instructions(paper), metadata=_meta("instructions", hidden=False)),
        new_code_cell(setup, metadata=_meta("setup")),
    ]
    number, section = 0, 0
    for qtype in QUESTION_TYPES:
        qs = [q for q in paper.questions if q.type == qtype]
        if not qs:
            continue
        points = {q.points for q in qs}
        each = f"每题 {points.pop():g} 分" if len(points) == 1 else "分值见各题"
        cells.append(
            new_markdown_cell(
                f"## {CN_NUM[section]}、{SECTION_NAMES[qtype]}（共 {len(qs)} 题，{each}）"
                + ("\n\n每题有两个或两个以上正确选项，请选出全部正确选项。" if qtype == "multiple" else ""),
                metadata=_meta(f"section-{qtype}", hidden=False),
            )
        )
        section += 1
        for _ in qs:
            number += 1
            cells.append(new_code_cell(f"paper.ask({number})", metadata=_meta(f"answer-{number}")))
    cells.append(
        new_markdown_cell(
            "## 交卷\n\n答完后：菜单 **“考试与作业”** → **“打开考试与作业列表”** → “已获取”一栏本考试一行 → **“提交”**。"
            "\n\n<small>以下为评分用单元格，不需要操作。</small>",
            metadata=_meta("submit", hidden=False),
        )
    )
    for q in paper.questions:
        key = repr(q.key.to_dict())
        cells.append(
            new_code_cell(
                "# 评分单元格（请勿修改）\n### BEGIN HIDDEN TESTS\nfrom grader.widgets import graded\n"
                f"graded({q.id!r}, {key})\n### END HIDDEN TESTS",
                metadata=_meta(grade_id(q.id), grade=True, points=q.points),
            )
        )
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb
