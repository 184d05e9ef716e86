"""The chat: one conversation per browser session, answers streamed into the chat as they render.

A session answers its questions one at a time, in the order they were shown: a follow-up is read
against the turns answered before it, never against one still being worked on. "Stop" marks the
session's unanswered questions as stopped; an answer that finishes after that is dropped, and its
turn with it, so later follow-ups never refer to something the user did not see.
"""
from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

from qa import Answer, QAError, Scope
from ui import render

log = logging.getLogger(__name__)

# The answer is computed in one go; streaming it in a few steps over a fraction of a second shows
# progress without making anyone wait for the animation.
STREAM_STEPS = 12
STREAM_SECONDS = 0.5
# A question waits at most this long for the session's earlier ones (whose requests may have been
# dropped by a closed page) before it is answered anyway.
TURN_WAIT_SECONDS = 120


@dataclass(eq=False)
class Entry:
    """One question and what is shown for it."""

    id: str
    question: str
    bubble: dict
    answer: Answer | None = None
    note: str | None = None
    error: str | None = None
    rating: str | None = None
    stopped: bool = False
    answered: bool = False  # asked (or stopped first): later questions of the session may go ahead
    done: bool = False  # nothing more will change in its bubble

    def render(self, shown_chars: int | None = None) -> str:
        if self.stopped:
            return render.stopped_html()
        if self.error is not None:
            return render.error_html(self.error)
        if self.answer is None:
            return render.thinking_html()
        return render.answer_html(self.answer, shown_chars, self.note, self.id if shown_chars is None else None,
                                  self.rating)


@dataclass
class ChatSession:
    conversation: object
    messages: list[dict] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    scope: Scope = field(default_factory=Scope)
    # Notified whenever a question has been answered, so the next one in line can go.
    _answered: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def add(self, question: str) -> Entry:
        entry = Entry(uuid.uuid4().hex[:16], question, _bot(render.thinking_html()))
        self.messages += [{"role": "user", "content": render.question_html(question)}, entry.bubble]
        self.entries.append(entry)
        return entry

    def entry(self, entry_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    @property
    def busy(self) -> bool:
        return any(not e.done for e in self.entries)

    def answer_in_turn(self, entry: Entry, answer: Callable[[], None]) -> None:
        """Runs ``answer`` once every question asked before ``entry`` has been answered or stopped."""
        def earlier_answered() -> bool:
            if entry not in self.entries:  # the chat was cleared meanwhile
                return True
            return all(e.answered for e in self.entries[:self.entries.index(entry)])

        with self._answered:
            self._answered.wait_for(earlier_answered, timeout=TURN_WAIT_SECONDS)
        try:
            answer()
        finally:
            with self._answered:
                entry.answered = True
                self._answered.notify_all()

    def stop(self) -> None:
        with self._answered:
            for entry in self.entries:
                if not entry.done:
                    entry.stopped = entry.done = entry.answered = True
                    entry.bubble["content"] = entry.render()
            self._answered.notify_all()

    def reset(self) -> None:
        self.stop()
        self.conversation.reset()
        self.messages.clear()
        self.entries.clear()


def _bot(content: str) -> dict:
    return {"role": "assistant", "content": content}


def follow_up_note(conversation, question: str) -> str | None:
    """How a follow-up was read, so the user can see which earlier turn it used."""
    try:
        rewritten, context = conversation.resolve(question)
    except Exception:  # the note is a courtesy; never let it stop an answer
        return None
    if rewritten.strip() != question.strip():
        return f"Follow-up, read as: “{rewritten}”"
    if context:
        return "Follow-up: the earlier questions were used to search."
    return None


def stream_points(text: str) -> list[int]:
    """Prefix lengths at word boundaries, about STREAM_STEPS of them, ending with the whole text."""
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    step = max(1, len(ends) // STREAM_STEPS)
    return ends[step - 1::step][:-1] + [len(text)]


def too_long(question: str, limit: int) -> str | None:
    """The message for a question over the limit (counted as the assistant counts: runs of spaces as one)."""
    length = len(" ".join(question.split()))
    if length <= limit:
        return None
    return f"The question is {length:,} characters long; the limit is {limit:,}. It is still in the box: shorten it and ask again."


def make_responder(assistant):
    import gradio as gr

    limit = assistant.settings.max_question_chars

    def respond(question: str, session: ChatSession | None):
        session = session or ChatSession(assistant.conversation())
        if not question or not question.strip():
            gr.Info("Type a question about the articles first.")
            yield gr.skip(), session.messages, session
            return
        message = too_long(question, limit)
        if message:
            gr.Warning(message)
            yield gr.skip(), session.messages, session  # the text stays in the box, to be shortened
            return
        entry = session.add(question)
        yield "", session.messages, session

        def answer() -> None:
            if not entry.stopped:
                entry.note = follow_up_note(session.conversation, question)
                _answer(session, entry)

        session.answer_in_turn(entry, answer)
        if entry.stopped:
            return
        if entry.answer is not None:
            # From here on the question box is left alone: the user may already be typing the next one.
            for shown in stream_points(entry.answer.text)[:-1]:
                if entry.stopped or entry not in session.entries:
                    return
                entry.bubble["content"] = entry.render(shown)
                yield gr.skip(), session.messages, session
                time.sleep(STREAM_SECONDS / STREAM_STEPS)
        if entry.stopped:
            return
        entry.done = True
        entry.bubble["content"] = entry.render()
        yield gr.skip(), session.messages, session

    return respond


def _answer(session: ChatSession, entry: Entry) -> None:
    """Sets the entry's answer, or the message to show instead (never a traceback)."""
    turns = len(session.conversation.turns)
    try:
        entry.answer = session.conversation.ask(entry.question, scope=session.scope)
    except QAError as exc:
        entry.error = str(exc)
    except Exception:
        log.exception("answering %r failed", entry.question[:200])
        entry.error = "Something went wrong while answering. Please try again."
    if entry.stopped:
        del session.conversation.turns[turns:]  # stopped while it was being answered: forget it


def new_conversation(session: ChatSession | None):
    if session is not None:
        session.reset()
    return [], session
