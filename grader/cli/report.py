"""`lawstudy report` (grader.reports)."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.base import home_option, open_records


@click.command("report")
@click.option("--year", type=int, required=True, help="年度（按北京时间的提交时间）")
@click.option("--exam", help="只统计这一场考试")
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path),
    help="报表文件，后缀决定格式：.json .csv .xlsx .html .md（可多次给出）",
)
@home_option
def report_command(year, exam, outputs, home):
    """Write the year's study-the-law report (per department and category, lists, ready paragraph).

    Example: lawstudy report --year 2020 -o 学法考试统计.xlsx --home lawstudy-home
    """
    from grader import reports as report_api
    from grader.records.rotation import load_rotation

    inst, db = open_records(home)
    rep = report_api.build(db, year, exam, rotation=load_rotation(inst.home))
    for output in outputs:
        report_api.write(rep, output)
        click.echo(f"已生成 {output}")
    click.echo(rep["paragraph"])
    click.secho(rep["todo"], fg="green" if not (rep["absent"] or rep["failed"]) else "yellow")
