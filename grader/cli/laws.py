"""`lawstudy laws`: list, show, diff, impact (grader.laws, grader.courses.impact)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grader import banks as bank_api
from grader.cli.base import AS_OF, as_of_date, fail

# ------------------------------------------------------------------ laws


@click.group()
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
    day = as_of_date(as_of)
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
    day = as_of_date(as_of)
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
    from grader.laws import LawError
    from grader.laws import diff as law_diff

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
    from grader.banks.impact import counts as impact_counts
    from grader.courses.impact import impact
    from grader.laws import LawError
    from grader.laws import int_to_cn as cn

    day = as_of_date(as_of)
    try:
        rows = impact([quizzes] if quizzes else None, law=law, as_of=day)
    except LawError as error:
        fail(str(error))
    except bank_api.BankError as error:
        fail(f"题库有问题，请先运行 lawstudy quiz check：\n{error}")
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    counts = impact_counts(rows)
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
