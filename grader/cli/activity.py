"""`lawstudy activity import|add|list` (grader.records.activities)."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.base import home_option, open_records


@click.group()
def activity():
    """学法活动：会前学法、专题培训、专家讲座、培训班… (study activities and attendance)."""


def _studied():
    from grader.laws import library

    return library().studied


def _print(result, verbose: bool = True) -> None:
    for note in result.notes:
        click.echo(note)
    head = "预览（--dry-run，未写入任何数据）：" if result.dry_run else ""
    if verbose:
        for label in result.added:
            click.echo(f"  新增 {label}")
        for label in result.updated:
            click.echo(f"  更新 {label}")
    click.echo(
        f"{head}学法活动 新增 {len(result.added)} 场，更新 {len(result.updated)} 场，未变 {len(result.unchanged)} 场；"
        f"参加记录 新增 {result.attendance_added} 人次，已有 {result.attendance_known} 人次"
    )
    if result.unmatched:
        click.secho(
            f"以下 {len(result.unmatched)} 人未能对应到名册（未计入，请核对后在签到表中补上工号或科室）：", fg="yellow"
        )
        for line in result.unmatched:
            click.secho(f"  {line}", fg="yellow")


@activity.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--date", "date", metavar="YYYY-MM-DD", help="签到表的活动日期（标题中没有写明时）")
@click.option("--kind", "kind", metavar="形式", help="签到表的活动形式：会前学法、专题培训、专家讲座、培训班…")
@click.option("--hours", "hours", type=float, help="签到表的活动学时（标题中没有写明时）")
@click.option("--topic", "topic", help="签到表的活动主题（标题中没有写明时）")
@click.option("--dry-run", is_flag=True, help="只显示将要新增的活动与参加记录，不写入")
@home_option
def activity_import(files, date, kind, hours, topic, dry_run, home):
    """Import a 学法台账 (one row per activity) and/or 签到表 (one activity per sheet).

    A file whose header has 日期, 形式 and 主题 is a ledger; any other with a 姓名 column is a sign-in
    sheet, whose date, 形式, 主题 and 学时 come from its title row (or --date/--kind/--topic/--hours,
    or the ledger's activity of that day). Importing the same files again changes nothing.

    Example: lawstudy activity import 学法台账.xlsx 签到表.xlsx --dry-run --home lawstudy-home
    """
    from grader import records as records_api
    from grader.records.activities import kind_message, kind_of, parse_day

    defaults = records_api.SignInDefaults()
    if date:
        try:
            defaults.date = parse_day(date)
        except ValueError:
            raise click.BadParameter(f"{date!r} 应写作 2026-03-05", param_hint="--date") from None
    if kind:
        defaults.kind = kind_of(kind)
        if defaults.kind is None:
            raise click.BadParameter(kind_message(kind), param_hint="--kind")
    if hours is not None:
        if hours < 0:
            raise click.BadParameter("学时不能为负数", param_hint="--hours")
        defaults.hours = hours
    defaults.topic = topic or None
    _, db = open_records(home)
    result = records_api.import_activities(db, files, studied=_studied(), defaults=defaults, dry_run=dry_run)
    _print(result)


@activity.command("add")
@click.option("--date", "date", required=True, metavar="YYYY-MM-DD", help="活动日期")
@click.option("--kind", "kind", required=True, metavar="形式", help="形式：会前学法、会前讲法、以会代训、专题培训…")
@click.option("--topic", "topic", required=True, help="主题")
@click.option("--speaker", default="", help="主讲人")
@click.option("--organiser", default="", help="主办单位（外派培训等）")
@click.option("--hours", "hours", required=True, type=float, help="学时")
@click.option("--laws", "laws", default="", help="涉及法律，如 “《殡葬管理条例》第十二条、社会救助暂行办法”")
@click.option("--attendees", default="", help="参加人员的工号，逗号分隔：MZ001,MZ002")
@click.option("--dry-run", is_flag=True, help="只显示将要新增的内容，不写入")
@home_option
def activity_add(date, kind, topic, speaker, organiser, hours, laws, attendees, dry_run, home):
    """Record one study activity by hand, with who attended (by 工号).

    Example: lawstudy activity add --date 2026-03-05 --kind 会前学法 --topic 学习社会救助暂行办法 --hours 1
    """
    from grader import records as records_api

    _, db = open_records(home)
    ids = [s for s in attendees.replace("，", ",").replace("、", ",").split(",") if s.strip()]
    result = records_api.add_activity(
        db,
        date,
        kind,
        topic,
        hours,
        speaker=speaker,
        organiser=organiser,
        laws=laws,
        attendees=ids,
        studied=_studied(),
        dry_run=dry_run,
    )
    _print(result)


@activity.command("list")
@click.option("--year", type=int, help="只列出这一年的活动")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@home_option
def activity_list(year, as_json, home):
    """List recorded study activities: date, 形式, 主题, 学时, 参加人次, laws.

    Example: lawstudy activity list --year 2026 --home lawstudy-home
    """
    import json

    from grader import records as records_api
    from grader.reports.tables import law_label

    _, db = open_records(home)
    rows = records_api.list_activities(db, year)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        click.echo("没有学法活动记录" + (f"（{year}年）" if year else ""))
        return
    for r in rows:
        who = r["speaker"] or r["organiser"] or ""
        laws = "、".join(law_label(x["law"], x["article"]) for x in r["laws"])
        count = r["attendances"] or (f"（登记人数 {r['headcount']}）" if r["headcount"] else 0)
        click.echo(
            f"{r['date']}  {r['kind']}  {r['topic']}"
            + (f"  {who}" if who else "")
            + f"  {r['hours']:g}学时  参加 {count} 人次"
            + (f"  {laws}" if laws else "")
        )
    click.echo(f"共 {len(rows)} 场，{sum(r['hours'] for r in rows):g} 学时")
