"""A session's questions on the real seed index: in order, stoppable, kept in the browser's history."""
from __future__ import annotations

import threading
import time

import pytest

from ui import history
from ui.chat import TURN_WAIT_SECONDS, ChatSession, _answer, make_responder, too_long

pytestmark = pytest.mark.slow

BRAHIMI = "Who met Brahimi?"
FOLLOW_UP = "What did he discuss?"


def run(generator) -> list:
    return list(generator)


def test_a_follow_up_sent_early_waits_for_the_turn_before_it(seed_assistant):
    respond = make_responder(seed_assistant)
    session = ChatSession(seed_assistant.conversation())
    first, second = respond(BRAHIMI, session), respond(FOLLOW_UP, session)
    next(first)
    next(second)  # both questions are shown, in this order, before either is answered
    follow_up = threading.Thread(target=run, args=(second,))
    follow_up.start()
    time.sleep(0.5)
    assert follow_up.is_alive() and session.entries[1].answer is None, "the follow-up did not wait its turn"
    run(first)
    follow_up.join(timeout=60)
    assert [t.question for t in session.conversation.turns] == [BRAHIMI, FOLLOW_UP]
    assert "Assad" in session.entries[1].note
    assert all(e.done for e in session.entries) and not session.busy


def test_an_over_long_question_stays_in_the_box_and_is_not_asked(seed_assistant):
    respond = make_responder(seed_assistant)
    session = ChatSession(seed_assistant.conversation())
    limit = seed_assistant.settings.max_question_chars
    steps = run(respond("why " * limit, session))
    assert len(steps) == 1 and steps[0][0] is not None and steps[0][0] != ""  # gr.skip(): the box keeps its text
    assert session.messages == [] and session.conversation.turns == []
    assert "limit is 2,000" in too_long("x" * (limit + 1), limit)
    assert too_long("  ".join(["x"] * (limit // 2)), limit) is None  # runs of spaces count once, as when asked


def test_a_stopped_question_leaves_no_turn_behind(seed_assistant):
    session = ChatSession(seed_assistant.conversation())
    entry = session.add(BRAHIMI)
    session.stop()
    assert "Stopped" in entry.bubble["content"] and not session.busy
    _answer(session, entry)  # an answer that finishes after Stop is dropped with its turn
    assert session.conversation.turns == []
    respond = make_responder(seed_assistant)
    run(respond("Who defected from the Syrian military police?", session))
    assert len(session.conversation.turns) == 1


def test_history_restores_the_page_and_the_conversation(seed_assistant):
    respond = make_responder(seed_assistant)
    session = ChatSession(seed_assistant.conversation())
    run(respond(BRAHIMI, session))
    rated = session.entries[0]
    rated.rating = "up"
    rated.bubble["content"] = rated.render()
    saved = history.saved(session)

    restored = history.restored(seed_assistant, saved)
    assert [m["content"] for m in restored.messages] == [m["content"] for m in session.messages]
    assert "qa-on" in restored.messages[1]["content"]  # the rating shows again
    started = time.monotonic()
    run(respond(FOLLOW_UP, restored))
    assert "Assad" in restored.entries[1].note, "the restored conversation was not used for the follow-up"
    assert time.monotonic() - started < TURN_WAIT_SECONDS / 2, "the follow-up waited for a restored turn"
    # What "he" was read as survives a second reload, so the next follow-up keeps the same subject.
    reloaded = history.restored(seed_assistant, history.saved(restored))
    assert reloaded.conversation.turns[-1].stood_for == restored.conversation.turns[-1].stood_for != {}
    edited = history.saved(restored)
    edited["turns"][-1]["stood_for"] = ["not", "a", "map"]
    assert history.restored(seed_assistant, edited).conversation.turns[-1].stood_for == {}


@pytest.mark.parametrize("stored", [None, {}, {"turns": "x"}, {"turns": [{"question": "no id"}]}, [1, 2]])
def test_unreadable_history_starts_an_empty_chat(seed_assistant, stored):
    assert history.restored(seed_assistant, stored) is None
