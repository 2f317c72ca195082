"""Old path, kept for what outside the code runs: hub configs written by older releases run
`python -m grader.staff_lab start-page HOME LESSONS [EXCHANGE COURSE_ID [CACHE]]`. The code is
grader.lab.start_page (the page) and grader.lab.config (page configs, settings defaults)."""

import sys

from grader.lab.start_page import main, start_page, write_start_page

__all__ = ["main", "start_page", "write_start_page"]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
