#!/usr/bin/env bash
# Set up (first time only), index the seed corpus and open the chat page on http://127.0.0.1:7860
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
.venv/bin/qa index seeds
exec .venv/bin/qa serve --corpus seeds "$@"
