"""The staff's JupyterLab: Chinese, quiet, without instructor tools, with a start page (开始学习).

Used by the hub (grader/hub/staff.py: staff servers' page config and start page) and by
`lawstudy lab` (grader/demo.py). The start page is a generated Markdown file that JupyterLab opens
rendered (Markdown Preview is made the default viewer for Markdown in LAB_OVERRIDES): nothing to
run, no kernel, nothing to trust; one click on a lesson's name opens the lesson, which our
JupyterLab extension `lawstudy-staff` (labextension/, built into grader/labextension/) runs at once.
The exams come from the exchange's outbound folder and the public window file (WINDOW_FILE) that
`lawstudy exam release` writes beside each released notebook; released feedback from the
exchange's feedback folder, found the way nbgrader's fetch_feedback finds it.

    python -m grader.staff_lab start-page HOME LESSONS_FOLDER [EXCHANGE COURSE_ID [CACHE]]

writes HOME/开始学习.md; the hub runs it as the person (their own files, their own rights).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from grader.vocabulary import CHINA

START_PAGE = "开始学习.md"
WINDOW_FILE = "window.json"  # public: an exam's window and time limit, beside the released notebook
EXAM_NOTEBOOK = "exam.ipynb"

# nbgrader's JupyterLab plugins that are instructor tools (ids from the installed package's
# labextension, @jupyter/nbgrader 0.9): staff servers run with them disabled. The assignment list
# (@jupyter/nbgrader:assignment-list: fetch, submit, feedback) stays.
TRAINER_ONLY_PLUGINS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:validate-assignment",
    "@jupyter/nbgrader:course-list",
)
# Also off for staff, on for trainers: the Launcher (Python consoles, files; our extension opens
# the start page in its place) and nbgrader's English menu (our menu 考试与作业 replaces it).
STAFF_HIDDEN_PLUGINS = (
    "@jupyterlab/launcher-extension:plugin",
    "@jupyter/nbgrader:menu",
)
# Our own JupyterLab extension (labextension/ in the source tree, built into grader/labextension/):
# lessons and the exam open already run, the start page instead of the Launcher, the menu 考试与作业.
# Staff only: trainers' servers disable it.
LAB_EXTENSION = "lawstudy-staff"
STAFF_PLUGIN = "lawstudy-staff:plugin"

# Settings defaults for everyone (trainers may change them back in 设置 → 语言 / Settings → Language).
LAB_OVERRIDES = {
    "@jupyterlab/translation-extension:plugin": {"locale": "zh_CN"},
    # no "official Jupyter news" prompt and no update check: the bureau's network has no internet
    "@jupyterlab/apputils-extension:notification": {"checkForUpdates": False, "fetchNews": "false"},
    # the start page (a Markdown file) opens rendered, not in the text editor
    "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Markdown Preview"}},
}


def write_overrides(settings_dir: Path) -> Path:
    """Write JupyterLab's overrides.json (settings defaults) into `settings_dir`."""
    path = Path(settings_dir) / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(LAB_OVERRIDES, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def page_config(staff: bool) -> dict:
    """labconfig/page_config.json for a staff server (instructor plugins, the Launcher and nbgrader's
    English menu off) or a trainer's (all of them on, our staff extension off)."""
    hidden = (*TRAINER_ONLY_PLUGINS, *STAFF_HIDDEN_PLUGINS)
    if staff:
        return {"disabledExtensions": {plugin: True for plugin in hidden}}
    return {"disabledExtensions": {**{plugin: False for plugin in hidden}, STAFF_PLUGIN: True}}


def labextensions_dir() -> Path:
    """The folder holding our prebuilt JupyterLab extension (for LabApp.extra_labextensions_path)."""
    return Path(__file__).resolve().parent / "labextension"


def write_page_config(config_dir: Path, staff: bool = True) -> Path:
    """Write CONFIG_DIR/labconfig/page_config.json; put CONFIG_DIR first on JUPYTER_CONFIG_PATH."""
    path = Path(config_dir) / "labconfig" / "page_config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(page_config(staff), indent=2), encoding="utf-8")
    return path


def start_url(prefix: str = "/lab/tree/") -> str:
    """The address (below the server's base URL) that opens the start page."""
    return prefix + quote(START_PAGE)


# ------------------------------------------------------------------ the start page


def _link(path: str) -> str:
    return quote(path)


def _title(path: Path) -> str:
    """The lesson's first Markdown heading (its title), else the file name."""
    try:
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            if cell.get("cell_type") == "markdown":
                for line in "".join(cell.get("source", "")).splitlines():
                    if line.startswith("# "):
                        return line[2:].strip()
    except (OSError, ValueError, AttributeError):
        pass
    return path.stem


def _practice_count(path: Path) -> int:
    try:
        return path.read_text(encoding="utf-8").count("practice(")
    except OSError:
        return 0


def _practice_ids(path: Path) -> list[str]:
    """The practice question ids a lesson notebook asks (its `practice("ID")` calls)."""
    import re

    try:
        return sorted(set(re.findall(r"practice\(\s*['\"]([^'\"]+)['\"]", path.read_text(encoding="utf-8"))))
    except OSError:
        return []


def _answered(path: Path) -> int:
    """Practice questions the person answered and saved in their copy (feedback shown in the saved
    notebook: the ✓/✗ line of the practice widget's output)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return 0
    return text.count("回答正确") + text.count("回答错误") + text.count("部分正确")


def _time(value) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=CHINA)


def _cn(when: datetime) -> str:
    return when.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _left(delta: timedelta) -> str:
    """Time left, in days and hours, as a person reads it."""
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return "不足 1 小时"
    days, hours = divmod(hours, 24)
    return (f"{days} 天 " if days else "") + (f"{hours} 小时" if hours or not days else "")


def write_window(folder: Path, spec) -> Path:
    """Write an exam's public window file (WINDOW_FILE) into `folder` (its release folder): title,
    window, make-up window and time limit. Nothing in it is an answer; staff may read it."""
    data = {
        "exam": spec.id,
        "title": spec.title,
        "opens_at": spec.window.opens_at.isoformat(),
        "closes_at": spec.window.closes_at.isoformat(),
        "makeup": (
            {"opens_at": spec.makeup.opens_at.isoformat(), "closes_at": spec.makeup.closes_at.isoformat()}
            if spec.makeup
            else None
        ),
        "time_limit": spec.time_limit,
    }
    path = Path(folder) / WINDOW_FILE
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def _window(entry: Path) -> dict:
    try:
        data = json.loads((entry / WINDOW_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _exam_row(home: Path, entry: Path, now: datetime) -> str | None:
    """One released exam on the start page; None once its last window has closed."""
    data = _window(entry)
    title = str(data.get("title") or entry.name)
    windows = []
    for w in [data, data.get("makeup") or {}]:
        opens, closes = _time(w.get("opens_at")), _time(w.get("closes_at"))
        if opens and closes:
            windows.append((opens, closes))
    lines = [f"### {title}"]
    if windows:
        if all(now > closes for _, closes in windows):
            return None
        current = next(((o, c) for o, c in windows if o <= now <= c), None)
        upcoming = next(((o, c) for o, c in windows if now < o), None)
        names = ["考试时间", "补考时间"]
        lines.append("- " + "；".join(f"{names[i]}：{_cn(o)} 至 {_cn(c)}" for i, (o, c) in enumerate(windows)))
        if current:
            lines.append(f"- **正在开放**，距截止（{_cn(current[1])}）还剩 **{_left(current[1] - now)}**")
        elif upcoming:
            lines.append(f"- 尚未开始：{_cn(upcoming[0])} 开放（还有 {_left(upcoming[0] - now)}）")
    else:
        lines.append("- 考试时间见试卷卷首")
    limit = data.get("time_limit")
    lines.append(
        f"- 答题时限 **{limit} 分钟**，从第一次打开试卷时开始计时" if limit else "- 不限答题时长，截止前均可作答"
    )
    notebook = home / entry.name / EXAM_NOTEBOOK
    if notebook.is_file():
        lines.append(
            f"- **[打开试卷：{title}]({_link(notebook.relative_to(home).as_posix())})**（已获取，试卷打开后自动显示题目）"
        )
    else:
        lines.append(
            "- 尚未获取试卷。获取方法：打开顶部菜单“考试与作业”，点“打开考试与作业列表”，"
            "在“已发布”一栏本考试一行点“获取”；获取后在“已获取”一栏点考试名称，再点试卷名称即可打开"
            f"（左侧文件列表中也会出现文件夹 {entry.name}）。"
        )
    return "\n".join(lines)


def _exams(home: Path, exchange: Path | None, course_id: str | None, now: datetime) -> list[str]:
    """Exams released to everyone in the exchange (outbound) whose window is open or to come."""
    if not exchange or not course_id:
        return []
    outbound = Path(exchange) / course_id / "outbound"
    try:
        entries = sorted(p for p in outbound.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    return [row for row in (_exam_row(home, entry, now) for entry in entries) if row]


def _released_feedback(exchange: Path, course_id: str, cache: Path) -> list[tuple[str, str]]:
    """(exam id, submission time) of the person's submissions whose feedback the trainer released
    in the exchange and the person has not fetched yet: nbgrader's own lookup (fetch_feedback),
    from the person's exchange cache, so nothing is listed that they could not fetch."""
    submissions = sorted(Path(cache).glob(f"{course_id}/*+*+*"))
    if not submissions:
        return []
    from nbgrader.utils import make_unique_key, notebook_hash

    found = []
    feedback = Path(exchange) / course_id / "feedback"
    for submission in submissions:
        try:
            student, exam, stamp = submission.name.split("+")
        except ValueError:
            continue
        secret_file = submission / "submission_secret.txt"
        secret = secret_file.read_text(encoding="utf-8") if secret_file.is_file() else None
        for notebook in sorted(submission.glob("*.ipynb")):
            if secret:
                hashes = [notebook_hash(secret=secret, notebook_id=notebook.stem)]
            else:
                key = make_unique_key(course_id, exam, notebook.stem, student, stamp)
                hashes = [notebook_hash(str(notebook), key), notebook_hash(str(notebook))]
            if any((feedback / f"{h}.html").exists() for h in hashes):
                found.append((exam, stamp))
                break
    return found


def _feedback(home: Path, exchange: Path | None, course_id: str | None, cache: Path | None) -> list[str]:
    rows, fetched = [], set()
    for html in sorted(home.glob("*/feedback/*/*.html")):
        exam, stamp = html.parts[-4], html.parts[-2]
        fetched.add((exam, stamp))
        rel = html.relative_to(home).as_posix()
        rows.append(f"- [{exam}：查看成绩与解析（{stamp} 提交的答卷）]({_link(rel)})")
    if exchange and course_id:
        if cache is None:
            from jupyter_core.paths import jupyter_data_dir

            cache = Path(jupyter_data_dir()) / "nbgrader_cache"
        try:
            released = _released_feedback(Path(exchange), course_id, cache)
        except (OSError, ImportError, ValueError):
            released = []
        for exam, stamp in released:
            if (exam, stamp) not in fetched:
                rows.append(
                    f"- {exam}：成绩反馈已发布（{stamp} 提交的答卷）。查看方法：打开顶部菜单“考试与作业”，"
                    "点“打开考试与作业列表”，在“已提交”一栏本考试一行点“获取成绩反馈”，再点“（查看成绩反馈）”。"
                )
    return rows


def start_page(
    home: Path,
    lessons: str = "课程",
    exchange: Path | None = None,
    course_id: str | None = None,
    cache: Path | None = None,
    now: datetime | None = None,
    progress: dict | None = None,
) -> str:
    """The start page (Markdown) for the person whose home is `home`: their courses with progress,
    the exams open to them (window, time limit, time left at `now`) and their released feedback.
    `cache` is their nbgrader exchange cache (default: nbgrader's, under their home).

    `progress` is what the exam service saw them study on a hub ({course: {lesson: {"opened",
    "answered": [practice ids]}}}, grader.exam.sittings.lesson_progress): lessons opened and
    practice answered then come from the server. Without it (`lawstudy lab`) they are judged from
    the person's saved copies."""
    home = Path(home)
    now = now or datetime.now(UTC)
    cells = [
        "# 开始学习\n\n"
        "欢迎使用民政法律知识学习平台。点下面课程中的课时名称即可打开该课时；"
        "课时打开后会自动运行，稍等几秒，讲解中的练习题即可作答，无需任何其他操作。\n\n"
        "**字看不清？** 打开顶部菜单“设置”，点“主题”，再点“增大内容字号”（可多点几次），"
        "课程、题目和解析的文字随之变大，下次登录仍然保持。\n\n"
        "**只用键盘作答**：按 Tab 键移到选项，用方向键选择，按空格键勾选，再按 Tab 移到“提交”按钮，按回车键提交。"
        "答对显示“✓ 回答正确”，答错显示“✗ 回答错误”，不只靠颜色区分。\n\n"
        "关闭了全部标签页时，本页会自动重新打开；也可以打开顶部菜单“考试与作业”，点“回到开始学习页”。"
    ]
    root = home / lessons
    course_rows = []
    for meta in sorted(root.glob("*/course.json")):
        try:
            course = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rows, opened, answered, total = [], 0, 0, 0
        seen_by_server = (progress or {}).get(course.get("id")) if progress is not None else None
        for name in course.get("lessons", []):
            path = meta.parent / name
            if not path.is_file():
                continue
            if seen_by_server is not None:  # a hub: the exam service's record
                ids = (course.get("practice") or {}).get(path.stem)
                ids = ids if ids is not None else _practice_ids(path)
                mine = seen_by_server.get(path.stem) or {}
                count, done = len(ids), len(set(ids) & set(mine.get("answered") or []))
                seen = bool(mine.get("opened"))
            else:
                count, done = _practice_count(path), _answered(path)
                seen = done > 0 or _was_saved(path)
            total, answered = total + count, answered + min(done, count)
            opened += seen
            state = "已学习" if seen else "未打开"
            rel = path.relative_to(home).as_posix()
            rows.append(f"1. [{_title(path)}]({_link(rel)}) — {state}，练习 {min(done, count)}/{count} 题")
        head = (
            f"### {course.get('title', meta.parent.name)}\n\n"
            f"进度：已学习 {opened}/{len(rows)} 课时，已作答练习 {answered}/{total} 题\n\n"
        )
        course_rows.append(head + "\n".join(rows))
    cells.append("## 我的课程\n\n" + ("\n\n".join(course_rows) if course_rows else "目前没有课程。"))
    exams = _exams(home, exchange, course_id, now)
    cells.append(
        "## 考试\n\n"
        + (
            f"以下考试向您开放（剩余时间按本页生成时 {_cn(now)} 计算，每次登录时更新）。"
            "答完后交卷：打开顶部菜单“考试与作业”，点“打开考试与作业列表”，在“已获取”一栏本考试一行点“提交”。\n\n"
            + "\n\n".join(exams)
            if exams
            else "目前没有开放的考试。"
        )
    )
    feedback = _feedback(home, exchange, course_id, cache)
    cells.append("## 成绩反馈\n\n" + ("\n".join(feedback) if feedback else "尚未发布成绩反馈。"))
    return "\n\n".join(cells) + "\n"


def _was_saved(path: Path) -> bool:
    """The person saved their copy of the lesson (it differs from the copy they were given)."""
    try:
        stat = path.stat()
    except OSError:
        return False
    # a copy (copy2) keeps the source's older mtime; a save sets mtime and ctime to the same time
    return stat.st_mtime_ns >= stat.st_ctime_ns or '"execution_count": 1' in path.read_text(encoding="utf-8")


def write_start_page(
    home: Path,
    lessons: str = "课程",
    exchange: Path | None = None,
    course_id: str | None = None,
    cache: Path | None = None,
    progress: dict | None = None,
) -> Path:
    """Write (rebuild) HOME/开始学习.md; see `start_page`."""
    path = Path(home) / START_PAGE
    if path.is_symlink():
        path.unlink()
    path.write_text(start_page(home, lessons, exchange, course_id, cache, progress=progress), encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    """`python -m grader.staff_lab start-page HOME LESSONS [EXCHANGE COURSE_ID [CACHE]]`."""
    if len(argv) >= 3 and argv[0] == "start-page":
        exchange = Path(argv[3]) if len(argv) > 3 else None
        course_id = argv[4] if len(argv) > 4 else None
        cache = Path(argv[5]) if len(argv) > 5 else None
        try:  # on a hub the pre-spawn hook passes what the exam service saw (grader.hub.staff)
            progress = json.loads(os.environ["LAWSTUDY_PROGRESS"]) if os.environ.get("LAWSTUDY_PROGRESS") else None
        except ValueError:
            progress = None
        write_start_page(
            Path(argv[1]),
            argv[2],
            exchange,
            course_id,
            cache,
            progress=progress if isinstance(progress, dict) else None,
        )
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
