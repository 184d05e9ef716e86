"""Opening a link in the reader on the real seed index: exact highlight, stale and missing articles."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs

import pytest

from ui.corpus import CorpusHandlers
from ui.render import answer_html

pytestmark = pytest.mark.slow


def link_data(html: str) -> dict:
    target = unescape(re.search(r'class="qa-ref" href="#qa:([^"]+)"', html).group(1))
    return {key: values[0] for key, values in parse_qs(target).items()}


def test_citation_link_highlights_its_quote(seed_assistant):
    answer = seed_assistant.ask("Who met Brahimi?")
    data = link_data(answer_html(answer))
    data = {"article": data["a"], "start": data["s"], "end": data["e"], "h": data["h"]}

    html = CorpusHandlers(seed_assistant).open_passage(data)

    marked = unescape(re.search(r"<mark[^>]*>(.*?)</mark>", html, re.DOTALL).group(1))
    assert marked == answer.citations[0].quote


def test_changed_article_is_shown_without_a_wrong_highlight(seed_assistant):
    citation = seed_assistant.ask("Who met Brahimi?").citations[0]
    data = {"article": citation.article, "start": citation.start, "end": citation.end, "h": "0" * 16}

    html = CorpusHandlers(seed_assistant).open_passage(data)

    assert "<mark" not in html and "has changed since the answer" in html


def test_missing_article_gets_a_message(seed_assistant):
    html = CorpusHandlers(seed_assistant).open_passage({"article": "gone.txt", "start": 0, "end": 5})
    assert "No article with id 'gone.txt'" in unescape(html)
