"""The chat: one conversation per browser session, answers streamed into the chat as they render."""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field

from qa import Answer, QAError
from ui import render

log = logging.getLogger(__name__)

EXAMPLES = ["Who met Brahimi?", "Why did the general say he defected?"]
# The answer is computed in one go; streaming it in a few steps over a fraction of a second shows
# progress without making anyone wait for the animation.
STREAM_STEPS = 12
STREAM_SECONDS = 0.5


@dataclass
class ChatSession:
    conversation: object
    messages: list[dict] = field(default_factory=list)

    def reset(self) -> None:
        self.conversation.reset()
        self.messages.clear()


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


def make_responder(assistant):
    import gradio as gr

    def respond(question: str, session: ChatSession | None):
        session = session or ChatSession(assistant.conversation())
        if not question or not question.strip():
            gr.Info("Type a question about the articles first.")
            yield gr.skip(), session.messages, session
            return
        session.messages.append({"role": "user", "content": render.question_html(question)})
        # This event's own bubble, updated in place: another question may be sent before this
        # answer is done, and "New chat" may drop the bubble altogether.
        bubble = _bot(render.thinking_html())
        session.messages.append(bubble)
        yield "", session.messages, session
        note = follow_up_note(session.conversation, question)
        answer = _ask(session, question)
        if not isinstance(answer, Answer):
            bubble["content"] = render.error_html(answer)
            yield gr.skip(), session.messages, session
            return
        # From here on the question box is left alone: the user may already be typing the next one.
        for shown in stream_points(answer.text)[:-1]:
            if not any(m is bubble for m in session.messages):
                return
            bubble["content"] = render.answer_html(answer, shown, note)
            yield gr.skip(), session.messages, session
            time.sleep(STREAM_SECONDS / STREAM_STEPS)
        bubble["content"] = render.answer_html(answer, None, note)
        yield gr.skip(), session.messages, session

    return respond


def _ask(session: ChatSession, question: str) -> Answer | str:
    """The answer, or the message to show instead (never a traceback)."""
    try:
        return session.conversation.ask(question)
    except QAError as exc:
        return str(exc)
    except Exception:
        log.exception("answering %r failed", question[:200])
        return "Something went wrong while answering. Please try again."


def new_conversation(session: ChatSession | None):
    if session is not None:
        session.reset()
    return [], session
