"""Question banks: the model, YAML load/save, the checks, Excel/CSV import and export.

A bank is data a trainer edits; everything here exists so that a wrong question (a bad
answer key, a quote the law does not contain, a key given away by the question's shape) is
caught before any staff member sees it. Banks ask grader.laws whether a quote stands in an
article of a version; they know nothing of papers, sittings or grades.

Modules: model (bank, question, citation, problem), validate (the checks of a question and of a
set), options (option wording a shuffle would break), store (YAML files, `check`), sheet_rows and
sheet (the 题库 sheet: import, export, template), format_cues (what a sitter who knows no law
could score), supersession (an explanation for a superseded version says so), impact (questions
citing a version no longer in force; `quiz migrate`).
"""

from grader.banks.model import POOL_NAMES, POOLS, SHEET_HEADERS, Bank, BankError, Citation, Problem, Question
from grader.banks.sheet import import_sheet, import_sheet_as, read_csv_rows, template_bank, write_sheet
from grader.banks.sheet_rows import parse_answer, row_to_raw, split_options
from grader.banks.store import (
    CheckResult,
    bank_paths,
    check,
    default_quizzes_dir,
    dump_bank,
    load_banks,
    parse_bank,
    questions_by_id,
    save_bank,
)
from grader.banks.supersession import superseded_note, unsaid_supersessions
from grader.banks.validate import check_unique, stem_key, validate_question

__all__ = [
    "POOLS",
    "POOL_NAMES",
    "SHEET_HEADERS",
    "Bank",
    "BankError",
    "CheckResult",
    "Citation",
    "Problem",
    "Question",
    "bank_paths",
    "check",
    "check_unique",
    "default_quizzes_dir",
    "dump_bank",
    "import_sheet",
    "import_sheet_as",
    "load_banks",
    "parse_answer",
    "parse_bank",
    "questions_by_id",
    "read_csv_rows",
    "row_to_raw",
    "save_bank",
    "split_options",
    "stem_key",
    "superseded_note",
    "template_bank",
    "unsaid_supersessions",
    "validate_question",
    "write_sheet",
]
