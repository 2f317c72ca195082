"""Grade the same N submissions with `nbgrader autograde` (real kernels) and with `--fast`.

Builds the real 2020 exam (quizzes/exams/2020-annual.yaml: 50 questions) in a scratch instance,
files N submissions with random valid answers, copies the instance, grades one copy each way,
checks the gradebooks agree, and prints the per-submission times and their ratio.

Usage: .venv/bin/python benchmarks/bench_grading.py [-n 20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

from grader import exams as exam
from grader.instance import Instance


def answers_for(paper, rng):
    out = {}
    for q in paper.questions:
        ids = [o[0] for o in q.options]
        roll = rng.random()
        if roll < 0.05:
            continue
        if q.type == "judge":
            out[q.id] = q.answer if roll < 0.75 else not q.answer
        elif q.type == "single":
            out[q.id] = q.answer if roll < 0.75 else rng.choice(ids)
        else:
            out[q.id] = sorted(q.answer) if roll < 0.7 else sorted(rng.sample(ids, rng.randint(1, len(ids))))
    return out


def file_submissions(inst: Instance, paper, n: int, seed: int = 1) -> None:
    """Put N submissions where `nbgrader collect` leaves them (submitted/STUDENT/ID/)."""
    release = inst.course_dir / "release" / paper.id
    rng = random.Random(seed)
    for i in range(n):
        student = f"b{i:03d}"
        folder = inst.course_dir / "submitted" / student / paper.id
        shutil.copytree(release, folder)
        (folder / "timestamp.txt").write_text(datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
        data = {
            "exam": paper.id,
            "user": student,
            "started_at": datetime.now(UTC).isoformat(),
            "saved_at": datetime.now(UTC).isoformat(),
            "answers": answers_for(paper, rng),
        }
        (folder / "answers.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def grades(inst: Instance, exam_id: str) -> dict:
    """{(student, grade cell): auto score} as the gradebook holds them (through lawstudy's adapter)."""
    from grader.exams.gradebook import ExamGradebook

    return {(s, c): v for s, cells in ExamGradebook(inst, exam_id).read().items() for c, v in cells.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="submissions (default 20)")
    parser.add_argument("--exam", default="2020-annual")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    work = args.keep or Path(tempfile.mkdtemp(prefix="lawstudy-bench-"))
    slow_inst, fast_inst = Instance(work / "nbgrader"), Instance(work / "fast")
    for path in (slow_inst.home, fast_inst.home):
        shutil.rmtree(path, ignore_errors=True)
    paper = exam.build(slow_inst, args.exam, force=True).paper
    file_submissions(slow_inst, paper, args.n)
    shutil.copytree(slow_inst.home, fast_inst.home, symlinks=True)
    print(f"{args.n} submissions of {paper.id} ({len(paper.questions)} questions) in {work}")

    t0 = time.perf_counter()
    slow = exam.autograde(slow_inst, paper.id, fast=False)
    slow_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    exam.autograde(fast_inst, paper.id, fast=True)
    fast_s = time.perf_counter() - t0
    # the scoring alone (read + check + score each answers file and notebook), no gradebook write
    from grader.exams.grading import inspect_all

    t0 = time.perf_counter()
    inspect_all(fast_inst, paper)
    score_s = time.perf_counter() - t0

    same = grades(slow_inst, paper.id) == grades(fast_inst, paper.id)
    if slow.mismatches:
        print("nbgrader disagreed with the answers-file scores:", slow.mismatches[:5])
    print(f"nbgrader autograde : {slow_s:8.3f} s total, {slow_s / args.n * 1000:10.3f} ms per submission")
    print(
        f"lawstudy --fast    : {fast_s:8.3f} s total, {fast_s / args.n * 1000:10.3f} ms per submission"
        f"  (scoring alone {score_s / args.n * 1000:.3f} ms)"
    )
    print(f"ratio              : {slow_s / fast_s:8.0f}x  (scoring alone {slow_s / score_s:.0f}x)")
    print(f"identical gradebook grades: {same}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if same and not slow.mismatches else 1


if __name__ == "__main__":
    sys.exit(main())
