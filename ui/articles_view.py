"""The Articles view: one page of the (searched) article list at a time, with each row's actions.

A corpus of thousands of articles is never sent to the browser at once: a page is PAGE_SIZE rows,
so opening the view costs the same at 100 or 100,000 articles. Rows link to the reader, add the
article to the question's scope, or remove it (the page script asks for confirmation in the row).
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from qa import ArticleInfo
from ui.render import link_target

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    rows: list[ArticleInfo]
    number: int  # 0-based, clamped to the pages that exist
    matches: int
    total: int

    @property
    def first(self) -> int:
        return self.number * PAGE_SIZE

    @property
    def last_page(self) -> int:
        return max(0, (self.matches - 1) // PAGE_SIZE)


def matching(infos: list[ArticleInfo], query: str) -> list[ArticleInfo]:
    """Articles whose title, id or source contains every word of ``query`` (any case), by title."""
    words = query.lower().split()
    found = [i for i in infos if all(w in f"{i.title}\n{i.id}\n{i.source or ''}".lower() for w in words)]
    return sorted(found, key=lambda i: (i.title.lower(), i.id))


def page_of(infos: list[ArticleInfo], query: str = "", number: int = 0) -> Page:
    found = matching(infos, query)
    number = min(max(0, number), max(0, (len(found) - 1) // PAGE_SIZE))
    return Page(found[number * PAGE_SIZE:(number + 1) * PAGE_SIZE], number, len(found), len(infos))


def page_html(page: Page, query: str = "", scoped: frozenset[str] | set[str] = frozenset(),
              removable: bool = True) -> str:
    """``removable``: rows offer Remove (not to a read-only account, whom the server refuses anyway)."""
    rows = "".join(_row_html(info, info.id in scoped, removable) for info in page.rows)
    if not rows:
        rows = (f'<div class="qa-empty qa-none">No article matches “{escape(query)}”.</div>' if query
                else '<div class="qa-empty qa-none">No articles are indexed.</div>')
    return (f'<div class="qa-articles" data-page="{page.number}">{_pager_html(page, query)}'
            f'<div class="qa-list" role="list">{rows}</div></div>')


def _pager_html(page: Page, query: str) -> str:
    if page.matches:
        shown = f"{page.first + 1:,}–{page.first + len(page.rows):,} of {page.matches:,}"
    else:
        shown = "0"
    shown += f" matching “{escape(query)}”" if query else " articles"
    if query and page.matches != page.total:
        shown += f" (of {page.total:,})"

    def step(label: str, number: int, enabled: bool) -> str:
        if not enabled:
            return f'<span class="qa-act qa-off" aria-disabled="true">{label}</span>'
        return f'<a class="qa-act" href="#qa-page:{urlencode({"p": number})}">{label}</a>'

    return (f'<div class="qa-pager">{step("‹ Previous", page.number - 1, page.number > 0)}'
            f'<span class="qa-shown">{shown}</span>{step("Next ›", page.number + 1, page.number < page.last_page)}</div>')


def _row_html(info: ArticleInfo, scoped: bool, removable: bool) -> str:
    meta = " · ".join(m for m in (info.source, info.date, f"{info.chars:,} chars") if m)
    target = urlencode({"a": info.id})
    scope_label, scope_title = ("✓ In scope", "Stop limiting questions to this article") if scoped else \
        ("Limit to", "Answer questions from this article (and others you choose) only")
    actions = [f'<a class="qa-act qa-scope-add{" qa-on" if scoped else ""}" href="#qa-scope:{target}" '
               f'title="{scope_title}">{scope_label}</a>']
    # A record of a JSON file ("file.jsonl#3") goes with its file: its row offers no removal of its own.
    if removable and "#" not in info.id:
        actions.append(f'<a class="qa-act qa-rm" href="#qa-rm:{target}" title="Remove this file from the corpus and the index">Remove</a>')
    return (f'<div class="qa-row" role="listitem"><div class="qa-row-main">'
            f'<a class="qa-open" href="{escape(link_target(info.id))}">{escape(info.title.strip())}</a>'
            f'<div class="qa-row-meta"><span class="qa-doc-id">{escape(info.id)}</span>{escape(meta)}</div></div>'
            f'<div class="qa-row-actions">{"".join(actions)}</div></div>')
