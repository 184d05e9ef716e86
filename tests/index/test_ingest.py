import json

import pytest

from index.ingest import IngestError, load_directory
from tests.conftest import DEFAULTS


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)


def test_every_format(tmp_path):
    write(tmp_path / "plain.txt", "\n  Title line\n\nBody text here.\n")
    write(tmp_path / "notes" / "story.md", "# Markdown title\n\nSome *markdown* body.")
    write(tmp_path / "page.html", "<html><head><title>Page title</title><script>alert(1)</script>"
          "<style>p{color:red}</style></head><body><article><p>The readable paragraph of the page "
          "that says something long enough to be kept by the extractor.</p></article></body></html>")
    write(tmp_path / "one.json", json.dumps({"title": "Json one", "text": "Json body.", "url": "http://x", "date": "2024-01-01"}))
    write(tmp_path / "many.json", json.dumps([{"title": "A", "text": "First."}, {"text": "Second record\nmore"}]))
    write(tmp_path / "lines.jsonl", '{"title": "L1", "text": "Line one.", "source": "wire"}\n\n{"title": "L3", "text": "Line three."}\n')
    result = load_directory(tmp_path, DEFAULTS.max_article_bytes)
    by_id = {a.id: a for a in result.articles}
    assert result.problems == []
    assert set(by_id) == {"plain.txt", "notes/story.md", "page.html", "one.json#1", "many.json#1", "many.json#2", "lines.jsonl#1", "lines.jsonl#3"}
    assert by_id["plain.txt"].text == "\n  Title line\n\nBody text here.\n"  # unchanged
    assert by_id["plain.txt"].title == "Title line"
    assert by_id["notes/story.md"].title == "Markdown title"
    page = by_id["page.html"]
    assert "readable paragraph" in page.text and "alert" not in page.text and "color" not in page.text
    assert page.title == "Page title"
    assert by_id["one.json#1"].url == "http://x" and by_id["one.json#1"].date == "2024-01-01"
    assert by_id["many.json#2"].title == "Second record"
    assert by_id["lines.jsonl#1"].source == "wire"


def test_bad_files_are_reported_and_good_ones_kept(tmp_path):
    write(tmp_path / "good.txt", "Good article.")
    write(tmp_path / "binary.txt", b"\x00\x01\x02\x03")
    write(tmp_path / "empty.md", "   \n")
    write(tmp_path / "image.png", b"\x89PNG....")
    write(tmp_path / "broken.json", "{not json")
    write(tmp_path / "mixed.jsonl", '{"text": "ok"}\nnot json\n{"title": "no text"}\n')
    write(tmp_path / "copy.txt", "Good article.")
    result = load_directory(tmp_path, DEFAULTS.max_article_bytes)
    # Files are read in sorted order, so the first copy of the duplicated text wins.
    assert sorted(a.id for a in result.articles) == ["copy.txt", "mixed.jsonl#1"]
    problems = {str(p) for p in result.problems}
    assert any(p.startswith("binary.txt") and "binary" in p for p in problems)
    assert any(p.startswith("empty.md") and "empty" in p for p in problems)
    assert any(p.startswith("image.png") and "unsupported" in p for p in problems)
    assert any(p.startswith("broken.json:1") and "malformed JSON" in p for p in problems)
    assert any(p.startswith("mixed.jsonl:2") for p in problems)
    assert any(p.startswith("mixed.jsonl#3:3") and "'text'" in p for p in problems)
    # A duplicate is no problem: its text is indexed once, under the first id.
    assert [str(d) for d in result.duplicates] == ["good.txt: duplicate of copy.txt; indexed once"]


def test_legacy_encoding_is_decoded(tmp_path):
    write(tmp_path / "latin.txt", "Price: £5".encode("cp1252"))
    assert load_directory(tmp_path, DEFAULTS.max_article_bytes).articles[0].text == "Price: £5"


def test_hidden_folders_are_not_ingested(tmp_path):
    write(tmp_path / ".qa-cache" / "index" / "x.txt", "cache")
    write(tmp_path / "a.txt", "article")
    assert [a.id for a in load_directory(tmp_path, DEFAULTS.max_article_bytes).articles] == ["a.txt"]


def test_missing_corpus_is_an_error(tmp_path):
    with pytest.raises(IngestError, match="not found"):
        load_directory(tmp_path / "nope", DEFAULTS.max_article_bytes)
