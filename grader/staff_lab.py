"""The staff's JupyterLab: Chinese, quiet, without instructor tools, with a start page (开始学习).

Used by the hub (grader/hub/staff.py: staff servers' page config and start page) and by
`lawstudy lab` (grader/demo.py). The start page is a generated Markdown file that JupyterLab opens rendered (Markdown Preview is made the
default viewer for Markdown in LAB_OVERRIDES): nothing to run, no kernel, nothing to trust; one
click on a lesson's name opens the lesson.

    python -m grader.staff_lab start-page HOME LESSONS_FOLDER [EXCHANGE COURSE_ID]

writes HOME/开始学习.md; the hub runs it as the person (their own files, their own rights).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from urllib.parse import quote

START_PAGE = "开始学习.md"

# nbgrader's JupyterLab plugins that are instructor tools (ids from the installed package's
# labextension, @jupyter/nbgrader 0.9): staff servers run with them disabled. The assignment list
# (@jupyter/nbgrader:assignment-list: fetch, submit, feedback) and the menu stay.
TRAINER_ONLY_PLUGINS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:validate-assignment",
    "@jupyter/nbgrader:course-list",
)

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
    """labconfig/page_config.json for a staff server (instructor plugins off) or a trainer's."""
    return {"disabledExtensions": {plugin: True for plugin in TRAINER_ONLY_PLUGINS}} if staff else {}


def write_page_config(config_dir: Path, staff: bool = True) -> Path:
    """Write CONFIG_DIR/labconfig/page_config.json; put CONFIG_DIR first on JUPYTER_CONFIG_PATH."""
    path = Path(config_dir) / "labconfig" / "page_config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(page_config(staff), indent=2), encoding="utf-8")
    return path


def start_url(prefix: str = "/lab/tree/") -> str:
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


def _answered(path: Path) -> int:
    """Practice questions the person answered and saved in their copy (feedback shown in the saved
    notebook: the ✓/✗ line of the practice widget's output)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return 0
    return text.count("回答正确") + text.count("回答错误") + text.count("部分正确")


def _exams(exchange: Path | None, course_id: str | None, now: float) -> list[str]:
    """Exams released to everyone in the exchange (outbound), with their window if the release
    wrote one (window.json: opens_at, closes_at as ISO times)."""
    if not exchange or not course_id:
        return []
    outbound = Path(exchange) / course_id / "outbound"
    rows = []
    try:
        entries = sorted(p for p in outbound.iterdir() if p.is_dir())
    except OSError:
        return []
    for entry in entries:
        window = ""
        meta = entry / "window.json"
        if meta.is_file():
            try:
                data = json.loads(meta.read_text(encoding="utf-8"))
                window = f"（开放时间：{data.get('opens_at', '')} 至 {data.get('closes_at', '')}）"
            except (OSError, ValueError):
                pass
        rows.append(f"- **{entry.name}**{window}")
    return rows


def _feedback(home: Path, course_id: str | None) -> list[str]:
    if not course_id:
        return []
    rows = []
    for html in sorted((home / course_id).glob("*/feedback/*/*.html")):
        rel = html.relative_to(home).as_posix()
        rows.append(f"- [{html.parts[-4]}：查看成绩与解析]({_link(rel)})")
    return rows


def start_page(home: Path, lessons: str = "课程", exchange: Path | None = None, course_id: str | None = None) -> str:
    """The start page (Markdown) for the person whose home is `home`."""
    home = Path(home)
    now = time.time()
    cells = [
        "# 开始学习\n\n"
        "欢迎使用民政法律知识学习平台。点下面课程中的课时名称即可打开该课时；"
        "课时打开后，按页面第一段的“使用方法”操作（菜单“运行”→“运行全部单元格”），然后作答练习题。\n\n"
        "**字看不清？** 打开顶部菜单“设置”，点“主题”，再点“增大内容字号”（可多点几次），"
        "课程、题目和解析的文字随之变大，下次登录仍然保持。\n\n"
        "**只用键盘作答**：按 Tab 键移到选项，用方向键选择，按空格键勾选，再按 Tab 移到“提交”按钮，按回车键提交。"
        "答对显示“✓ 回答正确”，答错显示“✗ 回答错误”，不只靠颜色区分。"
    ]
    root = home / lessons
    course_rows = []
    for meta in sorted(root.glob("*/course.json")):
        try:
            course = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rows, opened, answered, total = [], 0, 0, 0
        for name in course.get("lessons", []):
            path = meta.parent / name
            if not path.is_file():
                continue
            count, done = _practice_count(path), _answered(path)
            total, answered = total + count, answered + min(done, count)
            seen = done > 0 or _was_saved(path)
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
    exams = _exams(exchange, course_id, now)
    cells.append(
        "## 考试\n\n"
        + (
            "已发布的考试如下。参加考试：打开顶部菜单“Nbgrader”（中文界面同名），点“作业列表”（Assignment List），"
            "在考试名称右侧点“获取”，再点考试名称打开答卷。\n\n" + "\n".join(exams)
            if exams
            else "目前没有开放的考试。"
        )
    )
    feedback = _feedback(home, course_id)
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


def write_start_page(home: Path, lessons: str = "课程", exchange: Path | None = None, course_id: str | None = None):
    path = Path(home) / START_PAGE
    if path.is_symlink():
        path.unlink()
    path.write_text(start_page(home, lessons, exchange, course_id), encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "start-page":
        exchange = Path(argv[3]) if len(argv) > 3 else None
        course_id = argv[4] if len(argv) > 4 else None
        write_start_page(Path(argv[1]), argv[2], exchange, course_id)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
