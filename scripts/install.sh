#!/usr/bin/env bash
# Sets up .venv with everything Détente needs: Python packages, front-end
# packages from npm, and (when running as root on Debian) Chromium and CJK
# fonts for the browser tests. Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-python3}"

if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# The optional GPL Mode-S decoder is installed for the tests only; the core never needs it.
.venv/bin/python -m pip install --quiet -e ".[dev,modes]"

if command -v npm >/dev/null 2>&1; then
    npm install --no-audit --no-fund --silent
else
    echo "install: npm not found; the dashboard's map and htmx will be missing" >&2
fi

# Browser tests use Debian's Chromium; nothing downloads a browser of its own.
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
    else
        echo "install: Chromium or fonts-noto-cjk missing and not root; browser tests will skip" >&2
    fi
fi
