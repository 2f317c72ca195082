"""`lawstudy lab`: JupyterLab on an instance, as a staff member sees it (lessons, the start page, the
exchange), with no configuration file in the person's folder and the token never on a command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from grader.exams.nbgrader_config import NbgraderConfig
from grader.instance import Instance, username
from grader.lab.config import labextensions_dir, start_url

# ------------------------------------------------------------------ lab


def lab_desk(inst: Instance, as_staff: str | None = None) -> Path:
    """A staff member's JupyterLab folder: the lessons under 课程/ and the start page 开始学习.md.

    No configuration file goes into the folder: nbgrader's exchange settings, the staff page
    config (no instructor tools) and the settings defaults (Chinese, no news) live in
    lab_config_dir(inst), handed to JupyterLab by `lab` (JUPYTER_CONFIG_PATH, app_settings_dir)."""
    from grader.lab.start_page import write_start_page

    desk = inst.lab_desk
    desk.mkdir(parents=True, exist_ok=True)
    lessons = desk / "课程"
    if inst.lessons.is_dir() and not lessons.exists():  # keep the person's own work on later runs
        shutil.copytree(inst.lessons, lessons)
    stale = desk / "nbgrader_config.py"
    if stale.is_file() and stale.read_text(encoding="utf-8").startswith("# Written by `lawstudy lab`"):
        stale.unlink()  # written there by earlier versions
    write_lab_config(inst, as_staff)
    write_start_page(desk, "课程", inst.exchange, inst.course_id, inst.lab_cache)
    return desk


def lab_config_dir(inst: Instance) -> Path:
    """Where `lawstudy lab` keeps JupyterLab's configuration (outside the person's folder)."""
    return inst.home / "lab-config"


def write_lab_config(inst: Instance, as_staff: str | None = None) -> Path:
    from grader.lab.config import write_overrides, write_page_config

    config = lab_config_dir(inst)
    config.mkdir(parents=True, exist_ok=True)
    student = username(as_staff) if as_staff else None
    NbgraderConfig("lab", inst.course_id, inst.exchange, cache=inst.lab_cache, student=student).write(
        config / "nbgrader_config.py"
    )
    write_page_config(config, staff=True)
    write_overrides(config / "settings")
    return config


def lab_command(desk: Path, port: int, open_browser: bool) -> list[str]:
    """The JupyterLab command line. It never carries the token (any user on the machine can read a
    command line in /proc): the token goes in the environment, JUPYTER_TOKEN."""
    cmd = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        f"--ServerApp.root_dir={desk}",
        f"--port={port}",
        "--ip=127.0.0.1",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.app_settings_dir={desk.parent / 'lab-config' / 'settings'}",
        f"--LabApp.default_url={start_url()}",
        # our staff extension (lessons open already run, the start page instead of the Launcher)
        f"--LabApp.extra_labextensions_path={labextensions_dir()}",
    ]
    if not open_browser:
        cmd.append("--no-browser")
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Return once 127.0.0.1:port accepts a connection, the child exited, or `timeout` seconds passed."""
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with socket.socket() as s:
            s.settimeout(1)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)


def lab(inst: Instance, port: int = 8888, open_browser: bool = True, as_staff: str | None = None) -> int:
    """Run JupyterLab on the instance until interrupted (Ctrl+C, SIGTERM or SIGHUP stop it too).

    The token is $JUPYTER_TOKEN if set, else a new random one; the address with it is printed once
    JupyterLab answers (never on a command line).
    JupyterLab runs in its own process group, which is ended with this command.
    """
    import secrets
    import signal

    desk = lab_desk(inst, as_staff)
    env = dict(os.environ)
    env["JUPYTER_TOKEN"] = env.get("JUPYTER_TOKEN") or secrets.token_hex(24)
    config = str(lab_config_dir(inst))
    env["JUPYTER_CONFIG_PATH"] = ":".join(p for p in [config, env.get("JUPYTER_CONFIG_PATH", "")] if p)
    if as_staff:
        env["JUPYTERHUB_USER"] = username(as_staff)

    def end(*_):
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, end) for sig in (signal.SIGTERM, signal.SIGHUP)}
    proc = subprocess.Popen(lab_command(desk, port, open_browser), cwd=desk, env=env, start_new_session=True)
    try:
        # JupyterLab masks a token it did not make ("token=..."): the person gets the address from
        # us, once the server answers on the port
        _wait_for_port(port, proc)
        if proc.poll() is None:
            print(
                f"JupyterLab 地址（在浏览器中打开）: http://127.0.0.1:{port}/lab?token={env['JUPYTER_TOKEN']}",
                flush=True,
            )
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
