"""What the start page reads in a person's home, read as the person: regular files only, never
through a link, never waiting on a FIFO, within size and count limits."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from grader.safe_io import read_regular

# What the start page reads in a person's home is theirs to plant (it runs as them, but a FIFO
# would hang it and /dev/zero or a sparse file would exhaust it): regular files only, never
# through a link at the last component, at most this many bytes (grader.safe_io.read_regular).
META_LIMIT = 1024 * 1024  # course.json, window.json
LESSON_LIMIT = 8 * 1024 * 1024  # a saved lesson notebook (with its outputs)
SUBMISSION_LIMIT = 32 * 1024 * 1024  # a submitted notebook in the exchange cache (legacy feedback hash)
SECRET_LIMIT = 4096  # submission_secret.txt
MAX_ENTRIES = 2000  # directory entries looked at in one folder
PROGRESS_LIMIT = 4 * 1024 * 1024  # the progress JSON the hub's hook writes to start-page's stdin


def _read_text(path: Path, limit: int) -> str | None:
    """The text of a regular file of at most `limit` bytes, read without following a link and
    without waiting on a FIFO; None for anything else (absent, a link, special, too large, not UTF-8)."""
    try:
        return read_regular(path, limit).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _is_regular(path: Path) -> bool:
    """`path` is a regular file itself (not a link to one)."""
    try:
        return stat.S_ISREG(os.stat(path, follow_symlinks=False).st_mode)
    except (OSError, ValueError):
        return False


def _entries(folder: Path, keep) -> list[Path]:
    """The entries of `folder` that `keep(entry)` takes, by name, from at most MAX_ENTRIES entries
    (none when the folder cannot be read)."""
    found = []
    try:
        with os.scandir(folder) as it:
            for i, entry in enumerate(it):
                if i >= MAX_ENTRIES:
                    break
                if keep(entry):
                    found.append(Path(entry.path))
    except OSError:
        return []
    return sorted(found)


def _subdirs(folder: Path) -> list[Path]:
    """The real folders (not links) in `folder`, by name, from at most MAX_ENTRIES entries."""
    return _entries(folder, lambda entry: entry.is_dir(follow_symlinks=False))


def _files(folder: Path, suffix: str) -> list[Path]:
    """The regular files (not links) named *suffix in `folder`, by name, from at most MAX_ENTRIES entries."""
    return _entries(folder, lambda entry: entry.name.endswith(suffix) and entry.is_file(follow_symlinks=False))
