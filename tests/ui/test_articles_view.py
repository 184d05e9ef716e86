"""The Articles view's pages: search by title, id or source, paging, row actions, escaping."""
from __future__ import annotations

import re

from qa import ArticleInfo
from ui.articles_view import PAGE_SIZE, matching, page_html, page_of


def infos(n: int) -> list[ArticleInfo]:
    return [ArticleInfo(f"feed.jsonl#{i}", f"Story {i:04d}", 100 + i, source="bbc-news" if i % 2 else "wire") for i in range(1, n + 1)]


def test_search_matches_title_id_and_source_in_any_case():
    corpus = [*infos(3), ArticleInfo("uploads/Bridge.md", "Velloso bridge reopens", 50)]
    assert [i.id for i in matching(corpus, "VELLOSO")] == ["uploads/Bridge.md"]
    assert [i.id for i in matching(corpus, "uploads/bridge")] == ["uploads/Bridge.md"]
    assert [i.id for i in matching(corpus, "wire")] == ["feed.jsonl#2"]
    assert [i.id for i in matching(corpus, "story bbc")] == ["feed.jsonl#1", "feed.jsonl#3"]  # every word must match
    assert matching(corpus, "") == sorted(corpus, key=lambda i: i.title.lower())


def test_a_page_holds_page_size_rows_and_out_of_range_pages_are_clamped():
    corpus = infos(2 * PAGE_SIZE + 7)
    page = page_of(corpus, "", 1)
    assert len(page.rows) == PAGE_SIZE and page.first == PAGE_SIZE and page.matches == len(corpus)
    last = page_of(corpus, "", 99)
    assert last.number == 2 and len(last.rows) == 7
    assert page_of(corpus, "", -3).number == 0
    html = page_html(page)
    assert f"{PAGE_SIZE + 1}–{2 * PAGE_SIZE} of {len(corpus)} articles" in html
    assert 'href="#qa-page:p=0"' in html and 'href="#qa-page:p=2"' in html
    assert len(re.findall(r'class="qa-row"', html)) == PAGE_SIZE


def test_first_and_last_pages_disable_the_step_they_cannot_take():
    html = page_html(page_of(infos(3)))
    assert "#qa-page:" not in html and html.count('aria-disabled="true"') == 2


def test_rows_link_to_the_reader_scope_and_removal():
    corpus = [ArticleInfo("uploads/a&b.md", "<b>Bold</b> title", 10, date="2024-05-01"), *infos(1)]
    html = page_html(page_of(corpus), scoped={"uploads/a&b.md"})
    assert "<b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; title" in html
    assert 'href="#qa-rm:a=uploads%2Fa%26b.md"' in html
    assert 'class="qa-act qa-scope-add qa-on" href="#qa-scope:a=uploads%2Fa%26b.md"' in html
    # A JSONL record is removed with its file, so its row offers no Remove.
    assert "#qa-rm:a=feed.jsonl" not in html


def test_no_match_says_so():
    assert "No article matches “zebra”" in page_html(page_of(infos(3), "zebra"), "zebra")
