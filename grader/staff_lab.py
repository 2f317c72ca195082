"""Old path, kept for what outside the code runs or imports: hub configs written by older releases
and the Kubernetes chart's postStart hook run `python -m grader.staff_lab start-page HOME LESSONS
[EXCHANGE COURSE_ID [CACHE]]`. The code is grader.lab.start_page (the page, the exam's window file)
and grader.lab.config (page configs, settings defaults, the extension's folder)."""

import sys

from grader.lab.config import (
    EXAM_NOTEBOOK,
    LAB_EXTENSION,
    LAB_OVERRIDES,
    STAFF_HIDDEN_PLUGINS,
    STAFF_PLUGIN,
    START_PAGE,
    TRAINER_ONLY_PLUGINS,
    WINDOW_FILE,
    labextensions_dir,
    page_config,
    start_url,
    write_overrides,
    write_page_config,
)
from grader.lab.start_page import main, notebook_hash, start_page, write_start_page, write_window

__all__ = [
    "EXAM_NOTEBOOK",
    "LAB_EXTENSION",
    "LAB_OVERRIDES",
    "STAFF_HIDDEN_PLUGINS",
    "STAFF_PLUGIN",
    "START_PAGE",
    "TRAINER_ONLY_PLUGINS",
    "WINDOW_FILE",
    "labextensions_dir",
    "main",
    "notebook_hash",
    "page_config",
    "start_page",
    "start_url",
    "write_overrides",
    "write_page_config",
    "write_start_page",
    "write_window",
]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
