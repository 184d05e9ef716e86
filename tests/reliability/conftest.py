"""Helpers for the reliability suite: real subprocesses of the `qa` command and corpus builders."""
from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.conftest import copy_seeds

QA_COMMAND = [sys.executable, "-c", "from qa.cli import main; main()"]
BRAHIMI = "Who met Brahimi?"
# A quoted passage on the chat page: its link (article, start, end) and the quote shown.
CITED = re.compile(r'<a class="qa-cite" href="#qa:([^"]+)">.*?<span class="qa-quote">(.*?)</span>', re.DOTALL)

# Words from several scripts plus the punctuation and spacing that trip sentence splitters.
VOCABULARY = (
    "reservoir council minister Damascus Ankara flood harvest 1998 3.5% €40m "
    "Zürich Kraków naïve façade Москва выборы Київ 北京 政府 東京 مدينة حكومة עיר ירושלים नगर "
    "Mr. Dr. U.S. e.g. “quoted” ‘single’ (aside) [note] ... — – / : ; ! ? ¿ ¡ 🙂 ✓"
).split()


def run_qa(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real `qa` command in a fresh process (the way a user runs it)."""
    return subprocess.run(
        [*QA_COMMAND, *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )


def start_qa(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*QA_COMMAND, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )


def generated_article(rng: random.Random, topic: str) -> str:
    """A news-like article about ``topic`` mixing scripts, odd spacing and punctuation."""
    sentences = []
    for _ in range(rng.randint(4, 12)):
        body = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(3, 18)))
        sentences.append(f"{topic} {body}{rng.choice(['.', '!', '?', '', '.”'])}")
    separators = [" ", "\n", "\r\n", "\n\n", "\t", "  "]
    return f"{topic} report\n\n" + "".join(s + rng.choice(separators) for s in sentences)


def assert_citations_exact(assistant, answer) -> None:
    for passage in [*answer.citations, *answer.see_also, *answer.retrieved]:
        assert assistant.article(passage.article).text[passage.start:passage.end] == passage.quote


def message_text(message: dict) -> str:
    """The HTML of one chat message as the Gradio client returns it (text, or a list of parts)."""
    content = message["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


def page_quotes(reply_html: str) -> list[tuple[str, int, int, str]]:
    """(article, start, end, quote) of every passage a chat-page answer quotes."""
    found = []
    for target, quote in CITED.findall(reply_html):
        where = parse_qs(unescape(target))
        found.append((where["a"][0], int(where["s"][0]), int(where["e"][0]), unescape(quote)))
    return found


def file_text(path: Path) -> str:
    """A file's text exactly as written: offsets count "\r\n" as two characters (no newline translation)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def assert_page_quotes_match_disk(corpus: Path, reply_html: str) -> None:
    for article, start, end, quote in page_quotes(reply_html):
        assert file_text(corpus / article)[start:end] == quote, (article, start, end)


def assert_brahimi_answered(assistant) -> None:
    """The seed article is still indexed and still answers its reference question."""
    answer = assistant.ask(BRAHIMI)
    assert not answer.abstained and "Assad" in answer.text
    assert_citations_exact(assistant, answer)


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    return copy_seeds(tmp_path / "corpus")
