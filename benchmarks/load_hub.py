"""Load test: N staff log in, start servers, fetch, answer and submit at once against one hub.

Run as root on the machine that will host the hub (it creates N system users, removes them at
the end, and builds a throw-away instance under /tmp):

    .venv/bin/python benchmarks/load_hub.py -n 20
    .venv/bin/python benchmarks/load_hub.py -n 20 40 60 80 100 --json benchmarks/out/load.json

For each N it prints p50/p95 latency per step (login through the PAM form, server start, fetch,
answer = a kernel runs the exam notebook and clicks every answer, save = one save of one answer
through the exam service, timed in the person's kernel (every answer, SAVE_ROUNDS times), submit), the failures, and the
memory (RSS, summed over each staff server's process tree: server + kernel) per staff server.
Steps run concurrently for all N people (one thread each; a step starts when the person's previous
step is done). Nothing here is run by the test suite.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import conftest_hub as ch  # noqa: E402  (the e2e helpers: login, tokens, kernels)

from grader import hub  # noqa: E402
from grader.instance import Instance, username  # noqa: E402

PREFIX = "lsload"
STEPS = ("login", "spawn", "fetch", "answer", "save", "submit")
SAVE_ROUNDS = 3  # each person saves every answer this many times through the exam service


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def rss_tree(pid: int) -> int:
    import psutil

    try:
        p = psutil.Process(pid)
        return sum(x.memory_info().rss for x in [p, *p.children(recursive=True)])
    except psutil.Error:
        return 0


def build(n: int):
    """An instance with n staff (system users lsload-NNN), the lessons, one exam, a running hub."""
    from grader.exam import pipeline

    for entry in __import__("pwd").getpwall():
        if entry.pw_name.startswith(PREFIX + "-") and hub.USER_COMMENT in entry.pw_gecos.split(","):
            hub.remove_system_user(entry.pw_name)
    home = Path(tempfile.mkdtemp(prefix="lawstudy-load-", dir="/tmp"))
    os.chmod(home, 0o711)
    private = Path(tempfile.mkdtemp(prefix="lawstudy-load-private-"))
    inst = Instance(home)
    ids = [f"LSLOAD-{i:03d}" for i in range(1, n + 1)]
    roster = private / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["工号", "姓名", "科室", "类别"])
        for i, staff_id in enumerate(ids):
            w.writerow([staff_id, f"压测{i}", f"科室{i % 5}", "公务员"])
    ch.cli("roster", "import", roster, "--home", home)
    ch.cli("course", "build", "--home", home)
    year = time.localtime().tm_year
    exam_id = f"load{year}"
    quizzes = private / "quizzes"
    (quizzes / "exams").mkdir(parents=True)
    for bank in (ROOT / "quizzes").glob("*.yaml"):
        shutil.copy(bank, quizzes / bank.name)
    (quizzes / "exams" / f"{exam_id}.yaml").write_text(
        ch.EXAM_SPEC.format(exam_id=exam_id, year=year), encoding="utf-8"
    )
    ports = {
        "hub_port": hub.free_port(),
        "proxy_api_port": hub.free_port(),
        "formgrader_port": hub.free_port(),
        "reports_port": hub.free_port(),
        "exam_port": hub.free_port(),
    }
    settings = hub.setup(inst, port=hub.free_port(), ports=ports, grader_user=f"{PREFIX}-grader", log=lambda *_: None)
    # built on the hub instance, as a bureau does: the paper comes from the exam service in each sitting
    built = pipeline.build(inst, exam_id, quizzes=quizzes)
    hub.apply_permissions(inst)
    ch.cli("exam", "release", exam_id, "--home", home)
    passwords = {}
    with (home / "hub" / "initial-passwords.csv").open(encoding="utf-8") as f:
        for row in list(csv.reader(f))[1:]:
            passwords[row[0]] = row[2]
    proc = hub.start(inst, wait=120)
    env = ch.HubEnv(home=home, url=settings.url, passwords=passwords, exam_id=exam_id, year=year, proc=proc, inst=inst)
    env.notes["paper"] = built.paper
    return env, [username(s) for s in ids], private


def teardown(env, private):
    try:
        hub.stop(env.inst, env.proc, timeout=120)
    finally:
        for entry in __import__("pwd").getpwall():
            if entry.pw_name.startswith(PREFIX + "-") and hub.USER_COMMENT in entry.pw_gecos.split(","):
                hub.remove_system_user(entry.pw_name)
        shutil.rmtree(env.home, ignore_errors=True)
        shutil.rmtree(private, ignore_errors=True)


def person(
    env, user: str, barrier: threading.Barrier, times: dict, errors: dict, lock: threading.Lock, reconnects: list
):
    keys = {q.id: q.answer for q in env.notes["paper"].questions}
    base = f"{env.url}/user/{user}"

    def step(name, fn):
        t = time.monotonic()
        fn()
        with lock:
            times[name].append(time.monotonic() - t)

    try:
        barrier.wait(timeout=600)

        def login():
            _, r = env.login(user)
            assert r.status_code == 302, r.status_code

        step("login", login)
        step("spawn", lambda: env.start_server(user, timeout=600))
        me = env.session(user)

        def fetch():
            r = me.post(
                f"{base}/assignments/fetch", data={"course_id": "lawstudy", "assignment_id": env.exam_id}, timeout=300
            )
            assert r.status_code == 200 and r.json()["success"], r.text[:300]

        step("fetch", fetch)

        def answer():
            nb = Path(f"/home/{user}/{env.exam_id}/exam.ipynb")
            cells = [
                "".join(c["source"])
                for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]
                if c["cell_type"] == "code"
            ]
            kernel = env.kernel(user, f"{env.exam_id}/exam.ipynb")

            def run(code):
                # a dropped websocket is reconnected once and the cell re-run, as JupyterLab would
                import websocket

                try:
                    return kernel.run(code, timeout=300)
                except websocket.WebSocketConnectionClosedException:
                    with lock:
                        reconnects.append(user)
                    kernel.connect()
                    return kernel.run(code, timeout=300)

            try:
                for code in cells:
                    r = run(code)
                    assert r["error"] is None, r
                r = run(
                    f"keys = {keys!r}\nfor n in range(1, len(paper.questions) + 1):\n"
                    "    w = paper.ask(n); w.choice.value = keys[w.question['id']]\n"
                )
                assert r["error"] is None, r
                # save: every answer saved again through the exam service, each save timed in the
                # kernel (the widget's own path: the person's token, HubAuth, the store)
                r = run(
                    "import json, time\nfrom grader.exam.service_client import ExamServiceClient\n"
                    f"c = ExamServiceClient.from_env(); keys = {keys!r}; took = []; refused = []\n"
                    f"for _ in range({SAVE_ROUNDS}):\n"
                    "    for q, a in keys.items():\n"
                    f"        t = time.perf_counter(); ok, reply = c.save({env.exam_id!r}, q, a)\n"
                    "        took.append(time.perf_counter() - t if ok else -1)\n"
                    "        ok or refused.append(reply)\n"
                    "print(json.dumps([took, refused[:3]], ensure_ascii=False))\n"
                )
                assert r["error"] is None, r
                took, refused = json.loads(r["stdout"].strip().splitlines()[-1])
                assert all(t >= 0 for t in took), f"a save was not confirmed by the exam service: {refused}"
                with lock:
                    times["save"].extend(took)
            finally:
                kernel.ws.close()  # the kernel stays up, as it does while a person sits the exam

        step("answer", answer)

        def submit():
            r = me.post(
                f"{base}/assignments/submit", data={"course_id": "lawstudy", "assignment_id": env.exam_id}, timeout=300
            )
            assert r.status_code == 200 and r.json()["success"], r.text[:300]

        step("submit", submit)
    except Exception as error:  # noqa: BLE001
        with lock:
            errors[user] = f"{type(error).__name__}: {str(error)[:300]}"
            if os.environ.get("LOAD_DEBUG"):
                traceback.print_exc()


def hub_and_proxy_rss(pid: int) -> int:
    """The hub process and its proxy (not the servers and services it spawned)."""
    import psutil

    try:
        hubp = psutil.Process(pid)
        total = hubp.memory_info().rss
        for child in hubp.children():
            if any("configurable-http-proxy" in c for c in child.cmdline()):
                total += child.memory_info().rss
        return total
    except psutil.Error:
        return 0


def server_memory(env, users) -> list[int]:
    """RSS of each running staff server's process tree (server + its kernels)."""
    import psutil

    out = []
    for proc in psutil.process_iter(["username", "cmdline"]):
        try:
            if proc.info["username"] in users and any("jupyterhub-singleuser" in c for c in proc.info["cmdline"] or []):
                out.append(rss_tree(proc.pid))
        except psutil.Error:
            pass
    return out


def run(n: int) -> dict:
    import psutil

    print(f"== N = {n}: building instance and hub ...", flush=True)
    env, users, private = build(n)
    try:
        times = {s: [] for s in STEPS}
        errors: dict[str, str] = {}
        reconnects: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(n)
        mem_before = psutil.virtual_memory().used
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=n) as pool:
            for user in users:
                pool.submit(person, env, user, barrier, times, errors, lock, reconnects)
        wall = time.monotonic() - started
        mems = server_memory(env, set(users))
        hub_rss = hub_and_proxy_rss(env.proc.pid)
        result = {
            "n": n,
            "wall_s": round(wall, 1),
            "failures": len(errors),
            "ws_reconnects": len(reconnects),
            "errors": dict(list(errors.items())[:5]),
            "steps": {
                s: {
                    "n": len(v),
                    "p50_s": round(pct(v, 0.5), 2),
                    "p95_s": round(pct(v, 0.95), 2),
                    "max_s": round(max(v), 2) if v else None,
                }
                for s, v in times.items()
            },
            "server_rss_mib": {
                "n": len(mems),
                "mean": round(statistics.mean(mems) / 2**20, 1) if mems else None,
                "max": round(max(mems) / 2**20, 1) if mems else None,
            },
            "hub_and_proxy_rss_mib": round(hub_rss / 2**20, 1),
            "system_used_delta_gib": round((psutil.virtual_memory().used - mem_before) / 2**30, 2),
            "cpus": os.cpu_count(),
            "mem_total_gib": round(psutil.virtual_memory().total / 2**30, 1),
        }
    finally:
        print(f"== N = {n}: stopping hub and removing users ...", flush=True)
        teardown(env, private)
    return result


def show(r: dict) -> None:
    print(
        f"\nN={r['n']}  failures={r['failures']}  websocket reconnects={r.get('ws_reconnects', 0)}  wall={r['wall_s']}s  cpus={r['cpus']}  mem={r['mem_total_gib']} GiB"
    )
    print(f"{'step':<8}{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'done':>6}")
    for s, v in r["steps"].items():
        print(f"{s:<8}{v['p50_s']:>8}{v['p95_s']:>8}{v['max_s'] if v['max_s'] is not None else '-':>8}{v['n']:>6}")
    m = r["server_rss_mib"]
    print(
        f"staff server RSS (server + its exam kernel): mean {m['mean']} MiB, max {m['max']} MiB "
        f"over {m['n']} servers; hub+proxy {r['hub_and_proxy_rss_mib']} MiB; "
        f"system memory used +{r['system_used_delta_gib']} GiB"
    )
    for user, error in r["errors"].items():
        print(f"  {user}: {error}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, nargs="+", default=[10], help="numbers of staff to run, in turn")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("run as root (creates system users, runs JupyterHub)", file=sys.stderr)
        return 2
    results = []
    for n in args.n:
        r = run(n)
        results.append(r)
        show(r)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    ok = [r["n"] for r in results if r["failures"] == 0]
    print(f"\nlargest N with no failure: {max(ok) if ok else 'none'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
