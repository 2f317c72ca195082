"""`lawstudy demo`: a whole year of a fictional bureau.

The demo walks the real path end to end: roster and exemptions into the records, courses built,
released through nbgrader, submitted and collected (their 学时 credited), a year of study
activities read from a 学法台账 and 签到表 (grader.demo.study),
the 2026 exam built and released through nbgrader, staff fetching and submitting through
nbgrader's exchange, collect, nbgrader autograde, a make-up round, sync and the report. Only the
clock is simulated: submissions are stamped with times inside the exam's 2026 windows (December
2026), so the figures land in 2026 as they will, and feedback is released as if the make-up had
closed.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from grader import courses as course_api
from grader import exams, records
from grader import reports as report_api
from grader.demo.bureau import Person, fictional_bureau
from grader.demo.desk import fetch_and_submit, sit_exam, stamp_inbound, time_in
from grader.demo.requirements import DemoError, preflight
from grader.demo.study import ROTATION_SETTINGS, write_study_year
from grader.exams import sync as exam_sync
from grader.exams.paper import Paper, load_paper
from grader.instance import DEMO_MARKER, Instance, username
from grader.vocabulary import CHINA

SOURCE_EXAM = "2026-annual"  # the demo sits a copy of this spec ...
EXAM_ID = "demo-2026-annual"  # ... under its own id and seed, so no real exam shares its paper
DEMO_SEED = 20261201
YEAR = 2026
MARKER = DEMO_MARKER
DEFAULT_HOME = "lawstudy-demo"
ROSTER_FILE = "名册.xlsx"
PAPER_RESULTS_FILE = "纸质考试成绩.csv"
REPORT_NAME = f"{YEAR}年学法用法考试统计"
EXEMPT = {"MZ060": "借调外单位", "MZ031": "长期病假"}
ABSENT = ("MZ012", "MZ027", "MZ044", "MZ053")  # never sit
PAPER_EXAM = ("MZ057", "MZ058")  # sat the paper exam at the rescue station
WEAK = ("MZ005", "MZ018", "MZ022", "MZ036", "MZ041", "MZ049")  # fail the first attempt
MAKEUP_PASS = ("MZ005", "MZ018", "MZ036")  # pass the make-up


@dataclass
class DemoResult:
    home: Path
    report: dict
    files: list[Path] = field(default_factory=list)
    graded: int = 0
    makeup: int = 0


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
            stamp_inbound(
                inst,
                username(p.staff_id),
                datetime(YEAR, 9, 1, 9, tzinfo=CHINA) + timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 480)),
                c.id,
            )
            tick(i + 1, len(done), f"{c.title} {p.name}")
        course_api.collect_course(inst, c.id)

    say(f"考试：nbgrader 组卷并发布 {YEAR}年度学法用法知识考试（演示卷）")
    exams.build(inst, EXAM_ID, quizzes=demo_quizzes(inst), force=True)
    exams.release(inst, EXAM_ID)
    paper = load_paper(inst.papers, EXAM_ID)
    spec = paper.spec

    sitters = [
        p for p in people if p.staff_id not in EXEMPT and p.staff_id not in ABSENT and p.staff_id not in PAPER_EXAM
    ]
    say(f"作答：{len(sitters)} 人在 JupyterLab 中取卷、点选作答、交卷（nbgrader exchange）")
    for i, p in enumerate(sitters):
        ability = 0.4 if p.staff_id in WEAK else rng.uniform(0.72, 0.98)
        sit_exam(
            inst, paper, username(p.staff_id), simulated_answers(paper, rng, ability), time_in(spec.windows[0], rng)
        )
        tick(i + 1, len(sitters), p.name)

    say("阅卷：nbgrader collect + autograde" + ("（--fast）" if fast else "（nbgrader 逐份运行试卷）"))
    exams.collect(inst, EXAM_ID)
    graded = exams.autograde(inst, EXAM_ID, fast=fast, progress=tick)
    exam_sync.sync(db, inst)

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
                time_in(spec.windows[-1], rng),
            )
        exams.collect(inst, EXAM_ID)
        exams.autograde(inst, EXAM_ID, fast=fast, progress=tick)
        exam_sync.sync(db, inst)

    say("其他来源：导入纸质考试成绩")
    records.import_results(db, write_paper_results(inst.file(PAPER_RESULTS_FILE)))

    say("反馈：考试窗口已结束，生成并发放逐题反馈和错题本")
    exams.feedback(inst, EXAM_ID, force=True)  # the demo's clock is simulated: its make-up "has closed"
    from grader.exams.review import release_review

    release_review(inst, EXAM_ID, force=True)  # each person's 错题本, beside the feedback

    say("学法活动：导入学法台账和签到表（会前学法、专题培训、专家讲座、培训班…），三年轮训规则写入 settings.yaml")
    from grader.laws import library
    from grader.records.rotation import load_rotation, settings_path

    settings_path(inst.home).write_text(ROTATION_SETTINGS, encoding="utf-8")
    study_files = write_study_year(inst.home, people, YEAR, rng)
    studied = records.import_activities(db, study_files, studied=library().studied)
    say(
        f"学法活动 {len(studied.added)} 场、参加 {studied.attendance_added} 人次；"
        f"{len(studied.unmatched)} 条签到未对应到名册（特邀主讲人、请假），已列出、未计入"
    )

    say("报表：Excel、HTML、Markdown")
    report = report_api.build(db, YEAR, rotation=load_rotation(inst.home))
    inst.reports.mkdir(parents=True, exist_ok=True)
    files = [report_api.write(report, inst.reports / f"{REPORT_NAME}{suffix}") for suffix in (".xlsx", ".html", ".md")]
    make_private(inst.home)
    return DemoResult(inst.home, report, [Path(f) for f in files], len(graded.submissions), len(makeup))


def demo_quizzes(inst: Instance) -> Path:
    """A private copy of the banks with the demo's own exam spec: SOURCE_EXAM under EXAM_ID and
    DEMO_SEED. The demo's answers are readable in its records; a real exam built from the real
    spec must not be the same paper."""
    import yaml

    from grader.banks import default_quizzes_dir

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
