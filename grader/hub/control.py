"""Start and stop: the hub in its own process group, the ports it must own (and who holds them
when it does not), the hub's REST API."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from grader.hub._util import _tail
from grader.hub.config import ops_token
from grader.hub.settings import HubError, Settings, hub_dir, people
from grader.hub.users import end_processes, write_people
from grader.instance import Instance


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def port_owner(port: int) -> tuple[int, str, str] | None:
    """(pid, user name, command) of the process listening on TCP `port` on this machine, if any
    (psutil; it needs root to see other users' processes, else None)."""
    import psutil

    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.Error:
        return None
    for conn in connections:
        if conn.status != psutil.CONN_LISTEN or not conn.laddr or conn.laddr.port != port or not conn.pid:
            continue
        try:
            proc = psutil.Process(conn.pid)
            uid, cmd = proc.uids().real, " ".join(proc.cmdline())
        except psutil.Error:
            continue
        try:
            user = pwd.getpwuid(uid).pw_name
        except KeyError:
            user = str(uid)
        return conn.pid, user, cmd.strip()[:80]
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_command(inst: Instance) -> list[str]:
    """The hub runs from the venv this command runs from (root's); staff servers from the runtime."""
    exe = Path(sys.executable).parent / "jupyterhub"
    return [str(exe if exe.exists() else "jupyterhub"), "-f", str(hub_dir(inst) / "jupyterhub_config.py")]


def start(
    inst: Instance,
    wait: float = 60,
    log_file: Path | None = None,
    terminal: bool = False,
    cancelled: Callable[[], bool] | None = None,
) -> subprocess.Popen:
    """Start the hub in the background (own process group); return once /hub/health answers.

    Its output goes to `log_file` (default hub/hub.log), or to this terminal with `terminal`.
    `cancelled` is asked while waiting: when it says True, the hub is returned unready (the caller
    stops it)."""
    settings = Settings.load(inst)
    for port in (
        settings.port,
        settings.hub_port,
        settings.proxy_api_port,
        settings.formgrader_port,
        settings.reports_port,
        settings.exam_port,
    ):
        if not port_free(port):
            owner = port_owner(port)
            who = f"：被用户 {owner[1]} 的进程 {owner[0]}（{owner[2]}）占用" if owner else ""
            raise HubError(
                f"端口 {port} 已被占用{who}。hub 的端口须是它自己的：hub 已在运行则先 lawstudy hub stop；"
                "否则结束占用端口的进程后再启动"
            )
    write_people(inst)
    log_file = log_file or hub_dir(inst) / "hub.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    if terminal:
        proc = subprocess.Popen(
            hub_command(inst), cwd=hub_dir(inst), stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
    else:
        with open(log_file, "ab") as out:
            proc = subprocess.Popen(
                hub_command(inst),
                cwd=hub_dir(inst),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
    where = "上方输出" if terminal else str(log_file)
    deadline = time.monotonic() + wait
    import urllib.request

    while time.monotonic() < deadline:
        if cancelled is not None and cancelled():
            return proc
        if proc.poll() is not None:
            raise HubError(
                f"JupyterHub 启动失败（退出码 {proc.returncode}），见 {where}"
                + ("" if terminal else ":\n" + _tail(log_file))
            )
        try:
            with urllib.request.urlopen(settings.url + "/hub/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop(inst, proc)
    raise HubError(f"JupyterHub 在 {wait:g} 秒内没有就绪，见 {where}" + ("" if terminal else ":\n" + _tail(log_file)))


def stop(inst: Instance, proc: subprocess.Popen | None = None, timeout: float = 30) -> bool:
    """SIGTERM the hub (it stops the servers, services and proxy it started), then end what is left
    of its process group and every process of every person on the roster; True if a hub was there.

    With `proc` (a hub this process started) that has already exited, only the clean-up runs."""
    pid = proc.pid if proc else _pid(inst)
    if not pid:
        return False
    if proc is None or proc.poll() is None:
        try:
            leader = os.getpgid(pid) == pid  # started by start(): its own process group
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None:
                if proc.poll() is not None:
                    break
            elif not _alive(pid):
                break
            time.sleep(0.2)
        else:
            if leader:
                _killpg(pid)
            if proc is not None:
                proc.wait(5)
    else:
        leader = True  # our child, started in its own session
    if leader:
        _killpg(pid)  # the proxy or a service the hub left behind
    for user in people(inst).everyone:  # nothing a staff member started outlives the hub
        end_processes(user)
    return True


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


@contextlib.contextmanager
def catching(received: list[int], signals=STOP_SIGNALS) -> Iterator[list[int]]:
    """While inside, `signals` only note their number in `received`; the old handlers come back after."""
    old = {signum: signal.signal(signum, lambda n, _frame: received.append(n)) for signum in signals}
    try:
        yield received
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)


def supervise(proc: subprocess.Popen, stop_it: Callable[[], object], received: list[int]) -> int:
    """Wait for `proc` until a signal is noted in `received` (see catching) or it ends by itself; then
    call `stop_it` once. Returns 128 + the signal's number, or proc's own exit code."""
    while not received and proc.poll() is None:
        try:
            proc.wait(0.5)
        except subprocess.TimeoutExpired:
            pass
    stop_it()
    return 128 + received[0] if received else (proc.returncode if proc.returncode is not None else 0)


def run_foreground(inst: Instance, wait: float = 90, on_ready: Callable[[], object] | None = None) -> int:
    """`lawstudy hub start` without --background: the hub runs as this process's child, its output on
    this terminal; SIGTERM, SIGHUP or SIGINT (Ctrl-C, a closed terminal, systemd) stop it the way
    `hub stop` does (the hub's process group and every person's processes). Returns 0 when a signal
    stopped it, else the hub's own exit code."""
    with catching([]) as received:
        proc = start(inst, wait=wait, terminal=True, cancelled=lambda: bool(received))
        if on_ready is not None and not received:
            on_ready()
        code = supervise(proc, lambda: stop(inst, proc), received)
        return 0 if received else code  # stopped as asked: a clean exit (systemd)


def _pid(inst: Instance) -> int | None:
    path = hub_dir(inst) / "hub.pid"
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    """A process `pid` runs (a zombie does not)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def api(inst: Instance, method: str, path: str, data: dict | None = None, timeout: float = 30):
    """Call the hub's REST API with the ops service token; returns the decoded JSON (or None)."""
    import urllib.request

    settings = Settings.load(inst)
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(
        f"{settings.url}/hub/api{path}",
        data=body,
        method=method,
        headers={"Authorization": f"token {ops_token(inst)}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=timeout) as r:
        text = r.read()
    return json.loads(text) if text else None


def all_users(inst: Instance, page: int = 200) -> list[dict]:
    """Every user model the hub holds (a list of JupyterHub user dicts), read page by page.

    The hub answers at most `api_page_max_limit` users (200 by default) to one
    `GET /hub/api/users`; `offset` and `limit` page through the rest (JupyterHub REST API,
    "Paginated requests"; `jupyterhub.apihandlers.base.APIHandler.get_api_pagination`).
    Raises OSError when the hub does not answer.
    """
    users: list[dict] = []
    seen: set[str] = set()
    while True:
        batch = api(inst, "GET", f"/users?offset={len(users)}&limit={page}") or []
        new = [u for u in batch if u["name"] not in seen]
        if not new:
            return users
        seen.update(u["name"] for u in new)
        users.extend(new)
