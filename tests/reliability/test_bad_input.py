"""Bad input through the Python API and the `qa` command: a specific error or a correct answer,
never a traceback, and nothing already indexed is lost."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.store import load
from qa import Assistant, QAError, Settings
from qa.cli import main
from tests.reliability.conftest import BRAHIMI, assert_brahimi_answered, assert_citations_exact, run_qa

pytestmark = pytest.mark.slow

FIFTY_MB = 50 * 1024 * 1024


@pytest.mark.parametrize("question,message", [
    ("", "The question is empty"),
    ("   \n\t\r ", "The question is empty"),
    ("\x00\x01\x1b\x7f", "The question is empty"),
    ("\u200b\u200e\ufeff", "The question is empty"),
    ("x" * 100_000, "The question is 100,000 characters long; the limit is 2,000"),
    ("Who met Brahimi? " * 5_883, "characters long; the limit is 2,000"),
    (None, "The question must be text"),
    (b"Who met Brahimi?", "The question must be text"),
], ids=["empty", "whitespace", "controls", "invisible", "100k", "100k-words", "none", "bytes"])
def test_unusable_question_gets_a_specific_error(seed_assistant, question, message):
    with pytest.raises(QAError, match=message.replace("?", "\\?")):
        seed_assistant.ask(question)
    assert_brahimi_answered(seed_assistant)


@pytest.mark.parametrize("question", [
    "Who\x00 met\x07 Brahimi?\x1b[31m",
    "\u202eWho met\u200b Brahimi?\ufeff",
    "Who met Brahimi?\ud800",
    "WHO MET BRAHIMI",
], ids=["controls", "bidi-zero-width", "lone-surrogate", "upper-case"])
def test_noisy_question_is_still_answered(seed_assistant, question):
    answer = seed_assistant.ask(question)
    assert not answer.abstained and "Assad" in answer.text
    assert_citations_exact(seed_assistant, answer)
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")  # printable and storable


def test_a_question_partly_in_other_scripts_is_answered_right_or_not_at_all(seed_assistant):
    # The reader is less sure of "Дамаск" than of "Damascus": right or silent, never another name.
    answer = seed_assistant.ask("Who met Brahimi (卜拉希米) in Дамаск?")
    assert answer.abstained or "Assad" in answer.short_answer
    assert_citations_exact(seed_assistant, answer)
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")


def test_mostly_foreign_question_abstains_or_answers_right(seed_assistant):
    answer = seed_assistant.ask("Who met Brahimi? 谁见了卜拉希米? من التقى الإبراهيمي؟ Кто встретился с Брахими?")
    assert answer.abstained or "Assad" in answer.text
    assert_citations_exact(seed_assistant, answer)


@pytest.mark.parametrize("question", ["🙂🙂??", "¿¡…!?", "Qu'est-ce que le 量子色力学 ?"])
def test_question_the_articles_cannot_answer_is_abstained_on(seed_assistant, question):
    answer = seed_assistant.ask(question)
    assert answer.abstained and answer.citations == []
    assert_citations_exact(seed_assistant, answer)


def test_a_bad_turn_leaves_the_conversation_intact(seed_assistant):
    conversation = seed_assistant.conversation()
    conversation.ask("Who defected from the Syrian military police?")
    with pytest.raises(QAError):
        conversation.ask(" \x00 ")
    assert len(conversation.turns) == 1
    assert "Turkey" in conversation.ask("Where did he flee to?").text


# ----- the `qa` command -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def indexed_corpus(tmp_path_factory) -> Path:
    from tests.conftest import copy_seeds

    corpus = copy_seeds(tmp_path_factory.mktemp("cli") / "corpus")
    Assistant.from_directory(corpus)
    return corpus


def invoke(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.parametrize("question,message", [
    ("", "Error: The question is empty"),
    ("x" * 100_000, "Error: The question is 100,000 characters long"),
    ("\x01\x02", "Error: The question is empty"),
])
def test_cli_ask_rejects_unusable_questions(indexed_corpus, question, message):
    result = invoke("ask", question, "--corpus", str(indexed_corpus))
    assert result.exit_code == 1 and message in result.output


def test_cli_ask_answers_noisy_question_as_json(indexed_corpus):
    result = invoke("ask", "Who\x07 met\u200b Brahimi?\x1b[2J", "--corpus", str(indexed_corpus), "--json")
    assert result.exit_code == 0
    answer = json.loads(result.output)
    assert "Assad" in answer["text"] and answer["citations"]
    text = (indexed_corpus / answer["citations"][0]["article"]).read_text()
    assert all(text[c["start"]:c["end"]] == c["quote"] for c in answer["citations"])


@pytest.mark.parametrize("args,message", [
    (["ask", BRAHIMI, "--corpus", "{tmp}/missing"], "Error: corpus directory not found"),
    (["ask", BRAHIMI, "--corpus", "{corpus}", "-k", "0"], "Invalid value for '-k'"),
    (["index", "{tmp}/missing"], "Error: corpus directory not found"),
    (["index", "{corpus}/000_0226462cf7c6313f.txt"], "Error: corpus path is not a directory"),
    (["index", "{tmp}/empty"], "Error: No articles to index"),
])
def test_cli_reports_bad_arguments(indexed_corpus, tmp_path, args, message):
    (tmp_path / "empty").mkdir()
    result = invoke(*[a.format(tmp=tmp_path, corpus=indexed_corpus) for a in args])
    assert result.exit_code != 0 and message in result.output


@pytest.fixture
def corpus_with_bad_files(tmp_path) -> Path:
    """The seed corpus, indexed, then every kind of bad file dropped into it."""
    from tests.conftest import copy_seeds

    corpus = copy_seeds(tmp_path / "corpus")
    Assistant.from_directory(corpus)
    files = {
        "binary.txt": bytes(range(256)) * 8,
        "empty.md": b"\n \n",
        "broken.json": b'{"title": "x", "text": ',
        "lines.jsonl": b'{"title": "Dam", "text": "The Karsfeld dam opened on Monday."}\nnot json\n{"title": 3}\n',
        "scan.pdf": b"%PDF-1.4",
        "broken.html": b"<math><!DOCTYPE html><template>",  # crashes the HTML extractor itself
        "copy.txt": (corpus / "000_0226462cf7c6313f.txt").read_bytes(),
        "page.html": b"<html><body><script>alert(1)</script><p>The Velmora ferry sails daily at noon from "
                     b"the old harbour, the port authority said on Tuesday.</p></body></html>",
    }
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    with open(corpus / "huge.txt", "wb") as handle:
        handle.truncate(FIFTY_MB)  # a sparse 50 MB file: the size limit must refuse it unread
    os.mkfifo(corpus / "pipe.txt")  # reading it would block forever
    return corpus


def test_cli_index_reports_each_bad_file_and_keeps_everything_else(corpus_with_bad_files):
    corpus = corpus_with_bad_files
    result = invoke("index", str(corpus))
    assert result.exit_code == 2
    for line in [
        "binary.txt: binary file",
        "empty.md: empty article",
        "broken.json:1: malformed JSON",
        "lines.jsonl:2: malformed JSON record",
        "lines.jsonl#3:3: record has no 'text' string",
        "scan.pdf: unsupported file type '.pdf'",
        "broken.html: HTML could not be read",
        f"huge.txt: file is {FIFTY_MB:,} bytes, over the 20,971,520-byte limit",
        "pipe.txt: not a regular file",
    ]:
        assert line in result.output
    # A duplicate is no fault: one line counts it, --verbose names it.
    assert "1 duplicate record indexed once; --verbose lists them" in result.output
    assert "copy.txt: duplicate of 000_0226462cf7c6313f.txt; indexed once" in invoke("index", str(corpus), "-v").output
    index = load(corpus / ".qa-cache" / "index")
    assert set(index.articles) == {"000_0226462cf7c6313f.txt", "lines.jsonl#1", "page.html"}
    assert "alert" not in index.articles["page.html"].text
    assistant = Assistant.open_index(Settings(corpus_dir=corpus))
    assert_brahimi_answered(assistant)
    assert "Monday" in assistant.ask("When did the Karsfeld dam open?").text


def test_real_qa_process_prints_errors_without_traceback(corpus_with_bad_files):
    empty = run_qa("ask", "  ", "--corpus", str(corpus_with_bad_files))
    assert empty.returncode == 1 and "Error: The question is empty" in empty.stderr
    indexed = run_qa("index", str(corpus_with_bad_files))
    assert indexed.returncode == 2 and "over the 20,971,520-byte limit" in indexed.stdout
    for result in (empty, indexed):
        assert "Traceback" not in result.stdout + result.stderr
