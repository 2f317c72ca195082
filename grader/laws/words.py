"""How statutes are written and cited: Chinese numerals, citations (《title》第N条), the form quotes
are compared in, dates as the law index writes them, and the error for a citation we cannot resolve."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

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
