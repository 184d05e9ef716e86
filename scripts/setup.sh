#!/usr/bin/env bash
# Idempotent set-up: a virtual environment in .venv with the CPU build of torch and the project.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.article-qa-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/constraints.txt -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # Pinned first: an unpinned torch would pull a multi-GB CUDA build.
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  .venv/bin/python -m pip install --quiet -e ".[test]" -c scripts/constraints.txt
  touch "$stamp"
fi
# The project's own bytecode, written here because Python itself writes none where
# PYTHONDONTWRITEBYTECODE is set (as in many container images, and on the machines bench/RESULTS.md
# reports): every cold `qa ask` then compiled its 35 modules again, 0.08-0.1 s of about 0.8 s.
# Only modules newer than their bytecode are compiled again.
.venv/bin/python -m compileall -q qa index ui eval > /dev/null
