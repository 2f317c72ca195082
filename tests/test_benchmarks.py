"""The benchmarks run at a tiny size (their timings are not asserted: speed is measured by running them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.integration


def test_benchmark_script_smoke(tmp_path):
    """The benchmark at a tiny size: same figures as pandas, prints the timings."""
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_report.py"),
            "--staff",
            "300",
            "--results",
            "1500",
            "--dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "figures agree with pandas: every group and every one of 300 people" in done.stdout
    assert "ratio results import / sqlite3 shell .import:" in done.stdout
    assert "ratio report / pandas (best of 3 each): figures" in done.stdout


def test_benchmark_says_when_the_sqlite3_shell_is_missing(tmp_path):
    """Without the sqlite3 shell on PATH the import baseline is Python's executemany, said so."""
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_report.py"),
            "--staff",
            "100",
            "--results",
            "400",
            "--dir",
            str(tmp_path),
            "--repeat",
            "1",
            "--formats",
            "",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert "sqlite3 command-line shell not found" in done.stdout
    assert "ratio results import / Python sqlite3 executemany (no sqlite3 shell):" in done.stdout


def test_benchmark_fails_when_a_figure_differs_from_pandas(tmp_path, monkeypatch, capsys):
    """One person's fact changed after the SQL: the benchmark names the group and the person, exit 1."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import bench_report
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    real = bench_report.report.build

    def off_by_one(db, year):
        rep = real(db, year)
        person = next(p for p in rep["people"] if p["required"] and p["passed"])
        person["passed"] = False
        rep["total"]["passed"] -= 1
        return rep

    monkeypatch.setattr(bench_report.report, "build", off_by_one)
    code = bench_report.main(
        ["--staff", "100", "--results", "400", "--dir", str(tmp_path), "--repeat", "1", "--formats", ""]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "FIGURES DIFFER FROM PANDAS" in err and "1 people differ" in err
