"""Where one staff server's start goes: wall time and CPU-seconds of one server start and one paper
open, and the memory of that person's process tree, alone on a real hub, for each lightening
variant of the staff server.

Run as root (it creates two system users and a hub under /tmp, removed at the end):

    LAWSTUDY_RUNTIME=/opt/lawstudy/venv-load .venv/bin/python benchmarks/staff_start.py --rounds 3

A variant is extra Jupyter config written into etc/staff/ (read by each server at its start, so
the one hub serves every variant): `base` is what `hub setup` writes; the others are named by
what they change. Each round starts the server of one person for each variant in turn (the
variants interleaved, so a busy machine slows them alike), opens the paper and stops it.

Measured for each start:
  start wall      POST /hub/api/users/U/server until the hub says ready (s)
  start CPU       CPU-seconds of the hub (itself and the pre-spawn hook's children), the proxy
                  and the person's server, from the POST until ready
  open wall/CPU   fetch the exam, load the lab page and its settings, start the kernel in the exam
                  notebook and run its cells until the questions are shown (the person's
                  server and kernel, the exam service)
  RSS / PSS       the person's process tree (server + kernel) with the paper open; PSS counts
                  pages shared with the other people's servers once (MiB)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import load_hub  # noqa: E402

from grader.hub.config import STAFF_NO_BUILD, STAFF_SERVER_CONFIG, STAFF_SERVER_EXTENSIONS_OFF  # noqa: E402
from grader.hub.runtime import WITHOUT  # noqa: E402

# The staff server as it was before issue 25 (what `hub setup` wrote then); each variant below
# adds one change as `hub setup` now ships it, in this order (each row keeps the ones above it).
BEFORE = {
    "ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False}},
    "LabApp": {"expose_app_in_browser": True},
}
VARIANTS: dict[str, dict] = {
    "before": {},
    # only the server extensions staff use; no terminals
    "lean-extensions": {
        "server": {
            "ServerApp": {
                "jpserver_extensions": {name: False for name in STAFF_SERVER_EXTENSIONS_OFF},
                "terminals_enabled": False,
            }
        }
    },
    # no build check, news, update check, PyPI extension listing
    "no-build-check": {"server": {"LabApp": STAFF_SERVER_CONFIG["LabApp"]}, "page": STAFF_NO_BUILD},
    # install time: the runtime without rfc3987-syntax (grader.hub.runtime.WITHOUT)
    "no-rfc3987-syntax": {"hide_package": "rfc3987_syntax"},
    "no-debugpy": {"hide_package": "debugpy"},
}


# process facts come from load_hub: CPU-seconds (cpu_of, tree_cpu), memory (tree_memory, bytes), server_pid
cpu = load_hub.cpu_of
tree_cpu = load_hub.tree_cpu
server_pid = load_hub.server_pid


def tree_memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MiB of the process `pid` and its descendants."""
    rss, pss = load_hub.tree_memory(pid)
    return rss / 2**20, pss / 2**20


def hub_side(env) -> list:
    """psutil processes of the hub and its proxy and services (not the staff servers)."""
    import psutil

    hubp = psutil.Process(env.proc.pid)
    return [hubp, *[c for c in hubp.children() if c.username() == "root" or "lsload-grader" in c.username()]]


def apply_variant(env, names: list[str]) -> None:
    """Write the variants `names` (added up) into etc/staff/: jupyter_server_config.d/ and the page config."""
    from grader.hub import STAFF_PAGE_CONFIG

    etc = env.home / "etc" / "staff"
    server: dict = json.loads(json.dumps(BEFORE))
    page = json.loads(json.dumps(STAFF_PAGE_CONFIG))
    for name in names:
        v = VARIANTS[name]
        for section, values in v.get("server", {}).items():
            for key, value in values.items():
                if isinstance(value, dict):
                    server.setdefault(section, {}).setdefault(key, {}).update(value)
                else:
                    server.setdefault(section, {})[key] = value
        page.update(v.get("page", {}))
    (etc / "jupyter_server_config.json").write_text(json.dumps(server, indent=2), encoding="utf-8")
    (etc / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=2), encoding="utf-8")


def hide_packages(names: list[str], hide: bool) -> None:
    """Move the runtime's site-packages/NAME folders aside (hide) or back: an install-time removal,
    undone after the round so the variants interleave."""
    runtime = Path(os.environ.get("LAWSTUDY_RUNTIME", "/opt/lawstudy/venv"))
    for site in runtime.glob("lib/python3*/site-packages"):
        for name in names:
            there, aside = site / name, site / f".{name}.hidden"
            if hide and there.exists():
                there.rename(aside)
            elif not hide and aside.exists():
                aside.rename(there)


def one_start(env, user: str) -> dict:
    """Start `user`'s server, open the paper, measure, stop the server."""
    side = hub_side(env)
    side_cpu0 = sum(cpu(p) for p in side)
    t0 = time.monotonic()
    env.start_server(user, timeout=300)
    start_wall = time.monotonic() - t0
    pid = server_pid(user)
    assert pid, f"no server process for {user}"
    start_cpu = sum(cpu(p) for p in side) - side_cpu0 + tree_cpu(pid)
    # the paper open
    side_cpu1 = sum(cpu(p) for p in side)
    server_cpu1 = tree_cpu(pid)
    t1 = time.monotonic()
    me = env.session(user)
    base = f"{env.url}/user/{user}"
    r = me.get(f"{base}/lab", timeout=120)
    assert r.status_code == 200, r.status_code
    r = me.get(f"{base}/lab/api/settings", timeout=120)
    assert r.status_code == 200, r.status_code
    r = me.post(f"{base}/assignments/fetch", data={"course_id": "lawstudy", "assignment_id": env.exam_id}, timeout=120)
    assert r.status_code == 200 and r.json()["success"], r.text[:300]
    nb = Path(f"/home/{user}/{env.exam_id}/exam.ipynb")
    cells = [
        "".join(c["source"]) for c in json.loads(nb.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"
    ]
    kernel = env.kernel(user, f"{env.exam_id}/exam.ipynb")
    try:
        for code in cells:
            out = kernel.run(code, timeout=120)
            assert out["error"] is None, out
        out = kernel.run("print(len(paper.questions))", timeout=60)
        assert int(out["stdout"].strip()) > 0, out
        open_wall = time.monotonic() - t1
        open_cpu = sum(cpu(p) for p in side) - side_cpu1 + tree_cpu(pid) - server_cpu1
        rss, pss = tree_memory(pid)
        import psutil

        server_rss = psutil.Process(pid).memory_info().rss / 2**20  # the server alone, its kernel excluded
    finally:
        kernel.close()
    env.api("DELETE", f"/users/{user}/server", timeout=120)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server_pid(user):
        time.sleep(0.3)
    return {
        "start_wall": start_wall,
        "start_cpu": start_cpu,
        "open_wall": open_wall,
        "open_cpu": open_cpu,
        "rss": rss,
        "pss": pss,
        "server_rss": server_rss,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), help="cumulative, in this order")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("run as root (creates system users, runs JupyterHub)", file=sys.stderr)
        return 2
    env, users, private = load_hub.build(2)
    # the "before" rows need what `hub setup` now removes from the runtime: put it back for the run
    runtime = Path(os.environ.get("LAWSTUDY_RUNTIME", "/opt/lawstudy/venv"))
    pip = [str(runtime / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check"]
    __import__("subprocess").run([*pip, *WITHOUT], check=True)
    results: dict[str, list[dict]] = {v: [] for v in args.variants}
    try:
        for rnd in range(args.rounds):
            for i, name in enumerate(args.variants):
                apply_variant(env, args.variants[: i + 1])
                hidden = [VARIANTS[v]["hide_package"] for v in args.variants[: i + 1] if "hide_package" in VARIANTS[v]]
                user = users[rnd % len(users)]
                hide_packages(hidden, True)
                try:
                    r = one_start(env, user)
                finally:
                    hide_packages(hidden, False)
                results[name].append(r)
                print(f"round {rnd + 1} {name:<18} " + " ".join(f"{k}={v:.2f}" for k, v in r.items()), flush=True)
    finally:
        load_hub.teardown(env, private)
    print(
        f"\n{'variant (cumulative)':<22}{'start s':>9}{'start CPU':>10}{'open s':>8}{'open CPU':>9}{'RSS MiB':>9}{'PSS MiB':>9}"
    )
    for name, rows in results.items():
        if not rows:
            continue

        def med(key, rows=rows):
            return statistics.median(r[key] for r in rows)

        print(
            f"{name:<22}{med('start_wall'):>9.2f}{med('start_cpu'):>10.2f}{med('open_wall'):>8.2f}"
            f"{med('open_cpu'):>9.2f}{med('rss'):>9.0f}{med('pss'):>9.0f}"
        )
    print(f"(medians of {args.rounds} rounds; cpus={os.cpu_count()}, load average {os.getloadavg()[0]:.2f})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
