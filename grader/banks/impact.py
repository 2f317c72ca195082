"""Questions citing a version of a law no longer in force, and moving the citations whose words
still stand (`lawstudy quiz migrate`); lessons are grader.courses.impact's.

`impact` lists every question (by bank and id) and every lesson citation (by file and line) that
cites a version no longer in force on a date, split into
  - moved:   the quote (for article() calls: the article's words) stands verbatim in an article of
             the version in force now; its new number is given, and `migrate` can move it;
  - changed: the words are gone or changed; a trainer must rewrite the question or lesson.
`migrate` rewrites the moved citations of one law in the bank files in place, touching only the
`law`, `version` and `article` values of those basis entries (never a key, stem or comment).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from grader.banks.model import BankError
from grader.banks.store import LOADER, check
from grader.laws import Library, library, to_date, today
from grader.laws.diff import locate, target_version


@dataclass
class ImpactRow:
    """One citation of a version not in force on the date.

    For a question: bank, question (id), basis (1-based index in its basis list). For a lesson:
    file and line. outcome: 'moved' (new_law/new_version/new_article set) or 'changed'.
    """

    law: str
    version: str
    article: int
    outcome: str
    quote: str = ""
    bank: str = ""
    question: str = ""
    basis: int = 0
    file: str = ""
    line: int = 0
    new_law: str = ""
    new_version: str = ""
    new_article: int = 0
    successor: str = ""  # the version in force that the citation was compared with

    @property
    def where(self) -> str:
        return f"{self.bank} {self.question}" if self.question else f"{self.file}:{self.line}"

    def to_dict(self) -> dict:
        data = {"law": self.law, "version": self.version, "article": self.article, "outcome": self.outcome}
        if self.question:
            data.update(bank=self.bank, question=self.question, basis=self.basis, file=self.file)
        else:
            data.update(file=self.file, line=self.line)
        if self.outcome == "moved":
            data.update(new_law=self.new_law, new_version=self.new_version, new_article=self.new_article)
        return data


def question_impact(
    banks: list, laws: Library, as_of, law: str | None = None, to: str | None = None
) -> list[ImpactRow]:
    """Rows for every basis entry citing a version no longer in force on `as_of` (only `law`'s if
    given); with `to`, every entry of `law` not already on that version."""
    only = laws.statute(law).title if law else None
    as_of = to_date(as_of)
    rows = []
    for b in banks:
        for q in b.questions:
            for i, c in enumerate(q.basis, 1):
                if only and c.law != only:
                    continue
                old = laws.statute(c.law).version(c.version)
                if (old.in_force(as_of) or as_of < old.in_force_from) and not to:
                    continue  # in force, or not yet: nothing superseded it
                target = target_version(laws, old, as_of, to)
                if target is not None and target.name == old.name and target.title == old.title:
                    continue
                outcome, number = locate(laws, old, c.article, c.quote, target)
                rows.append(
                    ImpactRow(
                        c.law,
                        c.version,
                        c.article,
                        outcome,
                        c.quote,
                        b.id,
                        q.id,
                        i,
                        str(b.path or ""),
                        q.line,
                        target.title if outcome == "moved" and target else "",
                        target.name if outcome == "moved" and target else "",
                        number,
                        f"{target.title} {target.name}" if target else "",
                    )
                )
    return rows


def counts(rows: list[ImpactRow]) -> dict[str, dict[str, int]]:
    """Per law, citations counted: {'question_moved', 'question_changed', 'lesson_moved',
    'lesson_changed', 'questions'} ('questions': distinct questions touched)."""
    out: dict[str, dict[str, int]] = {}
    touched: dict[str, set] = {}
    for r in rows:
        c = out.setdefault(
            r.law, {"question_moved": 0, "question_changed": 0, "lesson_moved": 0, "lesson_changed": 0, "questions": 0}
        )
        c[("question_" if r.question else "lesson_") + r.outcome] += 1
        if r.question:
            touched.setdefault(r.law, set()).add(r.question)
    for law, ids in touched.items():
        out[law]["questions"] = len(ids)
    return out


# ------------------------------------------------------------------ migrate


@dataclass
class MigrateResult:
    moved: list[ImpactRow]  # rewritten in the bank files
    left: list[ImpactRow]  # changed: for a trainer
    files: list[Path]  # bank files written


def _basis_nodes(text: str) -> dict[tuple[str, int], yaml.MappingNode]:
    """(question id, 1-based basis index) -> the basis entry's YAML node, with its marks."""
    root = yaml.compose(text, Loader=LOADER)
    out: dict = {}
    if not isinstance(root, yaml.MappingNode):
        return out
    for key, value in root.value:
        if key.value != "questions" or not isinstance(value, yaml.SequenceNode):
            continue
        for qnode in value.value:
            if not isinstance(qnode, yaml.MappingNode):
                continue
            fields = {k.value: v for k, v in qnode.value}
            qid = getattr(fields.get("id"), "value", None)
            basis = fields.get("basis")
            if qid is None or not isinstance(basis, yaml.SequenceNode):
                continue
            for i, entry in enumerate(basis.value, 1):
                if isinstance(entry, yaml.MappingNode):
                    out[(qid, i)] = entry
    return out


def _edits_for(entry: yaml.MappingNode, row: ImpactRow, text: str) -> list[tuple[int, int, str]]:
    """Text edits (start, end, replacement) moving one basis entry to row's new law/version/article."""
    fields = {k.value: (k, v) for k, v in entry.value}
    edits = []
    law_key, law_value = fields["law"]
    if row.new_law != row.law:
        edits.append((law_value.start_mark.index, law_value.end_mark.index, row.new_law))
    art_key, art_value = fields["article"]
    edits.append((art_value.start_mark.index, art_value.end_mark.index, str(row.new_article)))
    if "version" in fields:
        _, v = fields["version"]
        edits.append((v.start_mark.index, v.end_mark.index, row.new_version))
    elif entry.flow_style:
        edits.append((art_key.start_mark.index, art_key.start_mark.index, f"version: {row.new_version}, "))
    else:
        indent = " " * art_key.start_mark.column
        edits.append((art_key.start_mark.index, art_key.start_mark.index, f"version: {row.new_version}\n{indent}"))
    return edits


def migrate(
    law: str, to: str | None = None, quizzes: list[Path] | None = None, as_of=None, laws: Library | None = None
) -> MigrateResult:
    """Move `law`'s citations whose quotes still stand to the newer version (`to`, else the one in
    force on `as_of`), in place in the bank files. Only the basis entry's law, version and article
    values change; keys, stems, answers and comments are left as they are. The rewritten banks are
    checked again and restored if they would not pass.

    Raises LawError for an unknown law or version, BankError if the banks do not pass
    `quiz check` before (or would not after) the change.
    """
    laws = laws or library()
    as_of = to_date(as_of) if as_of is not None else today()
    result = check(quizzes, laws, as_of)
    if result.problems:
        raise BankError(result.problems)
    rows = question_impact(result.banks, laws, as_of, law, to)
    moved = [r for r in rows if r.outcome == "moved"]
    by_file: dict[str, list[ImpactRow]] = {}
    for r in moved:
        by_file.setdefault(r.file, []).append(r)
    written, originals = [], {}
    for file, file_rows in by_file.items():
        path = Path(file)
        text = path.read_text(encoding="utf-8")
        nodes = _basis_nodes(text)
        edits = []
        for r in file_rows:
            edits += _edits_for(nodes[(r.question, r.basis)], r, text)
        new = text
        for start, end, replacement in sorted(edits, reverse=True):
            new = new[:start] + replacement + new[end:]
        originals[path] = text
        path.write_text(new, encoding="utf-8")
        written.append(path)
    after = check(quizzes, laws, as_of)
    if after.problems:
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
        raise BankError(after.problems)
    return MigrateResult(moved, [r for r in rows if r.outcome == "changed"], written)
