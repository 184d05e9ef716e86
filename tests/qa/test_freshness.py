"""What is answered is what is on disk: a change anywhere under the corpus is re-indexed before
answering (reading only the changed files), or, with re-indexing off, never cited and named."""
import os
from pathlib import Path

import pytest

from qa import Assistant, QAError, Settings
from tests.conftest import copy_seeds

pytestmark = pytest.mark.slow

HARBOUR = "desk/local/harbour.txt"
HARBOUR_TEXT = "Harbour reopens\n\nThe Velmora harbour reopened on Tuesday after the storm, the port authority said.\n"
QUESTION = "When did the Velmora harbour reopen?"


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = copy_seeds(tmp_path / "corpus")
    (root / "desk" / "local").mkdir(parents=True)
    (root / HARBOUR).write_text(HARBOUR_TEXT, encoding="utf-8")
    return root


def named(answer) -> set[str]:
    """Every article the answer quotes from, in citations, "see also" or retrieved passages."""
    return {p.article for p in [*answer.citations, *answer.see_also, *answer.retrieved]}


def assert_quotes_match_disk(corpus: Path, answer) -> None:
    for passage in [*answer.citations, *answer.see_also, *answer.retrieved]:
        text = (corpus / passage.article).read_text(encoding="utf-8")
        assert text[passage.start:passage.end] == passage.quote


def test_a_file_deleted_in_a_subfolder_is_never_cited_again(corpus):
    # Issue 10: only the files' and the top folder's mtimes were compared, so this went unseen.
    warm = Assistant.from_directory(corpus)
    assert HARBOUR in named(warm.ask(QUESTION))
    os.remove(corpus / HARBOUR)
    cold = Assistant.open(corpus)  # a new process, as `qa ask` starts
    for assistant in (cold, warm):
        answer = assistant.ask(QUESTION)
        assert HARBOUR not in named(answer)
        assert_quotes_match_disk(corpus, answer)
        assert HARBOUR not in {a.id for a in assistant.articles()}


def test_a_changed_file_is_reindexed_alone_and_old_citations_turn_stale(corpus):
    assistant = Assistant.from_directory(corpus)
    before = assistant.ask(QUESTION)
    assert before.citations and before.citations[0].article == HARBOUR
    (corpus / HARBOUR).write_text(HARBOUR_TEXT.replace("Tuesday", "Friday"), encoding="utf-8")
    assert assistant.citation_status(before.citations[0]) == "stale"
    after = assistant.ask(QUESTION)
    assert "Friday" in after.citations[0].quote and "Tuesday" not in after.text
    assert_quotes_match_disk(corpus, after)
    assert assistant.last_report.files_read == 1  # the seed article was not read again
    assert after.timings["freshness"] > 0 and set(after.timings) >= {"embed_query", "search", "read"}


def test_an_upload_deleted_by_hand_is_no_longer_served(corpus):
    assistant = Assistant.from_directory(corpus)
    report = assistant.add_files([("pier.txt", b"Pier closes\n\nThe Ostrava pier closed on Sunday for repairs.\n")])
    assert report.added == ["uploads/pier.txt"]
    answer = assistant.ask("When did the Ostrava pier close?")
    assert "uploads/pier.txt" in {c.article for c in answer.citations}
    os.remove(corpus / "uploads" / "pier.txt")
    assert assistant.citation_status(answer.citations[0]) == "missing"
    assert "uploads/pier.txt" not in named(assistant.ask("When did the Ostrava pier close?"))


def test_without_reindexing_what_changed_is_not_cited_and_the_answer_says_so(corpus):
    Assistant.from_directory(corpus)
    assistant = Assistant.open(corpus, Settings.from_env(auto_reindex=False))
    generation = assistant.index.path
    cited = assistant.ask(QUESTION).citations[0]
    (corpus / HARBOUR).write_text(HARBOUR_TEXT.replace("Tuesday", "Friday"), encoding="utf-8")
    (corpus / "desk" / "new.txt").write_text("New\n\nThe Velmora harbour got a new crane.\n", encoding="utf-8")
    answer = assistant.ask(QUESTION)
    assert HARBOUR not in named(answer) and "desk/new.txt" not in named(answer)
    assert sorted(answer.left_out) == [HARBOUR, "desk/new.txt"]
    assert "Not searched: 2 files changed on disk" in answer.text and "run `qa index`" in answer.text
    assert assistant.citation_status(cited) == "stale"
    with pytest.raises(QAError, match="changed on disk"):
        assistant.article(HARBOUR)
    assert assistant.index.path == generation  # nothing was re-indexed
    # Once the file is back as it was, it is cited again.
    (corpus / HARBOUR).write_text(HARBOUR_TEXT, encoding="utf-8")
    os.remove(corpus / "desk" / "new.txt")
    again = assistant.ask(QUESTION)
    assert HARBOUR in named(again) and again.left_out == []
