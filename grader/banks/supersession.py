"""An explanation written for a superseded version says so (the content rule "one rule, one voice"):
what an explanation states as law without saying it no longer applies, and the line that says it."""

from __future__ import annotations

import re

from grader.banks.model import Question
from grader.laws import PREFIX, LawError, Library, Version, cn_date, library, normalize, to_date, today

TITLE = re.compile(r"《([^《》]+)》")  # a statute named in an explanation


def superseded_note(version: Version, laws: Library | None = None) -> str:
    """The line an explanation written for a superseded version ends with, from the law index:

    （本题依据《殡葬管理条例》（2012年修订），适用于2026年3月30日前；该版本已于2026年3月30日被2025年修订版取代。）
    （本题依据《社会救助暂行办法》（2019年版），适用于2026年7月1日前；该版本未废止，但自2026年7月1日起
    与《中华人民共和国社会救助法》不一致的，适用社会救助法。）

    Raises ValueError for a version that is still in force (it has no `in_force_until`).
    """
    laws = laws or library()
    if version.in_force_until is None:
        raise ValueError(f"{version.citation}仍在施行")
    return (
        f"（本题依据{version.citation}，适用于{cn_date(version.in_force_until)}前；"
        f"{laws.superseded_message(version)}。）"
    )


def unsaid_supersessions(q: Question, laws: Library | None = None, as_of=None) -> list[tuple[Version, bool]]:
    """What `q`'s explanation states as law without saying it no longer applies on `as_of` (default
    today): (version, cited) pairs, `cited` True for a version its basis cites, False for a statute
    the explanation names (《…》) of which no version is in force on `as_of` any more.

    A cited version is said to be superseded when the explanation names the day it stopped applying
    (2026年3月30日) and, when another statute took over, that statute (by its title or a short name),
    as `superseded_note` writes it. A statute only named in passing is said to be superseded when
    the explanation names that day or the statute that took over. Content rule: "an explanation
    written for a superseded version says so".
    """
    laws = laws or library()
    as_of = to_date(as_of) if as_of is not None else today()
    text = normalize(q.explanation)
    out: list[tuple[Version, bool]] = []

    def successor_names(v: Version) -> list[str]:
        if not v.superseded_by or v.superseded_by[0] == v.title:
            return []
        try:
            other = laws.statute(v.superseded_by[0])
        except LawError:
            return [v.superseded_by[0]]
        return [n for n in (other.title, other.title.removeprefix(PREFIX), *other.short_names) if n]

    def ended(v: Version) -> bool:
        return v.in_force_until is not None and as_of >= v.in_force_until

    seen: set[tuple[str, str]] = set()
    for c in q.basis:
        try:
            v = laws.statute(c.law).version(c.version)
        except LawError:
            continue
        if not ended(v) or (v.title, v.name) in seen:
            continue
        seen.add((v.title, v.name))
        assert v.in_force_until is not None
        names = successor_names(v)
        day = normalize(cn_date(v.in_force_until)) in text
        if not (day and (not names or any(normalize(n) in text for n in names))):
            out.append((v, True))
    for match in TITLE.finditer(q.explanation):
        try:
            statute = laws.statute(match.group(1))
        except LawError:
            continue
        v = statute.latest
        if statute.in_force(as_of) is not None or not ended(v) or (v.title, v.name) in seen:
            continue
        seen.add((v.title, v.name))
        assert v.in_force_until is not None
        said = [cn_date(v.in_force_until), *successor_names(v)]
        if not any(normalize(n) in text for n in said):
            out.append((v, False))
    return out
