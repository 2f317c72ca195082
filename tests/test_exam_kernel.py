"""The exam widget through a real kernel: clicks (comm messages, as the browser sends them) are
saved at once, survive a kernel restart, and a real `nbgrader autograde` scores them."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell
from test_exam_support import fetch, make_bank, make_spec, submit

from grader import exams as exam
from grader.instance import Instance

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]


class Kernel:
    """Run the fetched exam notebook in a fresh kernel, as Run All does, and click like a browser."""

    def __init__(self, folder):
        self.folder = folder
        self.nb = nbformat.read(folder / "exam.ipynb", as_version=4)
        self.client = NotebookClient(
            self.nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        )

    def __enter__(self):
        self._ctx = self.client.setup_kernel()
        self._ctx.__enter__()
        for i, cell in enumerate(list(self.nb.cells)):
            if cell.cell_type == "code":
                self.client.execute_cell(cell, i)
        return self

    def __exit__(self, *exc):
        self.run("1")  # a round trip before shutdown: late comm messages are not lost
        self._ctx.__exit__(*exc)

    def run(self, code: str):
        cell = new_code_cell(code)
        self.nb.cells.append(cell)
        self.client.execute_cell(cell, len(self.nb.cells) - 1)
        for out in cell.outputs:
            if out.output_type == "error":
                raise AssertionError("\n".join(out.traceback))
            if out.output_type == "execute_result":
                return eval(out.data["text/plain"])
        return None

    def click(self, model_id: str, state: dict) -> None:
        msg = self.client.kc.session.msg(
            "comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": state, "buffer_paths": []}}
        )
        self.client.kc.shell_channel.send(msg)


def test_widget_clicks_persist_and_grade(tmp_path, monkeypatch):
    quizzes = tmp_path / "quizzes"
    make_bank(quizzes)
    make_spec(quizzes, "k-exam")
    inst = Instance(tmp_path / "home")
    paper = exam.build(inst, "k-exam", quizzes=quizzes).paper
    exam.release(inst, "k-exam")
    folder = fetch(inst.home, tmp_path / "kw1", "k-exam")
    monkeypatch.setenv("JUPYTERHUB_USER", "kw1")
    keys = paper.by_id()

    clicked = {}
    with Kernel(folder) as k:
        shown = k.run("[(q['id'], q['type'], [o[0] for o in q['options']]) for q in paper.questions]")
        for number, (qid, qtype, options) in enumerate(shown, 1):
            q = keys[qid]
            if qtype == "single":
                index = options.index(q.answer) if number % 2 else (options.index(q.answer) + 1) % len(options)
                k.click(k.run(f"paper.ask({number}).choice.input.model_id"), {"index": index})
                clicked[qid] = options[index]
            elif qtype == "multiple":
                ids = k.run(f"[c.model_id for c in paper.ask({number}).choice.controls]")
                for oid, model in zip(options, ids):
                    if oid in q.answer:
                        k.click(model, {"value": True})
                clicked[qid] = sorted(q.answer)
            else:
                k.click(k.run(f"paper.ask({number}).choice.input.model_id"), {"index": 0})  # 正确
                clicked[qid] = True
        k.run("1")
        status = k.run("paper.ask(1).status.value")
        assert "答案已保存" in status
        saved = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
        assert saved["answers"] == clicked
        assert saved["user"] == "kw1" and saved["exam"] == "k-exam" and saved["started_at"]

    # a restarted kernel (Run All again) shows the saved answers, and says so
    with Kernel(folder) as k:
        values = k.run("{q['id']: paper.ask(n).value for n, q in enumerate(paper.questions, 1)}")
        assert values == clicked
        assert "已恢复" in k.run("paper.ask(2).status.value")
    assert json.loads((folder / "answers.json").read_text(encoding="utf-8"))["answers"] == clicked

    submit(inst.home, tmp_path / "kw1", "k-exam", "kw1")
    exam.collect(inst, "k-exam")
    result = exam.autograde(inst, "k-exam")  # real nbgrader autograde, fresh kernel
    assert not result.mismatches, result.nbgrader_log[-3000:]
    [sub] = result.submissions
    from grader.scoring import score

    expected = sum(score(keys[qid].key, value) for qid, value in clicked.items())
    assert sub.total == expected
    assert sub.flags == []
    shutil.rmtree(tmp_path / "kw1")
