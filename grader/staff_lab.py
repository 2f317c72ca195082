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

import hashlib
import json
import os
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from grader.safe_io import read_regular, replace_file
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


# What the start page reads in a person's home is theirs to plant (it runs as them, but a FIFO
# would hang it and /dev/zero or a sparse file would exhaust it): regular files only, never
# through a link at the last component, at most this many bytes (grader.safe_io.read_regular).
META_LIMIT = 1024 * 1024  # course.json, window.json
LESSON_LIMIT = 8 * 1024 * 1024  # a saved lesson notebook (with its outputs)
SUBMISSION_LIMIT = 32 * 1024 * 1024  # a submitted notebook in the exchange cache (legacy feedback hash)
SECRET_LIMIT = 4096  # submission_secret.txt
MAX_ENTRIES = 2000  # directory entries looked at in one folder
PROGRESS_LIMIT = 4 * 1024 * 1024  # the progress JSON the hub's hook writes to start-page's stdin


def _read_text(path: Path, limit: int) -> str | None:
    """The text of a regular file of at most `limit` bytes, read without following a link and
    without waiting on a FIFO; None for anything else (absent, a link, special, too large, not UTF-8)."""
    try:
        return read_regular(path, limit).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _is_regular(path: Path) -> bool:
    """`path` is a regular file itself (not a link to one)."""
    try:
        return stat.S_ISREG(os.stat(path, follow_symlinks=False).st_mode)
    except (OSError, ValueError):
        return False


def _subdirs(folder: Path) -> list[Path]:
    """The real folders (not links) in `folder`, by name, from at most MAX_ENTRIES entries."""
    found = []
    try:
        with os.scandir(folder) as it:
            for i, entry in enumerate(it):
                if i >= MAX_ENTRIES:
                    break
                if entry.is_dir(follow_symlinks=False):
                    found.append(Path(entry.path))
    except OSError:
        return []
    return sorted(found)


def _files(folder: Path, suffix: str) -> list[Path]:
    """The regular files (not links) named *suffix in `folder`, by name, from at most MAX_ENTRIES entries."""
    found = []
    try:
        with os.scandir(folder) as it:
            for i, entry in enumerate(it):
                if i >= MAX_ENTRIES:
                    break
                if entry.name.endswith(suffix) and entry.is_file(follow_symlinks=False):
                    found.append(Path(entry.path))
    except OSError:
        return []
    return sorted(found)


def _title(path: Path, text: str | None) -> str:
    """The lesson's first Markdown heading (its title), else the file name."""
    try:
        for cell in json.loads(text or "").get("cells", []):
            if cell.get("cell_type") == "markdown":
                for line in "".join(cell.get("source", "")).splitlines():
                    if line.startswith("# "):
                        return line[2:].strip()
    except (ValueError, AttributeError, TypeError, RecursionError):
        pass
    return path.stem


def _practice_count(text: str | None) -> int:
    return (text or "").count("practice(")


def _practice_ids(text: str | None) -> list[str]:
    """The practice question ids a lesson notebook asks (its `practice("ID")` calls)."""
    import re

    return sorted(set(re.findall(r"practice\(\s*['\"]([^'\"]+)['\"]", text or "")))


def _answered(text: str | None) -> int:
    """Practice questions the person answered and saved in their copy (feedback shown in the saved
    notebook: the ✓/✗ line of the practice widget's output)."""
    text = text or ""
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
        data = json.loads(_read_text(entry / WINDOW_FILE, META_LIMIT) or "")
    except (ValueError, RecursionError):
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
    if _is_regular(notebook):
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
    entries = [p for p in _subdirs(outbound) if not p.name.startswith(".")]
    return [row for row in (_exam_row(home, entry, now) for entry in entries) if row]


def _released_feedback(exchange: Path, course_id: str, cache: Path) -> list[tuple[str, str]]:
    """(exam id, submission time) of the person's submissions whose feedback the trainer released
    in the exchange and the person has not fetched yet: nbgrader's own lookup (fetch_feedback),
    from the person's exchange cache, so nothing is listed that they could not fetch. The cache is
    the person's: its files are read as regular files only, within SECRET_LIMIT / SUBMISSION_LIMIT."""
    submissions = [p for p in _subdirs(Path(cache) / course_id) if p.name.count("+") == 2]
    found = []
    feedback = Path(exchange) / course_id / "feedback"
    for submission in submissions:
        student, exam, stamp = submission.name.split("+")
        secret = _read_text(submission / "submission_secret.txt", SECRET_LIMIT)
        for notebook in _files(submission, ".ipynb"):
            if secret:
                hashes = [notebook_hash(secret=secret, notebook_id=notebook.stem)]
            else:
                try:
                    content = read_regular(notebook, SUBMISSION_LIMIT)
                except OSError:
                    continue
                key = "+".join([course_id, exam, notebook.stem, student, stamp])  # nbgrader's make_unique_key
                hashes = [notebook_hash(content=content, unique_key=key), notebook_hash(content=content)]
            if any((feedback / f"{h}.html").exists() for h in hashes):
                found.append((exam, stamp))
                break
    return found


def notebook_hash(
    content: bytes | None = None,
    unique_key: str | None = None,
    secret: str | None = None,
    notebook_id: str | None = None,
) -> str:
    """The name (MD5 hex digest) nbgrader gives a notebook's feedback file in the exchange:
    md5(secret + notebook_id) when the submission has a submission_secret.txt, else (legacy)
    md5(notebook bytes + unique_key). Source: nbgrader.utils.notebook_hash (0.9), which takes a
    path and reads it unbounded; this takes the bytes, read safely, and spares a spawn the
    1.6 s import of nbgrader (tests check both give the same digest)."""
    m = hashlib.md5()
    if secret:
        m.update(secret.encode("utf-8"))
        m.update((notebook_id or "").encode("utf-8"))
        return m.hexdigest()
    m.update(content or b"")
    if unique_key:
        m.update(unique_key.encode("utf-8"))
    return m.hexdigest()


def _fetched_feedback(home: Path) -> list[Path]:
    """HOME/*/feedback/*/*.html as nbgrader's fetch_feedback leaves them: real folders and
    regular files only (no link followed), at most MAX_ENTRIES entries looked at per folder."""
    found = []
    for folder in _subdirs(home):
        if folder.name.startswith("."):
            continue
        for stamp in _subdirs(folder / "feedback"):
            found.extend(_files(stamp, ".html"))
    return sorted(found)


def _feedback(home: Path, exchange: Path | None, course_id: str | None, cache: Path | None) -> list[str]:
    rows, fetched = [], set()
    for html in _fetched_feedback(home):
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
    for folder in _subdirs(root):
        meta = folder / "course.json"
        try:
            course = json.loads(_read_text(meta, META_LIMIT) or "")
        except (ValueError, RecursionError):  # JSON nested deeper than the parser goes
            continue
        if not isinstance(course, dict) or not isinstance(course.get("lessons"), list):
            continue
        rows, opened, answered, total = [], 0, 0, 0
        seen_by_server = (progress or {}).get(course.get("id")) if progress is not None else None
        practice: dict = course["practice"] if isinstance(course.get("practice"), dict) else {}
        for name in course["lessons"][:MAX_ENTRIES]:
            if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
                continue
            path = folder / name
            if not _is_regular(path):
                continue
            text = _read_text(path, LESSON_LIMIT)
            if seen_by_server is not None:  # a hub: the exam service's record
                ids = practice.get(path.stem)
                ids = [str(i) for i in ids] if isinstance(ids, list) else _practice_ids(text)
                mine = seen_by_server.get(path.stem) or {}
                count, done = len(ids), len(set(ids) & set(mine.get("answered") or []))
                seen = bool(mine.get("opened"))
            else:
                count, done = _practice_count(text), _answered(text)
                seen = done > 0 or _was_saved(path, text)
            total, answered = total + count, answered + min(done, count)
            opened += seen
            state = "已学习" if seen else "未打开"
            rel = path.relative_to(home).as_posix()
            rows.append(f"1. [{_title(path, text)}]({_link(rel)}) — {state}，练习 {min(done, count)}/{count} 题")
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


def _was_saved(path: Path, text: str | None) -> bool:
    """The person saved their copy of the lesson (it differs from the copy they were given);
    `text` is its content (None when unreadable)."""
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    # a copy keeps the source's older mtime; a save sets mtime and ctime to the same time
    return info.st_mtime_ns >= info.st_ctime_ns or '"execution_count": 1' in (text or "")


def write_start_page(
    home: Path,
    lessons: str = "课程",
    exchange: Path | None = None,
    course_id: str | None = None,
    cache: Path | None = None,
    progress: dict | None = None,
) -> Path:
    """Write (rebuild) HOME/开始学习.md; see `start_page`.

    The page is written as a new file renamed over whatever is at that path (a link, a FIFO, a
    device node, an old page: replaced, never opened or followed; grader.safe_io.replace_file).
    Raises IsADirectoryError when a folder is there (kept), OSError when HOME cannot be written."""
    path = Path(home) / START_PAGE
    text = start_page(home, lessons, exchange, course_id, cache, progress=progress)
    fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        replace_file(fd, START_PAGE, text.encode("utf-8"), 0o644)
    finally:
        os.close(fd)
    return path


def main(argv: list[str]) -> int:
    """`python -m grader.staff_lab start-page HOME LESSONS [EXCHANGE COURSE_ID [CACHE]]`."""
    if len(argv) >= 3 and argv[0] == "start-page":
        exchange = Path(argv[3]) if len(argv) > 3 else None
        course_id = argv[4] if len(argv) > 4 else None
        cache = Path(argv[5]) if len(argv) > 5 else None
        # on a hub the pre-spawn hook passes what the exam service saw on stdin (grader.hub.staff)
        given = os.environ.get("LAWSTUDY_PROGRESS")
        try:
            progress = json.loads(sys.stdin.buffer.read(PROGRESS_LIMIT) if given == "-" else given or "null")
        except ValueError:
            progress = None
        try:
            write_start_page(
                Path(argv[1]),
                argv[2],
                exchange,
                course_id,
                cache,
                progress=progress if isinstance(progress, dict) else None,
            )
        except OSError as error:
            print(f"开始学习页未写入：{error}", file=sys.stderr)
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
