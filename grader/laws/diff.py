"""What changed between two versions of a statute, article by article, and where a quote went.

Articles are matched across versions by their text, not their number: an article whose words
stand unchanged under a new number is `renumbered`; the closest remaining pairs (by character
similarity) are `changed`, with the changed words marked; what is left is `removed` or `added`.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field

from grader.laws.library import Library
from grader.laws.statute import Article, Version
from grader.laws.words import LawError, normalize

SIMILAR = 0.5  # least similarity (0..1) for two articles to count as one article changed


@dataclass
class ArticleChange:
    """One article's fate. kind: same | renumbered | changed | added | removed.

    `segments` (for changed) are (op, text) with op in ' ' (kept), '-' (old words), '+' (new words).
    """

    kind: str
    old: Article | None = None
    new: Article | None = None
    similarity: float = 1.0
    segments: list[tuple[str, str]] = field(default_factory=list)

    @property
    def renumbered(self) -> bool:
        return bool(self.old and self.new and self.old.number != self.new.number)

    @property
    def heading(self) -> str:
        """'第四条 → 第五条' / '第四条' / '（新增）第七十条'."""
        if self.old and self.new:
            return self.old.label if not self.renumbered else f"{self.old.label} → {self.new.label}"
        article = self.new or self.old
        assert article is not None
        return article.label

    def marked(self) -> str:
        """The changed text with deletions as [-…-] and insertions as {+…+} (plain terminals, logs)."""
        return "".join(t if op == " " else (f"[-{t}-]" if op == "-" else f"{{+{t}+}}") for op, t in self.segments)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "old_article": self.old.number if self.old else None,
            "new_article": self.new.number if self.new else None,
            "renumbered": self.renumbered,
            "similarity": round(self.similarity, 3),
            "old_text": self.old.text if self.old else None,
            "new_text": self.new.text if self.new else None,
            "segments": [list(s) for s in self.segments],
        }


def mark_words(old: str, new: str) -> list[tuple[str, str]]:
    """Character-level difference of two texts as (op, text) runs (see ArticleChange.segments)."""
    out: list[tuple[str, str]] = []
    # Compare character by character in NFKC form, so （） versus () is not marked as a change.
    key = lambda text: [unicodedata.normalize("NFKC", ch) for ch in text]  # noqa: E731
    matcher = difflib.SequenceMatcher(None, key(old), key(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append((" ", old[i1:i2]))
            continue
        if tag in ("replace", "delete"):
            out.append(("-", old[i1:i2]))
        if tag in ("replace", "insert"):
            out.append(("+", new[j1:j2]))
    return out


def diff_versions(old: Version, new: Version, threshold: float = SIMILAR) -> list[ArticleChange]:
    """Article-by-article changes from `old` to `new` (two Versions, usually of one statute).

    Returned in the new text's order, each removed article placed after the new article that
    follows its old neighbour. Raises LawError if either text cannot be read.
    """
    olds = list(old.text.articles.values())
    news = list(new.text.articles.values())
    pairs: dict[int, tuple[int, float]] = {}  # old index -> (new index, similarity)
    used: set[int] = set()
    by_body: dict[str, list[int]] = {}
    for j, a in enumerate(news):
        by_body.setdefault(normalize(a.body), []).append(j)
    for i, a in enumerate(olds):  # 1. words unchanged (same or renumbered)
        for j in by_body.get(normalize(a.body), []):
            if j not in used:
                pairs[i] = (j, 1.0)
                used.add(j)
                break
    candidates = []  # 2. the most similar remaining pairs
    for i, a in enumerate(olds):
        if i in pairs:
            continue
        na = normalize(a.body)
        for j, b in enumerate(news):
            if j in used:
                continue
            m = difflib.SequenceMatcher(None, na, normalize(b.body), autojunk=False)
            if m.real_quick_ratio() < threshold or m.quick_ratio() < threshold:
                continue
            r = m.ratio()
            if r >= threshold:
                candidates.append((r, -abs(i / max(len(olds), 1) - j / max(len(news), 1)), i, j))
    for r, _, i, j in sorted(candidates, reverse=True):
        if i not in pairs and j not in used:
            pairs[i] = (j, r)
            used.add(j)
    changes_by_new: dict[int, ArticleChange] = {}
    for i, (j, r) in pairs.items():
        a, b = olds[i], news[j]
        if r == 1.0:
            kind = "same" if a.number == b.number else "renumbered"
            changes_by_new[j] = ArticleChange(kind, a, b, 1.0)
        else:
            changes_by_new[j] = ArticleChange("changed", a, b, r, mark_words(a.body, b.body))
    out: list[ArticleChange] = []
    removed = [i for i in range(len(olds)) if i not in pairs]
    for j, b in enumerate(news):
        out.append(changes_by_new.get(j) or ArticleChange("added", None, b, 0.0))
    for i in removed:  # after the change holding its old predecessor
        before = [k for k in range(i) if k in pairs]
        anchor = next((n for n, c in enumerate(out) if before and c.old is olds[before[-1]]), -1)
        out.insert(anchor + 1, ArticleChange("removed", olds[i], None, 0.0))
    return out


def summary(changes: list[ArticleChange]) -> dict[str, int]:
    """Counts per kind: {'same': n, 'renumbered': n, 'changed': n, 'added': n, 'removed': n}."""
    counts = {k: 0 for k in ("same", "renumbered", "changed", "added", "removed")}
    for c in changes:
        counts[c.kind] += 1
    return counts


# ------------------------------------------------------------------ where a quote went


def locate(laws: Library, old: Version, number: int, quote: str, target: Version | None) -> tuple[str, int]:
    """Where `quote` (from 《old》第number条) stands in `target`: ('moved', new number) or ('changed', 0).

    The same-numbered article is preferred; else the first article of `target` that contains it.
    An empty quote compares the whole article's words (an article() call in a lesson).
    """
    if target is None:
        return "changed", 0
    if not quote:
        try:
            body = normalize(old.article(number).body)
        except LawError:
            return "changed", 0
        hits = [a.number for a in target.text.articles.values() if normalize(a.body) == body]
    else:
        hits = [a.number for a in target.text.articles.values() if a.contains(quote)]
    if not hits:
        return "changed", 0
    return "moved", (number if number in hits else hits[0])


def target_version(laws: Library, old: Version, as_of, to: str | None) -> Version | None:
    """The version citations of `old` move to: `to` (a version of old's statute or of its successor
    statute) if given, else whatever replaced `old` and is in force on `as_of`."""
    if to:
        for title in dict.fromkeys([old.title] + ([old.superseded_by[0]] if old.superseded_by else [])):
            try:
                return laws.statute(title).version(to)
            except LawError:
                continue
        raise LawError(f"《{old.title}》及其后继法规都没有 {to} 版本")
    return laws.successor(old, as_of)
