#!/usr/bin/env bash
# Set up (first time only) and run every test, slow and browser ones included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
.venv/bin/python -m pytest "$@"
