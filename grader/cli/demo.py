"""`lawstudy demo` and `lawstudy lab` (grader.demo)."""

from __future__ import annotations

import os
import sys

import click

from grader.cli.base import fail, home_option
from grader.instance import Instance

# ------------------------------------------------------------------ demo and lab


@click.command("demo")
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
    from grader import reports as report_api

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


@click.command("lab")
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
