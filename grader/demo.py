"""`lawstudy demo` and `lawstudy lab`: a whole year of a fictional bureau, then JupyterLab on it.

The demo walks the real path end to end: roster and exemptions into the records, courses built,
released through nbgrader, submitted and collected (their 学时 credited),
the 2026 exam built and released through nbgrader, staff fetching and submitting through
nbgrader's exchange, collect, nbgrader autograde, a make-up round, sync and the report. Only the
clock is simulated: submissions are stamped with times inside the exam's 2026 windows (December
2026), so the figures land in 2026 as they will, and feedback is released as if the make-up had
closed.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from grader import course as course_api
from grader import records
from grader import report as report_api
from grader.answers import ANSWERS_FILE
from grader.demo_bureau import Person, fictional_bureau
from grader.errors import LawstudyError
from grader.exam import pipeline
from grader.exam.paper import Paper, load_paper
from grader.instance import COURSE_ID, Instance, username
from grader.staff_lab import labextensions_dir, start_url
from grader.vocabulary import CHINA

SOURCE_EXAM = "2026-annual"  # the demo sits a copy of this spec ...
EXAM_ID = "demo-2026-annual"  # ... under its own id and seed, so no real exam shares its paper
DEMO_SEED = 20261201
YEAR = 2026
MARKER = ".lawstudy-demo"
DEFAULT_HOME = "lawstudy-demo"
ROSTER_FILE = "名册.xlsx"
PAPER_RESULTS_FILE = "纸质考试成绩.csv"
REPORT_NAME = f"{YEAR}年学法用法考试统计"
EXEMPT = {"MZ060": "借调外单位", "MZ031": "长期病假"}
ABSENT = ("MZ012", "MZ027", "MZ044", "MZ053")  # never sit
PAPER_EXAM = ("MZ057", "MZ058")  # sat the paper exam at the rescue station
WEAK = ("MZ005", "MZ018", "MZ022", "MZ036", "MZ041", "MZ049")  # fail the first attempt
MAKEUP_PASS = ("MZ005", "MZ018", "MZ036")  # pass the make-up


class DemoError(LawstudyError, RuntimeError):
    pass


@dataclass
class DemoResult:
    home: Path
    report: dict
    files: list[Path] = field(default_factory=list)
    graded: int = 0
    makeup: int = 0


# ------------------------------------------------------------------ what the demo needs, checked first
def _missing_font() -> str | None:
    try:
        report_api.cjk_font()
    except LawstudyError:
        return "中文字体（pip install noto-cjk-sans-otc，或 apt-get install fonts-noto-cjk）"
    return None


def _missing_kernel() -> str | None:
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        KernelSpecManager().get_kernel_spec("python3")
    except (ImportError, NoSuchKernel):
        return "Python 内核 python3（pip install ipykernel）"
    return None


def _missing_nbgrader() -> str | None:
    try:
        import nbgrader.apps  # noqa: F401
    except ImportError:
        return "nbgrader（pip install -e . 安装 lawstudy 的依赖）"
    return None


def _missing_home(home: Path) -> str | None:
    """The demo folder, or the nearest folder above it that exists, must be writable."""
    place = Path(home).resolve()
    while not place.exists() and place != place.parent:
        place = place.parent
    if not place.is_dir() or not os.access(place, os.W_OK | os.X_OK):
        return f"可写的实例目录（{place} 不可写；请用 --home 指定其他目录）"
    return None


REQUIREMENTS = {"font": _missing_font, "kernel": _missing_kernel, "nbgrader": _missing_nbgrader}


def missing_requirements(home: Path) -> dict[str, str]:
    """What the demo would fail on later, found now: {name: what to install or change}."""
    missing = {name: why for name, check in REQUIREMENTS.items() if (why := check())}
    if why := _missing_home(home):
        missing["home"] = why
    return missing


def preflight(home: Path) -> None:
    """Raise DemoError naming, in one line, everything the demo needs and does not have."""
    missing = missing_requirements(home)
    if missing:
        raise DemoError("演示无法开始，缺少：" + "；".join(missing.values()) + f" (missing: {', '.join(missing)})")


def prepare_home(home: Path) -> Instance:
    """A fresh instance folder; an earlier demo there is replaced, anything else is refused."""
    home = Path(home).resolve()
    if home.exists() and any(home.iterdir()):
        if not (home / MARKER).exists():
            raise DemoError(f"{home} 已存在且不是演示实例；请换一个目录（--home）")
        shutil.rmtree(home)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    inst = Instance(home).ensure()
    (home / MARKER).write_text("created by lawstudy demo; safe to delete\n", encoding="utf-8")
    return inst


def write_roster(people: list[Person], path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "名册"
    ws.append(["工号", "姓名", "科室", "类别"])
    for p in people:
        ws.append([p.staff_id, p.name, p.department, p.category])
    wb.save(path)
    return path


def write_paper_results(path: Path) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["工号", "考试", "得分", "满分", "提交时间"])
        out.writerow([PAPER_EXAM[0], f"{YEAR}-paper", 86, 100, f"{YEAR}-12-03T10:30:00+08:00"])
        out.writerow([PAPER_EXAM[1], f"{YEAR}-paper", 74, 100, f"{YEAR}-12-03T10:30:00+08:00"])
    return path


def simulated_answers(paper: Paper, rng: random.Random, ability: float) -> dict:
    """A person's choices: right with probability `ability`, otherwise a plausible wrong one."""
    out = {}
    for q in paper.questions:
        if rng.random() < 0.03:
            continue  # left blank
        ids = [o[0] for o in q.options]
        right = rng.random() < ability
        if q.type == "judge":
            out[q.id] = q.answer if right else (not q.answer)
        elif q.type == "single":
            out[q.id] = q.answer if right else rng.choice([i for i in ids if i != q.answer])
        else:
            key = q.answer if isinstance(q.answer, list) else [str(q.answer)]
            wrong = sorted(set(key) ^ {rng.choice(ids)}) or [ids[0]]
            out[q.id] = sorted(key) if right else wrong
    return out


def _config(inst: Instance, workdir: Path, student: str, assignment_id: str):
    from traitlets.config import Config

    cfg = Config()
    cfg.Exchange.root = str(inst.exchange)
    cfg.Exchange.cache = str(inst.desks / ".nbgrader-cache")
    cfg.CourseDirectory.course_id = COURSE_ID
    cfg.CourseDirectory.root = str(workdir)
    cfg.CourseDirectory.assignment_id = assignment_id
    cfg.CourseDirectory.student_id = student
    return cfg


def fetch_and_submit(inst: Instance, assignment_id: str, student: str, work=None) -> Path:
    """What a staff member does in the Assignments tab: nbgrader fetch, work(folder), nbgrader submit."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit

    workdir = inst.desks / student
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = _config(inst, workdir, student, assignment_id)
    here = os.getcwd()
    os.chdir(workdir)
    try:
        if not (workdir / assignment_id).exists():
            ExchangeFetchAssignment(
                coursedir=CourseDirectory(config=cfg), authenticator=Authenticator(config=cfg), config=cfg
            ).start()
        if work is not None:
            work(workdir / assignment_id)
        ExchangeSubmit(
            coursedir=CourseDirectory(config=cfg), authenticator=Authenticator(config=cfg), config=cfg
        ).start()
    finally:
        os.chdir(here)
    return workdir / assignment_id


def sit_exam(inst: Instance, paper: Paper, student: str, answers: dict, submitted: datetime) -> None:
    """One staff member: fetch, answer (the answers file the widget writes), submit, at a simulated time."""
    started = submitted - timedelta(minutes=random.Random(student).randint(18, 50))
    data = {
        "exam": EXAM_ID,
        "user": student,
        "started_at": started.isoformat(timespec="seconds"),
        "saved_at": submitted.isoformat(timespec="seconds"),
        "answers": answers,
    }

    def answer(folder: Path) -> None:
        (folder / ANSWERS_FILE).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    fetch_and_submit(inst, EXAM_ID, student, answer)
    _stamp_inbound(inst, student, submitted)


def _stamp_inbound(inst: Instance, student: str, when: datetime, assignment_id: str = EXAM_ID) -> None:
    """Move the newest inbound submission of `student` to the simulated time."""
    inbound = inst.inbound
    mine = sorted(inbound.glob(f"{student}+{assignment_id}+*"), key=lambda p: p.stat().st_mtime)
    if not mine:
        raise DemoError(f"{student} 的提交没有出现在交换目录中")
    folder = mine[-1]
    stamp = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    (folder / "timestamp.txt").write_text(stamp, encoding="utf-8")
    parts = folder.name.split("+")
    folder.rename(folder.with_name("+".join([parts[0], parts[1], stamp, *parts[3:]])))


def _time_in(window, rng: random.Random) -> datetime:
    span = (window.closes_at - window.opens_at).total_seconds()
    return window.opens_at + timedelta(seconds=rng.uniform(0.05, 0.9) * span)


def run(home: Path | str = DEFAULT_HOME, fast: bool = False, progress=None, tick=None) -> DemoResult:
    """Build the whole demo year in `home`; return the report and the files written.

    progress(text) announces each step; tick(done, total, detail) counts through the long ones.
    """
    say = progress or (lambda text: None)
    tick = tick or (lambda done, total, detail: None)
    rng = random.Random(YEAR)
    preflight(Path(home))  # nothing after five minutes of work may fail for a reason seen now
    inst = prepare_home(Path(home))
    db = records.open_db(inst.records)

    say("名册：虚构的区民政局（60 人，8 个科室）")
    people = fictional_bureau()
    roster_file = write_roster(people, inst.file(ROSTER_FILE))
    records.import_roster(db, roster_file)
    for staff_id, reason in EXEMPT.items():
        records.exempt(db, staff_id, YEAR, reason)

    say(f"课程：{len(course_api.load_courses())} 门课程作为 nbgrader 作业发布，职工学完提交，收取后计学时")
    courses = course_api.load_courses()
    course_api.build_courses(inst.lessons, courses)
    learners = [p for p in people if p.staff_id not in EXEMPT]
    for c in courses:
        course_api.release_course(inst, c.id)
        done = [p for p in learners if rng.random() < 0.8]
        for i, p in enumerate(done):
            fetch_and_submit(inst, c.id, username(p.staff_id))
            _stamp_inbound(
                inst,
                username(p.staff_id),
                datetime(YEAR, 9, 1, 9, tzinfo=CHINA) + timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 480)),
                c.id,
            )
            tick(i + 1, len(done), f"{c.title} {p.name}")
        course_api.collect_course(inst, c.id)

    say(f"考试：nbgrader 组卷并发布 {YEAR}年度学法用法知识考试（演示卷）")
    pipeline.build(inst, EXAM_ID, quizzes=demo_quizzes(inst), force=True)
    pipeline.release(inst, EXAM_ID)
    paper = load_paper(inst.papers, EXAM_ID)
    spec = paper.spec

    sitters = [
        p for p in people if p.staff_id not in EXEMPT and p.staff_id not in ABSENT and p.staff_id not in PAPER_EXAM
    ]
    say(f"作答：{len(sitters)} 人在 JupyterLab 中取卷、点选作答、交卷（nbgrader exchange）")
    for i, p in enumerate(sitters):
        ability = 0.4 if p.staff_id in WEAK else rng.uniform(0.72, 0.98)
        sit_exam(
            inst, paper, username(p.staff_id), simulated_answers(paper, rng, ability), _time_in(spec.windows[0], rng)
        )
        tick(i + 1, len(sitters), p.name)

    say("阅卷：nbgrader collect + autograde" + ("（--fast）" if fast else "（nbgrader 逐份运行试卷）"))
    pipeline.collect(inst, EXAM_ID)
    graded = pipeline.autograde(inst, EXAM_ID, fast=fast, progress=tick)
    records.sync(db, inst)

    makeup = [p for p in sitters if p.staff_id in WEAK]
    if len(spec.windows) > 1 and makeup:
        say(f"补考：{len(makeup)} 人在补考窗口重新作答")
        for p in makeup:
            ability = 0.9 if p.staff_id in MAKEUP_PASS else 0.45
            sit_exam(
                inst,
                paper,
                username(p.staff_id),
                simulated_answers(paper, rng, ability),
                _time_in(spec.windows[-1], rng),
            )
        pipeline.collect(inst, EXAM_ID)
        pipeline.autograde(inst, EXAM_ID, fast=fast, progress=tick)
        records.sync(db, inst)

    say("其他来源：导入纸质考试成绩")
    records.import_results(db, write_paper_results(inst.file(PAPER_RESULTS_FILE)))

    say("反馈：考试窗口已结束，生成并发放逐题反馈和错题本")
    pipeline.feedback(inst, EXAM_ID, force=True)  # the demo's clock is simulated: its make-up "has closed"
    from grader.exam.review import release_review

    release_review(inst, EXAM_ID, force=True)  # each person's 错题本, beside the feedback

    say("报表：Excel、HTML、Markdown")
    report = report_api.build(db, YEAR)
    inst.reports.mkdir(parents=True, exist_ok=True)
    files = [report_api.write(report, inst.reports / f"{REPORT_NAME}{suffix}") for suffix in (".xlsx", ".html", ".md")]
    make_private(inst.home)
    return DemoResult(inst.home, report, [Path(f) for f in files], len(graded.submissions), len(makeup))


def demo_quizzes(inst: Instance) -> Path:
    """A private copy of the banks with the demo's own exam spec: SOURCE_EXAM under EXAM_ID and
    DEMO_SEED. The demo's answers are readable in its records; a real exam built from the real
    spec must not be the same paper."""
    import yaml

    from grader.bank import default_quizzes_dir

    source = default_quizzes_dir()
    target = inst.file("demo-quizzes")
    if target.exists():
        shutil.rmtree(target)
    (target / "exams").mkdir(parents=True)
    os.chmod(target, 0o700)
    for bank in source.glob("*.yaml"):
        shutil.copyfile(bank, target / bank.name)
    spec = yaml.safe_load((source / "exams" / f"{SOURCE_EXAM}.yaml").read_text(encoding="utf-8"))
    spec.update(id=EXAM_ID, seed=DEMO_SEED, title=spec.get("title", SOURCE_EXAM) + "（演示）")
    (target / "exams" / f"{EXAM_ID}.yaml").write_text(
        yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return target


def make_private(home: Path) -> None:
    """The demo's files are its runner's alone (0700 folders, 0600 files): its records and desks
    hold every answer of its paper."""
    for dirpath, dirnames, filenames in os.walk(home):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, os.lstat(path).st_mode & 0o700)
    os.chmod(home, 0o700)


# ------------------------------------------------------------------ lab


def lab_desk(inst: Instance, as_staff: str | None = None) -> Path:
    """A staff member's JupyterLab folder: the lessons under 课程/ and the start page 开始学习.md.

    No configuration file goes into the folder: nbgrader's exchange settings, the staff page
    config (no instructor tools) and the settings defaults (Chinese, no news) live in
    lab_config_dir(inst), handed to JupyterLab by `lab` (JUPYTER_CONFIG_PATH, app_settings_dir)."""
    from grader.staff_lab import write_start_page

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
    from grader.staff_lab import write_overrides, write_page_config

    config = lab_config_dir(inst)
    config.mkdir(parents=True, exist_ok=True)
    student = f"c.CourseDirectory.student_id = {username(as_staff)!r}\n" if as_staff else ""
    (config / "nbgrader_config.py").write_text(
        "# Written by `lawstudy lab`: where staff fetch exams and submit them.\n"
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(inst.exchange)!r}\n"
        f"c.Exchange.cache = {str(inst.lab_cache)!r}\n" + student,
        encoding="utf-8",
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
