"""`python -m grader.hub reports-service` and `exam-service` (the hub services),
`python -m grader.hub copy-lessons SOURCE TARGET` (run as the person by the pre_spawn_hook) and
`python -m grader.hub limited MB -- COMMAND...` (COMMAND under an address-space limit of MB MiB:
how the hub starts the grader's services)."""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if argv == ["reports-service"]:
        from grader.hub.reports import reports_service

        reports_service()
        return 0
    if argv == ["exam-service"]:
        from grader.hub.exam_service import exam_service

        exam_service()
        return 0
    if argv[:1] == ["copy-lessons"] and len(argv) == 3:
        from grader.hub.lessons import copy_lessons

        for line in copy_lessons(Path(argv[1]), Path(argv[2])):
            print(line)
        return 0
    if argv[:1] == ["limited"] and len(argv) >= 4 and argv[1].isdigit() and argv[2] == "--":
        import os

        from grader.hub.exam_service import limit_memory

        limit_memory(int(argv[1]))
        os.execv(argv[3], argv[3:])
    sys.exit(
        "usage: python -m grader.hub reports-service | exam-service | copy-lessons SOURCE TARGET"
        " | limited MB -- COMMAND..."
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
