"""The `lawstudy` command: a thin skin over the Python API (each command calls one function).

Examples (each one is run by tests/test_readme.py):

    lawstudy quiz check
    lawstudy quiz import 题库.xlsx -o quizzes/burial.yaml
    lawstudy quiz export quizzes/burial.yaml -o 题库.xlsx
    lawstudy quiz template -o 题库模板.xlsx
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader import bank as bank_api
from grader.instance import Instance

home_option = click.option(
    "--home", "home", type=click.Path(file_okay=False), envvar="LAWSTUDY_HOME",
    help="实例目录 (instance directory); default $LAWSTUDY_HOME or ./lawstudy-home")


def fail(message: str, code: int = 1) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lawstudy")
def cli():
    """lawstudy：民政局学法用法课程与考试 (courses, exams and study-the-law statistics)."""


# ------------------------------------------------------------------ quiz

@cli.group()
def quiz():
    """题库：检查、导入、导出 (question banks)."""


@quiz.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
def quiz_check(paths, as_json):
    """Check banks (default: all of quizzes/): schema, answers, unique ids, quotes against the law.

    Example: lawstudy quiz check quizzes/burial.yaml
    """
    result = bank_api.check(list(paths) or None)
    for problem in result.problems:
        click.secho(str(problem), fg="red")
    summary = result.summary()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        click.echo(f"题库 {summary['banks']} 个，题目 {summary['questions']} 道")
        click.echo("按题型: " + "，".join(f"{bank_api.TYPE_NAMES.get(k, k)} {v}" for k, v in summary["by_type"].items()))
        click.echo("按用途: " + "，".join(f"{bank_api.POOL_NAMES.get(k, k)} {v}" for k, v in summary["by_pool"].items()))
        click.echo("按法规: " + "，".join(f"《{k}》{v}" for k, v in summary["by_law"].items()))
    if result.problems:
        fail(f"发现 {len(result.problems)} 个问题", 1)
    click.secho("检查通过", fg="green")


@quiz.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="quizzes/BANK.yaml")
@click.option("--title", help="题库名称")
@click.option("--force", is_flag=True, help="overwrite an existing bank file")
def quiz_import(source, output, title, force):
    """Import an Excel (.xlsx) or CSV 题库 into a YAML bank; any bad row writes nothing.

    Example: lawstudy quiz import 题库.xlsx -o quizzes/burial.yaml
    """
    if output.exists() and not force:
        fail(f"{output} 已存在；如需覆盖请加 --force")
    others = [p for p in bank_api.bank_paths([output.parent]) if p.resolve() != output.resolve()] if output.parent.is_dir() else []
    try:
        bank = bank_api.import_sheet(source, bank_id=output.stem, title=title, others=others)
    except bank_api.BankError as error:
        for problem in error.problems:
            click.secho(str(problem), fg="red", err=True)
        fail(f"导入失败：{len(error.problems)} 个问题，未写入任何文件")
    bank_api.save_bank(bank, output)
    click.echo(f"已导入 {len(bank.questions)} 道题到 {output}")


@quiz.command("export")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="FILE.xlsx or FILE.csv")
def quiz_export(source, output):
    """Export a YAML bank to the Excel (or CSV) 题库 sheet.

    Example: lawstudy quiz export quizzes/burial.yaml -o 题库.xlsx
    """
    try:
        [bank] = bank_api.load_banks([source])
    except bank_api.BankError as error:
        fail(str(error))
    bank_api.write_sheet(bank, output)
    click.echo(f"已导出 {len(bank.questions)} 道题到 {output}")


@quiz.command("template")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path))
def quiz_template(output):
    """Write an empty 题库 template with one example row.

    Example: lawstudy quiz template -o 题库模板.xlsx
    """
    bank_api.write_sheet(bank_api.template_bank(), output)
    click.echo(f"已生成模板 {output}")


# ------------------------------------------------------------------ (other command groups follow)


# ------------------------------------------------------------------ course

@cli.group()
def course():
    """课程：检查与生成 (notebook courses)."""


@course.command("check")
def course_check():
    """Check every lesson: cited articles exist, quotes are verbatim, practice questions are practice-pool.

    Example: lawstudy course check
    """
    from grader import course as course_api
    questions = bank_api.questions_by_id(bank_api.check().banks)
    problems = []
    for c in course_api.load_courses():
        problems += course_api.check_course(c, questions)
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
    from grader import course as course_api
    inst = Instance.from_env(home).ensure()
    written = course_api.build_courses(inst.lessons)
    click.echo(f"已生成 {len(written) - 1} 个课程笔记本到 {inst.lessons}")
