"""The `qa` command in real subprocesses: exit codes and messages a user sees."""
import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, copy_seeds

pytestmark = pytest.mark.slow


def qa(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return copy_seeds(tmp_path_factory.mktemp("cli") / "seeds")


def test_index_then_ask_json(corpus):
    indexed = qa("index", str(corpus))
    assert indexed.returncode == 0, indexed.stderr
    assert "1 articles" in indexed.stdout
    asked = qa("ask", "Who met Brahimi?", "--corpus", str(corpus), "--json", "-k", "4")
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert "Assad" in data["short_answer"] and data["citations"]
    assert len(data["retrieved"]) <= 4


def test_plain_ask_prints_the_answer_and_its_sources(corpus):
    asked = qa("ask", "Where did the commander of Syria's military police flee?", "--corpus", str(corpus))
    assert asked.returncode == 0
    assert "[1]" in asked.stdout and "chars" in asked.stdout


def test_missing_and_empty_corpora_fail_clearly(tmp_path):
    missing = qa("ask", "Who?", "--corpus", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "not found" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = qa("index", str(tmp_path / "empty"))
    assert empty.returncode == 1 and "No articles to index" in empty.stderr


def test_unreadable_file_is_reported_and_the_rest_indexed(tmp_path):
    corpus = copy_seeds(tmp_path / "seeds")
    (corpus / "bad.json").write_text("{broken", encoding="utf-8")
    result = qa("index", str(corpus))
    assert result.returncode == 2
    assert "bad.json:1: malformed JSON" in result.stdout
    assert "1 articles" in result.stdout


def test_empty_question_is_a_clear_error(corpus):
    result = qa("ask", "   ", "--corpus", str(corpus))
    assert result.returncode == 1 and "question is empty" in result.stderr and "Traceback" not in result.stderr


def test_chat_keeps_the_conversation(corpus):
    result = subprocess.run(
        [sys.executable, "-m", "qa.cli", "chat", "--corpus", str(corpus)],
        input="Who is the commander of Syria's military police?\nWhere did he flee to?\n\n",
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Turkey [1]" in result.stdout


def test_duplicates_are_one_line_and_exit_zero(tmp_path):
    corpus = copy_seeds(tmp_path / "seeds")
    feed = "\n".join(json.dumps({"title": f"Copy {i}", "text": "The same wire story, filed twice."}) for i in range(3))
    (corpus / "wire.jsonl").write_text(feed + "\n", encoding="utf-8")
    result = qa("index", str(corpus))
    assert result.returncode == 0, result.stderr  # `qa index ... && qa serve ...` goes on
    assert "2 duplicate records indexed once; --verbose lists them" in result.stdout
    assert "wire.jsonl#2" not in result.stdout
    verbose = qa("index", str(corpus), "--verbose")
    assert verbose.returncode == 0
    assert "wire.jsonl#2: duplicate of wire.jsonl#1; indexed once" in verbose.stdout
    assert "wire.jsonl#3: duplicate of wire.jsonl#1; indexed once" in verbose.stdout


def test_ask_without_reindexing_names_what_it_left_out(tmp_path):
    corpus = copy_seeds(tmp_path / "seeds")
    (corpus / "desk").mkdir()
    (corpus / "desk" / "brahimi.txt").write_text("Envoy\n\nLakhdar Brahimi met the Velmora mayor.\n", encoding="utf-8")
    assert qa("index", str(corpus)).returncode == 0
    (corpus / "desk" / "brahimi.txt").unlink()
    asked = qa("ask", "Who met Brahimi?", "--corpus", str(corpus), "--json", "--no-reindex")
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert data["left_out"] == ["desk/brahimi.txt"]
    assert all(p["article"] != "desk/brahimi.txt" for p in [*data["citations"], *data["retrieved"]])
    assert "Not searched: 1 file changed on disk" in data["text"]
