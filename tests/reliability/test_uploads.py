"""Uploads through ``Assistant.add_files``: every bad file gets a specific reason, nothing indexed is lost,
and no file name can write outside the corpus's upload folder or replace an existing file."""
from __future__ import annotations

import gzip
import json
import os
import random
import threading
from pathlib import Path

import pytest

from index.store import CONFIRMED

from qa import Assistant, QAError
from tests.conftest import copy_seeds
from tests.reliability.conftest import assert_brahimi_answered, assert_citations_exact

pytestmark = pytest.mark.slow

SEED_FILE = "000_0226462cf7c6313f.txt"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="module")
def assistant(workspace):
    return Assistant.from_directory(copy_seeds(workspace / "corpus"))


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (index included) with its bytes, but the freshness check's memo of
    files it found unchanged (index.store.CONFIRMED), which any question may write."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != CONFIRMED}


BAD_UPLOADS = [
    ("empty.txt", b"", "the file is empty"),
    ("blank.md", b" \n\t\r\n ", "the file is empty"),
    ("big.txt", b"word " * (1024 * 1024 + 1), "over the 5,242,880-byte upload limit"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary file"),
    ("archive.txt", gzip.compress(b"text " * 100), "binary file"),
    ("noise.txt", random.Random(6).randbytes(4096), "binary"),
    ("report.pdf", b"%PDF-1.4\nsome text", "unsupported type '.pdf'"),
    ("setup.exe", b"MZ\x90\x00", "unsupported type '.exe'"),
    ("README", b"plain words", "unsupported type 'none'"),
    ("data.json", b"this is not json", "must hold JSON records"),
    ("broken.json", b'[{"text": "first"},\n {"text": "second",\n', "malformed JSON"),
    ("records.jsonl", b'{"title": "no text"}\n[1, 2]\n\n{"text": 5}\n', "records.jsonl#1:1: record has no 'text' string"),
    ("deep.json", b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
    ("page.html", b"no markup here at all", "the content is not HTML"),
    ("scripts.html", b"<html><head><script>alert(1)</script><style>p{}</style></head><body></body></html>", "empty article"),
    ("copy.txt", (Path(__file__).parents[2] / "seeds" / SEED_FILE).read_bytes(), "already indexed"),
    ("../", b"text", "file name is empty"),
]


@pytest.mark.parametrize("name,data,reason", BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_bad_upload_is_rejected_with_its_reason_and_nothing_changes(assistant, workspace, name, data, reason):
    before = snapshot(workspace)
    with pytest.raises(QAError, match="Nothing was added") as error:
        assistant.add_files([(name, data)])
    assert reason in str(error.value)
    assert snapshot(workspace) == before
    assert_brahimi_answered(assistant)


def test_malformed_jsonl_keeps_good_records_and_reports_bad_lines(assistant):
    lines = [
        json.dumps({"title": "Harbour works", "text": "The harbour of Velmora reopened after a storm damaged the pier."}),
        "{broken",
        "",
        json.dumps({"title": "Bridge vote", "text": "Councillors in Velmora voted to rebuild the old stone bridge."}),
        json.dumps(["not", "an", "object"]),
    ]
    report = assistant.add_files([("mixed.jsonl", "\n".join(lines).encode())])
    assert report.added == ["uploads/mixed.jsonl"]
    problems = "\n".join(report.problems)
    assert "uploads/mixed.jsonl:2: malformed JSON record" in problems
    assert "uploads/mixed.jsonl#5:5: record is not a JSON object" in problems
    titles = {info.title for info in assistant.articles()}
    assert {"Harbour works", "Bridge vote"} <= titles
    # The good records are searchable (whether the reader is sure enough to answer is its own matter).
    passages = assistant.retrieve("What did councillors in Velmora vote to rebuild?", k=2)
    assert any("old stone bridge" in p.quote for p in passages)
    for p in passages:
        assert assistant.article(p.article).text[p.start:p.end] == p.quote
    assert_brahimi_answered(assistant)


def test_mixed_batch_adds_the_good_files_and_names_the_bad(assistant):
    good = b"Orchard report\n\nFarmers in the Tessin valley harvested a record crop of apricots this summer."
    report = assistant.add_files([("orchard.txt", good), ("scan.pdf", b"%PDF-1.7"), ("empty.md", b"")])
    assert report.added == ["uploads/orchard.txt"]
    assert any("scan.pdf" in p and "unsupported" in p for p in report.problems)
    assert any("empty.md" in p and "empty" in p for p in report.problems)
    assert assistant.article("uploads/orchard.txt").text == good.decode()


def test_legacy_encoded_upload_is_decoded(assistant):
    text = "Café prices\n\nIn Lisbon a coffee now costs €1.20, up from 90 cents, the café owners’ union said."
    report = assistant.add_files([("prices.txt", text.encode("cp1252"))])
    assert assistant.article(report.added[0]).text == text


def test_html_upload_keeps_the_article_and_drops_scripts(assistant):
    html = (
        b"<html><head><title>Dam opens</title><script>alert('head')</script>"
        b"<style>body{background:url(javascript:alert(2))}</style></head><body>"
        b"<img src=x onerror=\"alert('img')\"><article><p>Engineers opened the Karsfeld dam on Monday after "
        b"nine years of construction, the regional water authority said.</p><script>document.write('x')</script>"
        b"<p>The reservoir will supply drinking water to three towns.</p></article></body></html>"
    )
    report = assistant.add_files([("dam.html", html)])
    article = assistant.article(report.added[0])
    assert "Karsfeld dam" in article.text
    for payload in ("alert", "onerror", "<script", "document.write", "javascript:"):
        assert payload not in article.text and payload not in article.title
    answer = assistant.ask("When did engineers open the Karsfeld dam?")
    assert not answer.abstained and "Monday" in answer.text
    assert_citations_exact(assistant, answer)


def test_too_many_files_at_once(assistant, workspace):
    before = snapshot(workspace)
    files = [(f"n{i}.txt", f"Note {i} about the town of Velmora.".encode()) for i in range(assistant.settings.max_upload_files + 1)]
    with pytest.raises(QAError, match="Too many files at once \\(21\\); the limit is 20"):
        assistant.add_files(files)
    assert snapshot(workspace) == before


HOSTILE_NAMES = [
    "../../outside.txt", "/etc/cron.d/evil.txt", "..\\..\\windows.txt", "uploads/../../../up.txt",
    ".hidden.txt", "．．／．．／fullwidth.txt", "nul\x00byte.txt", "line\nbreak.txt", "CON.txt",
    "é" * 300 + ".txt", "北" * 300 + ".txt", "-rf.txt", "\u202etxt.exe.txt",
]


def test_hostile_file_names_stay_inside_the_upload_folder(assistant, workspace):
    corpus = Path(assistant.settings.corpus_dir)
    outside_before = {p for p in workspace.parent.rglob("*") if corpus not in p.parents and p != corpus}
    seed_before = (corpus / SEED_FILE).read_bytes()
    files = [(name, f"Upload {i}\n\nHarbour master note number {i} about ferry {i * 7}.".encode()) for i, name in enumerate(HOSTILE_NAMES)]
    report = assistant.add_files(files)
    assert len(report.added) == len(HOSTILE_NAMES)
    for added in report.added:
        path = (corpus / added).resolve()
        assert path.parent == (corpus / "uploads").resolve()
        assert not path.name.startswith(".") and len(path.name.encode()) <= 255
        assert "\x00" not in path.name and "\n" not in path.name and "/" not in path.name
    assert {p for p in workspace.parent.rglob("*") if corpus not in p.parents and p != corpus} == outside_before
    assert (corpus / SEED_FILE).read_bytes() == seed_before


def test_same_name_never_overwrites(assistant):
    first = assistant.add_files([("story.txt", b"Ferry story\n\nThe ferry to Osterholm sailed at dawn.")])
    second = assistant.add_files([("story.txt", b"Ferry story\n\nThe ferry to Osterholm was cancelled.")])
    assert first.added == ["uploads/story.txt"] and second.added == ["uploads/story-2.txt"]
    assert "sailed at dawn" in assistant.article("uploads/story.txt").text
    assert "cancelled" in assistant.article("uploads/story-2.txt").text


def test_concurrent_uploads_of_one_name_all_survive(assistant):
    errors: list[BaseException] = []

    def upload(i: int) -> None:
        try:
            assistant.add_files([("race.txt", f"Race {i}\n\nRunner {i} finished the Velmora marathon in place {i}.".encode())])
        except BaseException as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    texts = {assistant.article(a.id).text for a in assistant.articles() if a.id.startswith("uploads/race")}
    assert {f"Race {i}\n\nRunner {i} finished the Velmora marathon in place {i}." for i in range(4)} == texts


def test_failed_indexing_removes_the_upload_and_keeps_the_index(assistant, workspace):
    lock = assistant.settings.resolved_index_dir / ".lock"
    lock.unlink()
    lock.mkdir()  # the writer cannot take its lock, so indexing fails after the file was written
    try:
        before = snapshot(Path(assistant.settings.corpus_dir))
        with pytest.raises(QAError, match="nothing was added"):
            assistant.add_files([("late.txt", b"Late news\n\nThe Velmora library closes early on Fridays.")])
        assert snapshot(Path(assistant.settings.corpus_dir)) == before
    finally:
        os.rmdir(lock)
    assert_brahimi_answered(assistant)
    assert assistant.add_files([("late.txt", b"Late news\n\nThe Velmora library closes early on Fridays.")]).added == ["uploads/late.txt"]


@pytest.mark.parametrize("article_id,message", [
    ("../../outside.txt", "No article with id"),
    ("/etc/passwd", "No article with id"),
    ("uploads", "No article with id"),
])
def test_removal_only_touches_indexed_files(assistant, workspace, article_id, message):
    before = snapshot(workspace)
    with pytest.raises(QAError, match=message):
        assistant.remove_article(article_id)
    assert snapshot(workspace) == before


def test_removing_an_upload_keeps_everything_else(assistant):
    assistant.add_files([("gone.txt", b"Short-lived\n\nThe Velmora zoo bought a second elephant."),
                         ("pair.jsonl", b'{"text": "The zoo opened at nine."}\n{"text": "The zoo closed at six."}')])
    with pytest.raises(QAError, match="one record of uploads/pair.jsonl; remove that file instead"):
        assistant.remove_article("uploads/pair.jsonl#1")
    others = {info.id for info in assistant.articles()} - {"uploads/gone.txt"}
    assistant.remove_article("uploads/gone.txt")
    assert {info.id for info in assistant.articles()} == others
    assert not (Path(assistant.settings.corpus_dir) / "uploads" / "gone.txt").exists()
    assert_brahimi_answered(assistant)


def test_upload_report_speaks_only_of_the_uploaded_files(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    seed_text = (corpus / SEED_FILE).read_text(encoding="utf-8")
    (corpus / "old-copy.txt").write_text(seed_text, encoding="utf-8")  # an old problem of the corpus
    assistant = Assistant.from_directory(corpus)
    assert any("old-copy.txt" in d for d in assistant.last_report.duplicates)
    records = [{"title": "Ferry timetable", "text": "The night ferry to Salt Island now leaves at 23:40."},
               {"title": "Copy", "text": seed_text}, {"title": "Copy again", "text": seed_text}, "not a record"]
    report = assistant.add_files([("feed.jsonl", "\n".join(json.dumps(r) for r in records).encode())])
    assert report.added == ["uploads/feed.jsonl"]
    assert report.problems == ["uploads/feed.jsonl#4:4: record is not a JSON object"]
    # Duplicates are no problem: they stay apart, and only the upload's own are reported.
    assert report.duplicates == [f"uploads/feed.jsonl#{n}: duplicate of {SEED_FILE}; indexed once" for n in (2, 3)]
    assert any("old-copy.txt" in d for d in assistant.last_report.duplicates)  # the corpus's own are kept there
    assert assistant.article("uploads/feed.jsonl#1").title == "Ferry timetable"
