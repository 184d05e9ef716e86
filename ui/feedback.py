"""Thumbs up/down on an answer: saved locally as JSON Lines (``qa.feedback``), shown on the answer."""
from __future__ import annotations

import logging

from qa import QAError
from qa.feedback import record_feedback
from ui.chat import ChatSession

log = logging.getLogger(__name__)


class FeedbackHandler:
    def __init__(self, assistant):
        self.path = assistant.settings.resolved_feedback_file

    def rate(self, session: ChatSession | None, data: dict) -> str | None:
        """Records the rating and updates the answer's bubble; a message for the user where it failed."""
        entry = session.entry(str(data.get("answer", ""))) if session else None
        if entry is None or entry.answer is None or entry.stopped:
            return "That answer is no longer in this conversation."
        rating = str(data.get("rating", ""))
        try:
            record_feedback(self.path, entry.id, rating, entry.answer, session.scope)
        except QAError as exc:
            return str(exc)
        except OSError as exc:
            log.warning("could not write %s: %s", self.path, exc)
            return f"The rating could not be saved ({exc.strerror or exc})."
        entry.rating = rating if rating in ("up", "down") else None
        entry.bubble["content"] = entry.render()
        return None
