#!/usr/bin/env bash
# Set-up on a fresh Debian machine: system packages (as root), then the project's virtual environment.
# Usage: ./install.sh      (then: .venv/bin/lawstudy demo)
set -euo pipefail
cd "$(dirname "$0")"

# The venv is built from Debian's /usr/bin/python3 so that other system users (staff on a hub) can run it.
PYTHON=${LAWSTUDY_PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=$(command -v python3.11 || command -v python3)

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  for pkg in chromium fonts-noto-cjk nodejs npm python3-venv; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  # node/npm may come from elsewhere (e.g. /usr/local): only ask apt when the command is missing
  command -v node >/dev/null && need=("${need[@]/nodejs}")
  command -v npm >/dev/null && need=("${need[@]/npm}")
  need=($(printf '%s\n' "${need[@]}" | grep -v '^$' || true))
  if [ ${#need[@]} -gt 0 ]; then
    echo "==> apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
echo "==> installing lawstudy and its dependencies into .venv"
.venv/bin/python -m pip install -q --upgrade pip 2>/dev/null || true
.venv/bin/python -m pip install -q -e '.[test]'

if command -v npm >/dev/null; then
  if [ ! -x .venv/node_modules/.bin/configurable-http-proxy ]; then
    echo "==> npm install configurable-http-proxy (JupyterHub's proxy)"
    npm install --silent --no-audit --no-fund --prefix .venv configurable-http-proxy@5 >/dev/null
  fi
fi
# The hub's staff runtime: a venv from /usr/bin/python3 in a world-readable place, holding a
# non-editable install of this project (no question banks). Root only; re-running refreshes it.
if [ "$(id -u)" = 0 ] && [ "${LAWSTUDY_SKIP_RUNTIME:-}" != 1 ]; then
  echo "==> staff runtime for the hub: ${LAWSTUDY_RUNTIME:-/opt/lawstudy/venv}"
  .venv/bin/lawstudy hub runtime
fi
echo "==> done: .venv/bin/lawstudy --help"
