"""`lawstudy course`: check, build, release, collect, complete (grader.courses)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader import banks as bank_api
from grader.cli.base import (
    AS_OF,
    SHEET,
    as_grader_on_hub,
    as_of_date,
    exam_call,
    fail,
    home_option,
    open_records,
)
from grader.instance import Instance

# ------------------------------------------------------------------ course


@click.group()
def course():
    """课程：检查与生成 (notebook courses)."""


@course.command("check")
@AS_OF
def course_check(as_of):
    """Check every lesson: cited articles exist, quotes are verbatim, practice questions are practice-pool,
    and the versions the lessons cite (course.yaml `laws:`) are in force on --as-of (default today).

    Example: lawstudy course check --as-of 2026-01-01
    """
    from grader import courses as course_api

    day = as_of_date(as_of)
    questions = bank_api.questions_by_id(bank_api.check(as_of=day).banks)
    problems = []
    for c in course_api.load_courses():
        problems += course_api.check_course(c, questions, as_of=day)
        click.echo(f"{c.title}（{c.id}）：{len(c.lessons)} 课，{c.hours:g} 学时")
    for problem in problems:
        click.secho(str(problem), fg="red")
    if problems:
        fail(f"发现 {len(problems)} 个问题")
    click.secho("检查通过", fg="green")


@course.command("build")
@home_option
def course_build(home):
    """Write the courses as notebooks (and the practice file) into the instance's lessons/ folder.

    Example: lawstudy course build --home lawstudy-home
    """
    from grader import courses as course_api

    inst = Instance.from_env(home).ensure()
    written = course_api.build_courses(inst.lessons)
    click.echo(f"已生成 {len(written) - 1} 个课程笔记本到 {inst.lessons}")


@course.command("release")
@click.argument("course_id")
@click.option("--staged", is_flag=True, hidden=True, help="only publish what root staged (the grader's half on a hub)")
@home_option
def course_release(course_id, staged, home):
    """Release a course's lessons to staff as an nbgrader assignment (their Submit credits its 学时).

    Example: lawstudy course release burial --home lawstudy-home
    """
    from grader import courses as course_api
    from grader.hub.as_grader import release_in_halves

    inst = Instance.from_env(home).ensure()
    try:  # on a hub, root reads courses/ and the root-only banks; the grader, who owns the exchange, publishes
        outbound = exam_call(
            release_in_halves,
            inst,
            staged,
            lambda: course_api.stage_course(inst, course_id),
            lambda: course_api.publish_course(inst, course_id),
            lambda: course_api.release_course(inst, course_id),
            ["course", "release", course_id],
        )
    except ValueError as error:
        fail(str(error))
    if isinstance(outbound, int):
        sys.exit(outbound)
    click.secho(
        f"已发布课程 {course_id}（{outbound}）；职工在 Nbgrader → Assignments 中领取，学完后点 Submit", fg="green"
    )


@course.command("collect")
@click.argument("course_id")
@home_option
def course_collect(course_id, home):
    """Collect the course's submissions and credit each submitter its 学时 for the year.

    Example: lawstudy course collect burial --home lawstudy-home
    """
    as_grader_on_hub(home)
    from grader import courses as course_api

    result = exam_call(course_api.collect_course, Instance.from_env(home), course_id)
    for student in result.unknown:
        click.secho(f"{student}: 不在名册中，未计学时", fg="yellow")
    for line in result.audit:
        click.secho(f"已搁置 {line['count']} 个提交（提交者账号 {line['owner']}）：{line['detail']}", fg="yellow")
    for why, count in result.not_credited.items():
        click.secho(f"未计学时 {count} 份：{why}", fg="yellow")
    click.echo(
        f"课程 {course_id}：新计学时 {len(result.credited)} 人，此前已计 {len(result.already)} 人，"
        f"未计 {sum(result.not_credited.values())} 份"
    )


@course.command("complete")
@click.argument("staff_id", required=False)
@click.argument("course_id", required=False)
@click.option("--year", type=int, help="年度（默认按完成时间或今年）")
@click.option("--hours", type=float, help="学时（默认取课程登记的学时）")
@click.option(
    "--file", "file", type=click.Path(path_type=Path), help="批量：工号, 课程[, 完成时间, 学时] 的 .csv/.xlsx"
)
@SHEET
@home_option
def course_complete(staff_id, course_id, year, hours, file, sheet_names, home):
    """Record that a staff member completed a course, crediting its 学时 for the year.

    Example: lawstudy course complete MZ001 burial --year 2020 --hours 4 --home lawstudy-home
    """
    from grader import courses as course_api
    from grader import records as records_api

    if sheet_names and not file:
        fail("--sheet 只与 --file 一起使用 (--sheet needs --file)")
    _, db = open_records(home)
    if file:
        n = records_api.import_completions(db, file, year, summary=click.echo, sheet_names=list(sheet_names) or None)
        click.echo(f"已登记课程完成 {n} 条")
        return
    if not staff_id or not course_id:
        fail("请给出工号和课程编号（或用 --file 批量登记）")
    new = course_api.record_completion(db, staff_id, course_id, year=year, hours=hours)
    click.echo(
        f"已登记 {staff_id} 完成课程 {course_id}" if new else f"{staff_id} 本年度已登记完成 {course_id}，未重复计学时"
    )
