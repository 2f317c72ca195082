"""Statute texts parsed into articles, versioned by date, and citation look-up.

Every question and lesson quotes the law; this module is the one place that knows where the
official texts live, which version of a statute was in force on a date, and how an article is
numbered, so a quote can be checked against the text instead of memory.

The texts and their versions are data: `courses/laws/index.yaml` (see the comment at its top)
lists per statute its title, short names and versions (file(s), date, in force from / until,
superseded by, source). Nothing about a particular law is written here.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from grader.errors import LawstudyError

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL = "零〇一二三四五六七八九十百千两"
ARTICLE_START = re.compile(rf"^第([{CN_NUMERAL}]+)条[\s\u3000]*(.*)$")
# 《title》第N条; a title may hold one nested title, in 〈〉 or (as some files name it) in 《》:
# 《最高人民法院关于适用〈中华人民共和国民法典〉婚姻家庭编的解释（一）》第一条
TITLE_TEXT = r"(?:[^《》]|《[^《》]*》)+"  # what stands between a citation's 《》
CITATION = re.compile(rf"《({TITLE_TEXT})》\s*第([{CN_NUMERAL}0-9]+)条")
# An explicit version after a citation: 《殡葬管理条例》第四条，2012年版  /  （2012年版）
VERSION_SUFFIX = re.compile(r"^\s*[，,（(]?\s*(\d{4})年版")
DATED_FILE = re.compile(r"^(.*)\((\d{4}-\d{2}-\d{2})\)$")
WHITESPACE = re.compile(r"\s+")
INDEX_FILE = "index.yaml"
PREFIX = "中华人民共和国"
# How a version stops being the law to apply (index.yaml `supersession`):
#   revised    - a new version of the text replaces it (修订/修正);
#   repealed   - it is 废止: a provision of the superseding text (or a decision) ends it;
#   overridden - another law's rules prevail from that day, but it is NOT repealed: it stays 有效,
#                only where it does not contradict that law (上位法优于下位法); never taught as 废止.
SUPERSESSIONS = ("revised", "repealed", "overridden")


class LawError(LawstudyError, LookupError):
    """A citation names a law, version or article that is not in the texts we ship."""


def cn_to_int(text: str) -> int:
    """Read a Chinese numeral as used in article numbers: 十二, 一百二十五, 一百零三, 一千零七十七.

    Arabic digits pass through. Raises ValueError for anything else or for zero.
    """
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in UNITS:
            total += (1 if digit is None else digit) * UNITS[ch]
            digit = None
        else:
            raise ValueError(f"不是中文数字: {text!r}")
    if digit is not None:
        total += digit
    if total <= 0:
        raise ValueError(f"不是有效的条号: {text!r}")
    return total


def int_to_cn(number: int) -> str:
    """Write an article number the way statutes do: 10 -> 十, 103 -> 一百零三, 1077 -> 一千零七十七.

    Raises ValueError outside 1..9999.
    """
    if not 0 < number < 10000:
        raise ValueError(f"条号超出范围: {number}")
    names = "零一二三四五六七八九"
    parts, zero = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = number // value % 10
        if d:
            if zero:
                parts.append("零")
                zero = False
            parts.append(names[d] + unit)
        elif parts:
            zero = True
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


def normalize(text: str) -> str:
    """The form quotes are compared in: NFKC (full- and half-width punctuation alike), no white space.

    A quote may differ from the statute only in white space and in full- versus half-width forms
    (the 2026 社会团体登记管理条例 writes （） where the 2016 text wrote ()).
    """
    return WHITESPACE.sub("", unicodedata.normalize("NFKC", text))


def to_date(value) -> dt.date:
    """A date from a `datetime.date` or a 'YYYY-MM-DD' string (YAML gives either). Raises ValueError."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"日期 {value!r} 应写作 YYYY-MM-DD") from None


def version_name(value) -> str:
    """A version's name, 'YYYY-MM-DD', from a date or string as written in YAML."""
    return to_date(value).isoformat()


def cn_date(day: dt.date) -> str:
    """2026-03-30 -> 2026年3月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


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


def laws_dir() -> Path:
    """Where the statute texts are: $LAWSTUDY_LAWS, the wheel's copy, or the checkout's courses/laws."""
    if os.environ.get("LAWSTUDY_LAWS"):
        return Path(os.environ["LAWSTUDY_LAWS"])
    packaged = Path(__file__).parent / "_laws"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "courses" / "laws"


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
