"""Start-up is a feature: `qa ask` on an existing index loads only what answering needs."""
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

HEAVY = ("torch", "sentence_transformers", "transformers", "llama_index.core", "gradio", "spacy")
PROBE = """
import json, sys
from qa.cli import main
try:
    main(["ask", sys.argv[1], "--corpus", sys.argv[2]], standalone_mode=False)
finally:
    print("LOADED " + json.dumps([m for m in {heavy!r} if m in sys.modules]))
"""


def loaded_modules(question: str, corpus) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), question, str(corpus)], cwd=REPO,
                         capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    line = next(l for l in out.stdout.splitlines() if l.startswith("LOADED "))
    return json.loads(line[len("LOADED "):])


def test_asking_why_loads_no_heavy_library(seed_assistant):
    assert loaded_modules("Why did the general say he defected?", seed_assistant.settings.corpus_dir) == []


def test_asking_who_adds_only_the_entity_tagger(seed_assistant):
    # A person is found by spaCy's NER; torch and the rest stay out even then.
    assert loaded_modules("Who met Brahimi?", seed_assistant.settings.corpus_dir) == ["spacy"]
