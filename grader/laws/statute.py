"""A statute's text parsed into numbered articles, and its versions by date (which one is in force)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from grader.laws.words import (
    ARTICLE_START,
    DATED_FILE,
    LawError,
    cn_to_int,
    int_to_cn,
    normalize,
    to_date,
    version_name,
)


@dataclass
class Article:
    law: str
    number: int
    paragraphs: list[str]
    chapter: str = ""
    version: str = ""

    @property
    def label(self) -> str:
        return f"第{int_to_cn(self.number)}条"

    @property
    def citation(self) -> str:
        return f"《{self.law}》{self.label}"

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def body(self) -> str:
        """The text without its leading 第N条 (what stays when an article is only renumbered)."""
        first = ARTICLE_START.match(self.paragraphs[0])
        return "\n".join([first.group(2) if first else self.paragraphs[0], *self.paragraphs[1:]])

    def contains(self, quote: str) -> bool:
        """Whether `quote` stands in this article, up to white space and full/half-width forms."""
        needle = normalize(quote)
        return bool(needle) and needle in normalize(self.text)


@dataclass
class Law:
    """The text of one version of a statute: its articles by number (all parts of a code merged)."""

    title: str
    path: Path
    preamble: list[str] = field(default_factory=list)
    articles: dict[int, Article] = field(default_factory=dict)
    version: str = ""

    def article(self, number: int | str) -> Article:
        """Article by number (int, '27', '第二十七条'). Raises LawError when the text has no such article."""
        n = number if isinstance(number, int) else cn_to_int(str(number).strip("第条"))
        try:
            return self.articles[n]
        except KeyError:
            raise LawError(
                f"《{self.title}》{f'（{self.version}）' if self.version else ''}没有第{int_to_cn(n)}条"
                f"（共{len(self.articles)}条）"
            ) from None


def parse_law(path: Path, title: str | None = None, version: str = "", into: Law | None = None) -> Law:
    """Split a statute file (LawRefBook Markdown) into numbered articles, paragraphs kept.

    `into` merges a further part of a code (民法典 编) into an existing Law. Raises LawError on a
    duplicated article number.
    """
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    title = title or DATED_FILE.sub(r"\1", Path(path).stem)
    law = into or Law(title=title, path=Path(path), version=version)
    header_done = "<!-- INFO END -->" not in "\n".join(lines)
    chapter, current = "", None
    for raw in lines:
        line = raw.strip()
        if not header_done:
            if line == "<!-- INFO END -->":
                header_done = True
            elif line and not line.startswith("#"):
                law.preamble.append(line)
            continue
        if not line:
            continue
        if line.startswith("#"):
            chapter = line.lstrip("#").strip()
            current = None
            continue
        match = ARTICLE_START.match(line)
        if match:
            number = cn_to_int(match.group(1))
            if number in law.articles:
                raise LawError(f"{path}: 第{match.group(1)}条重复")
            current = Article(law.title, number, [line], chapter, version)
            law.articles[number] = current
        elif current is not None:
            current.paragraphs.append(line)
    return law


@dataclass
class Version:
    """One version of a statute as the law index describes it.

    `in_force_until` is the first day the version is no longer the law to apply (None: still in
    force). `superseded_by` is (title, version) of what replaces it, possibly another statute;
    `supersession` says how (one of SUPERSESSIONS: revised, repealed, overridden; '' when nothing
    replaces it) and `provision` which provision of the superseding text does it (第十五条第二款).
    An overridden version is not repealed: from `in_force_until` on, questions and lessons answer by
    the law that overrides it, but no message may call it 废止.
    """

    title: str
    name: str
    files: list[str]
    in_force_from: dt.date
    in_force_until: dt.date | None = None
    superseded_by: tuple[str, str] | None = None
    reason: str = ""
    source: str = ""
    note: str = ""
    label: str = ""
    folder: Path = Path(".")
    supersession: str = ""
    provision: str = ""
    _law: Law | None = field(default=None, repr=False)

    @property
    def date(self) -> dt.date:
        return to_date(self.name)

    @property
    def year_label(self) -> str:
        """How staff name the version: the index's `label` (2012年修订) or 2012年版."""
        return self.label or f"{self.date.year}年版"

    @property
    def citation(self) -> str:
        """《殡葬管理条例》（2012年修订）."""
        return f"《{self.title}》（{self.year_label}）"

    @property
    def last_day(self) -> dt.date | None:
        """The last day this version is the law to apply (the day before `in_force_until`), or None."""
        return self.in_force_until - dt.timedelta(days=1) if self.in_force_until else None

    def in_force(self, on: dt.date | str) -> bool:
        """Whether this version is the law to apply on the day `on` (for an overridden version: until
        the overriding law takes effect, though it is not repealed then)."""
        on = to_date(on)
        return self.in_force_from <= on and (self.in_force_until is None or on < self.in_force_until)

    @property
    def text(self) -> Law:
        """The parsed text (all parts merged), read on first use. Raises LawError on a bad file."""
        if self._law is None:
            law = None
            for name in self.files:
                law = parse_law(self.folder / name, self.title, self.name, into=law)
            self._law = law
        assert self._law is not None, self.files
        return self._law

    def article(self, number: int | str) -> Article:
        """Article `number` of this version's text. Raises LawError if it has no such article."""
        return self.text.article(number)


@dataclass
class Statute:
    """A statute with every version we ship, oldest first."""

    title: str
    short_names: list[str]
    versions: list[Version]

    def version(self, name) -> Version:
        """The version named by its date ('2012-11-09' or a date). Raises LawError if not shipped."""
        try:
            wanted = version_name(name)
        except ValueError as error:
            raise LawError(str(error)) from None
        for v in self.versions:
            if v.name == wanted:
                return v
        raise LawError(f"《{self.title}》没有{wanted}版本；收录的版本: {'、'.join(v.name for v in self.versions)}")

    def in_force(self, on) -> Version | None:
        """The version in force on `on`, or None (not yet enacted, or repealed/superseded)."""
        for v in reversed(self.versions):
            if v.in_force(on):
                return v
        return None

    def by_year(self, year: int) -> Version:
        """The version of a year (prose citations write `，2012年版`). Raises LawError if none or several."""
        found = [v for v in self.versions if v.date.year == year]
        if len(found) != 1:
            raise LawError(
                f"《{self.title}》没有唯一的{year}年版本；收录的版本: {'、'.join(v.name for v in self.versions)}"
            )
        return found[0]

    @property
    def latest(self) -> Version:
        """The newest version shipped (in force or not)."""
        return self.versions[-1]
