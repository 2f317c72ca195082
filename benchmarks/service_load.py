"""Load on the exam service alone: N simulated people open their paper, save every answer a few times
and hand in (the part every node of a Kubernetes deployment shares: one service, one store).

The REAL service (grader.hub.exam_service.make_app + serve, bounds included) runs in its own
process on loopback with a real store (SQLite WAL, grader.exams.sittings) and a real paper (the
project's exam spec quizzes/exams/2026-annual.yaml assembled from the real banks, saved and loaded
the way the service loads it). The hub's token check is stood for by `identify` (the token names
the person, as in tests/test_exam_service.py). The service's clock runs at real speed from the
exam morning (2026-12-01 09:00 China time), so the spec's window and time limit apply unchanged.

People arrive spread over --ramp seconds (a login wave), then each one: opens the sitting (the paper
comes back), saves an answer to every question --rounds times (a valid answer of the question's
type, a pause of about --think seconds before each), and hands in. Like the staff kernel
(grader.lab.service_client: urllib, one connection per call, 10 s time-out) every call opens its
own connection. The defaults (--rounds 2, --think 10) have each person save every answer of the
50-question paper twice, about 10 s apart: 100 saves in some 17 minutes, so 2,000 people send about
200 saves per second, several times what they would send in a real sitting (the same answers spread
over the paper's 60 minutes). `--think 4` is a stress run (about 500 per second). A call the service
did not confirm (refused connection, time-out, 5xx) counts as a failure and is clicked again after a
second, at most 3 times. Bounded: every run stops after --limit seconds whatever happens.

Afterwards the store is read: every save the service confirmed must be there with the answer
that was sent, each person's last answer per question must be what the store gives for grading,
and every confirmed hand-in must have closed its sitting (closed_by = hand-in).

Printed: per run, people, saves, saves per second, p50/p95/max latency of confirmed saves, failures,
lost saves, the service's own CPU time per save (user + system of its process: what one core
carries, whatever else the machine is doing); and the ratio of the p95 at N against the p95 of the
baseline run at --baseline people, made in the same process just before.

    .venv/bin/python benchmarks/service_load.py                    # N = 2000, baseline 100 (about 35 min)
    .venv/bin/python benchmarks/service_load.py --think 4           # stress: about 500 saves per second
    .venv/bin/python benchmarks/service_load.py -n 300 --baseline 0 --think 0.5 --ramp 5 --rounds 1
    .venv/bin/python benchmarks/service_load.py --json out.json

Nothing here is run by the test suite at full size (tests/test_service_load.py runs N = 50).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXAM_ID = "2026-annual"
PREFIX = "/services/exam/"
# 2026-12-01 09:00 in China (UTC+8): inside the spec's first window (opens 08:30), time limit 60 min
EXAM_MORNING = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
CALL_TIMEOUT = 10.0  # seconds, as grader.lab.service_client.ExamServiceClient
RETRIES = 3


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values` by linear interpolation; nan when empty."""
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# ------------------------------------------------------------------ the service (child process)


def prepare(home: Path, quizzes: Path | None = None) -> Path:
    """An instance at `home` with the real exam's paper saved where the service loads it."""
    from grader.exams.paper import save_paper
    from grader.exams.publish import assemble
    from grader.exams.spec import load_spec
    from grader.instance import Instance

    inst = Instance(home).ensure()
    spec = load_spec(EXAM_ID, quizzes)
    save_paper(assemble(spec, quizzes), inst.papers)
    return home


def serve_forever(home: Path, port: int) -> None:
    """The real exam service app on 127.0.0.1:`port` (run in a child process by `Service`)."""
    from tornado import ioloop

    from grader.exams.sittings import SittingStore, store_path
    from grader.hub.exam_service import make_app, paper_loader, practice_loader, serve
    from grader.instance import Instance

    started = time.monotonic()
    inst = Instance(home)

    def identify(handler):  # stands for the hub's token check: the token names the person
        token = handler.request.headers.get("Authorization", "")
        return token.removeprefix("token ") if token.startswith("token ") else None

    app = make_app(
        SittingStore(store_path(inst.home)),
        paper_loader(inst),
        PREFIX,
        practice_loader(inst),
        now=lambda: EXAM_MORNING + timedelta(seconds=time.monotonic() - started),
        identify=identify,
    )
    serve(app, port, "127.0.0.1")
    print("ready", flush=True)
    ioloop.IOLoop.current().start()


class Service:
    """The service in its own process (its own core, as in a pod), stopped on exit."""

    def __init__(self, home: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "serve", str(home), str(self.port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError(f"the exam service did not start ({line!r})")
        self.url = f"http://127.0.0.1:{self.port}{PREFIX}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# ------------------------------------------------------------------ the people (this process)


@dataclass
class Run:
    people: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # confirmed saves, seconds
    failures: Counter = field(default_factory=Counter)  # unconfirmed calls by kind
    confirmed: dict[str, list[tuple[str, object]]] = field(default_factory=dict)  # user -> [(question, answer)]
    handed_in: set[str] = field(default_factory=set)
    gave_up: list[str] = field(default_factory=list)  # people left without a confirmed open or hand-in
    lost: list[str] = field(default_factory=list)  # what the store check found missing
    unfinished: bool = False  # the --limit stopped the run
    server_cpu: float = 0.0  # CPU seconds (user + system) the service process used during the run

    def row(self) -> dict:
        saves = len(self.latencies)
        return {
            "people": self.people,
            "saves": saves,
            "saves_per_s": round(saves / self.seconds, 1) if self.seconds else 0.0,
            "p50_s": round(pct(self.latencies, 0.5), 4),
            "p95_s": round(pct(self.latencies, 0.95), 4),
            "max_s": round(max(self.latencies), 4) if self.latencies else float("nan"),
            "failures": sum(self.failures.values()),
            "failure_kinds": dict(self.failures),
            "gave_up": len(self.gave_up),
            "handed_in": len(self.handed_in),
            "lost": len(self.lost),
            "seconds": round(self.seconds, 1),
            # the service's own CPU per confirmed save (opens and hand-ins included): what one core
            # can carry, whatever else the machine was doing
            "server_cpu_ms_per_save": round(1000 * self.server_cpu / saves, 3) if saves else float("nan"),
            "unfinished": self.unfinished,
        }


def answer_for(question: dict, rng: random.Random):
    """A valid answer of the question's type (option ids as the service takes them)."""
    if question["type"] == "judge":
        return rng.random() < 0.5
    ids = [o[0] for o in question["options"]]
    if question["type"] == "single":
        return rng.choice(ids)
    return sorted(rng.sample(ids, rng.randint(1, len(ids))))


async def _call(session, url: str, user: str, payload: dict, run: Run) -> dict | None:
    """POST with the person's token; the reply when the service confirmed (200), else None."""
    import aiohttp

    try:
        async with session.post(url, json=payload, headers={"Authorization": f"token {user}"}) as r:
            body = await r.read()
            if r.status == 200:
                return json.loads(body)
            run.failures[f"http-{r.status}"] += 1
    except (TimeoutError, aiohttp.ClientError, OSError) as error:
        run.failures[type(error).__name__] += 1
    return None


async def _person(session, url: str, user: str, run: Run, rounds: int, ramp: float, think: float, rng) -> None:
    await asyncio.sleep(rng.uniform(0, ramp))
    sitting = None
    for _ in range(RETRIES + 1):
        sitting = await _call(session, url + "api/open", user, {"exam": EXAM_ID}, run)
        if sitting:
            break
        await asyncio.sleep(1.0)
    if not sitting:
        run.gave_up.append(user)
        return
    mine = run.confirmed.setdefault(user, [])
    for _ in range(rounds):
        for question in sitting["questions"]:
            value = answer_for(question, rng)
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
            for _ in range(RETRIES + 1):
                started = time.perf_counter()
                reply = await _call(
                    session, url + "api/save", user, {"exam": EXAM_ID, "question": question["id"], "answer": value}, run
                )
                if reply and reply.get("saved"):
                    run.latencies.append(time.perf_counter() - started)
                    mine.append((question["id"], value))
                    break
                await asyncio.sleep(1.0)
    for _ in range(RETRIES + 1):
        closed = await _call(session, url + "api/handin", user, {"exam": EXAM_ID}, run)
        if closed and closed.get("closed_by") == "hand-in":
            run.handed_in.add(user)
            return
        await asyncio.sleep(1.0)
    run.gave_up.append(user)


async def _crowd(url: str, users: list[str], run: Run, rounds: int, ramp: float, think: float, seed: int) -> None:
    import aiohttp

    # one connection per call, as the kernel's urllib client; no client-side cap on connections
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=CALL_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(
            *(_person(session, url, user, run, rounds, ramp, think, random.Random(f"{seed}-{user}")) for user in users)
        )


def check_store(home: Path, run: Run) -> None:
    """Fill `run.lost`: confirmed saves missing from the store, last answers the store does not
    give for grading, confirmed hand-ins that did not close their sitting."""
    from grader.exams.paper import load_paper
    from grader.exams.sittings import SittingStore, store_path

    store = SittingStore(store_path(home))
    spec = load_paper(home / "papers", EXAM_ID).spec
    for user, saves in run.confirmed.items():
        sittings = store.sittings(EXAM_ID, user)
        if len(sittings) != 1:
            run.lost.append(f"{user}: {len(sittings)} sittings")
            continue
        [sitting] = sittings
        stored = Counter(
            (q, a) for q, a in store.db.execute("SELECT question, answer FROM saves WHERE sitting_id = ?", [sitting.id])
        )
        sent = Counter((q, json.dumps(a, ensure_ascii=False)) for q, a in saves)
        missing = sent - stored
        if missing:
            run.lost.append(f"{user}: {sum(missing.values())} confirmed saves not in the store")
        last = {q: a for q, a in saves}
        if store.answers(sitting) != last:
            run.lost.append(f"{user}: the answers graded differ from the last confirmed")
        if user in run.handed_in and sitting.closed_by != "hand-in":
            run.lost.append(f"{user}: handed in, sitting closed_by={sitting.closed_by}")
    store.db.close()
    del spec


def run_once(n: int, rounds: int, ramp: float, think: float, limit: float, seed: int = 1, quizzes=None) -> Run:
    """One run: a fresh instance and store, the service in its own process, `n` people; checked."""
    run = Run(n)
    with tempfile.TemporaryDirectory(prefix="lawstudy-service-load-") as tmp:
        home = prepare(Path(tmp) / "home", quizzes)
        users = [f"sl{i:05d}" for i in range(1, n + 1)]
        with Service(home) as service:
            import psutil

            process = psutil.Process(service.proc.pid)
            cpu, started = process.cpu_times(), time.monotonic()
            try:
                asyncio.run(asyncio.wait_for(_crowd(service.url, users, run, rounds, ramp, think, seed), limit))
            except TimeoutError:
                run.unfinished = True
            run.seconds = time.monotonic() - started
            after = process.cpu_times()
            run.server_cpu = (after.user - cpu.user) + (after.system - cpu.system)
        check_store(home, run)
    return run


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"] and len(argv) == 3:
        serve_forever(Path(argv[1]), int(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--people", type=int, default=2000)
    parser.add_argument("--baseline", type=int, default=100, help="people in the baseline run (0: none)")
    parser.add_argument("--rounds", type=int, default=2, help="saves of every answer per person")
    parser.add_argument("--think", type=float, default=10.0, help="mean seconds before each save")
    parser.add_argument("--ramp", type=float, default=60.0, help="seconds over which people arrive")
    parser.add_argument("--limit", type=float, default=1800.0, help="seconds after which a run is stopped")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    if min(args.people, args.rounds) < 1 or args.baseline < 0 or min(args.think, args.ramp) < 0 or args.limit <= 0:
        parser.error("people and rounds >= 1; baseline, think and ramp >= 0; limit > 0")
    rows = []
    for n in ([args.baseline] if args.baseline else []) + [args.people]:
        run = run_once(n, args.rounds, args.ramp, args.think, args.limit)
        rows.append(run.row())
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
        for line in run.lost[:10]:
            print("LOST", line)
    print(
        f"{'people':>7} {'saves':>7} {'saves/s':>8} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'fail':>6}"
        f" {'lost':>5} {'cpu ms/save':>12}"
    )
    for r in rows:
        print(
            f"{r['people']:>7} {r['saves']:>7} {r['saves_per_s']:>8} {r['p50_s']:>7} {r['p95_s']:>7}"
            f" {r['max_s']:>7} {r['failures']:>6} {r['lost']:>5} {r['server_cpu_ms_per_save']:>12}"
        )
    if len(rows) == 2 and rows[0]["p95_s"] > 0:
        print(f"p95 ratio N={rows[1]['people']} / N={rows[0]['people']}: {rows[1]['p95_s'] / rows[0]['p95_s']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    last = rows[-1]
    ok = last["lost"] == 0 and last["gave_up"] == 0 and not last["unfinished"] and last["p95_s"] < 0.5
    print("target (p95 save < 0.5 s, nothing lost, everyone handed in):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main(sys.argv[1:]))
