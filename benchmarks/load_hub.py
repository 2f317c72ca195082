"""Load test: N staff log in (at once, or spread over T seconds), each gets a server, opens the exam
paper, answers every question, saves and hands in, against one real hub.

Run as root on the machine that will host the hub (it creates N system users, removes them at
the end, and builds a throw-away instance under /tmp):

    .venv/bin/python benchmarks/load_hub.py -n 50 --spread 300
    .venv/bin/python benchmarks/load_hub.py -n 50 100 150 --spread 300 --json benchmarks/out/load.json

Each person, in a thread, at their own moment: logs in through the PAM form, asks for their
server as the browser does (GET /hub/spawn/USER: the hub's start queue and the Chinese waiting
page; a 429 page is retried after its Retry-After), waits until the hub says it is ready (600 s
at most: else "never ready"), loads the lab page and fetches the exam, starts a kernel in the
exam notebook and runs its cells until the questions are shown ("answerable paper"), clicks
every answer, saves every answer SAVE_ROUNDS times through the exam service (each save timed in
the person's kernel), and submits.

It prints the issue's targets (p95 login -> answerable paper, servers never ready, p95 save,
MiB per staff as RSS and PSS of the person's process tree: server + kernel with the paper open,
/hub/api p95 from a probe once a second during the run), the CPU-seconds per server start (the
person's server at ready, plus the hub's and proxy's CPU over the run divided by the servers
started) and per paper open (server + kernel from ready to the questions shown), the physical
limit on this machine's cores that these imply, and where the time goes (p50/p95 of each step,
and of the wait in the hub's start queue from the hub log). Nothing here is run by the test suite.

The machine may be shared: each person's memory is taken when their paper is shown, their kernel
is shut after they hand in, and nobody is started while less than MEMORY_GUARD of the machine's
memory is available (they are counted apart, never as a server that did not start).
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
STEPS = ("login", "spawn", "fetch", "kernel", "paper", "answer", "save", "submit")
SPAWN_TIMEOUT = 600  # seconds a person waits for their server before it counts as never ready
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
    from grader import exams

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
    built = exams.build(inst, exam_id, quizzes=quizzes)
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


def cpu_of(proc) -> float:
    """CPU-seconds of a psutil process, its reaped children included (0 when it is gone)."""
    import psutil

    try:
        t = proc.cpu_times()
        return t.user + t.system + t.children_user + t.children_system
    except psutil.Error:
        return 0.0


def server_pid(user: str) -> int | None:
    import psutil

    for proc in psutil.process_iter(["username", "cmdline"]):
        try:
            if proc.info["username"] == user and any("jupyterhub-singleuser" in c for c in proc.info["cmdline"] or []):
                return proc.pid
        except psutil.Error:
            pass
    return None


def tree_cpu(pid: int | None) -> float:
    import psutil

    if not pid:
        return 0.0
    try:
        p = psutil.Process(pid)
        return sum(cpu_of(x) for x in [p, *p.children(recursive=True)])
    except psutil.Error:
        return 0.0


def person(env, user: str, delay: float, t0: float, rec: dict, lock: threading.Lock, reconnects: list):
    """One staff member: waits `delay` seconds after t0, logs in through the form, asks for their
    server as the browser does (GET /hub/spawn/USER: the hub's handler, its start queue, the
    waiting page), opens the exam (fetch, the lab page, the kernel runs the paper's cells until the
    questions are shown), answers every question, saves every answer SAVE_ROUNDS times through the
    exam service and hands in. Fills rec[user] with step times, CPU samples and what went wrong."""
    import requests

    keys = {q.id: q.answer for q in env.notes["paper"].questions}
    base = f"{env.url}/user/{user}"
    me: dict = {"steps": {}, "saves": [], "pages": {}}
    with lock:
        rec[user] = me

    def step(name, fn):
        t = time.monotonic()
        out = fn()
        me["steps"][name] = time.monotonic() - t
        return out

    try:
        time.sleep(max(0.0, t0 + delay - time.monotonic()))
        import psutil

        if psutil.virtual_memory().available < MEMORY_GUARD:  # the machine is shared: never run it out
            me["guarded"] = True
            raise MemoryError("not started: less than MEMORY_GUARD of the machine's memory available")
        began = time.monotonic()
        session = {}

        def login():
            s, r = env.login(user)
            assert r.status_code == 302, r.status_code
            session["s"] = s

        step("login", login)
        s = session["s"]

        def spawn():
            deadline = time.monotonic() + SPAWN_TIMEOUT
            while True:  # the browser: /hub/spawn/USER; a 429 page reloads itself after Retry-After
                r = s.get(f"{env.url}/hub/spawn/{user}", allow_redirects=False, timeout=120)
                me["pages"][r.status_code] = me["pages"].get(r.status_code, 0) + 1
                if r.status_code != 429:
                    break
                time.sleep(float(r.headers.get("Retry-After", 30)))
                if time.monotonic() > deadline:
                    raise AssertionError("429 until the deadline")
            looked = False
            while time.monotonic() < deadline:
                model = env.api("GET", f"/users/{user}", timeout=180)
                server = (model.get("servers") or {}).get("")
                if server and server.get("ready"):
                    return
                if not server and not model.get("pending"):
                    raise AssertionError("spawn failed")
                if not looked and time.monotonic() - began > 15:  # the waiting page, once
                    looked = True
                    w = s.get(f"{env.url}/hub/spawn-pending/{user}", timeout=120)
                    me["pages"]["pending"] = w.status_code
                    me["pages"]["pending_zh"] = "正在为您准备学习环境" in w.text
                time.sleep(2)  # a browser follows one event stream; this asks the hub every 2 s
            me["never_ready"] = True
            raise AssertionError(f"no server after {SPAWN_TIMEOUT} s")

        step("spawn", spawn)
        pid = server_pid(user)
        me["cpu_ready"] = tree_cpu(pid)
        tok = env.session(user)

        def fetch():
            r = tok.get(f"{base}/lab", timeout=300)
            assert r.status_code == 200, r.status_code
            r = tok.post(
                f"{base}/assignments/fetch", data={"course_id": "lawstudy", "assignment_id": env.exam_id}, timeout=300
            )
            assert r.status_code == 200 and r.json()["success"], r.text[:300]

        step("fetch", fetch)
        nb = Path(f"/home/{user}/{env.exam_id}/exam.ipynb")
        cells = [
            "".join(c["source"])
            for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"
        ]
        kernel = step("kernel", lambda: env.kernel(user, f"{env.exam_id}/exam.ipynb"))

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

            def paper():
                for code in cells:
                    r = run(code)
                    assert r["error"] is None, r
                r = run("print(len(paper.questions))")
                assert int(r["stdout"].strip()) > 0, r

            step("paper", paper)
            me["login_to_paper"] = time.monotonic() - began
            me["cpu_paper"] = tree_cpu(pid)
            me["mem"] = tree_memory(pid)  # the person's server and kernel, paper open

            def answer():
                r = run(
                    f"keys = {keys!r}\nfor n in range(1, len(paper.questions) + 1):\n"
                    "    w = paper.ask(n); w.choice.value = keys[w.question['id']]\n"
                )
                assert r["error"] is None, r

            step("answer", answer)

            def save():
                # every answer saved again through the exam service, each save timed in the
                # kernel (the widget's own path: the person's token, HubAuth, the store)
                r = run(
                    "import json, time\nfrom grader.lab.service_client import ExamServiceClient\n"
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
                me["saves"] = took

            step("save", save)
        finally:
            kernel.ws.close()

        def submit():
            r = tok.post(
                f"{base}/assignments/submit", data={"course_id": "lawstudy", "assignment_id": env.exam_id}, timeout=300
            )
            assert r.status_code == 200 and r.json()["success"], r.text[:300]

        step("submit", submit)
        # handed in: the kernel is shut (its tab closed), so that N people's kernels do not all
        # stay in the shared machine's memory; each person's memory was taken with the paper open
        tok.delete(f"{base}/api/sessions/{kernel.session_id}", timeout=60)
    except (Exception, requests.RequestException) as error:  # noqa: BLE001
        me["error"] = f"{type(error).__name__}: {str(error)[:300]}"
        if os.environ.get("LOAD_DEBUG"):
            traceback.print_exc()


class Probe(threading.Thread):
    """GET /hub/api/users/FIRST with the ops token once a second, timing each answer, until stopped."""

    def __init__(self, env, user):
        super().__init__(daemon=True)
        self.env, self.user, self.samples, self.failures, self.peak_used = env, user, [], 0, 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            t = time.monotonic()
            try:
                self.env.api("GET", f"/users/{self.user}", timeout=30)
                self.samples.append(time.monotonic() - t)
                self.peak_used = max(self.peak_used, __import__("psutil").virtual_memory().used)
            except Exception:  # noqa: BLE001
                self.failures += 1
            self.done.wait(1.0)


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


MEMORY_GUARD = 2 * 2**30  # bytes of the machine's memory a person's start must leave available


def tree_memory(pid: int | None) -> tuple[int, int]:
    """(RSS, PSS) in bytes of the process `pid` and its descendants (0, 0 when gone)."""
    import psutil

    rss = pss = 0
    if not pid:
        return rss, pss
    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.Error:
        return rss, pss
    for x in procs:
        try:
            m = x.memory_full_info()
            rss, pss = rss + m.rss, pss + m.pss
        except psutil.Error:
            pass
    return rss, pss


def server_memory(users) -> list[tuple[int, int]]:
    """(RSS, PSS) in bytes of each running staff server's process tree (server + its kernels)."""
    import psutil

    out = []
    for proc in psutil.process_iter(["username", "cmdline"]):
        try:
            if proc.info["username"] in users and any("jupyterhub-singleuser" in c for c in proc.info["cmdline"] or []):
                rss = pss = 0
                for x in [proc, *proc.children(recursive=True)]:
                    m = x.memory_full_info()
                    rss, pss = rss + m.rss, pss + m.pss
                out.append((rss, pss))
        except psutil.Error:
            pass
    return out


def hub_side_cpu(env) -> dict[str, float]:
    """CPU-seconds so far of the hub (with the pre-spawn hook's reaped children), the proxy and the
    grader's services (exam service, formgrader, reports, culler)."""
    import psutil

    out = {"hub": 0.0, "proxy": 0.0, "exam service": 0.0, "other services": 0.0}
    try:
        hubp = psutil.Process(env.proc.pid)
    except psutil.Error:
        return out
    out["hub"] = cpu_of(hubp)
    for child in hubp.children():
        try:
            cmd = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "configurable-http-proxy" in cmd:
            out["proxy"] += cpu_of(child)
        elif child.username() == env.notes.get("grader_user"):
            key = "exam service" if "exam-service" in cmd else "other services"
            out[key] += sum(cpu_of(x) for x in [child, *child.children(recursive=True)])
    return out


def system_cpu() -> float:
    """CPU-seconds the whole machine has spent busy since boot (/proc/stat; every user)."""
    import psutil

    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq + t.steal


def queue_waits(env, users) -> list[float]:
    """Seconds each person's spawn waited for a start slot (the hub log's "start queue" lines)."""
    waits = []
    names = set(users)
    try:
        text = (env.home / "hub" / "hub.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return waits
    for line in text.splitlines():
        if "start queue: " in line and " waited " in line:
            who = line.split("start queue: ", 1)[1].split("/", 1)[0]
            if who in names:
                waits.append(float(line.split(" waited ", 1)[1].split(" s", 1)[0]))
    return waits


def run(n: int, spread: float, seed: int) -> dict:
    import random

    print(f"== N = {n}, spread {spread:g} s: building instance and hub ...", flush=True)
    env, users, private = build(n)
    env.notes["grader_user"] = f"{PREFIX}-grader"
    try:
        rec: dict[str, dict] = {}
        reconnects: list[str] = []
        lock = threading.Lock()
        rng = random.Random(seed)
        delays = sorted(rng.uniform(0, spread) for _ in users) if spread else [0.0] * n
        probe = Probe(env, users[0])
        side0, sys0 = hub_side_cpu(env), system_cpu()
        started = time.monotonic()
        t0 = started + 1.0
        probe.start()
        with ThreadPoolExecutor(max_workers=n) as pool:
            for user, delay in zip(users, delays):
                pool.submit(person, env, user, delay, t0, rec, lock, reconnects)
        wall = time.monotonic() - started
        probe.done.set()
        probe.join(5)
        side1, sys1 = hub_side_cpu(env), system_cpu()
        mems = [p["mem"] for p in rec.values() if "mem" in p]
        hub_rss = hub_and_proxy_rss(env.proc.pid)
        waits = queue_waits(env, users)
    finally:
        print(f"== N = {n}: stopping hub and removing users ...", flush=True)
        teardown(env, private)
    people = list(rec.values())
    steps = {s: [p["steps"][s] for p in people if s in p["steps"]] for s in STEPS}
    saves = [t for p in people for t in p["saves"]]
    paper = [p["login_to_paper"] for p in people if "login_to_paper" in p]
    ready = [p for p in people if "cpu_ready" in p]
    opened = [p for p in people if "cpu_paper" in p]
    side = {k: side1[k] - side0[k] for k in side0}
    start_cpu = (
        statistics.mean(p["cpu_ready"] for p in ready) + (side["hub"] + side["proxy"]) / max(len(ready), 1)
        if ready
        else float("nan")
    )
    # the paper open: the person's server and kernel from ready to the questions shown (the exam
    # service's share is in cpu_side, with the saves)
    open_cpu = statistics.mean(p["cpu_paper"] - p["cpu_ready"] for p in opened) if opened else float("nan")
    pages: dict[str, int] = {}
    for p in people:
        for k, v in p["pages"].items():
            if isinstance(v, bool):
                pages[f"waiting page in Chinese ({k})"] = pages.get(f"waiting page in Chinese ({k})", 0) + int(v)
            elif k == "pending":
                pages[f"waiting page HTTP {v}"] = pages.get(f"waiting page HTTP {v}", 0) + 1
            else:
                pages[f"/hub/spawn HTTP {k}"] = pages.get(f"/hub/spawn HTTP {k}", 0) + v
    errors = {u: p["error"] for u, p in rec.items() if "error" in p}
    return {
        "n": n,
        "spread_s": spread,
        "wall_s": round(wall, 1),
        "failures": len(errors),
        "never_ready": sum(1 for p in people if not p.get("guarded") and "cpu_ready" not in p),
        "ws_reconnects": len(reconnects),
        "errors": dict(list(errors.items())[:5]),
        "login_to_paper": _stats(paper),
        "save": _stats(saves),
        "api": {**_stats(probe.samples), "failures": probe.failures},
        "queue_wait": _stats(waits),
        "steps": {k: _stats(v) for k, v in steps.items()},
        "rss_mib": round(statistics.mean(m[0] for m in mems) / 2**20, 1) if mems else None,
        "pss_mib": round(statistics.mean(m[1] for m in mems) / 2**20, 1) if mems else None,
        "rss_max_mib": round(max(m[0] for m in mems) / 2**20, 1) if mems else None,
        "servers_measured": len(mems),
        "guarded": sum(1 for p in rec.values() if p.get("guarded")),
        "peak_used_gib": round(probe.peak_used / 2**30, 1),
        "cpu_per_start": round(start_cpu, 2),
        "cpu_per_open": round(open_cpu, 2),
        "cpu_server_at_ready": round(statistics.mean(p["cpu_ready"] for p in ready), 2) if ready else None,
        "cpu_side": {k: round(v, 1) for k, v in side.items()},
        "cpu_machine": round(sys1 - sys0, 1),
        "pages": pages,
        "hub_and_proxy_rss_mib": round(hub_rss / 2**20, 1),
        "cpus": os.cpu_count(),
        "mem_total_gib": round(__import__("psutil").virtual_memory().total / 2**30, 1),
    }


def _stats(values) -> dict:
    return {
        "n": len(values),
        "p50": round(pct(values, 0.5), 3),
        "p95": round(pct(values, 0.95), 3),
        "max": round(max(values), 2) if values else None,
    }


TARGETS = (
    ("p95 login -> answerable paper (s)", lambda r: r["login_to_paper"]["p95"], lambda v: v <= 60, "<= 60"),
    ("servers never ready", lambda r: r["never_ready"], lambda v: v == 0, "0"),
    ("p95 answer save (s)", lambda r: r["save"]["p95"], lambda v: v < 0.5, "< 0.5"),
    ("MiB per staff, RSS (server+kernel)", lambda r: r["rss_mib"], lambda v: v is not None and v <= 150, "<= 150"),
    ("MiB per staff, PSS (shared once)", lambda r: r["pss_mib"], lambda v: v is not None and v <= 150, "<= 150"),
    ("hub /hub/api p95 (s)", lambda r: r["api"]["p95"], lambda v: v < 1, "< 1"),
)


def show(r: dict) -> None:
    print(
        f"\nN={r['n']}  spread={r['spread_s']:g}s  wall={r['wall_s']}s  failures={r['failures']}  "
        f"websocket reconnects={r['ws_reconnects']}  cpus={r['cpus']}  mem={r['mem_total_gib']} GiB"
    )
    print(f"{'target':<38}{'measured':>10}{'target':>9}  met")
    for label, get, ok, text in TARGETS:
        v = get(r)
        print(f"{label:<38}{v if v is not None else '-':>10}{text:>9}  {'yes' if ok(v) else 'NO'}")
    print(f"{'CPU-s per server start':<38}{r['cpu_per_start']:>10}")
    print(f"{'CPU-s per paper open':<38}{r['cpu_per_open']:>10}")
    need = r["cpu_per_start"] + r["cpu_per_open"]
    if need == need and need > 0:
        print(
            f"physical limit: {r['cpus']} cores x 300 s = {r['cpus'] * 300} CPU-s / {need:.2f} CPU-s per person "
            f"(start + paper) = {r['cpus'] * 300 / need:.0f} people in five minutes (servers only, nothing else running)"
        )
    print(
        f"CPU-s in the run: machine {r['cpu_machine']} (all users), "
        + ", ".join(f"{k} {v}" for k, v in r["cpu_side"].items())
        + f", staff servers at ready {r['cpu_server_at_ready']} each"
    )
    print("where the time goes (s):")
    print(f"  {'step':<16}{'p50':>8}{'p95':>8}{'max':>8}{'done':>6}")
    rows = {"queue wait >1s": r["queue_wait"], **r["steps"], "login->paper": r["login_to_paper"], "one save": r["save"]}
    for name, v in rows.items():
        print(f"  {name:<16}{v['p50']:>8}{v['p95']:>8}{v['max'] if v['max'] is not None else '-':>8}{v['n']:>6}")
    print(
        f"memory: staff tree RSS mean {r['rss_mib']} MiB (max {r['rss_max_mib']}), PSS mean {r['pss_mib']} MiB "
        f"over {r['servers_measured']} people, each taken with their paper open; hub+proxy "
        f"{r['hub_and_proxy_rss_mib']} MiB; machine memory used at most {r['peak_used_gib']} GiB (all users); "
        f"not started by the memory guard: {r['guarded']}"
    )
    print(f"hub /hub/api probe: {r['api']['n']} answers, {r['api']['failures']} failures; pages seen: {r['pages']}")
    for user, error in r["errors"].items():
        print(f"  {user}: {error}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, nargs="+", default=[10], help="numbers of staff to run, in turn")
    parser.add_argument(
        "--spread", type=float, default=0.0, help="logins spread uniformly over this many seconds (0: all at once)"
    )
    parser.add_argument("--seed", type=int, default=25, help="seed of the login times")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("run as root (creates system users, runs JupyterHub)", file=sys.stderr)
        return 2
    results = []
    for n in args.n:
        r = run(n, args.spread, args.seed)
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
