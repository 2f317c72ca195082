#!/usr/bin/env bash
# The test command: every test, the real-hub and browser ones included (they need root and chromium).
# Usage: ./test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")"
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
