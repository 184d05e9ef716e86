"""`qa serve` as a command: its options, and a clear message instead of a page for a bad corpus."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from qa.cli import main


def test_serve_is_listed_with_its_options():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--corpus", "--host", "--port", "127.0.0.1", "7860"):
        assert option in result.output


@pytest.mark.slow  # loads the embedding model before it looks at the corpus
def test_missing_corpus_is_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-corpus"
    result = CliRunner().invoke(main, ["serve", "--port", "1"], env={"QA_CORPUS_DIR": str(missing)})
    assert result.exit_code == 1
    assert "corpus directory not found" in result.output and str(missing) in result.output
    assert "Traceback" not in result.output
