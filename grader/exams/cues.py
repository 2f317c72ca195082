"""Format cues of the papers an exam spec would draw (grader.banks.format_cues measures a bank;
this measures each exam not yet closed over the banks it draws from, as `exam build` draws them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from grader.banks import format_cues
from grader.exams.paper import PaperAssembler
from grader.exams.spec import ExamSpec, SpecError, exams_dir, load_spec
from grader.vocabulary import CHINA


def open_specs(folder: Path, day: dt.date) -> list[ExamSpec]:
    """The exam specs in `folder` whose last window closes on or after `day` (a spec with problems
    of its own is left out: they are `exam build`'s to report)."""
    specs = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            spec = load_spec(path)
        except SpecError:
            continue
        if spec.last_close.astimezone(CHINA).date() >= day:
            specs.append(spec)
    return specs


def exam_cues(banks: list, specs: list[ExamSpec]) -> list[format_cues.Cues]:
    """One Cues per spec whose banks were all given: over the questions valid on its opening day."""
    by_id = {b.id: b for b in banks}
    out = []
    for spec in specs:
        if not all(b in by_id for b in spec.banks):
            continue
        assembler = PaperAssembler(spec)
        pool = assembler.valid(assembler.eligible([by_id[b] for b in spec.banks]))
        out.append(format_cues.measure(pool, f"考试 {spec.id}"))
    return out


def measure(banks: list, paths: list[Path] | None, day: dt.date) -> list[format_cues.Cues]:
    """Format cues per bank, then per exam spec not yet closed on `day` whose banks were all checked.
    The specs are read from the exams/ folder beside the banks `paths` name (default quizzes/exams/)."""
    first = Path(paths[0]) if paths else None
    folder = exams_dir(first.parent if first and first.is_file() else first)
    return format_cues.measure_banks(banks) + exam_cues(banks, open_specs(folder, day))
