"""Limiting a session's questions to chosen articles, sources or dates (``qa.Scope``)."""
from __future__ import annotations

from dataclasses import replace
from html import escape
from urllib.parse import urlencode

from qa import QAError, Scope
from qa.types import article_day
from ui.chat import ChatSession

LABEL = "Limit the search"


class ScopeControls:
    def __init__(self, assistant):
        self.assistant = assistant

    def session(self, session: ChatSession | None) -> ChatSession:
        return session or ChatSession(self.assistant.conversation())

    def sources(self) -> list[str]:
        return sorted({i.source for i in self.assistant.articles() if i.source})

    def toggle_article(self, session: ChatSession, article_id: str) -> None:
        chosen = session.scope.articles
        articles = tuple(a for a in chosen if a != article_id) if article_id in chosen else (*chosen, article_id)
        session.scope = replace(session.scope, articles=articles)

    def clear_articles(self, session: ChatSession) -> None:
        session.scope = replace(session.scope, articles=())

    def set_filters(self, session: ChatSession, sources: list[str] | None, date_from: str, date_to: str) -> str | None:
        """Applies the sources and dates; the problem to show when a date cannot be used (scope unchanged)."""
        try:
            session.scope = Scope(session.scope.articles, tuple(sources or ()), (date_from or "").strip() or None,
                                  (date_to or "").strip() or None)
        except QAError as exc:
            return str(exc)
        return None

    def label(self, session: ChatSession | None) -> str:
        scope = session.scope if session else Scope()
        return LABEL if scope.is_empty else f"{LABEL}: {scope}"

    def summary_html(self, session: ChatSession | None, problem: str | None = None) -> str:
        scope = session.scope if session else Scope()
        infos = self.assistant.articles()
        parts = []
        if problem:
            parts.append(f'<div class="qa-problem">{escape(problem)}</div>')
        if scope.is_empty:
            parts.append(f'<div class="qa-note">Questions are answered from all {len(infos):,} articles. '
                         "Choose sources or dates below, or “Limit to” articles in the Articles tab.</div>")
        else:
            matching = sum(scope.allows(i.id, i.source, article_day(i.date)) for i in infos)
            parts.append(f'<div class="qa-note">Questions are answered from {escape(str(scope))}: '
                         f'{matching:,} of {len(infos):,} articles.</div>')
        if scope.articles:
            titles = {i.id: i.title for i in infos}
            chips = "".join(
                f'<span class="qa-chip"><span class="qa-chip-t" title="{escape(a)}">{escape(titles.get(a, a))}</span>'
                f'<a class="qa-act" href="#qa-unscope:{urlencode({"a": a})}" aria-label="Stop limiting to this article">×</a></span>'
                for a in scope.articles)
            parts.append(f'<div class="qa-chips">{chips}<a class="qa-act" href="#qa-unscope:all=1">Clear articles</a></div>')
        return "".join(parts)
