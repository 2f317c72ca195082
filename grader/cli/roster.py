"""`lawstudy roster import` and `lawstudy exempt` (grader.records.roster)."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.base import COLUMN, SHEET, column_mapping, fail, home_option, open_records


@click.group()
def roster():
    """人员名册 (staff roster)."""


@roster.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--retire-missing", is_flag=True, help="名册中没有的人员标记为已调离（不再计入应考）")
@click.option(
    "--yes", is_flag=True, help="确认导入：新工号与已有工号只差前导零或大小写、或与已有人员同名同科室时仍导入"
)
@SHEET
@COLUMN
@home_option
def roster_import(source, retire_missing, yes, sheet_names, columns, home):
    """Import the roster (.csv UTF-8/GBK or .xlsx): 工号, 姓名, 科室/部门, 类别; updates by 工号.

    One worksheet is read: a workbook in which several visible sheets carry the header (在职 and
    离职…) is refused unless --sheet names the one (or each one) to read.

    Example: lawstudy roster import 名册.xlsx --sheet 在职人员 --home lawstudy-home
    """
    from grader import records as records_api

    column_map = column_mapping(columns)
    _, db = open_records(home)
    r = records_api.import_roster(
        db,
        source,
        retire_missing=retire_missing,
        show_progress=True,
        yes=yes,
        sheet_names=list(sheet_names) or None,
        columns=column_map,
    )
    for warning in r.warnings:
        click.secho(f"已确认：{warning}", fg="yellow")
    if r.summary:
        click.echo(r.summary)
    click.echo(
        f"名册已导入：新增 {r.added} 人，更新 {r.updated} 人，未变 {r.unchanged} 人"
        + (f"，调离 {r.retired} 人" if retire_missing else "")
    )


@click.command("exempt")
@click.argument("staff_id", required=False)
@click.option("--year", type=int, help="年度")
@click.option("--reason", help="免考原因")
@click.option("--file", "file", type=click.Path(path_type=Path), help="批量：工号, 原因[, 年度] 的 .csv/.xlsx")
@click.option("--remove", is_flag=True, help="撤销该年度的免考")
@SHEET
@home_option
def exempt_command(staff_id, year, reason, file, remove, sheet_names, home):
    """Exempt staff from a year's exam (out of the denominator, listed with the reason).

    Example: lawstudy exempt MZ007 --year 2020 --reason 病假 --home lawstudy-home
    """
    from grader import records as records_api

    if sheet_names and not file:
        fail("--sheet 只与 --file 一起使用 (--sheet needs --file)")
    _, db = open_records(home)
    if file:
        n = records_api.import_exemptions(db, file, year, summary=click.echo, sheet_names=list(sheet_names) or None)
        click.echo(f"已登记免考 {n} 人")
    elif not staff_id or not year:
        fail("请给出工号和 --year（或用 --file 批量登记）")
    elif remove:
        done = records_api.unexempt(db, staff_id, year)
        click.echo(f"已撤销 {staff_id} 的 {year} 年免考" if done else f"{staff_id} 在 {year} 年没有免考记录")
    else:
        records_api.exempt(db, staff_id, year, reason or "")
        click.echo(f"已登记 {staff_id} {year} 年免考：{reason}")
