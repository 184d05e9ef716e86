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


@pytest.mark.parametrize("question", [
    "Why did the general say he defected?", "Who met Brahimi?", "Is al-Shalal a general?",
])
def test_asking_loads_no_heavy_library(seed_assistant, question):
    # The trained reader runs on ONNX Runtime; its export happened when the index was built.
    assert loaded_modules(question, seed_assistant.settings.corpus_dir) == []


def test_chunking_imports_no_nltk():
    # llama-index's splitter would import NLTK (3-5 s) for its punkt sentences; ours are given to it.
    code = ("import sys; from index.articles import Article; from index.chunking import chunk_article; "
            "chunk_article(Article('a.txt', 't', 'One sentence here. ' * 200), 40, 8); print('nltk' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.stdout.split() == ["False"], out.stderr
