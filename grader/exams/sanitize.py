"""Submissions reduced to what a staff member may decide: their answers, nothing that runs or renders.

A collected submission is a folder a staff member wrote. Its notebook can carry added code
cells (which nbgrader's autograde would execute with the grader's rights), a `grader/` folder
that shadows our package on `sys.path`, or markdown with script that the formgrader would
render in a trainer's browser. `SubmissionSanitizer` therefore keeps, for every submission:

- `answers.json`, read without following links, size-capped, and written back as plain JSON;
- `timestamp.txt` and nbgrader's `submission_secret.txt`, read the same way (text only);
- the notebook, replaced by the RELEASED notebook (the trainer's own file), so nothing a staff
  member typed into it is ever executed or rendered;

and moves the folder as submitted into a private audit folder, where `SubmissionInspector`
still reads the original notebook to flag tampering. Files are opened with `O_NOFOLLOW` and
`O_NONBLOCK` and must be regular files (no links, devices or FIFOs).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from grader.answers import ANSWERS_FILE, ANSWERS_MAX_BYTES
from grader.safe_io import read_regular

NOTEBOOK_MAX_BYTES = 20 * 1024 * 1024
STAMP_MAX_BYTES = 200
ORIGINALS = "submitted-originals"
# what a submission keeps (as data, never run): the answers, nbgrader's time and its feedback secret
KEPT_FILES = {
    ANSWERS_FILE: ANSWERS_MAX_BYTES,
    "timestamp.txt": STAMP_MAX_BYTES,
    "submission_secret.txt": STAMP_MAX_BYTES,
}


class SubmissionSanitizer:
    """Replace a collected submission by its answers, its time and the released notebook.

    `released` is the folder nbgrader released to staff (course/release/ID); `originals` is a
    private folder (mode 700) where the submission as it came is kept for audit and for the
    tamper check. Idempotent: a folder already sanitized (its original kept) is left alone.
    """

    def __init__(self, released: Path, originals: Path):
        self.released = Path(released)
        self.originals = Path(originals)

    def original_of(self, student: str) -> Path:
        return self.originals / student

    def sanitize(self, folder: Path, student: str) -> list[str]:
        """Sanitize `folder` (submitted/STUDENT/ID) in place; returns what was dropped or refused."""
        folder = Path(folder)
        if folder.is_symlink() or not folder.is_dir():
            return [f"{folder} 不是目录"]
        keep = self.original_of(student)
        marker = folder / ".sanitized"
        if marker.is_file() and keep.is_dir():
            return []
        notes: list[str] = []
        kept: dict[str, bytes] = {}
        for name, limit in KEPT_FILES.items():
            try:
                kept[name] = read_regular(folder / name, limit)
            except FileNotFoundError:
                pass
            except OSError as error:
                notes.append(f"{name}: {error}")
        if ANSWERS_FILE in kept:
            try:
                data = json.loads(kept[ANSWERS_FILE].decode("utf-8"))
                kept[ANSWERS_FILE] = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
            except (UnicodeDecodeError, ValueError):
                notes.append(f"{ANSWERS_FILE}: 不是有效的 JSON")
                del kept[ANSWERS_FILE]
        dropped = sorted(p.name for p in folder.iterdir() if p.name not in KEPT_FILES)
        if keep.exists():
            shutil.rmtree(keep)
        self.originals.mkdir(parents=True, exist_ok=True)
        os.chmod(self.originals, 0o700)
        shutil.move(str(folder), str(keep))  # the submission as it came, for audit (links stay links)
        folder.mkdir(mode=0o700)
        for name, data in kept.items():
            (folder / name).write_bytes(data)
        for item in self.released.iterdir():
            if item.is_file() and not item.is_symlink():
                shutil.copyfile(item, folder / item.name)
        marker.write_text(
            "submitted files replaced by the released notebook; originals kept privately\n", encoding="utf-8"
        )
        notes += [f"已丢弃 {name}" for name in dropped if not (self.released / name).is_file()]
        return notes


def sanitize_collected(course_dir: Path, exam_id: str) -> dict[str, list[str]]:
    """Sanitize every collected submission of `exam_id` under course_dir/submitted.

    Returns {student: notes} for the submissions that had something dropped or refused.
    The released notebook comes from course_dir/release/ID (nbgrader's release folder).
    """
    course_dir = Path(course_dir)
    released = course_dir / "release" / exam_id
    submitted = course_dir / "submitted"
    if not released.is_dir() or not submitted.is_dir():
        return {}
    top = course_dir / ORIGINALS
    top.mkdir(exist_ok=True)
    os.chmod(top, 0o700)
    sanitizer = SubmissionSanitizer(released, top / exam_id)
    notes = {}
    for folder in sorted(submitted.glob(f"*/{exam_id}")):
        found = sanitizer.sanitize(folder, folder.parent.name)
        if found:
            notes[folder.parent.name] = found
    return notes
