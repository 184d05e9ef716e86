"""The conversation kept in the browser (localStorage), so a reload shows it again and follow-ups still work.

The browser keeps each finished turn's answer as data, not HTML: a restored page is rendered by the
current code, and the answers rebuild the conversation that follow-ups are resolved against.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import fields

from qa import Answer, Citation, Passage
from qa.conversation import Turn
from ui.chat import ChatSession, Entry, _bot
from ui.render import question_html

log = logging.getLogger(__name__)

# Enough for a working day's conversation; localStorage holds about 5 MB per site.
HISTORY_TURNS = 50


def storage_key(assistant) -> str:
    """One history per index: a page served from another corpus on the same port starts empty."""
    return "article-qa-" + hashlib.sha256(str(assistant.settings.resolved_index_dir.resolve()).encode()).hexdigest()[:16]


def saved(session: ChatSession | None) -> dict:
    if session is None:
        return {"turns": []}
    # What each answered turn's pronoun was read as, so a follow-up after a reload keeps its subject.
    stood_for = {id(turn.answer): turn.stood_for for turn in session.conversation.turns}
    turns = []
    for entry in session.entries:
        if not entry.done:
            continue
        answer = None
        if entry.answer is not None and not entry.stopped:
            answer = {k: v for k, v in entry.answer.to_dict().items() if k != "retrieved"}
        turns.append({"id": entry.id, "question": entry.question, "answer": answer, "note": entry.note,
                      "error": entry.error, "rating": entry.rating, "stopped": entry.stopped,
                      "stood_for": stood_for.get(id(entry.answer), {})})
    return {"turns": turns[-HISTORY_TURNS:]}


def restored(assistant, data: object) -> ChatSession | None:
    """The session a saved history describes; None when there is nothing (usable) to restore."""
    turns = data.get("turns") if isinstance(data, dict) else None
    if not turns:
        return None
    session = ChatSession(assistant.conversation())
    for turn in turns[-HISTORY_TURNS:]:
        try:
            entry = _entry(turn)
        except (AttributeError, KeyError, TypeError, ValueError):
            log.warning("skipped a saved turn that could not be read")
            continue
        session.messages += [{"role": "user", "content": question_html(entry.question)}, entry.bubble]
        session.entries.append(entry)
        if entry.answer is not None:
            session.conversation.turns.append(Turn(entry.question, entry.answer, _stood_for(turn.get("stood_for"))))
    return session if session.entries else None


def _entry(turn: dict) -> Entry:
    answer = turn.get("answer")
    entry = Entry(str(turn["id"]), str(turn["question"]), _bot(""),
                  answer=_answer(answer) if answer else None, note=turn.get("note"), error=turn.get("error"),
                  rating=turn.get("rating") if turn.get("rating") in ("up", "down") else None,
                  stopped=bool(turn.get("stopped")), answered=True, done=True)
    if entry.answer is None and entry.error is None:
        entry.stopped = True
    entry.bubble["content"] = entry.render()
    return entry


def _stood_for(data: object) -> dict[str, str]:
    """A saved kind -> referent map; anything else (an older or edited history) reads as none."""
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _answer(data: dict) -> Answer:
    values = _known(Answer, data)
    values["citations"] = [Citation(**_known(Citation, c)) for c in data.get("citations") or []]
    values["see_also"] = [Passage(**_known(Passage, p)) for p in data.get("see_also") or []]
    values["retrieved"] = []
    return Answer(**values)


def _known(cls, data: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}

