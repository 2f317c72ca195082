"""The one scorer: practice feedback, hidden tests and fast grading all call it.

An answer is compared by option identity (the option's key in the bank), never by the
letter a shuffled paper showed, so reordering options cannot change a score.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.vocabulary import QUESTION_TYPES

TYPES = QUESTION_TYPES


@dataclass(frozen=True)
class Key:
    """What is needed to score one question, and nothing else."""

    type: str
    answer: str | frozenset[str] | bool
    points: float
    partial: float = 0.0
    options: frozenset[str] = frozenset()

    @classmethod
    def from_dict(cls, data: dict) -> Key:
        answer = data["answer"]
        if data["type"] == "multiple":
            answer = frozenset(answer)
        return cls(
            data["type"],
            answer,
            float(data["points"]),
            float(data.get("partial", 0) or 0),
            frozenset(data.get("options", ())),
        )

    def to_dict(self) -> dict:
        answer = sorted(self.answer) if isinstance(self.answer, frozenset) else self.answer
        return {
            "type": self.type,
            "answer": answer,
            "points": self.points,
            "partial": self.partial,
            "options": sorted(self.options),
        }


def normalize_response(key: Key, response):
    """Turn a saved response into the form of the key, or None when it is not an answer."""
    if response is None:
        return None
    if key.type == "judge":
        return response if isinstance(response, bool) else None
    if key.type == "single":
        if isinstance(response, str) and (not key.options or response in key.options):
            return response
        return None
    if isinstance(response, (list, tuple)) and all(isinstance(x, str) for x in response):
        chosen = frozenset(response)
        if len(chosen) != len(response) or not chosen:
            return None
        if key.options and not chosen <= key.options:
            return None
        return chosen
    return None


def is_correct(key: Key, response) -> bool:
    value = normalize_response(key, response)
    return value is not None and value == key.answer


def score(key: Key, response) -> float:
    """Points earned. Never raises: garbage earns 0."""
    value = normalize_response(key, response)
    if value is None:
        return 0.0
    if value == key.answer:
        return key.points
    if key.type == "multiple" and key.partial and value < key.answer:
        return round(key.points * key.partial, 2)
    return 0.0
