"""One base class for every error a user can cause (a file, a row, an unknown exam, a lock...).

The command line turns any `LawstudyError` into its message and a non-zero exit, in one place
(grader/cli.py); library code raises these and never prints. The message is what staff read:
Chinese first, the English gist in brackets where it helps an administrator.
"""

from __future__ import annotations


class LawstudyError(Exception):
    """A problem the user can fix; `str(error)` is the complete message (no traceback needed)."""


class SheetError(LawstudyError, ValueError):
    """A spreadsheet or CSV that cannot be read as the text its author sees (file, sheet, cell)."""


class DatabaseBusy(LawstudyError):
    """Another lawstudy command held the records database's write lock past the busy timeout."""

    def __init__(self, path: object = ""):
        super().__init__(
            f"另一个 lawstudy 命令正在写入记录库{f' {path}' if path else ''}，请稍后再试 "
            "(another lawstudy command is writing the records database)"
        )
