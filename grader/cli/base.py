"""What every command shares: the root group that turns a user's error into one message, the
options (--home, --as-of, --sheet, --column), a progress bar, and handing a step to the grader
on a hub."""

from __future__ import annotations

import sys

import click

from grader import banks as bank_api
from grader.instance import Instance

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


def as_of_date(value):
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


def column_mapping(values) -> dict[str, str]:
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


def open_records(home):
    from grader import records as records_api

    inst = Instance.from_env(home).ensure()
    return inst, records_api.open_db(inst.records)


def progress_bar(label: str):
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


def as_grader_on_hub(home) -> None:
    """On a hub instance, root hands a step that touches the exchange (which staff write) to the
    course's grader account and exits with its result (grader.hub.as_grader.hand_over); elsewhere
    it returns at once."""
    from grader.hub.as_grader import hand_over

    code = hand_over(Instance.from_env(home), sys.argv[1:])
    if code is not None:
        sys.exit(code)


def exam_call(function, *args, **kwargs):
    from grader.exams import ExamError, SpecError
    from grader.exams.guard import LeakError
    from grader.exams.nbgrader_course import NbgraderFailed

    try:
        return function(*args, **kwargs)
    except (ExamError, SpecError, LeakError, NbgraderFailed) as error:
        fail(str(error))
    except Exception as error:  # records / bank errors carry Chinese messages too
        from grader.banks import BankError

        if isinstance(error, BankError):
            fail(f"题库有问题，请先运行 lawstudy quiz check：\n{error}")
        raise
