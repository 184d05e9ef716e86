#!/usr/bin/env bash
# Set up (first time only) and run every test, slow and browser ones included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
if ! command -v chromium >/dev/null 2>&1; then
  # Browser tests drive Debian's Chromium, never a downloaded browser build.
  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
    || echo "chromium could not be installed; browser tests will be skipped" >&2
fi
.venv/bin/python -m pytest "$@"
