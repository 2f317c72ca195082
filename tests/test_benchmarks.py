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
    assert "figures agree with pandas" in done.stdout
