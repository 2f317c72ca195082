"""A course: course.yaml (id, title, 学时, lessons, the law versions it pins) and its Jupytext lessons."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat
import yaml

from grader.instance import PACKAGE
from grader.laws import (
    TITLE_TEXT,
    version_name,
)

QUOTED_CITATION = re.compile(
    rf"“([^”]+)”\s*（\s*(《{TITLE_TEXT}》\s*第[零〇一二三四五六七八九十百千两0-9]+条)([^）]*)）"
)
PRACTICE_CALL = re.compile(r"practice\(\s*['\"]([^'\"]+)['\"]\s*\)")
ARTICLE_CALL = re.compile(
    r"article\(\s*['\"]([^'\"]+)['\"]\s*,\s*(\d+)\s*"
    r"(?:,\s*version\s*=\s*['\"]([0-9-]+)['\"]\s*)?\)"
)
YEAR_SUFFIX = re.compile(r"^\s*[，,]?\s*(\d{4})年版")


def courses_dir() -> Path:
    return PACKAGE.parent / "courses"


@dataclass
class Lesson:
    path: Path
    notebook: nbformat.NotebookNode

    @property
    def title(self) -> str:
        for cell in self.notebook.cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    if line.startswith("# "):
                        return line[2:].strip()
        return self.path.stem

    @property
    def markdown(self) -> str:
        return "\n".join(c.source for c in self.notebook.cells if c.cell_type == "markdown")

    @property
    def code(self) -> str:
        return "\n".join(c.source for c in self.notebook.cells if c.cell_type == "code")

    def practice_ids(self) -> list[str]:
        return PRACTICE_CALL.findall(self.code)


@dataclass
class Course:
    id: str
    title: str
    summary: str
    hours: float
    folder: Path
    lessons: list[Lesson]
    laws: dict[str, str] = field(default_factory=dict)  # pinned versions: title as written -> YYYY-MM-DD


def load_course(folder: Path) -> Course:
    """Read course.yaml and its lessons. `laws:` pins the versions the lessons were written against."""
    folder = Path(folder)
    meta = yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8"))
    lessons = [Lesson(folder / name, jupytext.read(folder / name)) for name in meta["lessons"]]
    pins = {str(k): version_name(v) for k, v in (meta.get("laws") or {}).items()}
    return Course(
        meta["id"], meta["title"], meta.get("summary", ""), float(meta.get("hours", 0)), folder, lessons, pins
    )


def load_courses(root: Path | None = None) -> list[Course]:
    root = Path(root or courses_dir())
    return [load_course(p.parent) for p in sorted(root.glob("*/course.yaml"))]
