"""How long `lawstudy quiz check` takes over every bank, against a baseline in the same process.

Baseline: the same check with PyYAML's pure-Python SafeLoader (what the code used before it
picked libyaml's CSafeLoader). Prints per-run times and the ratio.

    .venv/bin/python benchmarks/bench_quiz_check.py [--runs 10]
"""

import argparse
import statistics
import time

import yaml

from grader import banks as bank
from grader.banks import store


def timed(runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = bank.check()
        times.append(time.perf_counter() - start)
        assert result.ok, result.problems
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    questions = len(bank.check().questions)
    fast = timed(runs)
    saved, store.LOADER = store.LOADER, yaml.SafeLoader
    try:
        baseline = timed(runs)
    finally:
        store.LOADER = saved
    print(f"banks: {questions} questions; median of {runs} runs")
    print(f"quiz check (libyaml):        {fast * 1000:8.1f} ms")
    print(f"baseline (pure-Python YAML): {baseline * 1000:8.1f} ms")
    print(f"ratio baseline / ours:       {baseline / fast:8.1f}x")


if __name__ == "__main__":
    main()
