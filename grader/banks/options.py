"""Option wording that a shuffled paper would break: options that point at other options or at
positions ('以上都是', 'A和B'), and options that carry a label of their own pasted from a paper."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.sheets import nfkc

if TYPE_CHECKING:
    from grader.banks.model import Question

# An option that points at other options or at positions: wrong once options are shuffled.
POSITIONAL = re.compile(
    r"^(以上|上述|前述|前面|前三|前两|其余)|"  # 以上都是, 以上都不对, 以上均…, 上述选项…
    r"(以上|上述)(都|均|皆|全|各)|"
    r"^(都|均|全)(不)?(是|对|正确|错误|不对)$|"
    r"(?<![A-Za-z])(选项)?[A-F]\s*项?\s*(和|与|及|、|,|，|或|加|\+|/)\s*(选项)?[A-F](?![A-Za-z])|"  # A和B…
    r"^[A-F]{2,6}$|(?<![A-Za-z])[A-F]{2,6}\s*(都|均|皆|项|两项|三项|选项|正确|错误)"
)  # AB都…
PASTED_LABEL = re.compile(r"^\s*[(（]?([A-Fa-fＡ-Ｆａ-ｆ])\s*[．.、:：)）]\s*")


def positional_options(options: dict[str, str]) -> list[str]:
    """Options whose meaning depends on where they stand or on other options ('B: 以上都是')."""
    return [f"选项{k}“{v}”" for k, v in options.items() if POSITIONAL.search(nfkc(str(v)))]


def pasted_labels(options: dict[str, str]) -> list[str]:
    """Options that begin with a label of their own, pasted from a paper ('A．全国的…')."""
    return [f"选项{k}“{v}”" for k, v in options.items() if PASTED_LABEL.match(nfkc(str(v)))]


def question_warnings(q: Question) -> list[str]:
    """What `quiz check` and `quiz import` point out without refusing the question."""
    out = []
    positional = positional_options(q.options)
    if positional and q.shuffle is None:
        out.append(
            f"选项依赖位置或其他选项（{'；'.join(positional)}）：考试中保持原顺序，不打乱；"
            "最好改写为不依赖位置的选项（写 shuffle: false 表示确认保持顺序）"
        )
    labels = pasted_labels(q.options)
    if labels:
        out.append(f"选项文字以字母编号开头（{'；'.join(labels)}）：考试会重新编排字母，请删去编号")
    return out
