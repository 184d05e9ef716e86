"""HTML for the page, built only from escaped text.

Every string that comes from an article, a question or a file name goes through ``html.escape``
before it reaches markup; the only tags are the ones written here. Links carry their target in a
``#qa:`` fragment that the page script turns into an event (see ``ui.theme.BRIDGE_JS``).
"""
from __future__ import annotations

import re
from html import escape
from urllib.parse import urlencode

from qa import Answer, Citation, IndexReport, Passage

# Articles longer than this are shown as a window around the quote, so one huge file cannot
# freeze the browser.
MAX_SHOWN_CHARS = 60_000
_MARKER = re.compile(r"\[(\d+)\]")


# Enough of a citation's article hash to tell that the article changed since the answer.
HASH_PREFIX = 16


def link_target(article: str, start: int | None = None, end: int | None = None, article_hash: str | None = None) -> str:
    query = {"a": article} if start is None else {"a": article, "s": start, "e": end}
    if article_hash:
        query["h"] = article_hash[:HASH_PREFIX]
    return "#qa:" + urlencode(query)


def _target(passage: Citation | Passage) -> str:
    return link_target(passage.article, passage.start, passage.end, getattr(passage, "article_hash", None))


def header_html(articles: int | None = None) -> str:
    count = "" if articles is None else f'<span class="qa-count">{articles:,} article{"s" if articles != 1 else ""} indexed · </span>'
    return ("<h1>Article QA</h1><p>" + count + "Answers come only from the indexed news articles; "
            "every claim links to the exact passage it is quoted from.</p>")


def question_html(question: str) -> str:
    return f'<div class="qa-question">{escape(question)}</div>'


def thinking_html() -> str:
    return '<div class="qa-answer qa-pending"><span class="qa-dots">Searching the articles</span></div>'


def error_html(message: str) -> str:
    return f'<div class="qa-answer qa-error"><div class="qa-badge">Could not answer</div><p>{escape(message)}</p></div>'


def stopped_html() -> str:
    return ('<div class="qa-answer qa-stopped"><div class="qa-badge">Stopped</div>'
            '<p class="qa-text">Not answered. Ask again when you are ready.</p></div>')


def answer_html(answer: Answer, shown_chars: int | None = None, note: str | None = None,
                answer_id: str | None = None, rating: str | None = None) -> str:
    """The answer bubble; ``shown_chars`` < len(text) renders a partial answer while it streams.

    With ``answer_id``, a finished answer gets its copy and rating links (``rating``: "up"/"down")."""
    text = answer.text if shown_chars is None else answer.text[:shown_chars]
    done = shown_chars is None or shown_chars >= len(answer.text)
    kind = "qa-abstain" if answer.abstained else "qa-answered"
    # Marked while streaming, so a reader (or a test) can tell a partial answer from a whole one.
    if not done:
        kind += " qa-streaming"
    parts = [f'<div class="qa-answer {kind}">']
    if answer.abstained:
        parts.append('<div class="qa-badge">Not in the articles</div>')
    if note:
        parts.append(f'<div class="qa-note">{escape(note)}</div>')
    parts.append(_text_html(text, {c.n: c for c in answer.citations}))
    if done:
        if answer.conflicts:
            parts.append('<div class="qa-conflicts">Sources disagree: ' + escape("; ".join(answer.conflicts)) + "</div>")
        if answer.citations:
            parts.append(_passages_html("Sources", answer.citations))
        if answer.see_also:
            parts.append(_passages_html("See also", answer.see_also))
        if answer_id:
            parts.append(_actions_html(answer, answer_id, rating))
    parts.append("</div>")
    return "".join(parts)


RATING_LABELS = {"up": "Good answer", "down": "Wrong answer"}


def _actions_html(answer: Answer, answer_id: str, rating: str | None) -> str:
    links = ['<a class="qa-act qa-copy" href="#qa-copy:" title="Copy the answer and its quotes as Markdown">Copy</a>']
    for value, label in RATING_LABELS.items():
        # Choosing the current rating again withdraws it.
        chosen = rating == value
        target = "#qa-fb:" + urlencode({"id": answer_id, "r": "none" if chosen else value})
        links.append(f'<a class="qa-act qa-fb qa-fb-{value}{" qa-on" if chosen else ""}" href="{escape(target)}" '
                     f'title="{label}" aria-label="{label}" aria-pressed="{str(chosen).lower()}"></a>')
    # The Markdown travels with the bubble, so copying needs no request (and keeps the click's
    # permission to write the clipboard).
    return f'<div class="qa-actions">{"".join(links)}<div class="qa-md">{escape(answer_markdown(answer))}</div></div>'


def answer_markdown(answer: Answer) -> str:
    """The answer as Markdown: the question, the text with its [n] markers, the numbered quotes with their ids."""
    lines = [f"**{_md_escape(answer.question)}**", "", answer.text.strip()]
    passages = answer.citations or answer.see_also
    if passages:
        lines += ["", "Sources:" if answer.citations else "See also:", ""]
    for number, p in enumerate(passages, start=1):
        label = p.n if isinstance(p, Citation) else number
        lines.append(f"[{label}] “{p.quote}” — *{_md_escape(p.title)}* (`{p.article}`, chars {p.start}–{p.end})")
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]])", r"\\\1", text)


def _text_html(text: str, citations: dict[int, Citation]) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f'<p class="qa-text">{_linked(p, citations)}</p>' for p in paragraphs)


def _linked(text: str, citations: dict[int, Citation]) -> str:
    """Escaped text whose [n] markers link to citation n."""
    out, last = [], 0
    for match in _MARKER.finditer(text):
        citation = citations.get(int(match.group(1)))
        if citation is None:
            continue
        out.append(escape(text[last:match.start()]))
        target = _target(citation)
        out.append(f'<a class="qa-ref" href="{escape(target)}" title="{escape(citation.title)}">[{citation.n}]</a>')
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out).replace("\n", "<br>")


def _passages_html(heading: str, passages: list[Citation] | list[Passage]) -> str:
    items = []
    for p in passages:
        target = escape(_target(p))
        label = f"[{p.n}] " if isinstance(p, Citation) else ""
        items.append(
            f'<li><a class="qa-cite" href="{target}">'
            f'<span class="qa-cite-title">{escape(label + p.title)}</span>'
            f'<span class="qa-quote">{escape(p.quote)}</span>'
            f'<span class="qa-loc">{escape(p.article)} · chars {p.start:,}–{p.end:,}</span></a></li>'
        )
    return f'<div class="qa-passages"><div class="qa-passages-h">{escape(heading)}</div><ol>{"".join(items)}</ol></div>'


def article_html(article, start: int | None = None, end: int | None = None, notice: str | None = None) -> str:
    """The reading panel: the article as text, the span [start, end) in a <mark>."""
    text = article.text
    lo, hi = _window(len(text), start, end)
    meta = [m for m in (article.source, article.date) if m]
    meta.append(f"{len(text):,} characters")
    head = [f'<div class="qa-doc-title">{escape(article.title)}</div>',
            f'<div class="qa-doc-meta">{escape(" · ".join(meta))}</div>',
            f'<div class="qa-doc-id">{escape(article.id)}</div>']
    if article.url and article.url.startswith(("http://", "https://")):
        head.append(f'<div class="qa-doc-url">{escape(article.url)}</div>')
    if notice:
        head.append(f'<div class="qa-problem">{escape(notice)}</div>')
    if (lo, hi) != (0, len(text)):
        head.append(f'<div class="qa-note">Showing characters {lo:,}–{hi:,} of {len(text):,}.</div>')
    if start is None:
        body = escape(text[lo:hi])
    else:
        body = (escape(text[lo:start]) + f'<mark class="qa-hl" data-start="{start}" data-end="{end}">'
                + escape(text[start:end]) + "</mark>" + escape(text[end:hi]))
    return f'<div class="qa-doc"><div class="qa-doc-head">{"".join(head)}</div><div class="qa-doc-body">{body}</div></div>'


def _window(length: int, start: int | None, end: int | None) -> tuple[int, int]:
    if length <= MAX_SHOWN_CHARS:
        return 0, length
    if start is None:
        return 0, MAX_SHOWN_CHARS
    margin = max(0, (MAX_SHOWN_CHARS - (end - start)) // 2)
    lo = max(0, start - margin)
    return lo, min(length, max(end, lo + MAX_SHOWN_CHARS))


def reader_placeholder() -> str:
    return ('<div class="qa-doc qa-empty">Select a citation such as <b>[1]</b> in an answer, '
            "or an article in the Articles tab, to read it here with the quoted passage highlighted.</div>")


def report_html(report: IndexReport, verb: str = "Added", known: set[str] | frozenset[str] = frozenset()) -> str:
    """What an upload or removal did; added files that are articles (in ``known``) link to the reader."""
    parts = []
    if report.added:
        names = ", ".join(f'<a class="qa-open" href="{escape(link_target(a))}">{escape(a)}</a>' if a in known
                          else escape(a) for a in report.added)
        parts.append(f'<div class="qa-ok">{escape(verb)}: {names}. '
                     f"{report.articles:,} articles are indexed ({report.seconds:.1f}s).</div>")
    else:
        parts.append(f'<div class="qa-ok">{escape(verb)}. {report.articles:,} articles are indexed.</div>')
    if report.duplicates:
        n = len(report.duplicates)
        parts.append(f'<div class="qa-ok">{n} article{"s" if n != 1 else ""} in the upload '
                     f'{"were" if n != 1 else "was"} already in the corpus (duplicates), so indexed once.</div>')
    if report.problems:
        items = "".join(f"<li>{escape(p)}</li>" for p in report.problems)
        parts.append(f'<div class="qa-problem">Not indexed:<ul>{items}</ul></div>')
    return "".join(parts)


def problem_html(message: str) -> str:
    return f'<div class="qa-problem">{escape(message)}</div>'
