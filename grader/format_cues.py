"""Format cues: what a sitter who knows no law could score from the shape of the questions.

Measured over the exam-pool questions of a bank, or of all the banks one exam spec draws from
(per-person option shuffling removes position cues, not these). The thresholds are written in
docs/content-guide.md ("Format cues"); `quiz check` warns above them.

- longest key: the share of single-choice questions a sitter who always picks the longest option
  would get right (options tied for longest split the point evenly); chance is 1/options.
  Length is counted in characters after NFKC, without white space.
- key letters: how often each letter is the key of a single-choice question as written (before
  shuffling; a printed paper or a question kept in order shows them so).
- judge balance: true- and false-keyed judge statements.
- cue words (specific determiners, Haladyna, Downing & Rodriguez 2002, *Applied Measurement in
  Education* 15:309, guideline 26 "avoid specific determiners"): for each word, the judge
  statements holding it keyed true and false, and the choice options holding it that are keyed
  and that are distractors, against the keys chance would give them (for each option: keyed
  options / options of its question).
- near duplicates: two questions from DIFFERENT banks with nearly the same stem (similarity ≥ 0.9)
  and the same key, which one paper could draw together.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from grader.sheets import nfkc

LONGEST_KEY_LIMIT = 0.35  # warn when the longest-option strategy scores more than this
CUE_LIMIT = 5  # warn when a word is keyed one way this many times more than the other (or than chance)
DUPLICATE_SIMILARITY = 0.9
# Words that tell the key without the law: absolute determiners, and the statutes' modal verbs
# when true statements keep them and false ones do not.
CUE_WORDS = (
    "只要",
    "只能",
    "只有",
    "必须",
    "一律",
    "无论",
    "任何",
    "所有",
    "一定",
    "完全",
    "绝对",
    "即可",
    "无需",
    "不必",
    "并无不妥",
    "应当",
    "可以",
)
_SPACE = re.compile(r"\s+")


def length(text: str) -> int:
    """Characters of an option as a sitter sees it (NFKC, no white space)."""
    return len(_SPACE.sub("", nfkc(str(text))))


def _keys(q) -> set[str]:
    return set(q.answer) if isinstance(q.answer, list) else {q.answer}


@dataclass
class CueWord:
    word: str
    judge_true: int = 0
    judge_false: int = 0
    keyed: int = 0
    distractors: int = 0
    chance: float = 0.0  # keyed options expected by chance among those holding the word

    def judge_lean(self) -> int:
        return self.judge_true - self.judge_false

    def option_lean(self) -> float:
        return self.keyed - self.chance

    def to_dict(self) -> dict:
        return {
            "word": self.word,
            "judge_true": self.judge_true,
            "judge_false": self.judge_false,
            "keyed": self.keyed,
            "distractors": self.distractors,
            "chance": round(self.chance, 2),
        }


@dataclass
class Cues:
    scope: str  # "题库 burial-2025" or "考试 2026-annual"
    questions: int = 0
    singles: int = 0
    longest: float = 0.0  # expected right answers of the longest-option strategy
    chance: float = 0.0  # expected right answers of a blind guess
    letters: dict[str, int] = field(default_factory=dict)
    judge_true: int = 0
    judge_false: int = 0
    words: dict[str, CueWord] = field(default_factory=dict)
    duplicates: list[tuple[str, str, float]] = field(default_factory=list)

    @property
    def longest_share(self) -> float | None:
        return self.longest / self.singles if self.singles else None

    def warnings(self) -> list[str]:
        """What goes over the thresholds of docs/content-guide.md, in words."""
        out = []
        share = self.longest_share
        if share is not None and share > LONGEST_KEY_LIMIT:
            out.append(
                f"{self.scope}：单选题总选最长的选项可答对 {share:.0%}（{self.longest:.1f}/{self.singles} 题），"
                f"超过 {LONGEST_KEY_LIMIT:.0%}：改写选项，使正确答案不总是最长的"
            )
        for w in self.words.values():
            if abs(w.judge_lean()) >= CUE_LIMIT:
                out.append(
                    f"{self.scope}：判断题含“{w.word}”的 {w.judge_true} 道判“正确”、{w.judge_false} 道判“错误”，"
                    f"相差 {abs(w.judge_lean())} 道（≥ {CUE_LIMIT}）：看字即可猜答案"
                )
            if abs(w.option_lean()) >= CUE_LIMIT:
                more = "多" if w.option_lean() > 0 else "少"
                out.append(
                    f"{self.scope}：含“{w.word}”的选项 {w.keyed} 个是正确答案、{w.distractors} 个是干扰项，"
                    f"比随机应有的 {w.chance:.1f} 个{more} {abs(w.option_lean()):.1f} 个（≥ {CUE_LIMIT}）：看字即可猜答案"
                )
        for a, b, ratio in self.duplicates:
            out.append(f"{self.scope}：{a} 与 {b} 题干几乎相同（相似度 {ratio:.2f}）且答案相同，可能同卷出现")
        return out

    def to_dict(self) -> dict:
        return {
            "scope": self.scope,
            "questions": self.questions,
            "singles": self.singles,
            "longest_key_share": self.longest_share,
            "longest_key": self.longest,
            "chance": self.chance,
            "key_letters": self.letters,
            "judge_true": self.judge_true,
            "judge_false": self.judge_false,
            "cue_words": [
                w.to_dict() for w in self.words.values() if w.judge_true + w.judge_false + w.keyed + w.distractors
            ],
            "near_duplicates": [list(d) for d in self.duplicates],
            "warnings": self.warnings(),
        }


def _stem(text: str) -> str:
    return re.sub(r"[\s，。、；：,.;:？?“”\"'（）()《》]", "", nfkc(text))


def _key_text(q) -> str:
    if q.type == "judge":
        return str(q.answer)
    return "|".join(sorted(_stem(q.options[k]) for k in _keys(q)))


def near_duplicates(questions: list) -> list[tuple[str, str, float]]:
    """Pairs of questions from different banks with stems at least DUPLICATE_SIMILARITY alike and
    the same key (difflib's ratio over the stems without punctuation)."""
    out = []
    stems = [(q, _stem(q.stem), _key_text(q)) for q in questions]
    for i, (a, sa, ka) in enumerate(stems):
        for b, sb, kb in stems[i + 1 :]:
            if a.bank == b.bank or a.type != b.type or ka != kb:
                continue
            m = difflib.SequenceMatcher(None, sa, sb, autojunk=False)
            if m.real_quick_ratio() < DUPLICATE_SIMILARITY or m.quick_ratio() < DUPLICATE_SIMILARITY:
                continue
            ratio = m.ratio()
            if ratio >= DUPLICATE_SIMILARITY:
                out.append((a.id, b.id, round(ratio, 3)))
    return out


def measure(questions: list, scope: str) -> Cues:
    """The format cues of the exam-pool questions among `questions` (grader.bank.Question)."""
    exam = [q for q in questions if q.pool == "exam"]
    cues = Cues(scope, questions=len(exam))
    cues.words = {w: CueWord(w) for w in CUE_WORDS}
    letters: Counter = Counter()
    for q in exam:
        if q.type == "single":
            cues.singles += 1
            lengths = {k: length(v) for k, v in q.options.items()}
            top = max(lengths.values())
            tied = [k for k, n in lengths.items() if n == top]
            if q.answer in tied:
                cues.longest += 1 / len(tied)
            cues.chance += 1 / len(q.options)
            letters[q.answer] += 1
        if q.type == "judge":
            if q.answer:
                cues.judge_true += 1
            else:
                cues.judge_false += 1
            for w in cues.words.values():
                if w.word in nfkc(q.stem):
                    if q.answer:
                        w.judge_true += 1
                    else:
                        w.judge_false += 1
        elif q.options:
            keys = _keys(q)
            for k, text in q.options.items():
                for w in cues.words.values():
                    if w.word in nfkc(text):
                        w.chance += len(keys) / len(q.options)
                        if k in keys:
                            w.keyed += 1
                        else:
                            w.distractors += 1
    cues.longest = round(cues.longest, 4)
    cues.chance = round(cues.chance, 4)
    cues.letters = dict(sorted(letters.items()))
    cues.duplicates = near_duplicates(exam)
    return cues


def measure_banks(banks: list, specs: list) -> list[Cues]:
    """One Cues per bank with exam questions, then one per exam spec over the banks it draws from
    (only the questions valid on its opening day, as `exam build` draws them)."""
    out = [measure(b.questions, f"题库 {b.id}") for b in banks if any(q.pool == "exam" for q in b.questions)]
    by_id = {b.id: b for b in banks}
    for spec in specs:
        if not all(b in by_id for b in spec.banks):
            continue
        from grader.exam.paper import PaperAssembler

        assembler = PaperAssembler(spec)
        pool = assembler.valid(assembler.eligible([by_id[b] for b in spec.banks]))
        out.append(measure(pool, f"考试 {spec.id}"))
    return out
