"""The nbgrader exchange guards: OwnSubmit (no submitting as another person) and OwnerCheckedCollect
(only a submission owned by the person it names is collected, then reduced to its answers)."""

from __future__ import annotations

import functools
import json
import os
import pwd
import time
from pathlib import Path

from grader.instance import Instance


@functools.cache
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

        def copy_files(self):
            super().copy_files()
            from grader.exam.service_client import ExamServiceClient

            service = ExamServiceClient.from_env()
            if service is not None:  # the hand-in time is the exam service's (404 for a course: ignored)
                service.hand_in(self.coursedir.assignment_id)

    class OwnerCheckedCollect(ExchangeCollect):
        """`nbgrader collect` that ignores submissions not owned by the student they name.

        nbgrader itself only warns ("cheating attempt?") and then files the impostor's work under
        the victim's name. Here such a submission is dropped before the latest one is chosen, logged,
        and listed in the course's rejected-submissions.jsonl.
        """

        SKIP = "\0set-aside"

        def _path_to_record(self, path):
            """nbgrader's record, or a record it ignores for a link, a special file, an entry over
            the limits or an unparseable name (checked by lstat): one such entry never stops the run."""
            from datetime import datetime

            from grader.exam.guard import inspect_entry

            skip = {"username": self.SKIP, "filename": os.path.basename(path), "timestamp": datetime(1970, 1, 1)}
            if inspect_entry(Path(path)).problem is not None:
                return skip
            try:
                return super()._path_to_record(path)
            except Exception:  # noqa: BLE001  (nbgrader's self.fail raises too)
                return skip

        def init_src(self):
            import glob

            super().init_src()
            self.src_records = [r for r in self.src_records if r["username"] != self.SKIP]
            pattern = os.path.join(self.inbound_path, f"*+{self.coursedir.assignment_id}+*")
            genuine, rejected = [], []
            from grader.exam.guard import inspect_entry

            for path in glob.glob(pattern):
                # never an entry that is a link, a special file, unparseable or over the limits (lstat)
                if inspect_entry(Path(path)).problem is not None:
                    continue
                rec = self._path_to_record(path)
                if rec["username"] == self.SKIP:
                    continue
                if self.coursedir.student_id not in ("", "*") and rec["username"] != self.coursedir.student_id:
                    continue
                try:
                    uid = os.lstat(path).st_uid
                    owner = pwd.getpwuid(uid).pw_name
                except (KeyError, OSError):
                    uid, owner = -1, "?"
                # the collector's own entries are genuine: on one machine (`lawstudy lab`) every
                # entry is; on a hub no staff member can make an entry the grader's
                (genuine if owner == rec["username"] or uid == os.geteuid() else rejected).append((rec, owner))
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
                    with open(
                        os.path.join(self.coursedir.root, "rejected-submissions.jsonl"), "a", encoding="utf-8"
                    ) as f:
                        f.write(
                            json.dumps(
                                {
                                    "file": rec["filename"],
                                    "claimed": rec["username"],
                                    "owner": owner,
                                    "assignment": self.coursedir.assignment_id,
                                    "seen": time.strftime("%Y-%m-%dT%H:%M:%S"),
                                },
                                ensure_ascii=False,
                            )
                            + "\n"
                        )
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
