"""grader.hub without a running hub: the generated configs, the lessons copy and its pre-spawn hook,
and the foreground start's signal handling.

Only test_the_hook_copies_as_the_person_and_follows_no_planted_link needs root (it creates and
removes a throwaway system user); everything else runs as any user.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ the package itself


def test_importing_the_hub_loads_neither_jupyterhub_nor_nbgrader():
    code = "import sys, grader.hub; print(any(m.split('.')[0] in ('jupyterhub', 'nbgrader') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_names_written_configs_use_still_resolve():
    from jupyterhub.spawner import LocalProcessSpawner
    from nbgrader.exchange.default.collect import ExchangeCollect
    from nbgrader.exchange.default.submit import ExchangeSubmit
    from traitlets.utils.importstring import import_item

    from grader import hub

    assert issubclass(import_item("grader.hub.StaffSpawner"), LocalProcessSpawner)
    assert issubclass(import_item("grader.hub.OwnSubmit"), ExchangeSubmit)
    assert issubclass(import_item("grader.hub.OwnerCheckedCollect"), ExchangeCollect)
    from grader.hub import PasswordHandler, lessons_hook  # as jupyterhub_config.py imports them

    assert PasswordHandler.__name__ == "PasswordHandler" and callable(lessons_hook)
    for name in hub.__all__:
        assert getattr(hub, name) is not None, name
    with pytest.raises(AttributeError):
        hub.NoSuchThing  # noqa: B018


def test_python_m_grader_hub_usage():
    out = subprocess.run([sys.executable, "-m", "grader.hub"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1 and "copy-lessons SOURCE TARGET" in out.stderr


# ------------------------------------------------------------------ generated configs


@pytest.fixture
def written(tmp_path, monkeypatch):
    """An instance in tmp_path with its hub configs written (no root needed) and a small roster."""
    from grader import hub
    from grader.instance import Instance

    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime-dir"))
    inst = Instance.from_env(tmp_path / "home").ensure()
    settings = hub.Settings(home=str(inst.home), runtime=str(tmp_path / "venv"), proxy="/bin/true", port=8123)
    config = hub.write_config(inst, settings)
    hub.write_people(inst, hub.People(staff=["s1", "s2"], trainers=["t1"], admins=["a1"]))
    return SimpleNamespace(inst=inst, settings=settings, config=config, hub=hub)


def run_config(path: Path):
    """Execute a generated config file as JupyterHub / Jupyter do, with a fresh traitlets Config."""
    from traitlets.config import Config

    c = Config()
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    exec(code, {"__file__": str(path), "__name__": "config", "get_config": lambda: c})
    return c


def test_jupyterhub_config_compiles_and_says_what_matters(written):
    from traitlets.utils.importstring import import_item

    hub, inst = written.hub, written.inst
    c = run_config(written.config)
    assert c.JupyterHub.spawner_class == "grader.hub.StaffSpawner"
    assert import_item(c.JupyterHub.spawner_class).__name__ == "StaffSpawner"
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8123"
    assert c.Authenticator.allowed_users == {"s1", "s2", "t1", "a1"}
    assert c.Authenticator.admin_users == set()
    groups = {name: spec["users"] for name, spec in c.JupyterHub.load_groups.items()}
    assert groups[hub.STAFF_GROUP] == ["s1", "s2"]
    assert set(groups[hub.TRAINER_GROUP]) == {"t1", written.settings.grader_user}
    assert groups[hub.ADMIN_GROUP] == ["a1"]
    (path, handler) = c.JupyterHub.extra_handlers[0]
    assert path == r"/lawstudy/password" and handler.__name__ == "PasswordHandler"
    hook = c.Spawner.pre_spawn_hook
    assert callable(hook) and hook.__qualname__.startswith(("lessons_hook.", "staff_hook."))
    assert c.Spawner.cmd == [str(Path(written.settings.runtime) / "bin" / "jupyterhub-singleuser")]
    assert c.Spawner.environment["JUPYTER_CONFIG_PATH"] == str(hub.staff_etc(inst))
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert set(services) == {hub.FORMGRADER_SERVICE, "reports", "exam", "idle-culler", "lawstudy-ops"}
    # idle servers are stopped by jupyterhub-idle-culler, run as the grader with only its scopes
    culler = services["idle-culler"]
    assert culler["user"] == written.settings.grader_user
    assert "jupyterhub_idle_culler" in culler["command"] and "--timeout=3600" in culler["command"]
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert set(roles["idle-culler"]["scopes"]) == {
        "list:users",
        "read:users:activity",
        "read:servers",
        "delete:servers",
    }
    # exam morning: one start per core at a time, a long line allowed, Chinese waiting pages
    assert c.StaffSpawner.concurrent_starts == 0 and c.JupyterHub.concurrent_spawn_limit == 500
    pages = Path(c.JupyterHub.template_paths[0])
    assert "您前面还有" not in (pages / "spawn_pending.html").read_text(encoding="utf-8")  # from the spawner
    assert "spawner.queue_message()" in (pages / "spawn_pending.html").read_text(encoding="utf-8")
    assert "登录的人较多" in (pages / "error.html").read_text(encoding="utf-8")
    tokens = json.loads((hub.hub_dir(inst) / "tokens.json").read_text())
    assert services["lawstudy-ops"]["api_token"] == tokens["ops"]
    assert services["reports"]["command"][-3:] == ["-m", "grader.hub", "reports-service"]
    assert services["exam"]["command"][-3:] == ["-m", "grader.hub", "exam-service"]
    for name in (hub.FORMGRADER_SERVICE, "reports"):
        assert services[name]["user"] == written.settings.grader_user
        etc = Path(services[name]["environment"]["JUPYTER_CONFIG_PATH"])
        assert etc == hub.grader_etc(inst)
    server = json.loads((hub.grader_etc(inst) / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["tornado_settings"]["headers"]["Content-Security-Policy"] == hub.FORMGRADER_CSP
    assert server["HTMLExporter"]["sanitize_html"] is True
    assert "script-src" not in hub.REPORTS_CSP and "default-src 'none'" in hub.REPORTS_CSP
    # the hub's own state is private
    assert (written.config.stat().st_mode & 0o777) == 0o600
    assert (hub.hub_dir(inst).stat().st_mode & 0o777) == 0o700


def test_nbgrader_configs_pin_the_zone_and_name_the_guards(written):
    from nbgrader.exchange.default.collect import ExchangeCollect
    from nbgrader.exchange.default.submit import ExchangeSubmit
    from traitlets.utils.importstring import import_item

    hub, inst = written.hub, written.inst
    staff = run_config(hub.staff_etc(inst) / "nbgrader_config.py")
    grader = run_config(hub.grader_etc(inst) / "nbgrader_config.py")
    for c in (staff, grader):
        assert c.Exchange.timezone == "UTC"
        assert c.Exchange.root == str(inst.exchange)
        assert c.CourseDirectory.course_id == hub.FORMGRADER_SERVICE
        assert c.Authenticator.plugin_class == "nbgrader.auth.JupyterHubAuthPlugin"
    assert issubclass(import_item(staff.ExchangeFactory.submit), ExchangeSubmit)
    assert staff.ExchangeFactory.submit == "grader.exams.exchange.OwnSubmit"
    assert grader.ExchangeFactory.collect == "grader.exams.exchange.OwnerCheckedCollect"
    assert issubclass(import_item(grader.ExchangeFactory.collect), ExchangeCollect)
    assert grader.CourseDirectory.root == str(inst.course_dir)
    server = run_config(hub.staff_etc(inst) / "jupyter_server_config.py")
    assert server.KernelManager.transport == "ipc"
    page = json.loads((hub.staff_etc(inst) / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    assert page["disabledExtensions"]["@jupyterlab/launcher-extension:plugin"] is True
    assert page["buildCheck"] is False and page["buildAvailable"] is False
    grader_page = json.loads((hub.grader_etc(inst) / "labconfig" / "page_config.json").read_text())
    assert grader_page["disabledExtensions"]["lawstudy-staff:plugin"] is True
    # a lighter staff server: only the extensions staff use, no terminals, news or update checks
    staff_server = json.loads((hub.staff_etc(inst) / "jupyter_server_config.json").read_text())
    off = staff_server["ServerApp"]["jpserver_extensions"]
    for name in ("jupyter_lsp", "notebook", "nbgrader.server_extensions.formgrader", "jupyter_server_terminals"):
        assert off[name] is False
    assert "nbgrader.server_extensions.assignment_list" not in off  # fetch and submit stay
    assert staff_server["ServerApp"]["terminals_enabled"] is False
    assert staff_server["LabApp"]["news_url"] is None
    # trainers (etc/trainer first on their path) get their tools back: validate, a terminal
    trainer = json.loads((inst.home / "etc" / "trainer" / "jupyter_server_config.json").read_text())
    assert trainer["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.validate_assignment"] is True
    assert trainer["ServerApp"]["terminals_enabled"] is True
    assert trainer["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    assert trainer["ServerApp"]["jpserver_extensions"]["jupyter_lsp"] is False


def test_setup_rewrites_the_configs(written):
    hub = written.hub
    written.config.write_text("# edited by hand\n")
    hub.write_config(written.inst, written.settings)
    assert written.config.read_text(encoding="utf-8").startswith("# jupyterhub_config.py")


def test_templates_are_in_the_wheel(tmp_path):
    """hatch packages grader/ with its data: the templates must be in the wheel."""
    import zipfile

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        pytest.skip(f"cannot build a wheel here: {out.stderr[-300:]}")
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    from grader.hub import TEMPLATES

    for template in TEMPLATES.iterdir():
        assert f"grader/hub/templates/{template.name}" in names
    assert "grader/hub/__main__.py" in names


# ------------------------------------------------------------------ lessons


def test_copy_lessons_keeps_own_notebooks_and_replaces_links(tmp_path):
    from grader.hub import copy_lessons

    source, target = tmp_path / "lessons", tmp_path / "home" / "课程"
    (source / "burial").mkdir(parents=True)
    (source / "burial" / "01.ipynb").write_text("lesson v1")
    (source / "burial" / "notes.md").write_text("notes v2")
    (source / "index.md").write_text("index")
    (target / "burial").mkdir(parents=True)
    (target / "burial" / "01.ipynb").write_text("my own work")  # the person's copy stays
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not to be written")
    (target / "burial" / "notes.md").symlink_to(elsewhere)  # a planted link is replaced, not followed
    assert copy_lessons(source, target) == []
    assert (target / "burial" / "01.ipynb").read_text() == "my own work"
    assert not (target / "burial" / "notes.md").is_symlink()
    assert (target / "burial" / "notes.md").read_text() == "notes v2"
    assert (target / "index.md").read_text() == "index"
    assert elsewhere.read_text() == "not to be written"
    # a second run changes nothing and reports nothing
    assert copy_lessons(source, target) == []


def test_copy_lessons_reports_what_it_cannot_write(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root may write anywhere")
    from grader.hub import copy_lessons

    source, target = tmp_path / "lessons", tmp_path / "课程"
    source.mkdir()
    (source / "a.md").write_text("a")
    target.mkdir()
    target.chmod(0o500)
    try:
        problems = copy_lessons(source, target)
    finally:
        target.chmod(0o700)
    assert len(problems) == 1 and "a.md" in problems[0]


def test_python_m_grader_hub_copy_lessons(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "x.md").write_text("x")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "grader.hub", "copy-lessons", str(source), str(tmp_path / "dst")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0 and out.stdout == ""
    assert (tmp_path / "dst" / "x.md").read_text() == "x"


@pytest.fixture
def throwaway_user():
    """A system user with a private home in a fresh /tmp folder; removed (with its processes) after."""
    if os.geteuid() != 0 or not shutil.which("useradd"):
        pytest.skip("needs root and useradd (creates a system user)")
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest_hub import shared_tmp

    base = Path(tempfile.mkdtemp(prefix="lshook-", dir=shared_tmp()))
    base.chmod(0o755)
    name = f"lshook-{uuid.uuid4().hex[:6]}"
    home = base / name
    subprocess.run(
        ["useradd", "-M", "-d", str(home), "-s", "/usr/sbin/nologin", "-c", "hook test,lawstudy", "-U", name],
        check=True,
    )
    try:
        entry = pwd.getpwnam(name)
        home.mkdir(mode=0o700)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        yield SimpleNamespace(name=name, home=home, base=base, uid=entry.pw_uid, gid=entry.pw_gid)
    finally:
        subprocess.run(["pkill", "-KILL", "-U", name], capture_output=True)
        subprocess.run(["userdel", "-f", name], capture_output=True)
        subprocess.run(["groupdel", name], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_the_hook_copies_as_the_person_and_follows_no_planted_link(throwaway_user):
    """Root only: the pre_spawn_hook copies the lessons in a child running as the person, and
    writes through no link they planted in ~/课程: a linked file and a linked folder are replaced
    by the lesson's own file and a real folder."""
    from grader.hub import lessons_hook

    user, base = throwaway_user, throwaway_user.base
    source = base / "lessons"
    (source / "burial").mkdir(parents=True)
    (source / "burial" / "01.md").write_text("lesson text", encoding="utf-8")
    (source / "burial" / "secret-dir").mkdir()
    (source / "burial" / "secret-dir" / "planted.md").write_text("into the root folder?", encoding="utf-8")
    for path in [source, *source.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    # root's own file and folder, which the person's links point at
    private = base / "root-only"
    private.mkdir(mode=0o700)
    target_file = private / "shadow"
    target_file.write_text("root's file", encoding="utf-8")
    readable = base / "root-readable.txt"
    readable.write_text("root's readable file", encoding="utf-8")
    readable.chmod(0o644)
    lessons = user.home / "课程"
    (lessons / "burial").mkdir(parents=True)
    (lessons / "burial" / "01.md").symlink_to(readable)
    (lessons / "burial" / "secret-dir").symlink_to(private)
    for path in (lessons, lessons / "burial"):
        os.chown(path, user.uid, user.gid)
    for path in (lessons / "burial" / "01.md", lessons / "burial" / "secret-dir"):
        os.lchown(path, user.uid, user.gid)
    # the staff runtime's python: this venv with this checkout first on the path
    runtime = base / "runtime"
    (runtime / "bin").mkdir(parents=True)
    wrapper = runtime / "bin" / "python"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} "$@"\n')
    wrapper.chmod(0o755)
    runtime.chmod(0o755)
    (runtime / "bin").chmod(0o755)

    warnings: list[str] = []
    spawner = SimpleNamespace(
        user=SimpleNamespace(name=user.name),
        log=SimpleNamespace(warning=lambda fmt, *args: warnings.append(fmt % args)),
    )
    asyncio.run(lessons_hook(source, runtime, "课程")(spawner))

    copied = lessons / "burial" / "01.md"
    assert not copied.is_symlink() and copied.read_text(encoding="utf-8") == "lesson text"
    assert copied.stat().st_uid == user.uid  # written by the person, not chowned by root
    assert readable.read_text(encoding="utf-8") == "root's readable file"
    assert readable.stat().st_uid == 0 and (readable.stat().st_mode & 0o777) == 0o644
    assert sorted(p.name for p in private.iterdir()) == ["shadow"]
    assert target_file.read_text(encoding="utf-8") == "root's file"
    assert private.stat().st_uid == 0 and (private.stat().st_mode & 0o777) == 0o700
    mine = lessons / "burial" / "secret-dir"
    assert not mine.is_symlink() and mine.stat().st_uid == user.uid
    assert (mine / "planted.md").read_text(encoding="utf-8") == "into the root folder?"
    assert warnings == []


# ------------------------------------------------------------------ foreground start


def _later(seconds: float, fn) -> threading.Timer:
    timer = threading.Timer(seconds, fn)
    timer.start()
    return timer


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_stops_the_supervised_child(signum):
    from grader.hub import catching, supervise

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    stopped = []

    def stop_it():
        stopped.append(True)
        child.terminate()
        child.wait(10)

    before = signal.getsignal(signum)
    try:
        with catching([]) as received:
            _later(0.5, lambda: os.kill(os.getpid(), signum))
            code = supervise(child, stop_it, received)
    finally:
        if child.poll() is None:
            child.kill()
    assert stopped == [True] and code == 128 + signum
    assert signal.getsignal(signum) == before  # handlers given back


def test_a_child_that_ends_by_itself_is_cleaned_up_too():
    from grader.hub import catching, supervise

    child = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    stopped = []
    with catching([]) as received:
        code = supervise(child, lambda: stopped.append(True), received)
    assert code == 3 and stopped == [True]


def test_run_foreground_wires_start_signals_and_stop(tmp_path, monkeypatch):
    """run_foreground with a dummy hub: SIGTERM to lawstudy calls the stop path with its child."""
    from grader.hub import control

    children = []

    def fake_start(inst, wait=60, log_file=None, terminal=False, cancelled=None):
        assert terminal and cancelled is not None and not cancelled()
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
        children.append(child)
        return child

    stops = []

    def fake_stop(inst, proc=None, timeout=30):
        stops.append(proc)
        proc.terminate()
        proc.wait(10)
        return True

    monkeypatch.setattr(control, "start", fake_start)
    monkeypatch.setattr(control, "stop", fake_stop)
    ready = []
    _later(0.5, lambda: os.kill(os.getpid(), signal.SIGTERM))
    code = control.run_foreground(SimpleNamespace(home=tmp_path), on_ready=lambda: ready.append(True))
    assert code == 0 and ready == [True]
    assert stops == children and children[0].poll() is not None


def test_a_signal_while_the_hub_starts_stops_it(tmp_path, monkeypatch):
    from grader.hub import control

    def slow_start(inst, wait=60, log_file=None, terminal=False, cancelled=None):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        os.kill(os.getpid(), signal.SIGHUP)  # e.g. the terminal closes while the hub starts
        deadline = time.monotonic() + 5
        while not cancelled() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cancelled()
        return child

    stops = []
    monkeypatch.setattr(control, "start", slow_start)
    monkeypatch.setattr(control, "stop", lambda inst, proc=None, timeout=30: stops.append(proc.kill() or proc.wait()))
    ready = []
    assert control.run_foreground(SimpleNamespace(home=tmp_path), on_ready=lambda: ready.append(1)) == 0
    assert len(stops) == 1 and ready == []


def test_stop_of_an_exited_child_still_cleans_up(tmp_path, monkeypatch):
    """stop(proc) for a hub that already ended: no signal to a reused pid, the clean-up still runs."""
    from grader.hub import control

    child = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    child.wait()
    ended = []
    monkeypatch.setattr(control, "people", lambda inst: SimpleNamespace(everyone=["p1", "p2"]))
    monkeypatch.setattr(control, "end_processes", ended.append)
    monkeypatch.setattr(control, "_killpg", lambda pgid: ended.append(f"group {pgid}"))
    assert control.stop(SimpleNamespace(home=tmp_path), child) is True
    assert ended == [f"group {child.pid}", "p1", "p2"]


FAKE_HUB = """
import http.server, subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])   # e.g. the proxy
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/hub/health" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def test_foreground_start_and_stop_with_a_stand_in_hub(tmp_path, monkeypatch):
    """The real start(terminal=True) / supervise / stop path, with a stand-in for jupyterhub that
    answers /hub/health and leaves a child behind: SIGTERM ends both (its process group)."""
    from grader import hub
    from grader.hub import control
    from grader.instance import Instance

    inst = Instance.from_env(tmp_path / "home").ensure()
    ports = {k: hub.free_port() for k in ("port", "hub_port", "proxy_api_port", "formgrader_port", "reports_port")}
    hub.write_config(inst, hub.Settings(home=str(inst.home), proxy="/bin/true", **ports))
    script = tmp_path / "fake_hub.py"
    script.write_text(FAKE_HUB)
    monkeypatch.setattr(control, "hub_command", lambda inst: [sys.executable, str(script), str(ports["port"])])
    seen = {}

    def ready():
        proc_pid = int(subprocess.run(["pgrep", "-f", str(script)], capture_output=True, text=True).stdout.split()[0])
        seen["group"] = os.getpgid(proc_pid)
        _later(0.3, lambda: os.kill(os.getpid(), signal.SIGTERM))

    assert control.run_foreground(inst, wait=30, on_ready=ready) == 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(seen["group"], 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the stand-in hub's process group outlived lawstudy")
    assert hub.port_free(ports["port"])
