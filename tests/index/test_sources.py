"""Freshness: a snapshot of the corpus sees every change at any depth, and only real ones."""
import os
import time

import pytest

from index.ingest import load_directory
from index.sources import RACY_NS, Snapshot, stamp, walk
from tests.conftest import DEFAULTS


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    write(root / "top.txt", "Top story\n\nThe top story.")
    write(root / "desk" / "local" / "harbour.txt", "Harbour\n\nThe harbour reopened on Monday.")
    write(root / "desk" / "world" / "summit.md", "# Summit\n\nLeaders met in Oslo.")
    write(root / ".qa-cache" / "index" / "x.txt", "hidden: never part of the corpus")
    return root


def snapshot_of(root) -> Snapshot:
    return Snapshot(load_directory(root, DEFAULTS.max_article_bytes).sources)


def settled(snapshot: Snapshot) -> Snapshot:
    """As if indexed long ago: every stamp old enough to be trusted on its own."""
    for entry in snapshot.files.values():
        entry.seen_ns += 2 * RACY_NS
    return snapshot


def test_walk_is_ordered_and_skips_hidden_names(corpus):
    assert [rel for rel, _ in walk(corpus)] == ["top.txt", "desk/local/harbour.txt", "desk/world/summit.md"]


def test_nothing_changed_is_no_change(corpus):
    assert not settled(snapshot_of(corpus)).changes(corpus)


@pytest.mark.parametrize("change, expected", [
    (lambda root: os.remove(root / "desk" / "local" / "harbour.txt"), ((), (), ("desk/local/harbour.txt",))),
    (lambda root: write(root / "desk" / "local" / "new" / "pier.txt", "Pier"), (("desk/local/new/pier.txt",), (), ())),
    (lambda root: write(root / "desk" / "world" / "summit.md", "# Summit\n\nLeaders met in Rome."),
     ((), ("desk/world/summit.md",), ())),
    (lambda root: os.rename(root / "top.txt", root / "lead.txt"), (("lead.txt",), (), ("top.txt",))),
    (lambda root: os.rename(root / "desk" / "local" / "harbour.txt", root / "desk" / "world" / "harbour.txt"),
     (("desk/world/harbour.txt",), (), ("desk/local/harbour.txt",))),
    (lambda root: __import__("shutil").rmtree(root / "desk"),
     ((), (), ("desk/local/harbour.txt", "desk/world/summit.md"))),
])
def test_every_kind_of_change_at_any_depth_is_found(corpus, change, expected):
    snapshot = settled(snapshot_of(corpus))
    change(corpus)
    changes = snapshot.changes(corpus)
    assert (changes.added, changes.modified, changes.removed) == expected


def test_a_rewrite_within_the_same_clock_tick_is_found_by_content(corpus):
    # Rewritten right after it was read, within one tick of the file system's clock: size, mtime
    # and ctime all stay as recorded, so only the content hash can tell.
    rel = "desk/local/harbour.txt"
    path = corpus / rel
    snapshot = snapshot_of(corpus)
    path.write_text(path.read_text(encoding="utf-8").replace("Monday", "Sunday"), encoding="utf-8")
    snapshot.files[rel].stamp = stamp(path.stat())  # what the coarse clock leaves
    assert snapshot.changes(corpus).modified == (rel,)
    # A stamp taken well after the file's last write is trusted as it is: nothing is read.
    assert not settled(snapshot).changes(corpus)


def test_touching_a_file_without_changing_it_is_no_change(corpus):
    snapshot = settled(snapshot_of(corpus))
    path = corpus / "top.txt"
    earlier = time.time_ns() - 3 * RACY_NS
    os.utime(path, ns=(earlier, earlier))
    assert not snapshot.changes(corpus)
    # Its content was confirmed: the new stamp is kept, so once trusted it is not hashed again.
    assert snapshot.files["top.txt"].stamp == stamp(path.stat())


def test_a_missing_corpus_means_every_file_removed(corpus, tmp_path):
    snapshot = snapshot_of(corpus)
    assert snapshot.changes(tmp_path / "gone").removed == ("desk/local/harbour.txt", "desk/world/summit.md", "top.txt")


def test_snapshot_survives_json_and_knows_which_articles_came_from_which_file(corpus):
    write(corpus / "feed.jsonl", '{"text": "One."}\n{"text": "Two."}\n{"text": "One."}\n')
    snapshot = Snapshot.from_json(snapshot_of(corpus).to_json())
    assert snapshot.article_ids(["desk/local/harbour.txt"]) == {"desk/local/harbour.txt"}
    # A file with a duplicate record is not complete: it is read again rather than reused.
    assert snapshot.files["feed.jsonl"].articles is None
    assert snapshot.files["top.txt"].sha256 and snapshot.files["top.txt"].articles == ("top.txt",)


def test_contents_confirmed_by_hash_are_remembered_for_the_next_process(corpus, tmp_path):
    data = snapshot_of(corpus).to_json()  # just written: no stamp is trusted yet
    confirmations = tmp_path / ".sources-confirmed"
    first = Snapshot.from_json(data, confirmations)
    assert not first.changes(corpus)
    second = Snapshot.from_json(data, confirmations)
    assert {rel: (e.stamp, e.seen_ns) for rel, e in second.files.items()} == \
        {rel: (e.stamp, e.seen_ns) for rel, e in first.files.items()}
    (corpus / "top.txt").write_text("Top story\n\nA different story.", encoding="utf-8")
    assert Snapshot.from_json(data, confirmations).changes(corpus).modified == ("top.txt",)
