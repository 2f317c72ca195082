"""Paper assembly (seeded, reproducible) and the trainer-only paper file that holds the keys."""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from grader.exam.spec import ExamSpec, SpecError
from grader.scoring import Key
from grader.vocabulary import CHINA, QUESTION_TYPES, TYPE_NAMES

TYPE_ORDER = QUESTION_TYPES
PAPER_FILE = "paper.json"


@dataclass
class PaperQuestion:
    """One question as it stands on this paper (points from the quota) with its key and 解析."""

    id: str
    bank: str
    type: str
    stem: str
    options: list[list[str]]  # [[option_id, text], ...] in bank order
    answer: str | list[str] | bool
    points: float
    partial: float
    explanation: str
    basis: list[dict]  # {law, version, article, quote, citation}: the law as the paper was built
    shuffle: bool = True  # False: options shown in bank order to everyone

    @property
    def key(self) -> Key:
        answer = frozenset(self.answer) if isinstance(self.answer, list) else self.answer
        return Key(
            self.type, answer, float(self.points), float(self.partial or 0), frozenset(o[0] for o in self.options)
        )

    def display(self) -> dict:
        """What a staff kernel may see: no answer, no explanation, no basis.

        "shuffle": False (only then present) keeps the options in bank order for everyone.
        """
        data = {
            "id": self.id,
            "type": self.type,
            "stem": self.stem,
            "options": [list(o) for o in self.options],
            "points": self.points,
        }
        if not self.shuffle:
            data["shuffle"] = False
        return data

    def to_dict(self) -> dict:
        return dict(self.__dict__)


# How the questions reach staff: in the released notebook (one machine, `lawstudy lab`), or from
# the exam service inside each person's sitting (a hub instance: nothing staff can read before
# their sitting opens holds a stem or an option).
DELIVERIES = ("notebook", "service")


@dataclass
class Paper:
    spec: ExamSpec
    questions: list[PaperQuestion]
    released: dict[str, dict] = field(default_factory=dict)  # grade_id -> {cell_type, source}
    built_at: str = ""
    delivery: str = "notebook"  # one of DELIVERIES

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)

    def type_counts(self) -> dict[str, int]:
        """Questions per type, in the paper's section order."""
        counts: dict[str, int] = {}
        for q in self.questions:
            counts[q.type] = counts.get(q.type, 0) + 1
        return counts

    def describe(self) -> str:
        """'单选 20 题，多选 10 题，判断 20 题，满分 100 分'."""
        parts = [f"{TYPE_NAMES[t]} {n} 题" for t, n in self.type_counts().items()]
        return "，".join(parts) + f"，满分 {self.max_score:g} 分"

    def by_id(self) -> dict[str, PaperQuestion]:
        return {q.id: q for q in self.questions}

    def display(self) -> list[dict]:
        return [q.display() for q in self.questions]

    def to_dict(self) -> dict:
        return {
            "spec": self.spec.to_dict(),
            "questions": [q.to_dict() for q in self.questions],
            "released": self.released,
            "built_at": self.built_at,
            "delivery": self.delivery,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Paper:
        return cls(
            ExamSpec.from_dict(data["spec"]),
            [PaperQuestion(**q) for q in data["questions"]],
            data.get("released") or {},
            data.get("built_at", ""),
            data.get("delivery") or "notebook",
        )


class PaperAssembler:
    """Draw the paper from the banks: exam pool, the spec's banks and tags, quotas per type.

    Only questions valid on the exam's `opens_at` (every version they cite in force that day) are
    drawn. Seeded by (exam id, seed): the same spec and banks always give the same paper.
    """

    def __init__(self, spec: ExamSpec):
        self.spec = spec

    def eligible(self, banks) -> list:
        wanted = set(self.spec.banks)
        found = {b.id for b in banks}
        missing = wanted - found
        if missing:
            raise SpecError(f"找不到题库: {', '.join(sorted(missing))}（已有: {', '.join(sorted(found))}）")
        questions = [q for b in banks if b.id in wanted for q in b.questions if q.pool == "exam"]
        if self.spec.tags:
            tags = set(self.spec.tags)
            questions = [q for q in questions if tags & set(q.tags)]
        return sorted(questions, key=lambda q: q.id)

    @property
    def law_date(self):
        """The day whose law the paper examines: the date (China time) of `opens_at`."""

        return self.spec.window.opens_at.astimezone(CHINA).date()

    def valid(self, questions) -> list:
        """The questions valid on `law_date`."""
        return [q for q in questions if q.valid_on(self.law_date)]

    def assemble(self, banks) -> Paper:
        from grader.bank import Citation  # noqa: F401  (bank questions carry Citation objects)

        rng = random.Random(f"{self.spec.id}:{self.spec.seed}")
        every = self.eligible(banks)
        pool = self.valid(every)
        chosen: list[PaperQuestion] = []
        short = []
        for qtype in TYPE_ORDER:
            quota = self.spec.quotas.get(qtype)
            if not quota:
                continue
            candidates = [q for q in pool if q.type == qtype]
            if len(candidates) < quota.count:
                per_bank = []
                for bank_id in self.spec.banks:
                    n_all = sum(1 for q in every if q.type == qtype and q.bank == bank_id)
                    n_ok = sum(1 for q in candidates if q.bank == bank_id)
                    per_bank.append(
                        f"{bank_id} {n_ok} 道有效（共 {n_all} 道，{n_all - n_ok} 道所引法规版本"
                        f"在 {self.law_date.isoformat()} 不施行）"
                    )
                short.append(
                    f"{qtype}（{TYPE_NAMES[qtype]}）: 需要 {quota.count} 道，有效考试题只有 "
                    f"{len(candidates)} 道，缺 {quota.count - len(candidates)} 道；" + "；".join(per_bank)
                )
                continue
            for q in rng.sample(candidates, quota.count):
                chosen.append(
                    PaperQuestion(
                        id=q.id,
                        bank=q.bank,
                        type=q.type,
                        stem=q.stem,
                        options=[[k, v] for k, v in q.options.items()],
                        answer=sorted(q.answer) if q.type == "multiple" else q.answer,
                        points=float(quota.points if quota.points is not None else q.points),
                        partial=float(q.partial or 0),
                        explanation=q.explanation,
                        basis=[
                            {
                                "law": c.law,
                                "version": c.version,
                                "article": c.article,
                                "quote": c.quote,
                                "citation": c.cited,
                            }
                            for c in q.basis
                        ],
                        shuffle=not q.keeps_order,
                    )
                )
        if short:
            raise SpecError("题目不够组卷:\n" + "\n".join(short))
        return Paper(self.spec, chosen, built_at=datetime.now(UTC).isoformat(timespec="seconds"))


def private_dir(path: Path) -> Path:
    """A directory only its owner can enter (keys, gradebook, set-aside submissions)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def paper_path(papers_dir: Path, exam_id: str) -> Path:
    return Path(papers_dir) / exam_id / PAPER_FILE


def save_paper(paper: Paper, papers_dir: Path) -> Path:
    private_dir(Path(papers_dir))
    folder = private_dir(Path(papers_dir) / paper.id)
    path = folder / PAPER_FILE
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(paper.to_dict(), fh, ensure_ascii=False, indent=1)
    os.replace(tmp, path)
    return path


def load_paper(papers_dir: Path, exam_id: str) -> Paper:
    path = paper_path(papers_dir, exam_id)
    if not path.is_file():
        raise SpecError(f"考试 {exam_id} 尚未组卷：请先运行 lawstudy exam build {exam_id}")
    return Paper.from_dict(json.loads(path.read_text(encoding="utf-8")))
