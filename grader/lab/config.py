"""The staff's JupyterLab settings: Chinese, quiet (no news, no update check), without instructor
tools, our extension lawstudy-staff on (labextension/, built into grader/labextension/), the start
page as the default address. Used by the hub (staff and trainers' page configs) and `lawstudy lab`."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from grader.instance import PACKAGE

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
    return PACKAGE / "labextension"


def write_page_config(config_dir: Path, staff: bool = True) -> Path:
    """Write CONFIG_DIR/labconfig/page_config.json; put CONFIG_DIR first on JUPYTER_CONFIG_PATH."""
    path = Path(config_dir) / "labconfig" / "page_config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(page_config(staff), indent=2), encoding="utf-8")
    return path


def start_url(prefix: str = "/lab/tree/") -> str:
    """The address (below the server's base URL) that opens the start page."""
    return prefix + quote(START_PAGE)
