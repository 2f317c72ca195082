"""Factories for tests that are not about the shipped content: rosters, banks, exam specs,
gradebook contents and sittings made small and on purpose, instead of quizzes/ and courses/.

Everything made here passes the same checks real input does (a bank's quotes stand verbatim in
the article they cite, a roster reads through grader.sheets), so a test using them exercises the
real code paths; only the size and the content are the test's own.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from grader.exams.gradebook import GradebookSubmission
from grader.exams.spec import ExamSpec
from grader.laws import library

# ------------------------------------------------------------------ rosters

PEOPLE = [
    ("MZ001", "王伟", "办公室", "领导干部"),
    ("MZ002", "李芳", "办公室", "公务员"),
    ("MZ003", "张敏", "社会救助科", "事业人员"),
    ("MZ004", "刘静", "社会救助科", "执法人员"),
]


def roster_csv(path: Path, people=PEOPLE, encoding: str = "utf-8-sig") -> Path:
    """A roster sheet as HR writes it: 工号, 姓名, 科室, 类别 (UTF-8 with BOM by default)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["工号", "姓名", "科室", "类别"])
        out.writerows(people)
    return path


# ------------------------------------------------------------------ banks


def quote_from(law: str, article: int, length: int = 12) -> str:
    """The first `length` characters of an article's body in the version in force: a quote that
    stands verbatim (what every question's basis needs)."""
    art = library().article(law, article)
    return art.body.replace("\n", "")[:length]


def question(qid: str, qtype: str = "single", pool: str = "exam", law: str = "殡葬管理条例", article: int = 4):
    """One question as a bank holds it, citing a real article with a verbatim quote."""
    q = {
        "id": qid,
        "type": qtype,
        "stem": f"题目 {qid}：依照规定，下列说法正确的是？",
        "explanation": f"解析 {qid}。",
        "basis": [{"law": law, "article": article, "quote": quote_from(law, article)}],
        "pool": pool,
        "points": 2,
    }
    if qtype == "judge":
        q["answer"] = True
    else:
        q["options"] = {"A": f"{qid} 甲项", "B": f"{qid} 乙项", "C": f"{qid} 丙项", "D": f"{qid} 丁项"}
        q["answer"] = ["A", "C"] if qtype == "multiple" else "B"
    return q


def bank_file(folder: Path, bank_id: str = "t", questions: list[dict] | None = None, title: str = "测试题库") -> Path:
    """quizzes-like FOLDER/BANK_ID.yaml; by default two practice and six exam questions."""
    if questions is None:
        questions = [question(f"{bank_id}-p-{i}", pool="practice") for i in (1, 2)] + [
            question(f"{bank_id}-e-{i}", t) for i, t in enumerate(["single"] * 2 + ["multiple"] * 2 + ["judge"] * 2, 1)
        ]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{bank_id}.yaml"
    path.write_text(
        yaml.safe_dump({"bank": bank_id, "title": title, "questions": questions}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


# ------------------------------------------------------------------ exams and sittings


def exam_spec(exam_id: str = "t-exam", opens: datetime | None = None, **extra) -> ExamSpec:
    """An exam spec over bank `t` (one single, one multiple, one judge question), open five days."""
    opens = opens or datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    data = {
        "id": exam_id,
        "title": "测试考试",
        "year": opens.year,
        "banks": ["t"],
        "quotas": {"single": 1, "multiple": 1, "judge": 1},
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(days=5)).isoformat(),
        **extra,
    }
    return ExamSpec.from_dict(data)


def sitting(store, spec: ExamSpec, user: str, answers: dict, opened: datetime, hand_in_after: float | None = 10):
    """One sitting in an exam-service store: opened at `opened`, each answer saved a minute apart,
    handed in `hand_in_after` minutes after opening (None: never handed in)."""
    store.open(spec, user, opened)
    for i, (qid, answer) in enumerate(answers.items(), 1):
        store.save(spec, user, qid, answer, opened + timedelta(minutes=i))
    if hand_in_after is not None:
        store.hand_in(spec, user, opened + timedelta(minutes=hand_in_after))
    return store.sittings(spec.id, user)[-1]


# ------------------------------------------------------------------ what a gradebook holds


@dataclass
class Gradebook:
    """What nbgrader's gradebook holds for one exam, as grader.exams.gradebook.submissions reads
    it: one submission per student (a resubmission replaces it, as nbgrader's does), graded per
    question. `found()` is what `lawstudy sync` reads (grader.exams.sync.record takes it)."""

    exam: str
    points: dict[str, float]  # question id -> its points
    by_student: dict[str, GradebookSubmission] = field(default_factory=dict)

    def submit(self, student: str, when: str | datetime, scores, manual: bool = False) -> None:
        """`scores`: points per question, in the order of `points`; `when`: UTC."""
        at = datetime.fromisoformat(when) if isinstance(when, str) else when
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
        grades = {f"q-{qid}": (float(s), float(most)) for (qid, most), s in zip(self.points.items(), scores)}
        self.by_student[student] = GradebookSubmission(
            self.exam,
            student,
            at,
            manual,
            float(sum(s for s, _ in grades.values())),
            float(sum(self.points.values())),
            grades,
        )

    def found(self) -> dict[str, list[GradebookSubmission]]:
        return {self.exam: list(self.by_student.values())}
