#!/usr/bin/env bash
# The test command: every test, the real-hub and browser ones included (they need root and chromium).
# Usage: ./test.sh [pytest args]     everything (what CI runs: .ci/run)
#        ./test.sh fast [pytest args] the unit tier only (no kernel, no nbgrader command, no hub)
set -euo pipefail
cd "$(dirname "$0")"
tier=()
if [ "${1:-}" = fast ]; then
  shift
  tier=(-m unit)
fi
# The checks that keep the code clean come first (rules in pyproject.toml); `pip install -e '.[test]'`.
.venv/bin/ruff format --check .
.venv/bin/ruff check .
.venv/bin/mypy grader
exec .venv/bin/python -m pytest -q -p no:cacheprovider "${tier[@]}" "$@"
