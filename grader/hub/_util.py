"""The hub package's error and small helpers of the hub package: private files, commands that must succeed, a log's tail."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from grader.errors import LawstudyError


class HubError(LawstudyError, RuntimeError):
    """The hub cannot be set up, started or reached; the message says what to do."""


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def _run(cmd: list[str], input: str | None = None, ok=(0,), timeout: float = 300) -> str:
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)
    if proc.returncode not in ok:
        raise HubError(f"{' '.join(cmd)} 失败（{proc.returncode}）：{proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
