"""`lawstudy sync`, `lawstudy results import` and `lawstudy flags` (grader.exams.sync, grader.records)."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.base import COLUMN, SHEET, as_grader_on_hub, column_mapping, home_option, open_records


@click.group()
def flags():
    """提交问题标记：管理员查看、复核、清除 (flags: list, review, clear)."""


@flags.command("list")
@click.option("--year", type=int, help="年度")
@click.option("--exam", "exam_id", help="考试编号")
@click.option("--cleared", is_flag=True, help="也列出已清除的标记")
@home_option
def flags_list(year, exam_id, cleared, home):
    """List flags (late, overtime, impersonation, tampered, broken) with their review notes.

    Example: lawstudy flags list --year 2026 --home lawstudy-home
    """
    from grader.records import flags as flags_admin
    from grader.vocabulary import FLAG_NAMES

    _, db = open_records(home)
    rows = flags_admin.list_flags(db, year, exam_id, include_cleared=cleared)
    for r in rows:
        state = "已清除" if r.get("cleared") else ("已复核：" + r["review"] if r.get("review") else "待复核")
        click.echo(
            f"#{r.get('id')} {r.get('year')} {r.get('exam_id')} {r.get('student')} "
            f"{FLAG_NAMES.get(r.get('flag'), r.get('flag'))}：{r.get('detail')}（{state}）"
        )
    click.echo(f"共 {len(rows)} 条")


@flags.command("review")
@click.argument("flag_id", type=int)
@click.option("--note", required=True, help="复核意见")
@home_option
def flags_review(flag_id, note, home):
    """Add a review note to a flag (the flag stays and keeps changing the figures).

    Example: lawstudy flags review 12 --note "已核实，确属迟交" --home lawstudy-home
    """
    from grader.records import flags as flags_admin

    _, db = open_records(home)
    flag = flags_admin.review(db, flag_id, note)
    click.echo(f"已复核标记 #{flag_id}（{flag['student']} {flag['flag']}）")


@flags.command("clear")
@click.argument("flag_id", type=int)
@click.option("--note", required=True, help="清除理由（保存在复核记录中）")
@home_option
def flags_clear(flag_id, note, home):
    """Clear a flag: it no longer changes the figures; what was cleared and why is kept.

    Example: lawstudy flags clear 12 --note "系统时钟故障，经核实按时提交" --home lawstudy-home
    """
    from grader.records import flags as flags_admin

    _, db = open_records(home)
    flag = flags_admin.clear(db, flag_id, note)
    click.echo(f"已清除标记 #{flag_id}（{flag['student']} {flag['flag']}）")


@click.command("sync")
@home_option
def sync_command(home):
    """Copy exam results (and course completions) from the nbgrader gradebook into the records.

    Example: lawstudy sync --home lawstudy-home
    """
    as_grader_on_hub(home)  # the exam service's store is the grader's

    inst, db = open_records(home)
    from grader.exams.sync import sync

    r = sync(db, inst, show_progress=True)
    c = r.counts
    click.echo(
        f"已同步考试 {len(r.exams)} 场：新增 {c.added} 次作答，更新 {c.updated} 次，未变 {c.unchanged} 次；"
        f"课程完成 {r.completions} 条"
    )
    for assignment, student in r.unknown_students:
        click.secho(f"名册中没有此人，未计入：{assignment} / {student}", fg="yellow")
    for assignment, student in r.pending:
        click.secho(f"尚未评分完毕，暂不计入：{assignment} / {student}", fg="yellow")
    for assignment, student, detail in r.disagreed:
        click.secho(f"与考试服务的记录不符（已标记）：{assignment} / {student}：{detail}", fg="yellow")
    for assignment, staff_id, when in r.dropped:
        click.secho(f"已删除与考试服务任何考试都不对应的作答：{assignment} / {staff_id} / {when}", fg="yellow")


@click.group()
def results():
    """其他来源的考试成绩 (results from paper exams or other platforms)."""


@results.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--pass-mark", type=float, help="合格分（百分制，未登记的考试默认 60）")
@click.option("--excellence-mark", type=float, help="优秀分（百分制，未登记的考试默认 90）")
@SHEET
@COLUMN
@home_option
def results_import(source, pass_mark, excellence_mark, sheet_names, columns, home):
    """Import results: 工号 staff_id, 考试 exam, 得分 score, 满分 max_score, 提交时间 submitted_at (ISO 8601).

    A platform's export is read through the alias table (考试成绩 is 得分; 交卷时间 wins over
    考试时间); --column maps any other header word.

    Example: lawstudy results import 平台成绩.xlsx --column 得分=原始成绩 --home lawstudy-home
    """
    from grader import records as records_api

    column_map = column_mapping(columns)
    _, db = open_records(home)
    r = records_api.import_results(
        db,
        source,
        pass_mark=pass_mark,
        excellence_mark=excellence_mark,
        show_progress=True,
        sheet_names=list(sheet_names) or None,
        columns=column_map,
    )
    c = r.counts
    if r.summary:
        click.echo(r.summary)
    click.echo(
        f"成绩已导入：{r.rows} 行，新增 {c.added} 次作答，更新 {c.updated} 次，未变 {c.unchanged} 次"
        + (f"，文件内重复 {r.duplicates} 行" if r.duplicates else "")
    )
    for row, staff_id in r.not_on_roster:
        near = f"（名册中有 {'、'.join(r.near[staff_id])}，{records_api.NEAR_HINT}）" if staff_id in r.near else ""
        where = f"第{row}行" if isinstance(row, int) else row
        click.secho(f"{source}: {where}: 工号 {staff_id} 不在名册中{near}，未计入 (not on the roster)", fg="yellow")
