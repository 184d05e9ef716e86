"""The page's HTML is built from escaped text only; links carry exact offsets; streaming ends whole."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, unquote

from index.articles import Article
from qa import Answer, ArticleInfo, Citation, IndexReport, Passage
from ui import render
from ui.articles_view import page_html, page_of
from ui.chat import stream_points
from ui.corpus import _offsets

PAYLOAD = '<script>alert(1)</script><img src=x onerror="alert(2)">&amp;'
TAGS = re.compile(r"<(\w+)")
OURS = {"h1", "div", "p", "a", "span", "ol", "li", "mark", "ul", "b", "br"}


def tags(html: str) -> set[str]:
    return set(TAGS.findall(html))


def citation(n=1, start=10, end=20, text=PAYLOAD) -> Citation:
    return Citation(n, "uploads/a&b.txt", text, start, end, text, 0.9, "h" * 64)


def test_answer_escapes_text_titles_and_quotes():
    answer = Answer(question=PAYLOAD, text=f"{PAYLOAD} [1].\n\nMore [2] and [9].", abstained=False,
                    citations=[citation(1), citation(2, 30, 40)], conflicts=[PAYLOAD])
    html = render.answer_html(answer)
    assert tags(html) <= OURS
    assert "<script>" not in html and "<img" not in html
    assert html.count('class="qa-ref"') == 2  # [9] cites nothing, so it stays text
    assert "[9]" in html


def test_links_round_trip_article_ids_and_offsets():
    html = render.answer_html(Answer("q", "It [1].", False, citations=[citation(1, 123, 456)]))
    target = re.search(r'class="qa-ref" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    params = parse_qs(target.removeprefix("#qa:"))
    assert (unquote(params["a"][0]), params["s"][0], params["e"][0]) == ("uploads/a&b.txt", "123", "456")


def test_abstention_is_marked_and_lists_see_also():
    answer = Answer("q", "The articles don't say.", True, see_also=[Passage("x.txt", PAYLOAD, 0, 5, PAYLOAD, 0.2)])
    html = render.answer_html(answer)
    assert "qa-abstain" in html and "See also" in html and "Sources" not in html
    assert tags(html) <= OURS


def test_partial_answer_has_no_sources_yet():
    answer = Answer("q", "Assad met him [1].", False, citations=[citation(1)])
    partial, whole = render.answer_html(answer, shown_chars=5), render.answer_html(answer, shown_chars=len(answer.text))
    assert "qa-passages" not in partial and "qa-streaming" in partial
    assert "qa-passages" in whole and "qa-streaming" not in whole


def test_article_marks_exactly_the_span():
    text = f"Before {PAYLOAD} the quote itself, after."
    article = Article("a.txt", PAYLOAD, text, url="javascript:alert(1)", source=PAYLOAD)
    start = text.index("the quote")
    html = render.article_html(article, start, start + len("the quote itself"))
    assert re.search(r'<mark class="qa-hl"[^>]*>the quote itself</mark>', html)
    assert tags(html) <= OURS and "javascript:" not in html


def test_long_article_is_shown_as_a_window_around_the_quote():
    text = "x" * 500_000 + "needle" + "y" * 500_000
    html = render.article_html(Article("big.txt", "Big", text), 500_000, 500_006)
    assert "<mark" in html and len(html) < render.MAX_SHOWN_CHARS * 2


def test_lists_and_reports_escape_everything():
    info = ArticleInfo("x.jsonl#1", PAYLOAD, 10, source=PAYLOAD, date=PAYLOAD)
    report = IndexReport(2, 3, 1, 0, 0.1, problems=[PAYLOAD], added=[PAYLOAD])
    for html in (page_html(page_of([info])), render.report_html(report, known={PAYLOAD}), render.problem_html(PAYLOAD),
                 render.question_html(PAYLOAD), render.error_html(PAYLOAD), render.header_html(3)):
        assert tags(html) <= OURS and "<script" not in html and "<img" not in html


def test_streaming_ends_with_the_whole_text():
    text = "Bashar al-Assad [1]. Earlier, Mr Brahimi had also met President Assad [2]."
    points = stream_points(text)
    assert points == sorted(points) and points[-1] == len(text) and len(points) > 3
    assert stream_points("") == [0]


def test_link_offsets_are_checked_against_the_article():
    assert _offsets({"start": "2", "end": "5"}, 10) == (2, 5)
    for bad in ({"start": 5, "end": 2}, {"start": 0, "end": 11}, {"start": "x", "end": 3}, {}):
        assert _offsets(bad, 10) == (None, None)


def test_finished_answer_carries_copy_and_rating_links_and_its_markdown():
    answer = Answer(question=PAYLOAD, text="Assad met him [1].", abstained=False, citations=[citation(1, 3, 9, "Assad met")])
    html = render.answer_html(answer, answer_id="abc123", rating="up")
    assert tags(html) <= OURS and "<script" not in html
    assert 'href="#qa-copy:"' in html
    assert 'class="qa-act qa-fb qa-fb-up qa-on" href="#qa-fb:id=abc123&amp;r=none"' in html  # chosen again: withdrawn
    assert 'href="#qa-fb:id=abc123&amp;r=down"' in html
    markdown = unescape(re.search(r'<div class="qa-md">(.*?)</div>', html, re.DOTALL).group(1))
    assert markdown == render.answer_markdown(answer)
    assert render.answer_html(answer, shown_chars=4, answer_id="abc123").count("qa-fb") == 0  # not while streaming


def test_markdown_has_the_text_numbered_quotes_and_article_ids():
    answer = Answer(question="Who met *Brahimi*?", text="Bashar al-Assad [1].", abstained=False,
                    citations=[Citation(1, "syria.txt", "Envoy_talks", 10, 20, "Assad met Brahimi", 0.9, "h" * 64)])
    assert render.answer_markdown(answer).splitlines() == [
        r"**Who met \*Brahimi\*?**", "", "Bashar al-Assad [1].", "", "Sources:", "",
        r"[1] “Assad met Brahimi” — *Envoy\_talks* (`syria.txt`, chars 10–20)",
    ]
    abstained = Answer("q", "The articles don't say.", True, see_also=[Passage("x.txt", "X", 0, 5, "close", 0.2)])
    assert "See also:" in render.answer_markdown(abstained) and "[1] “close”" in render.answer_markdown(abstained)


def test_upload_report_links_the_added_articles_it_knows():
    report = IndexReport(3, 3, 1, 0, 0.4, added=["uploads/a.md", "uploads/feed.jsonl"])
    html = render.report_html(report, known={"uploads/a.md", "uploads/feed.jsonl#1"})
    assert '<a class="qa-open" href="#qa:a=uploads%2Fa.md">uploads/a.md</a>' in html
    assert "uploads/feed.jsonl" in html and "feed.jsonl</a>" not in html
