"""City-sized benchmark of the records and the annual report (not run by the tests at full size).

Generates a roster (default 200,000 staff in 60 departments) and results (default 1,000,000 rows:
two exams, make-ups, 2019/2021 rows, a few people not on the roster, exact duplicates), imports
them through the same functions the commands use, and compares, in the same process:

* `results import` against the sqlite3 command-line shell's own `.import` of the same CSV into a
  fresh database (Debian's `sqlite3` package; without it, Python's sqlite3 `executemany` of the
  CSV's raw rows in one transaction stands in, and the output says so);
* the report's figures (`grader.reports.build`: the SQL, the lists, the words; and with the .json
  written, as `lawstudy report -o x.json` does) against the same figures computed by pandas
  (loading the tables from the same database, then a group-by), each timed `--repeat` times in
  turn and compared best against best. Every person's facts and every group's figures must equal
  pandas', or the benchmark fails (exit 1).

pandas is a test/benchmark extra (pyproject's `test`), never a runtime dependency.

Usage: .venv/bin/python benchmarks/bench_report.py [--staff 200000] [--results 1000000] [--dir DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sqlite3
import subprocess
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


def pandas_figures(db_path: Path, year: int) -> tuple[dict, dict, float, float]:
    """The same figures with pandas: (figures, {staff_id: facts}, seconds to load the tables,
    seconds to compute). The per-person facts are taken out after the clock stops."""
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
    facts = people.set_index("staff_id")[["required", "sat", "passed", "first_ok", "excellent"]]
    each = {staff_id: tuple(bool(v) for v in row) for staff_id, row in zip(facts.index, facts.itertuples(index=False))}
    return out, each, t1 - t0, t2 - t1


def our_people(rep: dict) -> dict:
    """{staff_id: (required, sat, passed, first_attempt_passed, excellent)} from the report's people
    list (as pandas gives them: a person who is exempt is not counted as sitting or passing)."""
    out = {}
    for p in rep["people"]:
        r = bool(p["required"])
        out[p["staff_id"]] = (
            r,
            r and p["attempts"] > 0,
            r and bool(p["passed"]),
            r and bool(p["first_attempt_passed"]),
            r and bool(p["excellent"]),
        )
    return out


def sqlite_cli_import(csv_path: Path, folder: Path) -> tuple[str, float]:
    """Seconds for the sqlite3 shell's `.import --csv --skip 1` of `csv_path` into a new table of a
    fresh database (what the shell does on its own: no checks, no indexes); without the shell,
    Python's sqlite3 executemany of the raw CSV rows in one transaction. Returns (baseline, seconds)."""
    target = folder / "cli_import.db"
    target.unlink(missing_ok=True)
    cli = shutil.which("sqlite3")
    if cli:
        t = time.perf_counter()
        subprocess.run([cli, str(target), f".import --csv --skip 1 {csv_path} raw"], check=True)
        seconds = time.perf_counter() - t
        target.unlink(missing_ok=True)
        return "sqlite3 shell .import", seconds
    print("  sqlite3 command-line shell not found (Debian: apt-get install sqlite3); the baseline is")
    print("  Python's sqlite3 executemany of the raw CSV rows in one transaction instead")
    t = time.perf_counter()
    con = sqlite3.connect(target)
    with open(csv_path, encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        con.execute(f"CREATE TABLE raw ({', '.join(f'c{i}' for i in range(len(header)))})")
        with con:
            con.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(header))})", rows)
    con.close()
    seconds = time.perf_counter() - t
    target.unlink(missing_ok=True)
    return "Python sqlite3 executemany (no sqlite3 shell)", seconds


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
    parser.add_argument("--repeat", type=int, default=3, help="runs of the report and of pandas, in turn")
    args = parser.parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="lawstudy-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (folder / f"records.db{suffix}").unlink(missing_ok=True)

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
    (baseline, cli_seconds), _ = timed("sqlite3 .import of results.csv", lambda: sqlite_cli_import(scores, folder))
    print(f"  baseline: {baseline}")
    imported, import_seconds = timed("import results", lambda: records.import_results(db, scores))
    print(
        f"  attempts added {imported.counts.added:,}, duplicates {imported.duplicates:,}, "
        f"not on roster {len(imported.not_on_roster):,}"
    )
    again, again_seconds = timed("import results again (idempotent)", lambda: records.import_results(db, scores))
    assert again.counts.added == 0 and again.counts.updated == 0

    builds, with_json, pandas_runs = [], [], []
    for run in range(1, args.repeat + 1):
        t = time.perf_counter()
        rep = report.build(db, YEAR)
        built = time.perf_counter() - t
        report.write(rep, folder / "report.json")
        builds.append(built)
        with_json.append(time.perf_counter() - t)
        theirs, each, load, compute = pandas_figures(folder / "records.db", YEAR)
        pandas_runs.append(load + compute)
        print(
            f"run {run}: report figures {built:6.2f} s, + .json {with_json[-1]:6.2f} s;"
            f" pandas load {load:5.2f} s + group-by {compute:5.2f} s = {load + compute:6.2f} s",
            flush=True,
        )
    for fmt in [f for f in args.formats.split(",") if f and f != "json"]:
        timed(f"  write .{fmt}", lambda fmt=fmt: report.write(rep, folder / f"report.{fmt}"))

    mine = ours(rep)
    if mine != theirs or our_people(rep) != each:
        print("FIGURES DIFFER FROM PANDAS", file=sys.stderr)
        for key in theirs:
            for name in sorted(set(theirs[key]) | set(mine[key])):
                if theirs[key].get(name) != mine[key].get(name):
                    print(key, name, mine[key].get(name), theirs[key].get(name), file=sys.stderr)
        people = our_people(rep)
        wrong = [s for s in sorted(set(people) | set(each)) if people.get(s) != each.get(s)]
        for staff_id in wrong[:20]:
            print("person", staff_id, people.get(staff_id), each.get(staff_id), file=sys.stderr)
        print(f"{len(wrong)} people differ", file=sys.stderr)
        return 1
    print(f"figures agree with pandas: every group and every one of {len(each):,} people")
    t = rep["total"]
    print(
        f"  required {t['required']:,}, participants {t['participants']:,}, passed {t['passed']:,}, "
        f"first-attempt {t['first_attempt_passed']:,}, excellent {t['excellent']:,}"
    )
    best_pandas = min(pandas_runs)
    print(f"ratio results import / {baseline}: {import_seconds / cli_seconds:.2f}x (target <= 3)")
    print(f"  (again, idempotent: {again_seconds / cli_seconds:.2f}x)")
    print(
        f"ratio report / pandas (best of {args.repeat} each): figures {min(builds) / best_pandas:.2f}x, "
        f"figures + .json {min(with_json) / best_pandas:.2f}x (target <= 1.0)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
