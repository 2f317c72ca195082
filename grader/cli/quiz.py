"""`lawstudy quiz`: check, import, export, template, migrate (grader.banks)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grader import banks as bank_api
from grader.cli.base import AS_OF, SHEET, as_of_date, fail
from grader.vocabulary import TYPE_NAMES

# ------------------------------------------------------------------ quiz


@click.group()
def quiz():
    """题库：检查、导入、导出 (question banks)."""


@quiz.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
@AS_OF
def quiz_check(paths, as_json, as_of):
    """Check banks (default: all of quizzes/): schema, answers, unique ids, quotes against the law.

    A quote is checked against the version its basis entry (or bank) names, else the version in
    force on --as-of. Prints, per law, how many exam questions are valid on that date.

    Example: lawstudy quiz check quizzes/burial.yaml --as-of 2026-03-01
    """
    day = as_of_date(as_of)
    result = bank_api.check(list(paths) or None, as_of=day)
    for problem in result.problems:
        click.secho(str(problem), fg="red")
    for warning in result.warnings:
        click.secho(f"提示 {warning}", fg="yellow")
    summary = result.summary()
    summary["as_of"] = day.isoformat()
    summary["valid_exam_questions"] = {
        law: {"valid": v, "total": n} for law, (v, n) in result.valid_exam_questions(day).items()
    }
    from grader.exams import cues as exam_cues

    cues = exam_cues.measure(result.banks, list(paths), day)
    summary["format_cues"] = [c.to_dict() for c in cues]
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        click.echo(f"题库 {summary['banks']} 个，题目 {summary['questions']} 道")
        click.echo("按题型: " + "，".join(f"{TYPE_NAMES.get(k, k)} {v}" for k, v in summary["by_type"].items()))
        click.echo(
            "按用途: " + "，".join(f"{bank_api.POOL_NAMES.get(k, k)} {v}" for k, v in summary["by_pool"].items())
        )
        click.echo("按法规: " + "，".join(f"《{k}》{v}" for k, v in summary["by_law"].items()))
        click.echo(f"{day.isoformat()} 有效的考试题（所引版本均在施行）:")
        for law, row in summary["valid_exam_questions"].items():
            line = f"  《{law}》 {row['valid']}/{row['total']}"
            click.secho(line, fg=None if row["valid"] == row["total"] else "yellow")
        if any(row["valid"] < row["total"] for row in summary["valid_exam_questions"].values()):
            click.echo("（所引版本在该日不施行的考试题不会被组卷；运行 lawstudy laws impact 查看需要迁移或改写的题目）")
        click.echo("格式线索（考试题；阈值见 docs/content-guide.md）:")
        for c in cues:
            share = c.longest_share
            letters = " ".join(f"{k}{v}" for k, v in c.letters.items())
            click.echo(
                f"  {c.scope}：单选 {c.singles} 题，总选最长选项答对 {c.longest:.1f} 题"
                + (f"（{share:.0%}，随机 {c.chance / c.singles:.0%}）" if share is not None else "")
                + (f"；答案字母 {letters}" if letters else "")
                + f"；判断 正确 {c.judge_true} / 错误 {c.judge_false}"
            )
    for c in cues:
        for line in c.warnings():
            click.secho(f"提示 {line}", fg="yellow")
    if result.problems:
        fail(f"发现 {len(result.problems)} 个问题", 1)
    click.secho("检查通过", fg="green")


@quiz.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="quizzes/BANK.yaml")
@click.option("--title", help="题库名称")
@click.option("--bank", "bank_id", help="题库编号（英文，题号由它生成；默认取输出文件名）")
@click.option("--force", is_flag=True, help="overwrite an existing bank file")
@AS_OF
@SHEET
def quiz_import(source, output, title, bank_id, force, as_of, sheet_names):
    """Import an Excel (.xlsx) or CSV 题库 into a YAML bank; any bad row writes nothing.

    Every visible worksheet with the 题库 header is read (--sheet chooses); hidden rows and sheets
    and a 填写说明 row are skipped and named. Example: lawstudy quiz import 题库.xlsx -o quizzes/burial.yaml
    """
    if output.exists() and not force:
        fail(f"{output} 已存在；如需覆盖请加 --force")
    try:
        bank = bank_api.import_sheet_as(
            source, output, bank_id=bank_id, title=title, as_of=as_of_date(as_of), sheet_names=list(sheet_names) or None
        )
    except bank_api.BankError as error:
        if getattr(error, "summary", ""):
            click.echo(f"{source}: {error.summary}", err=True)
        for problem in error.problems:
            click.secho(str(problem), fg="red", err=True)
        fail(f"导入失败：{len(error.problems)} 个问题，未写入任何文件")
    for warning in bank.warnings:
        click.secho(f"提示 {warning}", fg="yellow")
    bank_api.save_bank(bank, output)
    if bank.summary:
        click.echo(bank.summary)
    click.echo(f"已导入 {len(bank.questions)} 道题到 {output}")


@quiz.command("export")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="FILE.xlsx or FILE.csv")
def quiz_export(source, output):
    """Export a YAML bank to the Excel (or CSV) 题库 sheet.

    Example: lawstudy quiz export quizzes/burial.yaml -o 题库.xlsx
    """
    [bank] = bank_api.load_banks([source])
    bank_api.write_sheet(bank, output)
    click.echo(f"已导出 {len(bank.questions)} 道题到 {output}")


@quiz.command("template")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="FILE.xlsx 或 FILE.csv")
def quiz_template(output):
    """Write an empty 题库 template with one example row.

    Example: lawstudy quiz template -o 题库模板.xlsx
    """
    bank_api.write_sheet(bank_api.template_bank(), output)
    click.echo(f"已生成模板 {output}")


# ------------------------------------------------------------------ (other command groups follow)


@quiz.command("migrate")
@click.option("--law", "law", required=True, help="法规名称，如 社会团体登记管理条例")
@click.option("--to", "to", metavar="YYYY-MM-DD", help="迁移到的版本（默认：--as-of 当日施行的版本）")
@click.option("--quizzes", "quizzes", type=click.Path(path_type=Path), help="题库目录（默认 quizzes/）")
@AS_OF
def quiz_migrate(law, to, quizzes, as_of):
    """Move a law's citations whose quotes still stand to the newer version and article, in place.

    Only the basis entries' law/version/article change; the rest is listed for a trainer.

    Example: lawstudy quiz migrate --law 社会团体登记管理条例 --to 2026-03-12
    """
    from grader.banks.impact import migrate
    from grader.laws import LawError
    from grader.laws import int_to_cn as cn

    try:
        result = migrate(law, to, [quizzes] if quizzes else None, as_of_date(as_of))
    except LawError as error:
        fail(str(error))
    except bank_api.BankError as error:
        fail(f"题库有问题，未作改动：\n{error}")
    for r in result.moved:
        click.echo(
            f"已迁移 {r.bank} {r.question}: 《{r.law}》（{r.version}）第{cn(r.article)}条 → "
            f"《{r.new_law}》（{r.new_version}）第{cn(r.new_article)}条"
        )
    for r in result.left:
        click.secho(
            f"需培训人员改写 {r.bank} {r.question}: 《{r.law}》（{r.version}）第{cn(r.article)}条 "
            f"引文在 {r.successor or '现行文本'} 中已不存在：“{r.quote}”",
            fg="yellow",
        )
    click.echo(f"迁移 {len(result.moved)} 处引用（{len(result.files)} 个文件），{len(result.left)} 处需人工改写")
