"""City-sized benchmark of the records and the annual report (not run by the tests at full size).

Generates a roster (default 200,000 staff in 60 departments) and results (default 1,000,000 rows:
two exams, make-ups, 2019/2021 rows, a few people not on the roster, exact duplicates), imports
them through the same functions the commands use, times the report, and computes the same figures
with a plain pandas group-by on the same data to check them and compare speed.

Usage: .venv/bin/python benchmarks/bench_report.py [--staff 200000] [--results 1000000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader import records  # noqa: E402
from grader import reports as report  # noqa: E402

YEAR = 2020
CATEGORIES = ["领导干部", "公务员", "事业人员", "执法人员", "其他"]


def generate(folder: Path, staff: int, results: int, seed: int = 7) -> tuple[Path, Path, Path]:
    rng = random.Random(seed)
    departments = [f"第{i:02d}科室" for i in range(1, 61)]
    roster, exempt, scores = folder / "roster.csv", folder / "exempt.csv", folder / "results.csv"
    with open(roster, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["工号", "姓名", "科室", "类别"])
        for i in range(staff):
            w.writerow([f"S{i:07d}", f"职工{i}", rng.choice(departments), rng.choice(CATEGORIES)])
    with open(exempt, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["工号", "原因", "年度"])
        for i in rng.sample(range(staff), staff // 50):
            w.writerow([f"S{i:07d}", rng.choice(["病假", "产假", "借调", "退休"]), YEAR])
    with open(scores, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["staff_id", "exam", "score", "max_score", "submitted_at"])
        written, keys = 0, set()
        while written < results:
            i = rng.randrange(int(staff * 1.005))  # ~0.5% not on the roster
            year = rng.choices([2019, 2020, 2021], [1, 8, 1])[0]
            exam = rng.choice(["city", "city-makeup"]) + str(year)
            when = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
            if rng.random() < 0.01:
                when = f"{year}-12-31T{rng.randint(16, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"  # next year in China
            if (i, exam, when) in keys:
                continue
            keys.add((i, exam, when))
            score = rng.choice([60, 90, rng.randint(0, 100)])
            w.writerow([f"S{i:07d}", exam, score, 100, when])
            written += 1
            if rng.random() < 0.002 and written < results:  # an exact duplicate row
                w.writerow([f"S{i:07d}", exam, score, 100, when])
                written += 1
    return roster, exempt, scores


def pandas_figures(db_path: Path, year: int) -> tuple[dict, float, float]:
    """The same figures with pandas: (figures, seconds to load the tables, seconds to compute)."""
    import sqlite3

    import pandas as pd

    t0 = time.perf_counter()
    con = sqlite3.connect(db_path)
    staff = pd.read_sql("SELECT staff_id, department, category FROM staff WHERE active = 1", con)
    exempt = pd.read_sql("SELECT staff_id FROM exemptions WHERE year = ?", con, params=[year])
    att = pd.read_sql(
        "SELECT staff_id, exam_id, submitted_at, percent FROM attempts WHERE year = ?", con, params=[year]
    )
    exams = pd.read_sql("SELECT id AS exam_id, pass_mark, excellence_mark FROM exams", con)
    con.close()
    t1 = time.perf_counter()

    att = att.merge(exams, on="exam_id")
    att["ok"] = att["percent"] >= att["pass_mark"]
    att["great"] = att["percent"] >= att["excellence_mark"]
    att = att.sort_values(["staff_id", "submitted_at", "exam_id"])
    g = att.groupby("staff_id")
    person = pd.DataFrame(
        {"attempts": g.size(), "passed": g["ok"].max(), "excellent": g["great"].max(), "first_ok": g["ok"].first()}
    )
    people = staff.merge(person, left_on="staff_id", right_index=True, how="left")
    people["required"] = ~people["staff_id"].isin(exempt["staff_id"])
    people["sat"] = people["required"] & people["attempts"].notna()
    for col in ("passed", "first_ok", "excellent"):
        people[col] = people["required"] & people[col].fillna(False).astype(bool)

    def summarise(frame):
        return frame.agg(
            required=("required", "sum"),
            participants=("sat", "sum"),
            passed=("passed", "sum"),
            first_attempt_passed=("first_ok", "sum"),
            excellent=("excellent", "sum"),
        )

    people["all"] = "all"
    out = {}
    for key in ("all", "department", "category"):
        table = summarise(people.groupby(key))
        out[key] = {name: {k: int(v) for k, v in row.items()} for name, row in table.iterrows()}
    t2 = time.perf_counter()
    return out, t1 - t0, t2 - t1


def ours(rep: dict) -> dict:
    keys = ("required", "participants", "passed", "first_attempt_passed", "excellent")
    return {
        "all": {"all": {k: rep["total"][k] for k in keys}},
        "department": {d["department"]: {k: d[k] for k in keys} for d in rep["departments"]},
        "category": {c["category"]: {k: c[k] for k in keys} for c in rep["categories"]},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=200_000)
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, help="work directory (default: a temporary one)")
    parser.add_argument("--formats", default="json,xlsx,html,md,csv", help="report formats to time")
    args = parser.parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="lawstudy-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "records.db").unlink(missing_ok=True)

    def timed(label, fn):
        t = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - t
        print(f"{label:<34} {seconds:8.2f} s", flush=True)
        return value, seconds

    print(f"staff {args.staff:,}, results {args.results:,}, in {folder}")
    (roster, exempt, scores), _ = timed("generate CSV files", lambda: generate(folder, args.staff, args.results))
    db = records.open_db(folder / "records.db")
    timed("import roster", lambda: records.import_roster(db, roster))
    timed("import exemptions", lambda: records.import_exemptions(db, exempt))
    imported, _ = timed("import results", lambda: records.import_results(db, scores))
    print(
        f"  attempts added {imported.counts.added:,}, duplicates {imported.duplicates:,}, "
        f"not on roster {len(imported.not_on_roster):,}"
    )
    again, _ = timed("import results again (idempotent)", lambda: records.import_results(db, scores))
    assert again.counts.added == 0 and again.counts.updated == 0
    rep, build_seconds = timed(f"report figures {YEAR} (SQL)", lambda: report.build(db, YEAR))
    total = build_seconds
    for fmt in [f for f in args.formats.split(",") if f]:
        _, seconds = timed(f"  write .{fmt}", lambda fmt=fmt: report.write(rep, folder / f"report.{fmt}"))
        if fmt == "json":
            total += seconds
    print(f"{'report figures + .json':<34} {total:8.2f} s")
    (theirs, load, compute), _ = timed("pandas (load + group-by)", lambda: pandas_figures(folder / "records.db", YEAR))
    print(f"  pandas load {load:.2f} s, group-by {compute:.2f} s")
    if ours(rep) != theirs:
        print("FIGURES DIFFER FROM PANDAS", file=sys.stderr)
        for key in theirs:
            for name in set(theirs[key]) | set(ours(rep)[key]):
                if theirs[key].get(name) != ours(rep)[key].get(name):
                    print(key, name, ours(rep)[key].get(name), theirs[key].get(name), file=sys.stderr)
        return 1
    print("figures agree with pandas")
    t = rep["total"]
    print(
        f"  required {t['required']:,}, participants {t['participants']:,}, passed {t['passed']:,}, "
        f"first-attempt {t['first_attempt_passed']:,}, excellent {t['excellent']:,}"
    )
    print(
        f"ratio ours/pandas: figures {build_seconds / (load + compute):.2f}x of pandas load+group-by, "
        f"{build_seconds / compute:.2f}x of pandas group-by alone"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
