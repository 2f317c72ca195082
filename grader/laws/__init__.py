"""Statute texts parsed into articles, versioned by date, and citation look-up.

Every question and lesson quotes the law; this package is the one place that knows where the
official texts live, which version of a statute was in force on a date, and how an article is
numbered, so a quote can be checked against the text instead of memory. It knows nothing of
questions or lessons: the banks and courses ask it whether a quote stands in an article.

The texts and their versions are data: `courses/laws/index.yaml` (see the comment at its top)
lists per statute its title, short names and versions (file(s), date, in force from / until,
superseded by, source). Nothing about a particular law is written here.

Modules: words (numerals, citations, normalised text, dates), statute (articles and versions),
library (the statutes shipped, look-up), diff (what changed between two versions, where a quote went).
"""

from grader.laws.library import Library, laws_dir, library, today
from grader.laws.statute import Article, Law, Statute, Version, parse_law
from grader.laws.words import (
    CITATION,
    CN_NUMERAL,
    PREFIX,
    SUPERSESSIONS,
    TITLE_TEXT,
    VERSION_SUFFIX,
    LawError,
    cn_date,
    cn_to_int,
    int_to_cn,
    normalize,
    to_date,
    version_name,
)

__all__ = [
    "CITATION",
    "CN_NUMERAL",
    "PREFIX",
    "SUPERSESSIONS",
    "TITLE_TEXT",
    "VERSION_SUFFIX",
    "Article",
    "Law",
    "LawError",
    "Library",
    "Statute",
    "Version",
    "cn_date",
    "cn_to_int",
    "int_to_cn",
    "laws_dir",
    "library",
    "normalize",
    "parse_law",
    "to_date",
    "today",
    "version_name",
]
