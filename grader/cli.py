"""The `lawstudy` command: a thin skin over the Python API (each command calls one function).

Examples (each one is run by tests/test_readme.py):

    lawstudy quiz check
    lawstudy quiz import 题库.xlsx -o quizzes/burial.yaml
    lawstudy quiz export quizzes/burial.yaml -o 题库.xlsx
    lawstudy quiz template -o 题库模板.xlsx
    lawstudy laws list
    lawstudy laws show 《殡葬管理条例》第二十七条
    lawstudy laws diff 社会团体登记管理条例
    lawstudy laws impact
    lawstudy quiz migrate --law 社会团体登记管理条例
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from grader import bank as bank_api
from grader.instance import Instance
from grader.vocabulary import TYPE_NAMES

home_option = click.option(
    "--home",
    "home",
    type=click.Path(file_okay=False),
    envvar="LAWSTUDY_HOME",
    help="实例目录 (instance directory); default $LAWSTUDY_HOME or ./lawstudy-home",
)


def fail(message: str, code: int = 1) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(code)


def user_error_message(error: BaseException) -> str | None:
    """The message a user sees for an error they can fix (None: a bug, let it show).

    Every LawstudyError (its problems one per line, and whether anything was written), a locked
    records database, and a file the system refused (missing, a folder, no permission).
    """
    import sqlite3

    from grader.errors import DatabaseBusy, LawstudyError
    from grader.records import NeedsConfirmation, RecordsError

    if isinstance(error, NeedsConfirmation):
        return "\n".join(
            ["可能与名册中已有人员重复，请核对 (may duplicate people on the roster):"]
            + [f"  {w}" for w in error.warnings]
            + ["未写入任何数据；核对无误后加 --yes 重新运行 (nothing written; re-run with --yes to accept)"]
        )
    if isinstance(error, (RecordsError, bank_api.BankError)) and error.problems:
        lines = [str(p).lstrip(": ") for p in error.problems]
        if isinstance(error, RecordsError) and len(lines) == 1 and not error.problems[0].file:
            return lines[0]
        return "\n".join(lines + [f"失败：{len(lines)} 个问题，未写入任何数据 (nothing written)"])
    if isinstance(error, LawstudyError):
        return str(error)
    if isinstance(error, sqlite3.OperationalError) and ("locked" in str(error) or "busy" in str(error)):
        return str(DatabaseBusy())
    if isinstance(error, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)):
        return f"{error.filename or ''}: {error.strerror} ({type(error).__name__})".lstrip(": ")
    return None


class LawstudyGroup(click.Group):
    """The root command: any error a user can cause ends here as one message and exit code 1."""

    def invoke(self, ctx):
        """Run the command; a user error becomes its message on stderr and exit code 1."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - only user errors are turned into messages
            message = user_error_message(error)
            if message is None:
                raise
            click.secho(message, fg="red", err=True)
            ctx.exit(1)


@click.group(cls=LawstudyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lawstudy")
def cli():
    """lawstudy：民政局学法用法课程与考试 (courses, exams and study-the-law statistics)."""
    import warnings

    # nbgrader's gradebook trips SQLAlchemy's autoflush warnings on every read; they mean nothing to users
    warnings.filterwarnings("ignore", message=".*not in session.*")


# ------------------------------------------------------------------ quiz


@cli.group()
def quiz():
    """题库：检查、导入、导出 (question banks)."""


def _as_of(value):
    """--as-of DATE (YYYY-MM-DD), default today."""
    from grader.laws import to_date, today

    try:
        return to_date(value) if value else today()
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--as-of") from None


AS_OF = click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="按该日施行的法规版本检查（默认今天）")
SHEET = click.option(
    "--sheet",
    "sheet_names",
    multiple=True,
    metavar="工作表",
    help="只读这个工作表（可多次给出）；名册有多个带表头的工作表时必须指定",
)


def _column_map(values) -> dict[str, str]:
    """--column 得分=原始成绩 (repeatable) as {field label: header text}."""
    out = {}
    for value in values:
        label, sep, header = value.replace("＝", "=").partition("=")
        if not sep or not label.strip() or not header.strip():
            raise click.BadParameter(f"{value!r} 应写作 列名=表头中的列，如 得分=原始成绩", param_hint="--column")
        out[label.strip()] = header.strip()
    return out


COLUMN = click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="列名=表头",
    help="表头中的列名不在别名表中时指定它是哪一项，如 --column 得分=原始成绩（可多次给出）",
)


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
    day = _as_of(as_of)
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
    cues = _format_cues(result.banks, paths, day)
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


def _format_cues(banks, paths, day):
    """Format cues per bank and per exam spec not yet closed on `day` whose banks were all checked."""
    from grader import format_cues
    from grader.exam.spec import SpecError, exams_dir, load_spec
    from grader.vocabulary import CHINA

    folder = exams_dir(
        Path(paths[0]).parent if paths and Path(paths[0]).is_file() else (Path(paths[0]) if paths else None)
    )
    specs = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            spec = load_spec(path)
        except SpecError:
            continue  # the spec's own problems are `exam build`'s to report
        if spec.last_close.astimezone(CHINA).date() >= day:
            specs.append(spec)
    return format_cues.measure_banks(banks, specs)


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
            source, output, bank_id=bank_id, title=title, as_of=_as_of(as_of), sheet_names=list(sheet_names) or None
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
    from grader import law_impact
    from grader.laws import LawError
    from grader.laws import int_to_cn as cn

    try:
        result = law_impact.migrate(law, to, [quizzes] if quizzes else None, _as_of(as_of))
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


# ------------------------------------------------------------------ laws


@cli.group()
def laws():
    """法规：版本、条文、修改对照、影响范围 (statutes and their versions)."""


def _library():
    from grader.laws import library

    return library()


@laws.command("list")
@AS_OF
@click.option("--json", "as_json", is_flag=True, help="print as JSON")
def laws_list(as_of, as_json):
    """Every statute shipped, each version with its date, in force from / until, and which is in force.

    Example: lawstudy laws list --as-of 2026-01-01
    """
    day = _as_of(as_of)
    lib = _library()
    data = []
    for statute in lib.statutes.values():
        current = statute.in_force(day)
        data.append(
            {
                "title": statute.title,
                "short_names": statute.short_names,
                "versions": [
                    {
                        "version": v.name,
                        "label": v.year_label,
                        "files": v.files,
                        "in_force_from": v.in_force_from.isoformat(),
                        "in_force_until": v.in_force_until.isoformat() if v.in_force_until else None,
                        "superseded_by": list(v.superseded_by) if v.superseded_by else None,
                        "supersession": v.supersession or None,
                        "status": lib.supersession_phrase(v) or None,
                        "reason": v.reason,
                        "source": v.source,
                        "in_force": v is current,
                    }
                    for v in statute.versions
                ],
            }
        )
    if as_json:
        click.echo(json.dumps({"as_of": day.isoformat(), "statutes": data}, ensure_ascii=False, indent=2))
        return
    click.echo(f"收录法规 {len(data)} 部（{day.isoformat()} 施行的版本标 *）")
    for statute in lib.statutes.values():
        names = f"（又称 {'、'.join(statute.short_names)}）" if statute.short_names else ""
        click.echo(f"《{statute.title}》{names}")
        current = statute.in_force(day)
        for v in statute.versions:
            status = lib.supersession_phrase(v)
            line = f"  {'*' if v is current else ' '} {v.name} {v.year_label:<8} {_in_force_span(v)}"
            click.secho(line + (f"；{status}" if status else ""), fg="green" if v is current else None)


def _in_force_span(v) -> str:
    """施行 2003-10-01 至 2025-01-19 (the last day, as staff read 至), or 施行 … 起 while in force, and
    for a text overridden but not repealed (it stays in force where the new law leaves room)."""
    if v.last_day is None or v.supersession == "overridden":
        return f"施行 {v.in_force_from.isoformat()} 起"
    return f"施行 {v.in_force_from.isoformat()} 至 {v.last_day.isoformat()}"


@laws.command("show")
@click.argument("citation")
@AS_OF
@click.option("--version", "version", metavar="YYYY-MM-DD", help="指定版本（默认：--as-of 当日施行的版本）")
def laws_show(citation, as_of, version):
    """The text of an article in the version in force on a date (or a named version).

    Example: lawstudy laws show 《殡葬管理条例》第二十七条 --as-of 2026-01-01
    """
    from grader.laws import LawError

    lib = _library()
    day = _as_of(as_of)
    try:
        statute, number, named = lib.parse_citation(citation)
        v = named or lib.version(statute.title, version, day)
        art = v.article(number)
    except LawError as error:
        fail(str(error))
    state = "现行" if v.in_force(day) else ("尚未施行" if day < v.in_force_from else lib.superseded_message(v))
    click.secho(
        f"{art.citation}（{v.year_label}，{v.name} 版，{_in_force_span(v)}；{day.isoformat()}：{state}）", bold=True
    )
    click.echo(art.text)


@laws.command("diff")
@click.argument("title")
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--json", "as_json", is_flag=True, help="print the changes as JSON")
@click.option("--all", "show_all", is_flag=True, help="also list unchanged articles")
def laws_diff(title, old, new, as_json, show_all):
    """What changed between two versions, article by article (matched by text, not number).

    OLD and NEW are version dates; default the two latest versions.

    Example: lawstudy laws diff 社会团体登记管理条例 2016-02-06 2026-03-12
    """
    from grader import law_diff
    from grader.laws import LawError

    lib = _library()
    try:
        statute = lib.statute(title)
        if old and new:
            a, b = statute.version(old), statute.version(new)
        elif old or new:
            fail("请同时给出 OLD 与 NEW 两个版本，或都不给（比较最近两个版本）")
        elif len(statute.versions) < 2:
            fail(f"《{statute.title}》只收录了一个版本（{statute.versions[0].name}）")
        else:
            a, b = statute.versions[-2], statute.versions[-1]
        changes = law_diff.diff_versions(a, b)
    except LawError as error:
        fail(str(error))
    counts = law_diff.summary(changes)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "law": statute.title,
                    "old": a.name,
                    "new": b.name,
                    "counts": counts,
                    "articles": [c.to_dict() for c in changes],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    names = {"same": "未变", "renumbered": "仅条号变动", "changed": "修改", "added": "新增", "removed": "删除"}
    click.secho(
        f"《{statute.title}》{a.year_label}（{a.name}，{len(a.text.articles)}条）→ "
        f"{b.year_label}（{b.name}，{len(b.text.articles)}条）",
        bold=True,
    )
    click.echo("，".join(f"{names[k]} {v}" for k, v in counts.items()) + "（条文按内容对应，不按条号）")
    for c in changes:
        if c.kind == "same" and not show_all:
            continue
        click.echo("")
        color = {"added": "green", "removed": "red", "changed": "yellow", "renumbered": "cyan"}.get(c.kind)
        click.secho(
            f"【{names[c.kind]}】{c.heading}" + (f"（相似度 {c.similarity:.0%}）" if c.kind == "changed" else ""),
            fg=color,
            bold=True,
        )
        if c.kind == "changed":
            click.echo(
                "".join(
                    click.style(f"[-{t}-]", fg="red")
                    if op == "-"
                    else click.style(f"{{+{t}+}}", fg="green")
                    if op == "+"
                    else t
                    for op, t in c.segments
                )
            )
        elif c.kind in ("added", "removed"):
            click.echo((c.new or c.old).body)
    click.echo("\n（标记：[-删去的文字-] {+新增的文字+}）")


@laws.command("impact")
@click.option("--law", "law", help="只看这部法规")
@click.option("--quizzes", "quizzes", type=click.Path(path_type=Path), help="题库目录（默认 quizzes/）")
@AS_OF
@click.option("--json", "as_json", is_flag=True, help="print the rows as JSON")
def laws_impact(law, quizzes, as_of, as_json):
    """Questions and lessons citing a version no longer in force: (a) moved, (b) changed.

    (a) the quote stands verbatim in the newer version (new article given; `quiz migrate` moves it);
    (b) the quote is gone or changed: a trainer rewrites the question or lesson.

    Example: lawstudy laws impact --law 社会团体登记管理条例
    """
    from grader import law_impact
    from grader.laws import LawError
    from grader.laws import int_to_cn as cn

    day = _as_of(as_of)
    try:
        rows = law_impact.impact([quizzes] if quizzes else None, law=law, as_of=day)
    except LawError as error:
        fail(str(error))
    except bank_api.BankError as error:
        fail(f"题库有问题，请先运行 lawstudy quiz check：\n{error}")
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    counts = law_impact.counts(rows)
    click.secho(
        f"{day.isoformat()} 已不是现行依据（已修订、废止或被取代）的版本被引用的情况"
        "（题目按引用计；(a) 可自动迁移，(b) 需人工改写）",
        bold=True,
    )
    if not counts:
        click.secho("没有引用已不是现行依据的版本的题目或课程", fg="green")
        return
    lib = _library()
    for title, c in counts.items():
        cited = {r.version for r in rows if r.law == title}
        how = "；".join(
            f"{v.year_label}文本{lib.supersession_phrase(v)}" for v in lib.statute(title).versions if v.name in cited
        )
        click.echo(
            f"《{title}》（{how}）: 题目 {c['questions']} 道（引用 (a) {c['question_moved']} 处，"
            f"(b) {c['question_changed']} 处）；课程引用 (a) {c['lesson_moved']} 处，(b) {c['lesson_changed']} 处"
        )
    for outcome, heading in (
        ("moved", "(a) 引文在新版本中原样保留，可用 lawstudy quiz migrate 迁移："),
        ("changed", "(b) 引文在新版本中已删除或改动，需培训人员改写："),
    ):
        part = [r for r in rows if r.outcome == outcome]
        if not part:
            continue
        click.echo("")
        click.secho(heading, bold=True, fg="green" if outcome == "moved" else "yellow")
        for r in part:
            new = f" → 《{r.new_law}》（{r.new_version}）第{cn(r.new_article)}条" if outcome == "moved" else ""
            click.echo(f"  {r.where}: 《{r.law}》（{r.version}）第{cn(r.article)}条{new}")


# ------------------------------------------------------------------ course


@cli.group()
def course():
    """课程：检查与生成 (notebook courses)."""


@course.command("check")
@AS_OF
def course_check(as_of):
    """Check every lesson: cited articles exist, quotes are verbatim, practice questions are practice-pool,
    and the versions the lessons cite (course.yaml `laws:`) are in force on --as-of (default today).

    Example: lawstudy course check --as-of 2026-01-01
    """
    from grader import course as course_api

    day = _as_of(as_of)
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
    from grader import course as course_api

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
    from grader import course as course_api

    inst = Instance.from_env(home).ensure()
    try:
        if staged:
            outbound = _exam_call(course_api.publish_course, inst, course_id)
        elif _hub_root(inst):
            # root reads courses/ and the root-only banks; the grader, who owns the exchange, publishes
            _exam_call(course_api.stage_course, inst, course_id)
            _give_back_to_grader(inst)
            from grader import hub

            sys.exit(hub.run_as_grader(inst, ["course", "release", course_id, "--staged", "--home", str(inst.home)]))
        else:
            outbound = _exam_call(course_api.release_course, inst, course_id)
    except ValueError as error:
        fail(str(error))
    _give_back_to_grader(inst)
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
    _as_grader_on_hub(home)
    from grader import course as course_api

    result = _exam_call(course_api.collect_course, Instance.from_env(home), course_id)
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


# ------------------------------------------------------------------ records and report (roster, exempt, sync, results, report)


def _records(home):
    from grader import records as records_api

    inst = Instance.from_env(home).ensure()
    return inst, records_api.open_db(inst.records)


@cli.group()
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
    from grader import flags_admin
    from grader.vocabulary import FLAG_NAMES

    _, db = _records(home)
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
    from grader import flags_admin

    _, db = _records(home)
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
    from grader import flags_admin

    _, db = _records(home)
    flag = flags_admin.clear(db, flag_id, note)
    click.echo(f"已清除标记 #{flag_id}（{flag['student']} {flag['flag']}）")


@cli.group()
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

    column_map = _column_map(columns)
    _, db = _records(home)
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


@cli.command("exempt")
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
    _, db = _records(home)
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


@cli.command("sync")
@home_option
def sync_command(home):
    """Copy exam results (and course completions) from the nbgrader gradebook into the records.

    Example: lawstudy sync --home lawstudy-home
    """
    _as_grader_on_hub(home)  # the exam service's store is the grader's
    from grader import records as records_api

    inst, db = _records(home)
    r = records_api.sync(db, inst, show_progress=True)
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


@cli.group()
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

    column_map = _column_map(columns)
    _, db = _records(home)
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


@cli.command("report")
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
    from grader import report as report_api

    _, db = _records(home)
    rep = report_api.build(db, year, exam)
    for output in outputs:
        report_api.write(rep, output)
        click.echo(f"已生成 {output}")
    click.echo(rep["paragraph"])
    click.secho(rep["todo"], fg="green" if not (rep["absent"] or rep["failed"]) else "yellow")


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
    from grader import course as course_api
    from grader import records as records_api

    if sheet_names and not file:
        fail("--sheet 只与 --file 一起使用 (--sheet needs --file)")
    _, db = _records(home)
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


# ------------------------------------------------------------------ hub


@cli.group(invoke_without_command=True)
@home_option
@click.pass_context
def hub(ctx, home):
    """JupyterHub for the bureau: `lawstudy hub` alone starts it in the foreground (as root).

    Example: lawstudy hub --home /srv/lawstudy
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(hub_start, home=home, background=False)


def _hub_api():
    from grader import hub as hub_api

    return hub_api


@hub.command("setup")
@click.option(
    "--runtime",
    type=click.Path(file_okay=False, path_type=Path),
    help="员工运行环境 (staff venv), default /opt/lawstudy/venv",
)
@click.option("--trainer", "trainers", multiple=True, help="培训师工号 (formgrader access); repeatable")
@click.option("--admin", "admins", multiple=True, help="管理员工号 (reports access); repeatable")
@click.option("--ip", default="127.0.0.1", show_default=True, help="对外监听地址 (0.0.0.0 for the LAN)")
@click.option("--port", default=8000, show_default=True, type=int, help="对外监听端口 (hub port)")
@click.option("--no-runtime", is_flag=True, help="不建立/更新运行环境 (skip the runtime venv)")
@home_option
def hub_setup(runtime, trainers, admins, ip, port, no_runtime, home):
    """Set up the hub (root): staff runtime, jupyterhub_config.py, system users from the roster, permissions.

    Example: lawstudy hub setup --home /srv/lawstudy --trainer PX01 --admin BG01
    """
    hub_api = _hub_api()
    inst = Instance.from_env(home)
    try:
        settings = hub_api.setup(
            inst,
            runtime=runtime,
            trainers=list(trainers),
            admins=list(admins),
            ip=ip,
            port=port,
            build_runtime=not no_runtime,
            log=click.echo,
        )
    except hub_api.HubError as error:
        fail(str(error))
    folks = hub_api.people(inst)
    click.echo(f"配置：{hub_api.hub_dir(inst) / 'jupyterhub_config.py'}")
    click.echo(f"人员：职工 {len(folks.staff)}，培训师 {len(folks.trainers)}，管理员 {len(folks.admins)}")
    click.echo(f"初始密码：{hub_api.hub_dir(inst) / 'initial-passwords.csv'}（仅 root 可读）")
    click.secho(f"完成。启动：lawstudy hub start --home {inst.home}  →  {settings.url}", fg="green")


@hub.command("users")
@click.option("--reset-passwords", is_flag=True, help="给所有人重新生成初始密码")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 列出登录名、姓名、组及本次新建的账号 (print as JSON)")
@home_option
def hub_users(reset_passwords, as_json, home):
    """Create system users for new roster people and trainers/admins; list everyone with their groups.

    Example: lawstudy hub users --home /srv/lawstudy
    """
    hub_api = _hub_api()
    inst = Instance.from_env(home)
    try:
        result = hub_api.sync_users(inst, reset_passwords=reset_passwords)
        hub_api.apply_permissions(inst)
    except hub_api.HubError as error:
        fail(str(error))
    folks = hub_api.people(inst)
    rows = [
        {
            "user": u,
            "name": folks.names.get(u, ""),
            "groups": [g for g, members in folks.groups().items() if u in members],
        }
        for u in folks.everyone
    ]
    if as_json:
        click.echo(json.dumps({"users": rows, "created": result["created"]}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['user']:<16}{row['name']:<10}{' '.join(row['groups'])}")
    click.echo(
        f"共 {len(rows)} 人；新建 {len(result['created'])} 个系统用户"
        + (f"，新密码见 {hub_api.hub_dir(inst) / 'initial-passwords.csv'}" if result["passwords"] else "")
    )
    click.echo("（hub 运行中时，新用户和分组在重启 hub 后生效：lawstudy hub stop && lawstudy hub start --background）")


@hub.command("start")
@click.option("--background", is_flag=True, help="在后台运行并返回 (default: foreground, for systemd)")
@home_option
def hub_start(background, home):
    """Start JupyterHub (root) with the instance's generated config.

    In the foreground the hub is this command's child: Ctrl-C, SIGTERM or SIGHUP stop it like
    `hub stop` (the hub, its proxy and services, and every person's processes).

    Example: lawstudy hub start --background --home /srv/lawstudy
    """
    hub_api = _hub_api()
    inst = Instance.from_env(home)
    try:
        settings = hub_api.Settings.load(inst)
        hub_api.write_people(inst)
        hub_api.apply_permissions(inst)
        if background:
            proc = hub_api.start(inst)
            click.secho(f"JupyterHub 已启动（pid {proc.pid}）：{settings.url}", fg="green")
            return
        click.echo(f"JupyterHub 启动中：{settings.url}（Ctrl-C 停止）")
        code = hub_api.run_foreground(
            inst, on_ready=lambda: click.secho(f"JupyterHub 已就绪：{settings.url}（Ctrl-C 停止）", fg="green")
        )
    except hub_api.HubError as error:
        fail(str(error))
    click.echo("JupyterHub 已停止")
    sys.exit(code)


@hub.command("stop")
@home_option
def hub_stop(home):
    """Stop the running hub (and the servers, services and proxy it started).

    Example: lawstudy hub stop --home /srv/lawstudy
    """
    hub_api = _hub_api()
    inst = Instance.from_env(home)
    click.echo("已停止" if hub_api.stop(inst) else "hub 没有在运行")


@hub.command("status")
@home_option
def hub_status(home):
    """Show whether the hub runs, and whose servers are up.

    Example: lawstudy hub status --home /srv/lawstudy
    """
    hub_api = _hub_api()
    inst = Instance.from_env(home)
    try:
        settings = hub_api.Settings.load(inst)
        users = hub_api.api(inst, "GET", "/users")
    except hub_api.HubError as error:
        fail(str(error))
    except OSError:
        fail(f"hub 没有在运行（{settings.url}）")
    running = [u["name"] for u in users if u.get("servers")]
    click.echo(f"JupyterHub 运行中：{settings.url}；用户 {len(users)}，在线服务器 {len(running)}")
    for name in running:
        click.echo(f"  {name}")


@hub.command("runtime")
@click.option(
    "--runtime",
    type=click.Path(file_okay=False, path_type=Path),
    help="员工运行环境位置 (default /opt/lawstudy/venv or $LAWSTUDY_RUNTIME)",
)
def hub_runtime(runtime):
    """Build or refresh the staff runtime venv (from /usr/bin/python3, non-editable install of this project).

    Example: lawstudy hub runtime --runtime /opt/lawstudy/venv
    """
    hub_api = _hub_api()
    try:
        path = hub_api.ensure_runtime(runtime or hub_api.DEFAULT_RUNTIME, log=click.echo)
    except hub_api.HubError as error:
        fail(str(error))
    click.echo(f"运行环境就绪：{path}")


@hub.command("perms")
@home_option
def hub_perms(home):
    """Re-apply file ownership and modes (run after root `lawstudy exam ...` commands).

    Example: lawstudy hub perms --home /srv/lawstudy
    """
    hub_api = _hub_api()
    inst = Instance.from_env(home)
    try:
        hub_api.apply_permissions(inst)
    except hub_api.HubError as error:
        fail(str(error))
    click.echo("权限已设置")


# ------------------------------------------------------------------ exam


@cli.group()
def exam():
    """考试：组卷、发布、收卷、评分、反馈 (exams through nbgrader)."""


def _exam_progress(label: str):
    """A rich progress bar for long steps; yields the callback the exam API takes."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    @contextmanager
    def bar():
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[step]}"),
            TimeElapsedColumn(),
            transient=False,
        ) as progress:
            task = progress.add_task(label, total=None, step="")
            yield lambda done, total, step: progress.update(task, completed=done, total=total, step=step)

    return bar()


def _as_grader_on_hub(home) -> None:
    """On a hub instance, root hands a step that touches the exchange (which staff write) to the
    course's grader account and exits with its result; elsewhere it returns at once."""
    inst = Instance.from_env(home)
    if not _hub_root(inst):
        return
    from grader import hub

    args, skip = [], False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
            continue
        if arg == "--home":
            skip = True
            continue
        if not arg.startswith("--home="):
            args.append(arg)
    sys.exit(hub.run_as_grader(inst, args + ["--home", str(inst.home)]))


def _hub_root(inst) -> bool:
    """True when root runs a command on a hub instance (steps in the exchange go to the grader)."""
    if os.geteuid() != 0:
        return False
    from grader import hub

    return hub.is_hub_instance(inst)


def _give_back_to_grader(inst) -> None:
    """After root wrote the course (a build from the root-only banks), the grader owns it again."""
    if _hub_root(inst):
        from grader import hub

        hub.apply_permissions(inst)


def _exam_call(function, *args, **kwargs):
    from grader.exam import ExamError, SpecError
    from grader.exam.guard import LeakError
    from grader.exam.nbgrader_course import NbgraderFailed

    try:
        return function(*args, **kwargs)
    except (ExamError, SpecError, LeakError, NbgraderFailed) as error:
        fail(str(error))
    except Exception as error:  # records / bank errors carry Chinese messages too
        from grader.bank import BankError

        if isinstance(error, BankError):
            fail(f"题库有问题，请先运行 lawstudy quiz check：\n{error}")
        raise


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
    from grader import exam as exam_api

    inst = Instance.from_env(home)
    with _exam_progress(f"组卷 {exam_id}") as progress:
        result = _exam_call(exam_api.build, inst, exam_id, quizzes=quizzes, force=force, progress=progress)
    _give_back_to_grader(inst)
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
    _as_grader_on_hub(home)
    from grader import exam as exam_api

    outbound = _exam_call(exam_api.release, Instance.from_env(home), exam_id)
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
    _as_grader_on_hub(home)
    from grader import exam as exam_api

    result = _exam_call(exam_api.collect, Instance.from_env(home), exam_id)
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
    _as_grader_on_hub(home)
    import warnings

    from grader import exam as exam_api
    from grader.vocabulary import FLAG_NAMES

    inst = Instance.from_env(home)
    with warnings.catch_warnings(), _exam_progress(f"评分 {exam_id}") as progress:
        warnings.simplefilter("ignore")
        result = _exam_call(exam_api.autograde, inst, exam_id, fast=fast, progress=progress, force=force)
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
    _as_grader_on_hub(home)
    from grader import exam as exam_api

    inst = Instance.from_env(home)
    with _exam_progress(f"反馈 {exam_id}") as progress:
        result = _exam_call(exam_api.feedback, inst, exam_id, force=force, release_it=not no_release, progress=progress)
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
    _as_grader_on_hub(home)
    from grader.exam import analysis_export
    from grader.exam import item_analysis as analysis_api

    result = _exam_call(analysis_api.run, Instance.from_env(home), exam_id, sitting)
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
    from grader.exam import review as review_api

    inst = Instance.from_env(home).ensure()
    if staged:
        outbound = _exam_call(review_api.publish_review, inst, exam_id)
    elif _hub_root(inst):
        _exam_call(review_api.stage_review, inst, exam_id, force=force)
        _give_back_to_grader(inst)
        from grader import hub

        sys.exit(hub.run_as_grader(inst, ["exam", "review", exam_id, "--staged", "--home", str(inst.home)]))
    else:
        outbound = _exam_call(review_api.release_review, inst, exam_id, force=force)
    _give_back_to_grader(inst)
    click.secho(
        f"已发布错题本 {review_api.review_id(exam_id)}（{outbound}）；职工先获取成绩反馈，再在“考试与作业”中获取错题本",
        fg="green",
    )


# ------------------------------------------------------------------ demo and lab


@cli.command("demo")
@click.option(
    "--home",
    "home",
    type=click.Path(file_okay=False),
    default="lawstudy-demo",
    show_default=True,
    help="演示实例目录（已有的演示实例会被重建）",
)
@click.option("--fast", is_flag=True, help="用 --fast 阅卷（不启动内核）")
def demo_command(home, fast):
    """Run a whole year of a fictional bureau: roster, courses, the 2026 exam, grading, the report.

    Example: lawstudy demo
    """
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from grader import demo as demo_api
    from grader import report as report_api

    console = Console()
    started = time.perf_counter()
    current = {"task": None}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TextColumn("[dim]{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console) as bar:

            def say(text):
                if current["task"] is not None:  # the step before is done: fill its bar
                    done = bar.tasks[-1]
                    bar.update(current["task"], total=done.total or 1, completed=done.total or 1, detail="")
                current["task"] = bar.add_task(f"▶ {text}", total=None, detail="")

            def tick(done, total, detail):
                bar.update(current["task"], completed=done, total=total, detail=str(detail)[:24])

            result = demo_api.run(home, fast=fast, progress=say, tick=tick)
            last = bar.tasks[-1]
            bar.update(current["task"], total=last.total or 1, completed=last.total or 1, detail="")
    except demo_api.DemoError as error:
        fail(str(error))
    rep = result.report
    headers, rows = report_api.screen_table(rep)
    table = Table(title=f"{rep['year']}年学法用法知识考试统计（{result.home.name}）")
    table.add_column(headers[0], max_width=12, overflow="fold")  # long department names wrap, figures never do
    for header in headers[1:]:
        table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for line in report_api.screen_notes(rep):
        console.print(line)
    console.print("报表文件：")
    for path in result.files:
        console.print(f"  {path}")
    console.print(f"用时 {time.perf_counter() - started:.0f} 秒。下一步：lawstudy lab --home {home}")


@cli.command("lab")
@home_option
@click.option("--port", default=8888, show_default=True, help="JupyterLab 端口")
@click.option("--no-browser", is_flag=True, help="不自动打开浏览器")
@click.option("--as", "as_staff", help="以该工号的身份考试（单机体验时用）")
@click.option(
    "--allow-root",
    is_flag=True,
    help="允许以 root 运行（不建议：内核将拥有 root 权限；仅用于只有 root 账号的试用机器）",
)
def lab_command(home, port, no_browser, as_staff, allow_root):
    """Open JupyterLab on the instance: lessons under 课程/, exams in the Assignments tab.

    The access token is $JUPYTER_TOKEN, or a new random one (printed in the URL); it is never
    put on a command line. Refuses to run as root unless --allow-root is given.

    Example: lawstudy lab --home lawstudy-demo --port 8888
    """
    from grader import demo as demo_api

    if os.geteuid() == 0 and not allow_root:
        fail(
            "不要以 root 运行 JupyterLab（其中的代码都将以 root 身份执行）：请用普通账号运行；"
            "多人使用请部署 JupyterHub（lawstudy hub）。只有 root 账号的试用机器上可加 --allow-root"
        )
    inst = Instance.from_env(home or "lawstudy-demo")
    if not inst.home.is_dir():
        fail(f"{inst.home} 不存在：请先运行 lawstudy demo 或 lawstudy course build --home {inst.home}")
    sys.exit(demo_api.lab(inst, port, not no_browser, as_staff))
