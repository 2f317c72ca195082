"""Statute texts parsed into articles, and citation look-up.

Every question and lesson quotes the law; this module is the one place that
knows where the official texts live and how an article is numbered, so a quote
can be checked against the text instead of memory.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL = "零〇一二三四五六七八九十百千两"
ARTICLE_START = re.compile(rf"^第([{CN_NUMERAL}]+)条[\s\u3000]*(.*)$")
CITATION = re.compile(rf"《([^》]+)》\s*第([{CN_NUMERAL}0-9]+)条")
WHITESPACE = re.compile(r"[\s\u3000]+")


class LawError(LookupError):
    """A citation names a law or an article that is not in the texts we ship."""


def cn_to_int(text: str) -> int:
    """Read a Chinese numeral as used in article numbers: 十二, 一百二十五, 一百零三."""
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
    """Write an article number the way statutes do: 10 -> 十, 125 -> 一百二十五, 103 -> 一百零三."""
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
    """Drop all white space (half and full width): quotes may differ only in it."""
    return WHITESPACE.sub("", text)


@dataclass
class Article:
    law: str
    number: int
    paragraphs: list[str]
    chapter: str = ""

    @property
    def label(self) -> str:
        return f"第{int_to_cn(self.number)}条"

    @property
    def citation(self) -> str:
        return f"《{self.law}》{self.label}"

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def contains(self, quote: str) -> bool:
        needle = normalize(quote)
        return bool(needle) and needle in normalize(self.text)


@dataclass
class Law:
    title: str
    path: Path
    preamble: list[str] = field(default_factory=list)
    articles: dict[int, Article] = field(default_factory=dict)

    def article(self, number: int | str) -> Article:
        n = number if isinstance(number, int) else cn_to_int(str(number).strip("第条"))
        try:
            return self.articles[n]
        except KeyError:
            raise LawError(f"《{self.title}》没有第{int_to_cn(n)}条（共{len(self.articles)}条）") from None


def parse_law(path: Path) -> Law:
    """Split a statute file (LawRefBook Markdown) into numbered articles, paragraphs kept."""
    lines = path.read_text(encoding="utf-8").splitlines()
    title = path.stem
    law = Law(title=title, path=path)
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
            current = Article(title, number, [line], chapter)
            law.articles[number] = current
        elif current is not None:
            current.paragraphs.append(line)
    return law


def laws_dir() -> Path:
    """Where the statute texts are: $LAWSTUDY_LAWS, the wheel's copy, or the checkout's courses/laws."""
    if os.environ.get("LAWSTUDY_LAWS"):
        return Path(os.environ["LAWSTUDY_LAWS"])
    packaged = Path(__file__).parent / "_laws"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "courses" / "laws"


class Library:
    """All statutes in one folder, looked up by title (中华人民共和国 may be left off)."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder else laws_dir()
        self.laws: dict[str, Law] = {}
        for path in sorted(self.folder.glob("*.md")):
            if path.stem.isascii():  # SOURCES.md, README.md: provenance notes, not statutes
                continue
            law = parse_law(path)
            self.laws[law.title] = law

    def law(self, title: str) -> Law:
        title = title.strip().strip("《》")
        for candidate in (title, "中华人民共和国" + title):
            if candidate in self.laws:
                return self.laws[candidate]
        raise LawError(f"没有收录《{title}》；可引用的法规: {'、'.join(self.laws)}")

    def article(self, title: str, number: int | str) -> Article:
        return self.law(title).article(number)

    def cite(self, citation: str) -> Article:
        """Resolve '《殡葬管理条例》第十二条' to its article."""
        match = CITATION.search(citation)
        if not match:
            raise LawError(f"无法识别的法律依据: {citation!r}（应写作《法规名称》第X条）")
        return self.article(match.group(1), match.group(2))


@functools.lru_cache(maxsize=4)
def library(folder: str | None = None) -> Library:
    return Library(Path(folder) if folder else None)
