"""The practice file lessons and the 错题本 read in staff kernels: practice-pool questions only."""

from __future__ import annotations

from grader.banks.model import Bank


def practice_data(banks: list[Bank]) -> dict:
    """Practice-pool questions with their keys (lessons give instant feedback); no exam question."""
    out = {}
    for q in (q for b in banks for q in b.questions if q.pool == "practice"):
        data = q.to_dict()
        data["basis"] = [dict(c, citation=cited.cited) for c, cited in zip(data["basis"], q.basis)]
        out[q.id] = {
            k: data[k]
            for k in ("id", "type", "stem", "options", "answer", "explanation", "basis", "points", "partial")
            if k in data
        }
    return {"questions": out}
