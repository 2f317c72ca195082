"""The statutes we ship, read from the law index (courses/laws/index.yaml): look-up by title or
short name, the version in force on a date, citations, where a quote stands, what superseded what."""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path

import yaml

from grader.instance import PACKAGE
from grader.laws.statute import Article, Law, Statute, Version
from grader.laws.words import (
    CITATION,
    DATED_FILE,
    INDEX_FILE,
    PREFIX,
    SUPERSESSIONS,
    VERSION_SUFFIX,
    LawError,
    cn_date,
    cn_to_int,
    normalize,
    to_date,
    version_name,
)


def laws_dir() -> Path:
    """Where the statute texts are: $LAWSTUDY_LAWS, the wheel's copy, or the checkout's courses/laws."""
    if os.environ.get("LAWSTUDY_LAWS"):
        return Path(os.environ["LAWSTUDY_LAWS"])
    packaged = PACKAGE / "_laws"
    if packaged.is_dir():
        return packaged
    return PACKAGE.parent / "courses" / "laws"


def today() -> dt.date:
    """Today's date (the default `--as-of`); $LAWSTUDY_TODAY=YYYY-MM-DD overrides it for demos and tests."""
    if os.environ.get("LAWSTUDY_TODAY"):
        return to_date(os.environ["LAWSTUDY_TODAY"])
    return dt.date.today()


class Library:
    """All statutes in one folder with every version, looked up by title or short name.

    Titles may be written with or without 《》 and 中华人民共和国, or by a short name from the index.
    """

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder else laws_dir()
        self.statutes: dict[str, Statute] = {}
        self._names: dict[str, str] = {}
        index = self.folder / INDEX_FILE
        listed: set[str] = set()
        if index.is_file():
            data = yaml.safe_load(index.read_text(encoding="utf-8")) or {}
            for entry in data.get("statutes") or []:
                statute = self._statute_from_index(entry)
                self.statutes[statute.title] = statute
                listed |= {f for v in statute.versions for f in v.files}
        # A text not in the index (a trainer's own folder) is one version, always in force.
        for path in sorted(self.folder.glob("*.md")):
            if path.stem.isascii() or path.name in listed:  # SOURCES.md, README.md: notes, not statutes
                continue
            match = DATED_FILE.match(path.stem)
            title, name = (match.group(1), match.group(2)) if match else (path.stem, "0001-01-01")
            v = Version(title, name, [path.name], to_date(name), folder=self.folder)
            statute = self.statutes.setdefault(title, Statute(title, [], []))
            statute.versions.append(v)
            statute.versions.sort(key=lambda x: x.name)
        for statute in self.statutes.values():
            for name in (statute.title, *statute.short_names):
                for form in (name, name[len(PREFIX) :] if name.startswith(PREFIX) else ""):
                    if form:
                        self._names.setdefault(_name_key(form), statute.title)

    def _statute_from_index(self, entry: dict) -> Statute:
        """One index entry as a Statute. Raises LawError naming the index, statute and version when
        `supersession` is missing where it cannot be inferred, or not one of SUPERSESSIONS."""
        title = entry["title"]
        versions = []
        for raw in entry.get("versions") or []:
            sup = raw.get("superseded_by")
            provision = ""
            if isinstance(sup, dict):
                provision = str(sup.get("provision") or "")
                sup = (sup["law"], version_name(sup["version"]))
            elif sup:
                sup = (title, version_name(sup))
            kind = str(raw.get("supersession") or "")
            where = f"{self.folder / INDEX_FILE}: 《{title}》{raw.get('version')}"
            if not kind and sup:
                if sup[0] != title:
                    raise LawError(f"{where} 被另一部法规取代，须写明 supersession（{'/'.join(SUPERSESSIONS)}）")
                kind = "revised"
            if kind and kind not in SUPERSESSIONS:
                raise LawError(f"{where}: supersession {kind!r} 应为 {'、'.join(SUPERSESSIONS)} 之一")
            if kind and not raw.get("in_force_until"):
                raise LawError(f"{where}: 写了 supersession 却没有 in_force_until")
            files = raw.get("files") or [raw["file"]]
            versions.append(
                Version(
                    title,
                    version_name(raw["version"]),
                    list(files),
                    to_date(raw["in_force_from"]),
                    to_date(raw["in_force_until"]) if raw.get("in_force_until") else None,
                    sup,
                    str(raw.get("reason") or "").strip(),
                    str(raw.get("source") or ""),
                    str(raw.get("note") or "").strip(),
                    str(raw.get("label") or ""),
                    self.folder,
                    kind,
                    provision,
                )
            )
        versions.sort(key=lambda v: v.name)
        return Statute(title, list(entry.get("short_names") or []), versions)

    # ------------------------------------------------------------ look-up

    def statute(self, title: str) -> Statute:
        """The statute for a title or short name. Raises LawError naming what is shipped."""
        title = title.strip()
        title = title[1:-1].strip() if title.startswith("《") and title.endswith("》") else title.strip("《》").strip()
        for candidate in (title, PREFIX + title):
            if _name_key(candidate) in self._names:
                return self.statutes[self._names[_name_key(candidate)]]
        raise LawError(f"没有收录《{title}》；可引用的法规: {'、'.join(self.statutes)}")

    def version(self, title: str, version=None, as_of=None) -> Version:
        """The version of a statute: named (`version`), else in force on `as_of`, else the current one.

        With `as_of` given, raises LawError when no version is in force that day. With neither,
        returns the version in force today, or the latest if none is (a repealed statute).
        """
        statute = self.statute(title)
        if version not in (None, ""):
            return statute.version(version)
        if as_of is not None:
            found = statute.in_force(as_of)
            if found is None:
                raise LawError(self.not_in_force_message(statute, to_date(as_of)))
            return found
        return statute.in_force(today()) or statute.latest

    def not_in_force_message(self, statute: Statute, on: dt.date) -> str:
        """Plain words for 'no version of this statute is in force on that day'.

        《…》2026年7月1日已不再施行：… for a revised or repealed text; an overridden one (not
        repealed) is 已不是现行依据, never 不再施行 or 废止.
        """
        first = statute.versions[0]
        if on < first.in_force_from:
            return f"《{statute.title}》{cn_date(on)}尚未施行（自{cn_date(first.in_force_from)}起施行）"
        last = statute.latest
        state = "已不是现行依据" if last.supersession == "overridden" else "已不再施行"
        return f"《{statute.title}》{cn_date(on)}{state}：{self.superseded_message(last)}"

    def superseded_message(self, v: Version) -> str:
        """该版本 + `supersession_phrase(v)`, or 该版本自…起施行 when nothing replaced it."""
        if v.in_force_until is None:
            return f"该版本自{cn_date(v.in_force_from)}起施行"
        return "该版本" + self.supersession_phrase(v)

    def supersession_phrase(self, v: Version) -> str:
        """How version `v` stopped being the law to apply, in the statutes' own words ('' if it has not):

        revised:    已于2026年3月30日被2025年修订版取代
        repealed:   已于2025年6月1日被《…解释》第十五条第二款废止
        overridden: 未废止，但自2026年7月1日起与《中华人民共和国社会救助法》不一致的，适用社会救助法

        An overridden text is not replaced as a whole: it stays in force where it does not contradict the
        overriding law, so the phrase says 未废止 first and names only the inconsistent rules.
        """
        if v.in_force_until is None:
            return ""
        day = cn_date(v.in_force_until)
        if not v.superseded_by:
            return f"已于{day}废止" if v.supersession == "repealed" else f"已于{day}失效"
        law, name = v.superseded_by
        try:
            other = self.statute(law)
            new = other.version(name)
        except LawError:
            other, new = None, None
        if v.supersession == "overridden":
            short = (other.short_names[0] if other and other.short_names else law.removeprefix(PREFIX)) or law
            return f"未废止，但自{day}起与《{law}》不一致的，适用{short}"
        if v.supersession == "repealed":
            return f"已于{day}被《{law}》{v.provision}废止"
        if new is None:
            by = f"《{law}》（{name}）"
        elif law == v.title:
            by = new.year_label + ("版" if not new.year_label.endswith("版") else "")
        else:
            by = new.citation
        return f"已于{day}被{by}取代"

    def law(self, title: str, version=None, as_of=None) -> Law:
        """The text of a statute (see `version` for which one). Raises LawError."""
        return self.version(title, version, as_of).text

    @property
    def laws(self) -> dict[str, Law]:
        """Title -> the current text of every statute (kept for callers written before versions)."""
        return {t: self.law(t) for t in self.statutes}

    def article(self, title: str, number: int | str, version=None, as_of=None) -> Article:
        """《title》第number条 in the version chosen as in `version`. Raises LawError."""
        return self.law(title, version, as_of).article(number)

    def parse_citation(self, citation: str) -> tuple[Statute, int, Version | None]:
        """'《殡葬管理条例》第四条，2012年版' -> (statute, 4, the 2012 version or None if no year given)."""
        match = CITATION.search(citation)
        if not match:
            raise LawError(f"无法识别的法律依据: {citation!r}（应写作《法规名称》第X条）")
        statute = self.statute(match.group(1))
        year = VERSION_SUFFIX.match(citation[match.end() :])
        return statute, cn_to_int(match.group(2)), statute.by_year(int(year.group(1))) if year else None

    def cite(self, citation: str, as_of=None, version=None) -> Article:
        """Resolve '《殡葬管理条例》第十二条' (optionally '，2012年版') to its article. Raises LawError."""
        statute, number, named = self.parse_citation(citation)
        v = named or self.version(statute.title, version, as_of)
        return v.article(number)

    def studied(self, text: str, on=None) -> tuple[str, int | None]:
        """What a study record's 涉及法律 item names: '《殡葬管理条例》第十二条' -> ('殡葬管理条例', 12),
        '社会救助暂行办法' or '《民法典》' -> (its full title, None). The article must exist in the version
        in force on `on` (else the newest shipped: a law is often studied before it takes effect).
        Raises LawError for a statute not shipped or an article its text does not have."""
        text = text.strip()
        match = CITATION.search(text)
        if match is None:
            return self.statute(text).title, None
        statute, number, named = self.parse_citation(text)
        version = named or (statute.in_force(on) if on is not None else None) or statute.latest
        version.article(number)
        return statute.title, number

    def find_quote(self, title: str, quote: str, versions: list[Version] | None = None) -> list[Article]:
        """Every article, in any version of the statute (or in `versions`), that contains `quote`."""
        statute = self.statute(title)
        found = []
        for v in versions or statute.versions:
            found += [a for a in v.text.articles.values() if a.contains(quote)]
        return found

    def elsewhere_message(self, title: str, quote: str, exclude: Version) -> str:
        """When a quote is not in the version checked, where it is instead, in plain Chinese.

        '引文见《殡葬管理条例》（2012年修订）第四条；该版本已于2026年3月30日被2025年修订版取代',
        or '' when no other version has it.
        """
        statute = self.statute(title)
        for v in reversed(statute.versions):
            if v.name == exclude.name:
                continue
            hits = [a for a in v.text.articles.values() if a.contains(quote)]
            if hits:
                return f"引文见{v.citation}{hits[0].label}；{self.superseded_message(v)}"
        return ""

    def successor(self, v: Version, on) -> Version | None:
        """What replaced version `v` by day `on`: follow superseded_by until a version in force then."""
        seen = set()
        while v is not None and not v.in_force(on):
            if v.superseded_by is None or (v.title, v.name) in seen:
                return None
            seen.add((v.title, v.name))
            law, name = v.superseded_by
            try:
                v = self.statute(law).version(name)
            except LawError:
                return None
        return v


def _name_key(name: str) -> str:
    """The form a statute's name is looked up in: full/half width alike (（一） = (一)), no white
    space, and a title nested in a title written 〈〉 (《…关于适用〈…民法典〉…》) as 《》 alike."""
    return normalize(name).replace("〈", "《").replace("〉", "》")


def library(folder: str | None = None) -> Library:
    """The shared Library for `folder` (default: `laws_dir()`, so $LAWSTUDY_LAWS is honoured),
    built once per folder per process."""
    return _library(str(Path(folder) if folder else laws_dir()))


@functools.lru_cache(maxsize=4)
def _library(folder: str) -> Library:
    return Library(Path(folder))
