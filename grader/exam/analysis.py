"""Item analysis: classical test theory statistics over a 0/1 response matrix (pure functions).

A response matrix has one row per sitting and one column per question; a cell is 1 when the
whole answer was right, else 0 (a skipped question is 0). Every function here takes plain
lists, returns floats (or None where the figure is undefined) and never reads a file, so the
figures can be checked against an independent computation (tests/test_item_analysis.py does
that with pandas). The words for each figure, with their sources, are in docs/figures.md
("Item analysis").

Sources:
- facility (item difficulty, p): the share of those who sat who answered right.
- point-biserial correlation: the Pearson product-moment correlation of a 0/1 variable with a
  score (Lord & Novick 1968, *Statistical Theories of Mental Test Scores*, §15.5).
- corrected item–total correlation: the item against the rest score (the total without the
  item), so the item does not correlate with itself (Henrysson 1963, *Psychometrika* 28:211).
- upper–lower index: share right in the top 27% by total minus that in the bottom 27% (Kelley
  1939, *J. Educational Psychology* 30:17: 27% groups maximise the separation).
- KR-20: Kuder & Richardson 1937, *Psychometrika* 2:151, formula 20, with the population
  variance of the number right.
- standard error of measurement: SD · √(1 − reliability) (Lord & Novick 1968, §3.8).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

UPPER_LOWER_FRACTION = 0.27  # Kelley 1939
EASY = 0.95  # facility above this: `easy`
HARD = 0.20  # facility below this: `hard`
LOW_DISCRIMINATION = 0.10  # corrected item-total below this: `low_discrimination`
SMALL = 10  # a rate on fewer answers than this is marked `small`


def mean(values: Sequence[float]) -> float | None:
    """Arithmetic mean; None for no values."""
    return sum(values) / len(values) if values else None


def population_sd(values: Sequence[float]) -> float | None:
    """Population standard deviation (divisor n, not n − 1); None for no values."""
    m = mean(values)
    if m is None:
        return None
    return math.sqrt(sum((v - m) ** 2 for v in values) / len(values))


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Pearson correlation of two equally long sequences; None when either has no variance
    (or fewer than 2 values). With a 0/1 `x` this is the point-biserial correlation."""
    n = len(x)
    if n != len(y):
        raise ValueError("pearson: sequences of different length")
    if n < 2:
        return None
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    return sxy / math.sqrt(sxx * syy)


def totals(matrix: Sequence[Sequence[int]]) -> list[int]:
    """Number right of each row (sitting)."""
    return [sum(row) for row in matrix]


def column(matrix: Sequence[Sequence[int]], j: int) -> list[int]:
    return [row[j] for row in matrix]


def facility(item: Sequence[int]) -> float | None:
    """Share of 1s in an item column (0..1); None for no sittings."""
    return sum(item) / len(item) if item else None


def rest_scores(matrix: Sequence[Sequence[int]], j: int) -> list[int]:
    """Each row's number right on every question but question j."""
    return [sum(row) - row[j] for row in matrix]


def discrimination(matrix: Sequence[Sequence[int]], j: int) -> float | None:
    """Corrected item–total point-biserial of question j: Pearson(item j, rest score).

    None when the item or the rest score has no variance (e.g. everyone right)."""
    return pearson(column(matrix, j), rest_scores(matrix, j))


def group_size(n: int, fraction: float = UPPER_LOWER_FRACTION) -> int:
    """Size of each extreme group: 27% of n rounded half up, at most n // 2 (0 when n < 2)."""
    return min(n // 2, math.floor(fraction * n + 0.5))


def extreme_groups(row_totals: Sequence[float], fraction: float = UPPER_LOWER_FRACTION) -> tuple[list[int], list[int]]:
    """(top, bottom): row indexes of the upper and lower groups by total (Kelley 1939).

    Rows are ranked by total; ties are broken by row order (the caller orders rows by person),
    so the top group takes the earliest rows among equal totals at its boundary, and the
    bottom group the earliest among equal totals at its own. Both groups have `group_size(n)`."""
    n = len(row_totals)
    g = group_size(n, fraction)
    order = list(range(n))
    top = sorted(order, key=lambda i: (-row_totals[i], i))[:g]
    bottom = sorted(order, key=lambda i: (row_totals[i], i))[:g]
    return top, bottom


def share(values: Sequence[int], rows: Sequence[int]) -> float | None:
    """Mean of values over the given rows; None for no rows."""
    return sum(values[i] for i in rows) / len(rows) if rows else None


def upper_lower(item: Sequence[int], top: Sequence[int], bottom: Sequence[int]) -> float | None:
    """Share right in the top group minus share right in the bottom group (−1..1)."""
    hi, lo = share(item, top), share(item, bottom)
    return None if hi is None or lo is None else hi - lo


def kr20(matrix: Sequence[Sequence[int]]) -> float | None:
    """Kuder–Richardson formula 20: k/(k−1) · (1 − Σ p·q / σ²), σ² the population variance of
    the number right. None with fewer than 2 questions, no sittings, or σ² = 0."""
    if not matrix:
        return None
    k = len(matrix[0])
    if k < 2:
        return None
    sd = population_sd(totals(matrix))
    if not sd:
        return None
    pq = 0.0
    for j in range(k):
        p = facility(column(matrix, j)) or 0.0
        pq += p * (1 - p)
    return k / (k - 1) * (1 - pq / sd**2)


def sem(sd: float | None, reliability: float | None) -> float | None:
    """Standard error of measurement, SD · √(1 − reliability), in the units of `sd`.
    None when either is None or reliability > 1."""
    if sd is None or reliability is None or reliability > 1:
        return None
    return sd * math.sqrt(1 - reliability)


def item_flags(
    facility_value: float | None, discrimination_value: float | None, suspect_key: bool = False
) -> list[str]:
    """The flag codes of one question (thresholds above; docs/figures.md)."""
    flags = []
    if facility_value is not None and facility_value > EASY:
        flags.append("easy")
    if facility_value is not None and facility_value < HARD:
        flags.append("hard")
    if discrimination_value is not None and discrimination_value < LOW_DISCRIMINATION:
        flags.append("low_discrimination")
    if discrimination_value is not None and discrimination_value < 0:
        flags.append("negative_discrimination")
    if suspect_key:
        flags.append("suspect_key")
    return flags


def suspect_key(options: Sequence[dict], key_top_share: float | None, key_point_biserial: float | None) -> bool:
    """Whether a distractor looks like the right answer: chosen by some of the top group and by a
    larger share of it than the keyed answer, or with a higher point-biserial than the keyed answer.

    The keyed answer is judged whole: `key_top_share` is the share of the top group who answered
    the question right and `key_point_biserial` the question's corrected item–total correlation
    (for single choice and judge these are the keyed option's own figures; for multiple choice,
    the whole keyed set). options: [{"keyed": bool, "top_share": float|None,
    "point_biserial": float|None}]. A distractor nobody in the top group chose is never suspect:
    one weak or middling person choosing it says nothing about the key."""
    for o in options:
        if o["keyed"] or not o["top_share"]:
            continue
        if key_top_share is not None and o["top_share"] > key_top_share:
            return True
        if (
            key_point_biserial is not None
            and o["point_biserial"] is not None
            and o["point_biserial"] > key_point_biserial
        ):
            return True
    return False
