"""The exam service under a crowd (benchmarks/service_load.py at N = 50): nothing confirmed is lost.

The real service app runs in its own process with a real store and the real exam's paper; 50
people open, save every answer twice and hand in at once. Speed is the benchmark's business: this
test asserts only what a person would notice (a confirmed answer missing, a hand-in not closing).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import service_load  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def test_fifty_people_at_once_lose_no_confirmed_answer_and_every_hand_in_closes():
    run = service_load.run_once(50, rounds=2, ramp=1.0, think=0.02, limit=240)
    row = run.row()
    assert not run.unfinished and run.gave_up == [], row
    assert len(run.handed_in) == 50, row
    assert row["saves"] >= 50 * 2 * 50 * 0.99, row  # 50 questions, each saved twice, by nearly all
    assert run.lost == [], run.lost[:5]


def test_the_store_check_finds_a_lost_answer(tmp_path):
    """The check itself can fail: a confirmed save that is not in the store is reported."""
    home = service_load.prepare(tmp_path / "home")
    run = service_load.Run(1)
    with service_load.Service(home) as service:
        import asyncio

        asyncio.run(service_load._crowd(service.url, ["sl00001"], run, rounds=1, ramp=0, think=0, seed=1))
    assert run.handed_in == {"sl00001"}
    question, value = run.confirmed["sl00001"][0]
    run.confirmed["sl00001"].append((question, "no-such-answer"))  # claims a save the service never took
    service_load.check_store(home, run)
    assert any("not in the store" in line for line in run.lost), run.lost
