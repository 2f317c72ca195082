"""JupyterHub for a whole bureau: people and groups, the staff runtime, permissions, config, start/stop.

One server runs one hub (JupyterHub + configurable-http-proxy). Every person on the roster is a
real system user (LocalProcessSpawner, home mode 700), so the file system keeps people apart:

    staff      hub group nbgrader-lawstudy    fetch and submit exams, open the lessons
    trainers   hub group formgrade-lawstudy   also reach the course's formgrader service
    admins     hub group lawstudy-admin       also reach the reports service (Excel/HTML exports)

The course (source with the keys, gradebook), the papers, the records and the reports belong
to one system user, the course's grader (`grader-lawstudy`), mode 700; the formgrader and the
reports run as hub services under that user. Staff reach the course only through the exchange.

Layout added to the instance (see grader/instance.py):

    hub/                 root 700: jupyterhub_config.py, settings.json, people.json, hub database,
                         cookie secret, service tokens, initial-passwords.csv, hub.log, hub.pid
    etc/staff/           755: the staff servers' Jupyter config (exchange, course id)
    etc/grader/          grader 700: the formgrader's nbgrader config

The staff runtime is a virtual environment built from /usr/bin/python3 with a NON-editable
install of this project (the wheel carries grader/ and the statutes, never quizzes/), in a
world-readable place (default /opt/lawstudy/venv); staff servers and kernels run from it.
"""
from __future__ import annotations

import csv
import functools
import grp
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.errors import LawstudyError
from grader.instance import COURSE_ID, Instance, username

DEFAULT_RUNTIME = Path(os.environ.get("LAWSTUDY_RUNTIME", "/opt/lawstudy/venv"))
STAFF_GROUP = f"nbgrader-{COURSE_ID}"
TRAINER_GROUP = f"formgrade-{COURSE_ID}"
ADMIN_GROUP = "lawstudy-admin"
FORMGRADER_SERVICE = COURSE_ID
REPORTS_SERVICE = "reports"
OPS_SERVICE = "lawstudy-ops"
LESSONS_FOLDER = "课程"
USER_COMMENT = "lawstudy"


class HubError(LawstudyError, RuntimeError):
    """The hub cannot be set up, started or reached; the message says what to do."""


# ------------------------------------------------------------------ settings and people


@dataclass
class Settings:
    """What `lawstudy hub setup` decided; stored as hub/settings.json, read by jupyterhub_config.py."""

    home: str
    runtime: str = str(DEFAULT_RUNTIME)
    grader_user: str = f"grader-{COURSE_ID}"
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    formgrader_port: int = 9010
    reports_port: int = 9011
    proxy: str = ""
    authenticator: str = "pam"
    max_processes: int = 256       # per person (RLIMIT_NPROC: processes and threads of their account)
    max_memory_mb: int = 4096      # per process of a staff server or kernel (RLIMIT_AS)
    nice: int = 5                  # staff servers yield the CPU to the hub, the proxy and the grader

    @classmethod
    def load(cls, inst: Instance) -> "Settings":
        path = hub_dir(inst) / "settings.json"
        if not path.exists():
            raise HubError(f"{path} 不存在：请先运行 lawstudy hub setup --home {inst.home}")
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def save(self, inst: Instance) -> None:
        _write_private(hub_dir(inst) / "settings.json", json.dumps(asdict(self), indent=2))

    @property
    def url(self) -> str:
        return f"http://{self.ip if self.ip not in ('', '0.0.0.0') else '127.0.0.1'}:{self.port}"


@dataclass
class People:
    """Hub user names (= system users = nbgrader student ids) by role."""

    staff: list[str] = field(default_factory=list)
    trainers: list[str] = field(default_factory=list)
    admins: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # user -> 姓名, for the GECOS field

    @property
    def everyone(self) -> list[str]:
        return sorted(set(self.staff) | set(self.trainers) | set(self.admins))

    def groups(self) -> dict[str, list[str]]:
        return {STAFF_GROUP: sorted(self.staff), TRAINER_GROUP: sorted(self.trainers),
                ADMIN_GROUP: sorted(self.admins)}


def hub_dir(inst: Instance) -> Path:
    return inst.home / "hub"


def staff_etc(inst: Instance) -> Path:
    return inst.home / "etc" / "staff"


def grader_etc(inst: Instance) -> Path:
    return inst.home / "etc" / "grader"


def roles_path(inst: Instance) -> Path:
    return hub_dir(inst) / "roles.json"


def load_roles(inst: Instance) -> dict:
    path = roles_path(inst)
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {"trainers": data.get("trainers", []), "admins": data.get("admins", [])}


def save_roles(inst: Instance, trainers: list[str], admins: list[str]) -> None:
    _write_private(roles_path(inst), json.dumps({"trainers": sorted(set(trainers)), "admins": sorted(set(admins))},
                                                ensure_ascii=False, indent=2))


def people(inst: Instance) -> People:
    """Staff from the records' roster (active people), trainers and admins from hub/roles.json."""
    from grader import records
    result = People()
    if inst.records.exists():
        for row in records.roster(records.open_db(inst.home)):
            user = username(row["staff_id"])
            result.staff.append(user)
            result.names[user] = row["name"]
    roles = load_roles(inst)
    result.trainers = [username(s) for s in roles["trainers"]]
    result.admins = [username(s) for s in roles["admins"]]
    return result


# ------------------------------------------------------------------ system users


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def ensure_system_user(name: str, full_name: str = "") -> bool:
    """Create `name` with a private home (mode 700); True when it was created now."""
    if user_exists(name):
        return False
    gecos = f"{full_name or name},{USER_COMMENT}".replace(":", " ")
    _run(["useradd", "-m", "-K", "HOME_MODE=0700", "-s", "/bin/bash", "-c", gecos, "-U", name])
    return True


def password_problem(password: str) -> str | None:
    """Why a new password is refused (None if it is acceptable): 8–128 characters, no control
    characters (a newline would let a batch tool such as chpasswd read a second account's line)."""
    if not 8 <= len(password) <= 128:
        return "新密码应为 8 至 128 位。"
    if any(unicodedata.category(ch).startswith("C") for ch in password):
        return "新密码不能包含换行、制表符等控制字符。"
    return None


def set_password(name: str, password: str) -> None:
    """Set `name`'s password (root, for initial passwords we generate): one user, through PAM."""
    import pamela
    if password_problem(password):
        raise HubError(f"{name} 的密码不合要求")
    try:
        pamela.change_password(name, password, service="passwd")
    except pamela.PAMError as error:
        raise HubError(f"设置 {name} 的密码失败：{error}") from None


def remove_system_user(name: str) -> None:
    """Delete a user created by lawstudy (its GECOS says so) with its home; others are refused."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if USER_COMMENT not in entry.pw_gecos.split(","):
        raise HubError(f"系统用户 {name} 不是 lawstudy 创建的，拒绝删除")
    subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
    _run(["userdel", "-r", "-f", name], ok=(0, 6, 12))
    try:
        grp.getgrnam(name)
        _run(["groupdel", name], ok=(0, 6, 8))
    except KeyError:
        pass


def new_password() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def sync_users(inst: Instance, reset_passwords: bool = False) -> dict:
    """Create missing system users for everyone on the roster and roles list; give new ones a password.

    New initial passwords go to hub/initial-passwords.csv (root only) for the IT person to hand out.
    Returns {"created": [...], "existing": [...], "passwords": {user: password}}.
    """
    settings = Settings.load(inst)
    folks = people(inst)
    created, existing, passwords = [], [], {}
    ensure_system_user(settings.grader_user, "课程阅卷服务")
    for user in folks.everyone:
        if ensure_system_user(user, folks.names.get(user, "")):
            created.append(user)
        else:
            existing.append(user)
        if user in created or reset_passwords:
            passwords[user] = new_password()
            set_password(user, passwords[user])
    if passwords:
        path = hub_dir(inst) / "initial-passwords.csv"
        rows = []
        if path.exists():
            rows = [r for r in csv.reader(path.read_text(encoding="utf-8").splitlines()[1:]) if r and r[0] not in passwords]
        rows += [[u, folks.names.get(u, ""), p] for u, p in sorted(passwords.items())]
        out = ["登录名,姓名,初始密码"] + [",".join(r) for r in rows]
        _write_private(path, "\n".join(out) + "\n")
    write_people(inst, folks)
    return {"created": created, "existing": existing, "passwords": passwords}


def write_people(inst: Instance, folks: People | None = None) -> None:
    """hub/people.json for jupyterhub_config.py. The grader user joins formgrade-COURSE as nbgrader's
    JupyterHub integration expects (the formgrader asks the hub for its own user's groups); it has
    no password, so nobody logs in as it."""
    folks = folks or people(inst)
    groups = folks.groups()
    try:
        groups[TRAINER_GROUP] = sorted(set(groups[TRAINER_GROUP]) | {Settings.load(inst).grader_user})
    except HubError:
        pass
    _write_private(hub_dir(inst) / "people.json", json.dumps(
        {"staff": folks.staff, "trainers": folks.trainers, "admins": folks.admins, "groups": groups},
        ensure_ascii=False, indent=2))


# ------------------------------------------------------------------ lessons into a person's home


def copy_lessons(source: Path, target: Path) -> list[str]:
    """Copy the lessons folder into `target` (a person's ~/课程); run it AS that person.

    New and updated files are copied; a lesson notebook the person already has is kept (their own
    work). Nothing is chowned: the files are the person's because the person's process writes
    them, so a link they planted can only lead where they could write anyway. Returns the paths
    it could not write (reported, never fatal: a server must still start).
    """
    source, target = Path(source), Path(target)
    problems = []
    for path in [source, *sorted(source.rglob("*"))]:
        dest = target / path.relative_to(source)
        try:
            if path.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
            elif path.suffix == ".ipynb" and (dest.exists() or dest.is_symlink()):
                continue                              # keep the person's own copy of a lesson
            elif dest.is_symlink() or not dest.exists() or dest.stat().st_mtime < path.stat().st_mtime:
                if dest.is_symlink():
                    dest.unlink()
                shutil.copy2(path, dest)
        except OSError as error:
            problems.append(f"{dest}: {error.strerror}")
    return problems


def lessons_hook(source: Path, runtime: Path, folder: str):
    """A JupyterHub pre_spawn_hook that copies `source` into ~/folder as the spawning user.

    The copy runs in a child process started with the person's uid, gid and no other groups
    (`python -m grader.hub copy-lessons`), from the staff runtime they can read.
    """
    def hook(spawner):
        source_dir = Path(source)
        if not source_dir.is_dir():
            return
        entry = pwd.getpwnam(spawner.user.name)
        python = Path(runtime) / "bin" / "python"
        proc = subprocess.run([str(python if python.exists() else sys.executable), "-m", "grader.hub", "copy-lessons",
                               str(source_dir), str(Path(entry.pw_dir) / folder)],
                              user=entry.pw_uid, group=entry.pw_gid, extra_groups=[], cwd="/",
                              env={"PATH": "/usr/bin:/bin", "HOME": entry.pw_dir, "LANG": "C.UTF-8"},
                              capture_output=True, text=True, timeout=120)
        if proc.returncode or proc.stdout.strip():
            spawner.log.warning("copying lessons for %s: %s %s", spawner.user.name, proc.stdout[-500:],
                                proc.stderr[-500:])
    return hook


def end_processes(user: str) -> None:
    """Kill every process of a lawstudy-created account (never root, never another account)."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return
    if entry.pw_uid == 0 or USER_COMMENT not in entry.pw_gecos.split(","):
        return
    subprocess.run(["pkill", "-KILL", "-U", str(entry.pw_uid)], capture_output=True)


# ------------------------------------------------------------------ staff runtime


def checkout_root() -> Path | None:
    """The source checkout this package runs from (editable install), if any."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").exists() else None


def ensure_runtime(runtime: Path = DEFAULT_RUNTIME, source: Path | None = None, log=print) -> Path:
    """Build (or refresh) the staff runtime: a venv from /usr/bin/python3 with this project installed.

    The project is installed from `source` (default: this checkout) as a wheel, never editable, so
    the runtime holds grader/ and the statutes but no question bank. Re-running only reinstalls
    the project itself (a few seconds).
    """
    runtime = Path(runtime)
    source = Path(source or checkout_root() or "")
    if not (source / "pyproject.toml").exists():
        raise HubError("找不到项目源码 (pyproject.toml)：请用 --source 指定")
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    pip = [str(runtime / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    fresh = not (runtime / "bin" / "jupyterhub-singleuser").exists()
    if fresh:
        log(f"==> 建立运行环境 {runtime}（{python} -m venv）")
        runtime.parent.mkdir(parents=True, exist_ok=True)
        _run([python, "-m", "venv", str(runtime)])
        _run(pip + [str(source)], timeout=1800)
    else:
        log(f"==> 更新运行环境 {runtime} 中的 lawstudy")
        _run(pip + ["--no-deps", "--force-reinstall", str(source)], timeout=600)
    for path in [runtime, *runtime.parents]:
        if path == Path("/"):
            break
        mode = path.stat().st_mode
        if not mode & stat.S_IXOTH:
            raise HubError(f"{path} 不可被其他用户进入（mode {oct(mode & 0o777)}）：运行环境须放在所有人可读的位置")
    # no news or update checks in JupyterLab (the bureau's network has no internet)
    overrides = runtime / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(json.dumps({"@jupyterlab/apputils-extension:notification": {
        "checkForUpdates": False, "fetchNews": "false"}}, indent=2), encoding="utf-8")
    _run(["chmod", "-R", "go+rX,go-w", str(runtime)])
    return runtime


# ------------------------------------------------------------------ permissions


def lock_checkout(root: Path | None = None) -> list[Path]:
    """Make the checkout's banks (quizzes/) and git history (.git/) readable by root only."""
    root = root or checkout_root()
    locked = []
    if root is None:
        return locked
    for name in ("quizzes", ".git"):
        path = root / name
        if path.exists():
            _run(["chmod", "-R", "go-rwx", str(path)])
            locked.append(path)
    return locked


def apply_permissions(inst: Instance) -> None:
    """Idempotent: the grader owns the course, papers, records and reports (700); the exchange is
    open the way nbgrader needs; lessons and the staff config are world-readable; hub/ is root's.

    Run it again after a root `lawstudy exam ...` command so the formgrader can write its files.
    """
    settings = Settings.load(inst)
    g = pwd.getpwnam(settings.grader_user)
    uid, gid = g.pw_uid, g.pw_gid
    home = inst.home
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, uid, gid)
    os.chmod(home, 0o711)
    for path in [home, *home.parents]:
        if path == Path("/"):
            break
        if not path.stat().st_mode & stat.S_IXOTH:
            raise HubError(f"{path} 不可被其他用户进入（mode {oct(path.stat().st_mode & 0o777)}）：实例目录须放在所有人可进入的位置")
    for folder in (inst.course_dir, inst.papers, inst.reports, grader_etc(inst)):
        folder.mkdir(parents=True, exist_ok=True)
        _chown_tree(folder, uid, gid)
        os.chmod(folder, 0o700)
    for path in (inst.records, Path(str(inst.records) + "-wal"), Path(str(inst.records) + "-shm")):
        if path.exists():
            os.chown(path, uid, gid)
            os.chmod(path, 0o600)
    # hub state: root only
    hub = hub_dir(inst)
    hub.mkdir(parents=True, exist_ok=True)
    os.chown(hub, 0, 0)
    os.chmod(hub, 0o700)
    # staff config and lessons: readable by all, writable by root only
    for folder in (staff_etc(inst), inst.lessons):
        folder.mkdir(parents=True, exist_ok=True)
        _run(["chown", "-R", "root:root", str(folder)])
        _run(["chmod", "-R", "u+rwX,go+rX,go-w", str(folder)])
    os.chmod(inst.home / "etc", 0o755)
    # the exchange: root 1777 (nbgrader wants it writable), the course's folders pre-made by the grader
    ex = inst.exchange
    ex.mkdir(parents=True, exist_ok=True)
    os.chown(ex, 0, 0)
    os.chmod(ex, 0o1777)
    course = ex / COURSE_ID
    modes = {course: 0o755, course / "outbound": 0o755, course / "inbound": 0o2733, course / "feedback": 0o711}
    for path, mode in modes.items():
        path.mkdir(exist_ok=True)
        os.chown(path, uid, gid)
        os.chmod(path, mode)
    for path in (course / "outbound").rglob("*"):
        os.lchown(path, uid, gid)
        if not path.is_symlink():
            os.chmod(path, (path.stat().st_mode | 0o444 | (0o111 if path.is_dir() else 0)) & ~0o022)
    lock_checkout()


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.lchown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            os.lchown(path, uid, gid)
            if not os.path.islink(path):
                mode = os.lstat(path).st_mode
                os.chmod(path, stat.S_IMODE(mode) & ~0o077)


# ------------------------------------------------------------------ configuration files


STAFF_NBGRADER_CONFIG = '''\
# nbgrader configuration for staff servers (generated by `lawstudy hub setup`).
# Staff fetch and submit through the exchange; their server token may read their own groups,
# which nbgrader's JupyterHubAuthPlugin uses to know which courses they take (nbgrader-COURSE).
c = get_config()  # noqa
c.CourseDirectory.course_id = {course!r}
c.Exchange.root = {exchange!r}
c.Exchange.timezone = "UTC"   # submissions stamped "... UTC": read the same on every host
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
# Refuse `nbgrader submit --student SOMEONE_ELSE` (the grader's collect refuses it too).
c.ExchangeFactory.submit = "grader.hub.OwnSubmit"
'''

GRADER_NBGRADER_CONFIG = '''\
# nbgrader configuration for the course's formgrader service (generated by `lawstudy hub setup`).
# The course directory's own nbgrader_config.py (written by the exam commands) is read after this.
c = get_config()  # noqa
c.CourseDirectory.root = {course_dir!r}
c.CourseDirectory.course_id = {course!r}
c.Exchange.root = {exchange!r}
c.Exchange.timezone = "UTC"   # submissions stamped "... UTC": read the same on every host
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
# Only collect a submission whose files belong to the student it names (no submitting as another).
c.ExchangeFactory.collect = "grader.hub.OwnerCheckedCollect"
'''

STAFF_SERVER_CONFIG = '''\
# Staff servers (generated by `lawstudy hub setup`).
# Kernels talk to their server over Unix sockets in the person's private runtime folder, not TCP
# ports on 127.0.0.1: with many servers starting kernels at once (an exam's first minutes), random
# TCP ports collide ("ZMQError: Address already in use") and a kernel dies (benchmarks/load_hub.py).
import os
from jupyter_core.paths import jupyter_runtime_dir
c = get_config()  # noqa
os.makedirs(jupyter_runtime_dir(), mode=0o700, exist_ok=True)
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(jupyter_runtime_dir(), "kernel-ipc")
'''

# The formgrader's pages need their own inline scripts (nbgrader's templates), so script may be
# inline, but nothing may be loaded, sent or framed off the service's origin. What keeps staff
# script out of a trainer's browser is that no staff-written cell reaches the formgrader at all
# (grader.exam.sanitize); rendered markdown is also sanitized (HTMLExporter.sanitize_html).
FORMGRADER_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
                  "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
                  "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; form-action 'self'; "
                  "frame-ancestors 'self'")
# The reports service serves our own pages: no script at all.
REPORTS_CSP = ("default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'none'")

STAFF_PAGE_CONFIG = {"disabledExtensions": {"@jupyter/nbgrader:formgrader": True,
                                            "@jupyter/nbgrader:create-assignment": True}}

HUB_CONFIG = '''\
# jupyterhub_config.py — generated by `lawstudy hub setup`; re-running setup rewrites it.
#
# One JupyterHub for the whole bureau.  Start it with `lawstudy hub start` (root: PAM login and
# one system user per person need it).  Values come from settings.json and people.json beside
# this file (`lawstudy hub setup` / `lawstudy hub users` write them).
#
#   who                      hub group            can reach
#   staff (roster)           nbgrader-{course}    own server: lessons in ~/{lessons}, Assignments tab (fetch/submit)
#   trainers (roles.json)    formgrade-{course}   + the formgrader service /services/{course}/
#   admins (roles.json)      lawstudy-admin       + the reports service /services/reports/
#
# Switching authentication (install the package into the hub's venv first):
#   LDAP:  pip install jupyterhub-ldapauthenticator
#          c.JupyterHub.authenticator_class = "ldapauthenticator.LDAPAuthenticator"
#          c.LDAPAuthenticator.server_address = "ldap.example.gov.cn"
#          c.LDAPAuthenticator.bind_dn_template = ["uid={{username}},ou=people,dc=example,dc=gov,dc=cn"]
#          c.LDAPAuthenticator.use_ssl = True
#   OAuth: pip install oauthenticator   (e.g. the bureau's unified identity platform)
#          c.JupyterHub.authenticator_class = "generic-oauth"
#          c.GenericOAuthenticator.oauth_callback_url = "https://hub.example.gov.cn/hub/oauth_callback"
#          c.GenericOAuthenticator.client_id / client_secret / authorize_url / token_url / userdata_url
#          c.GenericOAuthenticator.username_claim = "staff_id"   # must give the same user names
#   Either way keep allowed_users below: only people on the roster may log in, and the user
#   names must stay `lawstudy` user names (工号 in lower case) so the gradebook matches the roster.
# Larger deployments: DockerSpawner or KubeSpawner instead of LocalProcessSpawner, see docs/deploy.md.
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
S = json.loads((HERE / "settings.json").read_text(encoding="utf-8"))
P = json.loads((HERE / "people.json").read_text(encoding="utf-8"))
TOKENS = json.loads((HERE / "tokens.json").read_text(encoding="utf-8"))
HOME = pathlib.Path(S["home"])
RUNTIME = pathlib.Path(S["runtime"])
COURSE = {course!r}

c = get_config()  # noqa

# -- network: the public port, the hub's internal API, the proxy's API (all loopback by default;
#    put a TLS reverse proxy (nginx) in front, or set ssl_cert/ssl_key, when opening it to the LAN)
c.JupyterHub.bind_url = f"http://{{S['ip']}}:{{S['port']}}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{{S['hub_port']}}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{{S['proxy_api_port']}}"
c.ConfigurableHTTPProxy.command = [S["proxy"]]
c.JupyterHub.db_url = f"sqlite:///{{HERE / 'jupyterhub.sqlite'}}"
c.JupyterHub.cookie_secret_file = str(HERE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HERE / "hub.pid")
c.JupyterHub.cleanup_servers = True

# -- authentication: the system accounts (PAM) that `lawstudy hub users` made, one per person on
#    the roster, with an initial password each (hub/initial-passwords.csv).  People change it at
#    /hub/lawstudy/password.
c.JupyterHub.authenticator_class = S.get("authenticator", "pam")
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set(P["staff"]) | set(P["trainers"]) | set(P["admins"])
c.Authenticator.admin_users = set()
from grader.hub import PasswordHandler  # noqa: E402
c.JupyterHub.extra_handlers = [(r"/lawstudy/password", PasswordHandler)]
c.JupyterHub.template_vars = {{"announcement_login": "请使用工号（小写字母）和初始密码登录；首次登录后请修改密码：/hub/lawstudy/password"}}

# -- groups as nbgrader's JupyterHub integration expects them
c.JupyterHub.load_groups = {{name: {{"users": users}} for name, users in P["groups"].items()}}

# -- spawner: one system user per person, servers and kernels run from the staff runtime
# StaffSpawner: LocalProcessSpawner that sets resource limits for each server and, when a server
# stops, ends every process of that person (nothing started from a kernel outlives the server).
c.JupyterHub.spawner_class = "grader.hub.StaffSpawner"
c.StaffSpawner.max_processes = S.get("max_processes", 256)
c.StaffSpawner.max_memory_mb = S.get("max_memory_mb", 4096)
c.StaffSpawner.nice = S.get("nice", 5)
c.Spawner.cmd = [str(RUNTIME / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
# generous: on 2 cores, 100 people logging in at 8:30 queue for CPU (benchmarks/load_hub.py)
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
c.Spawner.environment = {{
    "PATH": f"{{RUNTIME / 'bin'}}:/usr/local/bin:/usr/bin:/bin",
    "JUPYTER_CONFIG_PATH": str(HOME / "etc" / "staff"),
    "LANG": "C.UTF-8",
    "PYTHONNOUSERSITE": "1",
}}
# a server's own token may read its user's groups (nbgrader's course list needs them)
c.JupyterHub.load_roles = [
    {{"name": "server", "scopes": ["users:activity!user", "access:servers!server", "read:users:groups!user",
                                  "read:users:name!user"]}},
    {{"name": "formgrade-" + COURSE, "groups": ["formgrade-" + COURSE],
      "scopes": [f"access:services!service={{COURSE}}"]}},
    {{"name": "lawstudy-admin", "groups": ["lawstudy-admin"], "scopes": ["access:services!service=reports"]}},
    {{"name": "grader-" + COURSE, "services": [COURSE, "reports"],
      "scopes": ["list:users", "read:users", "read:users:groups", "list:groups", "read:groups"]}},
    {{"name": "lawstudy-ops", "services": ["lawstudy-ops"],
      "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users", "admin:groups",
                 "list:services", "read:services"]}},
]

# Before a server starts, the current lessons are copied into ~/{lessons} BY THE PERSON'S OWN
# ACCOUNT (a child process with their uid): root never follows a link a staff member planted.
from grader.hub import lessons_hook  # noqa: E402
c.Spawner.pre_spawn_hook = lessons_hook(HOME / "lessons", RUNTIME, {lessons!r})

# -- services: the course's formgrader (a Jupyter server run as the grader user in the course
#    directory), the reports for admins, and a token-only service for `lawstudy hub` commands
GRADER_ENV = {{
    "PATH": f"{{RUNTIME / 'bin'}}:/usr/local/bin:/usr/bin:/bin",
    "JUPYTER_CONFIG_PATH": str(HOME / "etc" / "grader"),
    "JUPYTERHUB_DEFAULT_URL": "/lab/tree",
    "LAWSTUDY_HOME": str(HOME),
    "LANG": "C.UTF-8",
    "PYTHONNOUSERSITE": "1",
}}
c.JupyterHub.services = [
    {{"name": COURSE, "url": f"http://127.0.0.1:{{S['formgrader_port']}}",
      "command": [str(RUNTIME / "bin" / "jupyterhub-singleuser"), f"--ServerApp.root_dir={{HOME / 'course'}}"],
      "user": S["grader_user"], "cwd": str(HOME / "course"), "environment": GRADER_ENV,
      "oauth_no_confirm": True}},
    {{"name": "reports", "url": f"http://127.0.0.1:{{S['reports_port']}}",
      "command": [str(RUNTIME / "bin" / "python"), "-m", "grader.hub", "reports-service"],
      "user": S["grader_user"], "cwd": str(HOME), "environment": GRADER_ENV, "oauth_no_confirm": True}},
    {{"name": "lawstudy-ops", "api_token": TOKENS["ops"]}},
]
'''


def write_config(inst: Instance, settings: Settings) -> Path:
    hub = hub_dir(inst)
    hub.mkdir(parents=True, exist_ok=True)
    os.chmod(hub, 0o700)
    settings.save(inst)
    tokens_path = hub / "tokens.json"
    if not tokens_path.exists():
        _write_private(tokens_path, json.dumps({"ops": secrets.token_hex(32)}))
    if not (hub / "people.json").exists():
        write_people(inst, People())
    config = hub / "jupyterhub_config.py"
    _write_private(config, HUB_CONFIG.format(course=COURSE_ID, lessons=LESSONS_FOLDER))
    etc = staff_etc(inst)
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "nbgrader_config.py").write_text(STAFF_NBGRADER_CONFIG.format(
        course=COURSE_ID, exchange=str(inst.exchange)), encoding="utf-8")
    (etc / "labconfig").mkdir(exist_ok=True)
    (etc / "labconfig" / "page_config.json").write_text(json.dumps(STAFF_PAGE_CONFIG, indent=2), encoding="utf-8")
    (etc / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False}},
         "LabApp": {"expose_app_in_browser": True}}, indent=2), encoding="utf-8")
    (etc / "jupyter_server_config.py").write_text(STAFF_SERVER_CONFIG, encoding="utf-8")
    getc = grader_etc(inst)
    getc.mkdir(parents=True, exist_ok=True)
    (getc / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"tornado_settings": {"headers": {"Content-Security-Policy": FORMGRADER_CSP}}},
         "HTMLExporter": {"sanitize_html": True}}, indent=2), encoding="utf-8")
    (getc / "nbgrader_config.py").write_text(GRADER_NBGRADER_CONFIG.format(
        course=COURSE_ID, course_dir=str(inst.course_dir), exchange=str(inst.exchange)), encoding="utf-8")
    return config


def ops_token(inst: Instance) -> str:
    return json.loads((hub_dir(inst) / "tokens.json").read_text())["ops"]


def find_proxy() -> str:
    """configurable-http-proxy from npm: next to this venv (install.sh), else on PATH."""
    candidates = [Path(sys.prefix) / "node_modules" / ".bin" / "configurable-http-proxy"]
    root = checkout_root()
    if root:
        candidates.append(root / ".venv" / "node_modules" / ".bin" / "configurable-http-proxy")
    for c in candidates:
        if c.exists():
            return str(c)
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    raise HubError("找不到 configurable-http-proxy：请运行 install.sh（npm install configurable-http-proxy）")


def setup(inst: Instance, runtime: Path | None = None, trainers: list[str] = (), admins: list[str] = (),
          ip: str = "127.0.0.1", port: int = 8000, ports: dict | None = None, grader_user: str | None = None,
          build_runtime: bool = True, log=print) -> Settings:
    """Everything a hub needs, idempotent: runtime, config, system users, permissions."""
    if os.geteuid() != 0:
        raise HubError("lawstudy hub setup 需要 root 权限（创建系统用户、设置目录权限）")
    inst.ensure()
    old = None
    try:
        old = Settings.load(inst)
    except HubError:
        pass
    settings = old or Settings(home=str(inst.home))
    settings.home = str(inst.home)
    settings.ip, settings.port = ip, port
    if runtime:
        settings.runtime = str(runtime)
    if grader_user:
        settings.grader_user = grader_user
    for key, value in (ports or {}).items():
        setattr(settings, key, value)
    settings.proxy = find_proxy()
    if build_runtime:
        ensure_runtime(Path(settings.runtime), log=log)
    roles = load_roles(inst)
    save_roles(inst, list(roles["trainers"]) + list(trainers), list(roles["admins"]) + list(admins))
    write_config(inst, settings)
    sync_users(inst)
    lock_demo(inst)
    apply_permissions(inst)
    return settings


DEMO_PRIVATE = ("desks", "lab", "lab-cache", "demo-quizzes")


def lock_demo(inst: Instance) -> list[Path]:
    """A demo instance becoming a hub: its desks (every answer of the demo paper), its lab folder
    and its roster and result files become root's alone (go-rwx), as do demo instances lying in
    the checkout. Returns what it locked."""
    from grader.demo import MARKER
    locked = []
    homes = [inst.home] if (inst.home / MARKER).exists() else []
    root = checkout_root()
    if root:
        homes += [p.parent for p in root.glob(f"*/{MARKER}") if p.parent.resolve() != inst.home.resolve()]
    for home in homes:
        if home.resolve() != inst.home.resolve():
            targets = [home]
        else:
            targets = [home / name for name in DEMO_PRIVATE] + [p for p in home.iterdir()
                                                                   if p.suffix in (".csv", ".xlsx")]
        for path in targets:
            if path.exists():
                _run(["chmod", "-R", "go-rwx", str(path)])
                locked.append(path)
    return locked


# ------------------------------------------------------------------ start / stop


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def port_owner(port: int) -> tuple[int, str, str] | None:
    """(pid, user name, command) of the process listening on TCP `port` on this machine, if any.

    Read from /proc/net/tcp{,6} (the socket's inode) and /proc/PID/fd (who holds it); needs root
    to see other users' processes.
    """
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    uid = proc.stat().st_uid
                    try:
                        user = pwd.getpwuid(uid).pw_name
                    except KeyError:
                        user = str(uid)
                    cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                    return int(proc.name), user, cmd[:80]
        except OSError:
            continue
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_command(inst: Instance) -> list[str]:
    """The hub runs from the venv this command runs from (root's); staff servers from the runtime."""
    exe = Path(sys.executable).parent / "jupyterhub"
    return [str(exe if exe.exists() else "jupyterhub"), "-f", str(hub_dir(inst) / "jupyterhub_config.py")]


def start(inst: Instance, wait: float = 60, log_file: Path | None = None) -> subprocess.Popen:
    """Start the hub in the background (own process group); return once /hub/health answers."""
    settings = Settings.load(inst)
    for port in (settings.port, settings.hub_port, settings.proxy_api_port, settings.formgrader_port,
                 settings.reports_port):
        if not port_free(port):
            owner = port_owner(port)
            who = f"：被用户 {owner[1]} 的进程 {owner[0]}（{owner[2]}）占用" if owner else ""
            raise HubError(f"端口 {port} 已被占用{who}。hub 的端口须是它自己的：hub 已在运行则先 lawstudy hub stop；"
                           "否则结束占用端口的进程后再启动")
    write_people(inst)
    log_file = log_file or hub_dir(inst) / "hub.log"
    out = open(log_file, "ab")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    proc = subprocess.Popen(hub_command(inst), cwd=hub_dir(inst), stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    out.close()
    deadline = time.monotonic() + wait
    import urllib.request
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HubError(f"JupyterHub 启动失败（退出码 {proc.returncode}），见 {log_file}:\n" + _tail(log_file))
        try:
            with urllib.request.urlopen(settings.url + "/hub/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop(inst, proc)
    raise HubError(f"JupyterHub 在 {wait:g} 秒内没有就绪，见 {log_file}:\n" + _tail(log_file))


def stop(inst: Instance, proc: subprocess.Popen | None = None, timeout: float = 30) -> bool:
    """SIGTERM the hub (it stops the servers, services and proxy it started); True if one was running."""
    pid = proc.pid if proc else _pid(inst)
    if not pid:
        return False
    try:
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
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if proc is not None:
            proc.wait(5)
    for user in people(inst).everyone:      # nothing a staff member started outlives the hub
        end_processes(user)
    return True


def _pid(inst: Instance) -> int | None:
    path = hub_dir(inst) / "hub.pid"
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def is_hub_instance(inst: Instance) -> bool:
    """True when `lawstudy hub setup` made this instance a hub's (hub/settings.json exists)."""
    return (hub_dir(inst) / "settings.json").exists()


def run_as_grader(inst: Instance, args: list[str]) -> int:
    """Run `lawstudy ARGS` as the course's grader account (no other groups), from the staff runtime.

    On a hub, collecting, grading and releasing touch the exchange, which staff write: root must
    not act there (it would follow their links), and nbgrader insists the grader owns its
    folders. Returns the command's exit code; its output goes to this terminal.
    """
    settings = Settings.load(inst)
    entry = pwd.getpwnam(settings.grader_user)
    python = Path(settings.runtime) / "bin" / "python"
    env = {"PATH": f"{Path(settings.runtime) / 'bin'}:/usr/bin:/bin", "HOME": entry.pw_dir,
           "LAWSTUDY_HOME": str(inst.home), "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1",
           "JUPYTER_CONFIG_PATH": str(grader_etc(inst))}
    print(f"（hub 实例：以阅卷账号 {settings.grader_user} 的身份运行）", file=sys.stderr)
    proc = subprocess.run([str(python), "-m", "grader", *args], user=entry.pw_uid, group=entry.pw_gid,
                          extra_groups=[], cwd=str(inst.home), env=env)
    return proc.returncode


def api(inst: Instance, method: str, path: str, data: dict | None = None, timeout: float = 30):
    """Call the hub's REST API with the ops service token; returns the decoded JSON (or None)."""
    import urllib.request
    settings = Settings.load(inst)
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(f"{settings.url}/hub/api{path}", data=body, method=method,
                                 headers={"Authorization": f"token {ops_token(inst)}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        text = r.read()
    return json.loads(text) if text else None


# ------------------------------------------------------------------ nbgrader exchange guards


@functools.lru_cache(maxsize=None)
def _exchange_guards():
    """The two nbgrader exchange classes below, built on first use (nbgrader is slow to import)."""
    from nbgrader.exchange.default.collect import ExchangeCollect
    from nbgrader.exchange.default.submit import ExchangeSubmit

    class OwnSubmit(ExchangeSubmit):
        """`nbgrader submit` that refuses to file a submission under another person's name."""

        def init_dest(self):
            me = pwd.getpwuid(os.getuid()).pw_name
            student = self.coursedir.student_id
            if student not in ("", "*", me):
                self.fail(f"不能以他人名义提交：你是 {me}，却要提交为 {student} (refused: submitting as another user)")
            super().init_dest()

    class OwnerCheckedCollect(ExchangeCollect):
        """`nbgrader collect` that ignores submissions not owned by the student they name.

        nbgrader itself only warns ("cheating attempt?") and then files the impostor's work under
        the victim's name. Here such a submission is dropped before the latest one is chosen, logged,
        and listed in the course's rejected-submissions.jsonl.
        """

        def init_src(self):
            import glob
            super().init_src()
            pattern = os.path.join(self.inbound_path, f"*+{self.coursedir.assignment_id}+*")
            genuine, rejected = [], []
            for path in glob.glob(pattern):
                rec = self._path_to_record(path)
                if self.coursedir.student_id not in ("", "*") and rec["username"] != self.coursedir.student_id:
                    continue
                try:
                    owner = pwd.getpwuid(os.stat(path).st_uid).pw_name
                except KeyError:
                    owner = "?"
                (genuine if owner == rec["username"] else rejected).append((rec, owner))
            latest = {}
            for rec, _ in genuine:
                best = latest.get(rec["username"])
                if best is None or rec["timestamp"] > best["timestamp"]:
                    latest[rec["username"]] = rec
            # keep nbgrader's choice (due-date rules) when it is genuine, else the latest genuine one
            ok = {rec["filename"] for rec, _ in genuine}
            self.src_records = [r for r in self.src_records if r["filename"] in ok]
            have = {r["username"] for r in self.src_records}
            self.src_records += [r for user, r in latest.items() if user not in have]
            for rec, owner in rejected:
                self.log.warning("拒收冒名提交 %s：声称是 %s，文件属于 %s", rec["filename"], rec["username"], owner)
                try:
                    with open(os.path.join(self.coursedir.root, "rejected-submissions.jsonl"), "a",
                              encoding="utf-8") as f:
                        f.write(json.dumps({"file": rec["filename"], "claimed": rec["username"], "owner": owner,
                                            "assignment": self.coursedir.assignment_id,
                                            "seen": time.strftime("%Y-%m-%dT%H:%M:%S")}, ensure_ascii=False) + "\n")
                except OSError:
                    pass

        def copy_files(self):
            """Copy as nbgrader does, then reduce each submission to its answers (grader.exam.sanitize):
            the formgrader's autograde and its submission view then only see the released notebook."""
            super().copy_files()
            from grader.exam.sanitize import sanitize_collected
            sanitize_collected(Path(self.coursedir.root), self.coursedir.assignment_id)

    return {"OwnSubmit": OwnSubmit, "OwnerCheckedCollect": OwnerCheckedCollect}


def rejected_submissions(inst: Instance) -> list[dict]:
    path = inst.course_dir / "rejected-submissions.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ------------------------------------------------------------------ handlers and the reports service


@functools.lru_cache(maxsize=None)
def _password_handler():
    from jupyterhub.handlers import BaseHandler
    from tornado import web

    page = """<!doctype html><meta charset="utf-8"><title>修改密码</title>
<body style="font-family:sans-serif;max-width:420px;margin:60px auto">
<h2>修改登录密码</h2><p style="color:{color}">{message}</p>
<form method="post">{xsrf}
<p><label>原密码<br><input type="password" name="old" required></label></p>
<p><label>新密码（至少 8 位）<br><input type="password" name="new" required minlength="8"></label></p>
<p><label>再输入一次新密码<br><input type="password" name="again" required minlength="8"></label></p>
<p><button type="submit">修改</button> <a href="{home}">返回</a></p></form></body>"""

    class PasswordHandler(BaseHandler):
        """/hub/lawstudy/password: a logged-in person changes their own system (PAM) password."""

        def _page(self, message="", color="black"):
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.write(page.format(message=message, color=color, xsrf=self.xsrf_form_html(),
                                   home=self.hub.base_url + "home"))

        @web.authenticated
        def get(self):
            self._page("首次登录请把初始密码改为只有自己知道的密码。")

        @web.authenticated
        async def post(self):
            import pamela
            from tornado.ioloop import IOLoop
            user = self.current_user.name          # only ever the signed-in person's own account
            old, new, again = (self.get_body_argument(k, "") for k in ("old", "new", "again"))
            problem = password_problem(new)
            if problem or new != again:
                return self._page(problem or "两次输入的新密码不一致。", "red")
            try:
                await IOLoop.current().run_in_executor(None, lambda: pamela.authenticate(user, old, service="login"))
            except pamela.PAMError:
                return self._page("原密码不正确。", "red")
            try:   # PAM's own password change for this one user: no batch text, no second account
                await IOLoop.current().run_in_executor(None, lambda: pamela.change_password(user, new, service="passwd"))
            except pamela.PAMError as error:
                self.log.warning("password change for %s failed: %s", user, error)
                return self._page("修改失败，请联系管理员。", "red")
            self._page("密码已修改。", "green")

    return PasswordHandler


@functools.lru_cache(maxsize=None)
def _staff_spawner():
    from jupyterhub.spawner import LocalProcessSpawner
    from traitlets import Integer

    class StaffSpawner(LocalProcessSpawner):
        """LocalProcessSpawner with limits per server, ending all of a person's processes on stop.

        Limits are set in the child before it becomes the user (setrlimit): RLIMIT_NPROC bounds the
        processes and threads of the person's account, RLIMIT_AS the memory of each process, and
        the server (and so its kernels) runs at a lower CPU priority (nice). See docs/deploy.md.
        """

        max_processes = Integer(256, config=True, help="RLIMIT_NPROC for the person's account")
        max_memory_mb = Integer(4096, config=True, help="RLIMIT_AS per process, MiB")
        nice = Integer(5, config=True, help="CPU priority increment of staff servers")

        def make_preexec_fn(self, name):
            become = super().make_preexec_fn(name)
            nproc, memory, nice = self.max_processes, self.max_memory_mb * 1024 * 1024, self.nice

            def preexec():
                import resource
                os.nice(nice)
                resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
                resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
                become()
            return preexec

        async def stop(self, now=False):
            await super().stop(now=now)
            from tornado.ioloop import IOLoop
            await IOLoop.current().run_in_executor(None, end_processes, self.user.name)

    return StaffSpawner


def __getattr__(name):
    """OwnSubmit, OwnerCheckedCollect (nbgrader), PasswordHandler and StaffSpawner (jupyterhub)
    load on first use."""
    if name == "PasswordHandler":
        return _password_handler()
    if name == "StaffSpawner":
        return _staff_spawner()
    if name in ("OwnSubmit", "OwnerCheckedCollect"):
        return _exchange_guards()[name]
    raise AttributeError(name)


def reports_service() -> None:
    """A hub service for admins: /services/reports/ lists years, ?year=Y&format=xlsx exports."""
    import tempfile

    from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
    from jupyterhub.utils import url_path_join
    from tornado import ioloop, web

    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    formats = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8",
               "json": "application/json", "md": "text/markdown; charset=utf-8"}

    class Reports(HubOAuthenticated, web.RequestHandler):
        def set_default_headers(self):
            self.set_header("Content-Security-Policy", REPORTS_CSP)
            self.set_header("X-Content-Type-Options", "nosniff")

        @web.authenticated
        def get(self):
            year = self.get_argument("year", "")
            fmt = self.get_argument("format", "html")
            if not year:
                this = time.localtime().tm_year
                links = "".join(f'<li>{y} 年：' + " ".join(f'<a href="?year={y}&format={f}">{f}</a>' for f in formats)
                                + "</li>" for y in range(this, this - 4, -1))
                self.write(f'<!doctype html><meta charset="utf-8"><h2>学法用法统计报表</h2><ul>{links}</ul>')
                return
            if not year.isdigit() or fmt not in formats:
                raise web.HTTPError(400, "year=YYYY&format=xlsx|html|csv|json|md")
            from grader import records
            from grader import report as report_api
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / f"学法用法-{year}.{fmt}"
                inst = Instance.from_env(None)
                report_api.write(report_api.build(records.open_db(inst.records), int(year)), out)
                self.set_header("Content-Type", formats[fmt])
                if fmt != "html":
                    from urllib.parse import quote
                    self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(out.name)}")
                self.write(out.read_bytes())

    app = web.Application([(prefix, Reports), (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
                           (prefix.rstrip("/"), web.RedirectHandler, {"url": prefix})],
                          cookie_secret=os.urandom(32))
    from urllib.parse import urlparse
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    app.listen(url.port, url.hostname)
    ioloop.IOLoop.current().start()


# ------------------------------------------------------------------ small helpers


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def _run(cmd: list[str], input: str | None = None, ok=(0,), timeout: float = 300) -> str:
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)
    if proc.returncode not in ok:
        raise HubError(f"{' '.join(cmd)} 失败（{proc.returncode}）：{proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


if __name__ == "__main__":
    if sys.argv[1:] == ["reports-service"]:
        reports_service()
    elif sys.argv[1:2] == ["copy-lessons"] and len(sys.argv) == 4:
        for line in copy_lessons(Path(sys.argv[2]), Path(sys.argv[3])):
            print(line)
    else:
        sys.exit("usage: python -m grader.hub reports-service | copy-lessons SOURCE TARGET")
