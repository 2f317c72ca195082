"""The nbgrader exchange guards: OwnSubmit (no submitting as another person) and OwnerCheckedCollect
(only a submission owned by the person it names is collected, then reduced to its answers)."""

from __future__ import annotations

import functools
import json
import os
import pwd
import shutil
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
            # the received entry: nobody else may write into it (nbgrader leaves it 0777 for the
            # instructor to delete; lawstudy never deletes, and the exam service's record decides)
            try:
                os.chmod(os.path.join(self.inbound_path, self.assignment_filename), 0o755)
            except OSError:
                pass
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
            from grader.exam.guard import inspect_entry, set_aside_in_place

            stuck = set_aside_in_place(self._instance().set_aside(self.coursedir.assignment_id))
            self.src_records = [r for r in self.src_records if r["filename"] not in stuck]
            for path in glob.glob(pattern):
                # never an entry that is a link, a special file, unparseable or over the limits (lstat),
                # nor one set aside that could not be moved (it stays where it is, listed)
                if os.path.basename(path) in stuck or inspect_entry(Path(path)).problem is not None:
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

        def _instance(self) -> Instance:
            return Instance(Path(self.coursedir.root).parent)

        def copy_files(self):
            """Copy what nbgrader chose, each entry exactly as checked (grader.safe_io.copy_tree_checked:
            no link followed, files checked on their open descriptors, within the entry limits): an
            entry that fails is skipped and logged, never the run, and a person's earlier copy is only
            replaced by a whole new one. Then each submission is reduced to its answers
            (grader.exam.sanitize) and, for an exam sat through the exam service, made the service's
            record (grader.exam.service_grading): the formgrader's autograde then scores that record."""
            from grader.exam.guard import ENTRY_MAX_BYTES, ENTRY_MAX_DEPTH, ENTRY_MAX_FILES
            from grader.exam.sanitize import sanitize_collected
            from grader.safe_io import copy_tree_checked

            assignment = self.coursedir.assignment_id
            for rec in self.src_records:
                student = rec["username"]
                src = os.path.join(self.inbound_path, rec["filename"])
                dest = Path(self.coursedir.format_path(self.coursedir.submitted_directory, student, assignment))
                if dest.is_dir():
                    existing = self.coursedir.get_existing_timestamp(str(dest))
                    if not (self.update and (existing is None or rec["timestamp"] > existing)):
                        continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                fresh = dest.with_name(dest.name + ".new")
                try:
                    if fresh.exists():
                        shutil.rmtree(fresh)
                    copy_tree_checked(src, fresh, ENTRY_MAX_BYTES, ENTRY_MAX_FILES, ENTRY_MAX_DEPTH)
                except OSError as error:
                    self.log.warning("未收取 %s（%s）：%s", rec["filename"], student, error)
                    continue
                if dest.exists():
                    shutil.rmtree(dest)
                os.rename(fresh, dest)
                self.log.info("Collecting submission: %s %s", student, assignment)
            sanitize_collected(Path(self.coursedir.root), assignment)
            inst = self._instance()
            try:
                from grader.exam.paper import load_paper

                paper = load_paper(inst.papers, assignment)
            except Exception:  # noqa: BLE001  (a course, not an exam: nothing more to do)
                return
            from grader.exam.service_grading import submissions_from_service

            submissions_from_service(inst, paper)

    return {"OwnSubmit": OwnSubmit, "OwnerCheckedCollect": OwnerCheckedCollect}


def rejected_submissions(inst: Instance) -> list[dict]:
    path = inst.course_dir / "rejected-submissions.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
