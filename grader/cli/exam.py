"""`lawstudy exam`: build, release, collect, autograde, feedback, analyse, review (grader.exams)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader.cli.base import as_grader_on_hub, exam_call, home_option, progress_bar
from grader.instance import Instance

# ------------------------------------------------------------------ exam


@click.group()
def exam():
    """考试：组卷、发布、收卷、评分、反馈 (exams through nbgrader)."""


@exam.command("build")
@click.argument("exam_id")
@click.option(
    "--quizzes",
    type=click.Path(file_okay=False, path_type=Path),
    help="题库目录 (default: the repository's quizzes/); the spec is quizzes/exams/ID.yaml",
)
@click.option("--force", is_flag=True, help="rebuild even if already released (replaces the paper)")
@home_option
def exam_build(exam_id, quizzes, force, home):
    """Assemble the paper (seeded) and write the nbgrader source and release notebooks.

    Example: lawstudy exam build 2020-annual --home lawstudy-home
    """
    from grader import exams as exam_api

    inst = Instance.from_env(home)
    with progress_bar(f"组卷 {exam_id}") as progress:
        result = exam_call(exam_api.build, inst, exam_id, quizzes=quizzes, force=force, progress=progress)
    from grader.hub.as_grader import give_back

    give_back(inst)
    paper = result.paper
    if result.unchanged:
        click.echo(f"《{paper.spec.title}》已发布，题库与考试设置未变，试卷无需重建（{result.paper_file}）")
        return
    click.echo(f"已组卷《{paper.spec.title}》：{paper.describe()}")
    click.echo(
        f"源试卷: {result.source}\n发布版: {result.release}\n试卷与答案（仅培训管理员可读）: {result.paper_file}"
    )
    click.echo(f"下一步: lawstudy exam release {paper.id}")


@exam.command("release")
@click.argument("exam_id")
@home_option
def exam_release(exam_id, home):
    """Check the student version for leaks, then release it to staff (nbgrader release_assignment).

    Example: lawstudy exam release 2020-annual --home lawstudy-home
    """
    as_grader_on_hub(home)
    from grader import exams as exam_api

    outbound = exam_call(exam_api.release, Instance.from_env(home), exam_id)
    click.secho(f"已发布 {exam_id}（{outbound}）；职工在 JupyterLab 菜单 Nbgrader → Assignments 中领取", fg="green")


SET_ASIDE_REASONS = {
    "impersonation": "冒名提交",
    "attempts": "超过考试次数",
    "link": "符号链接",
    "special": "特殊文件",
    "oversize": "超过大小限制",
    "unparseable": "名称无法识别",
    "cap": "提交过多",
    "unreadable": "无法读取",
}


@exam.command("collect")
@click.argument("exam_id")
@home_option
def exam_collect(exam_id, home):
    """Collect submissions (nbgrader collect); submissions filed under someone else's name are set aside.

    Example: lawstudy exam collect 2020-annual --home lawstudy-home
    """
    as_grader_on_hub(home)
    from grader import exams as exam_api

    result = exam_call(exam_api.collect, Instance.from_env(home), exam_id)
    for line in result.inbound.audit:  # one line per real owner and reason, never the person named
        what = SET_ASIDE_REASONS.get(line["reason"], line["reason"])
        named = "、".join(line["named"])
        click.secho(
            f"已搁置（{what}）{line['count']} 个，提交者账号 {line['owner']}，名义 {named}: {line['detail']}",
            fg="yellow",
        )
    if result.closed_at_deadline:
        click.secho(
            f"{len(result.closed_at_deadline)} 人未交卷，已按考试服务在截止时保存的作答收取: "
            + "、".join(result.closed_at_deadline),
            fg="yellow",
        )
    if result.from_service:
        click.secho(
            f"{len(result.from_service)} 人已在考试服务交卷，但交换目录中没有可收取的提交，已按考试服务的记录收取: "
            + "、".join(result.from_service),
            fg="yellow",
        )
    if result.rewritten:
        click.secho(
            f"{len(result.rewritten)} 人提交的答案文件或时间与考试服务的记录不符，已以考试服务的记录为准: "
            + "、".join(result.rewritten),
            fg="yellow",
        )
    click.echo(f"已收取 {len(result.collected)} 人的答卷")


@exam.command("autograde")
@click.argument("exam_id")
@click.option(
    "--fast/--nbgrader",
    default=True,
    help="--fast (default): score the saved answers, no kernels; --nbgrader: nbgrader autograde "
    "runs each (released) notebook in a kernel (same grades, ~3 s a paper)",
)
@click.option("--force", is_flag=True, help="run nbgrader on every submission again, not only new ones")
@click.option("--json", "as_json", is_flag=True, help="print every submission's score and flags as JSON")
@home_option
def exam_autograde(exam_id, fast, force, as_json, home):
    """Grade every collected submission into the nbgrader gradebook; report tampered/late/broken ones.

    Example: lawstudy exam autograde 2020-annual --home lawstudy-home
    """
    as_grader_on_hub(home)
    import warnings

    from grader import exams as exam_api
    from grader.vocabulary import FLAG_NAMES

    inst = Instance.from_env(home)
    with warnings.catch_warnings(), progress_bar(f"评分 {exam_id}") as progress:
        warnings.simplefilter("ignore")
        result = exam_call(exam_api.autograde, inst, exam_id, fast=fast, progress=progress, force=force)
    if as_json:
        click.echo(json.dumps(result.table(), ensure_ascii=False, indent=1))
    for sub in result.submissions + result.set_aside:
        for flag, detail in sub.flags:
            click.secho(f"{sub.student}: {FLAG_NAMES.get(flag, flag)}：{detail}", fg="yellow")
    for sub in result.set_aside:
        click.secho(f"{sub.student}: 未评分（已搁置）", fg="yellow")
    n = len(result.submissions)
    click.echo(
        f"已评分 {n} 份，用时 {result.seconds:.3f} 秒" + (f"（每份 {result.seconds / n * 1000:.2f} 毫秒）" if n else "")
    )
    if result.mismatches:
        click.secho(
            f"nbgrader 与答案文件得分不一致 {len(result.mismatches)} 处，已按答案文件计分（见 papers/{exam_id}/grading.json）",
            fg="yellow",
        )


@exam.command("feedback")
@click.argument("exam_id")
@click.option("--force", is_flag=True, help="release before the last window (make-up included) has closed")
@click.option("--no-release", is_flag=True, help="write the HTML files only, do not release them")
@home_option
def exam_feedback(exam_id, force, no_release, home):
    """Write each person's feedback (answer, key, points, 解析, 法条) and release it (nbgrader release_feedback).

    Refused until the exam's last window has closed: the feedback shows the key.

    Example: lawstudy exam feedback 2020-annual --home lawstudy-home
    """
    as_grader_on_hub(home)
    from grader import exams as exam_api

    inst = Instance.from_env(home)
    with progress_bar(f"反馈 {exam_id}") as progress:
        result = exam_call(exam_api.feedback, inst, exam_id, force=force, release_it=not no_release, progress=progress)
    click.echo(
        f"已生成 {len(result.written)} 份反馈"
        + ("并发布；职工在 Nbgrader → Assignments 中点 Fetch Feedback 查看" if result.released else "")
    )


@exam.command("analyse")
@click.argument("exam_id")
@click.option(
    "--sitting",
    type=click.Choice(["first", "all"]),
    default="first",
    show_default=True,
    help="first: each person's first sitting (item statistics); all: the make-up too",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="文件，后缀决定格式：.json .xlsx .html .md（可多次给出）",
)
@home_option
def exam_analyse(exam_id, sitting, outputs, home):
    """Item analysis: facility, discrimination, distractors, suspect keys, weakest articles and 科室.

    Example: lawstudy exam analyse 2026-annual -o 试题分析.xlsx --home lawstudy-home
    """
    as_grader_on_hub(home)
    from grader.exams import item_analysis as analysis_api
    from grader.reports import analysis as analysis_export

    result = exam_call(analysis_api.run, Instance.from_env(home), exam_id, sitting)
    for line in analysis_export.summary_lines(result):
        click.echo(line)
    for q in analysis_export.flagged(result):
        click.secho(
            f"{q['question_id']} {analysis_export.citation(q)}：{analysis_export.flag_text(q['flags'])}"
            f"（通过率 {analysis_export.pct(q['facility'], q['small'])}，区分度 {analysis_export.num(q['discrimination'])}）",
            fg="yellow",
        )
    weakest = result["articles"][:3]
    if weakest:
        click.echo(
            "正确率最低的条款："
            + "；".join(
                f"{analysis_export.citation(a)} {analysis_export.pct(a['correct_rate'], a['small'])}（{a['answers']}人次）"
                for a in weakest
            )
        )
    for output in outputs:
        analysis_export.write(result, output)
        click.echo(f"已生成 {output}")


@exam.command("review")
@click.argument("exam_id")
@click.option("--force", is_flag=True, help="release before the last window (make-up included) has closed")
@click.option("--staged", is_flag=True, hidden=True, help="only publish what root staged (the grader's half on a hub)")
@home_option
def exam_review(exam_id, force, staged, home):
    """Release each person's review (错题本): the articles behind the questions they missed, with practice.

    Released as the nbgrader assignment ID-review (practice-pool questions only); each person's
    kernel reads which articles they missed from their own fetched feedback.

    Example: lawstudy exam review 2026-annual --home lawstudy-home
    """
    from grader.exams import review as review_api
    from grader.hub.as_grader import release_in_halves

    inst = Instance.from_env(home).ensure()
    outbound = exam_call(
        release_in_halves,
        inst,
        staged,
        lambda: review_api.stage_review(inst, exam_id, force=force),
        lambda: review_api.publish_review(inst, exam_id),
        lambda: review_api.release_review(inst, exam_id, force=force),
        ["exam", "review", exam_id],
    )
    if isinstance(outbound, int):
        sys.exit(outbound)
    click.secho(
        f"已发布错题本 {review_api.review_id(exam_id)}（{outbound}）；职工先获取成绩反馈，再在“考试与作业”中获取错题本",
        fg="green",
    )


@exam.command("prestart")
@click.argument("exam_id")
@click.option(
    "--before",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="最早在开考前多少分钟预启动 (minutes ahead of opens_at)",
)
@click.option(
    "--pace", default=0, type=click.IntRange(min=0), help="同时启动几台服务器 (servers at once; default: one per core)"
)
@home_option
def exam_prestart(exam_id, before, pace, home):
    """Start the servers of everyone sitting the exam ahead of opens_at, a few at a time (hub only).

    Example: lawstudy exam prestart 2026-annual --before 30 --home /srv/lawstudy
    """
    from grader.cli.base import fail
    from grader.hub.prestart import prestart
    from grader.hub.settings import HubError

    inst = Instance.from_env(home)
    try:
        result = prestart(inst, exam_id, before=before, pace=pace, log=click.echo)
    except HubError as error:
        fail(str(error))
    click.echo(
        f"考试 {exam_id}：预启动 {len(result.started)} 台服务器，{len(result.running)} 台原已在运行，"
        f"{len(result.failed)} 台失败（用时 {result.seconds:.0f} 秒）"
    )
    for user, why in result.failed.items():
        click.echo(f"  {user}: {why}", err=True)
    if result.failed:
        sys.exit(1)
