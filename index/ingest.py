"""Read a directory of articles in every supported format, reporting bad files instead of failing.

Ids are paths relative to the corpus directory, plus ``#n`` for the n-th record (1-based)
of a JSON array or the record on line n of a JSONL file.
"""
from __future__ import annotations

import json
import os
import re
import stat
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from index.articles import Article, title_from_text
from index.sources import UNREADABLE, Changes, Snapshot, SourceFile, read_source, sha256, walk

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
DUPLICATE_MARK = "duplicate of "  # begins the reason given for an article whose text was already read


@dataclass(frozen=True)
class IngestProblem:
    """A file (or one record of it) that was not ingested, and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass
class IngestResult:
    articles: list[Article] = field(default_factory=list)
    # Files or records that could not be read or parsed.
    problems: list[IngestProblem] = field(default_factory=list)
    # Records whose text an earlier article already has: indexed once, under the earlier id.
    duplicates: list[IngestProblem] = field(default_factory=list)
    # Every corpus file as it was read, for freshness checks (index/sources.py).
    sources: dict[str, SourceFile] = field(default_factory=dict)


class IngestError(ValueError):
    """Raised for a corpus that cannot be read at all (missing, not a directory)."""


# Files known unchanged since an earlier read: their entry and the articles read from them then.
Reused = Mapping[str, tuple[SourceFile, list[Article]]]


def load_directory(root: str | os.PathLike, max_bytes: int, reuse: Reused | None = None) -> IngestResult:
    """Every file under ``root`` (see ``index.sources.walk``); files in ``reuse`` are not read again."""
    root = Path(root)
    if not root.exists():
        raise IngestError(f"corpus directory not found: {root}")
    if not root.is_dir():
        raise IngestError(f"corpus path is not a directory: {root}")
    result = IngestResult()
    seen_hashes: dict[str, str] = {}
    for rel, path in walk(root):
        kept = reuse.get(rel) if reuse else None
        if kept is not None:
            source, file_result = kept[0], IngestResult(articles=list(kept[1]))
        else:
            source, file_result = _read_file(Path(path), rel, max_bytes)
        result.problems.extend(file_result.problems)
        ids = _keep_first(file_result, seen_hashes, result.duplicates, result.articles)
        result.sources[rel] = replace(source, articles=ids)
    return result


class _OutOfOrder(Exception):
    """A duplicate comes before, in walk order, the copy already kept."""


def _keep_first(file_result: IngestResult, owners: dict[str, str], duplicates: list[IngestProblem],
                kept: list[Article]) -> tuple[str, ...] | None:
    """Append the file's articles to ``kept`` except texts another article has (``owners``: hash -> id
    of the copy kept, the first in walk order); the ids kept, or None where the file was not wholly
    indexed (a problem or a duplicate), so it must be read again next time."""
    complete = not file_result.problems
    ids = []
    for article in file_result.articles:
        owner = owners.setdefault(article.hash, article.id)
        if owner != article.id:
            if walk_key(owner) > walk_key(article.id):
                raise _OutOfOrder(article.id)
            duplicates.append(IngestProblem(article.id, f"{DUPLICATE_MARK}{owner}; indexed once"))
            complete = False
            continue
        kept.append(article)
        ids.append(article.id)
    return tuple(ids) if complete else None


@dataclass
class CorpusChanges:
    """What the changed files of a corpus give now, against the articles indexed from it."""

    added: list[Article]
    removed: set[str]  # ids of indexed articles that are gone or whose text changed
    sources: dict[str, SourceFile]  # the new snapshot: unchanged entries kept, read files replaced
    problems: list[IngestProblem]
    duplicates: list[IngestProblem]
    files_read: int


def read_changes(root: str | os.PathLike, snapshot: Snapshot, live: Mapping[str, Article], hashes: Mapping[str, str],
                 changes: Changes, max_bytes: int) -> CorpusChanges | None:
    """Read only the files ``changes`` names, and those not wholly indexed last time (a bad record or a
    duplicate: they are read every time, as ``load_directory`` reads them), and say how the indexed
    articles ``live`` (content hash -> id in ``hashes``) change. The outcome is what reading the whole
    corpus would give; None where that cannot be told from these files alone: a duplicate whose first
    copy, in walk order, would now be another one."""
    root = Path(root)
    if not root.is_dir():
        return None
    gone = {*changes.modified, *changes.removed}
    to_read = sorted({*changes.added, *changes.modified,
                      *(rel for rel, entry in snapshot.files.items() if entry.articles is None and rel not in gone)},
                     key=walk_key)
    old_ids = _ids_by_file(snapshot, live, [*to_read, *changes.removed])
    sources = {rel: entry for rel, entry in snapshot.files.items() if rel not in gone}
    read: list[tuple[str, SourceFile, IngestResult]] = []
    for rel in to_read:
        source, result = _read_file(root / rel, rel, max_bytes)
        read.append((rel, source, result))
    unchanged = {a.id for rel, _, result in read for a in result.articles
                 if a.id in old_ids[rel] and live[a.id].hash == a.hash}
    removed = {i for ids in old_ids.values() for i in ids} - unchanged
    owners = {h: i for h, i in hashes.items() if i not in removed}
    outcome = CorpusChanges([], removed, sources, [], [], len(read))
    kept: list[Article] = []
    for rel, source, result in read:
        outcome.problems.extend(result.problems)
        try:
            sources[rel] = replace(source, articles=_keep_first(result, owners, outcome.duplicates, kept))
        except _OutOfOrder:
            return None  # read in full, this one would be the copy kept and the indexed one the duplicate
    outcome.added = [a for a in kept if a.id not in unchanged]
    return outcome


def walk_key(article_id: str) -> tuple:
    """Where an article comes in ``walk`` order: a folder's files by name before its sub-folders, then
    the record number within its file."""
    rel, _, number = article_id.rpartition("#") if "#" in article_id else (article_id, "", "")
    if not number.isdigit():
        rel, number = article_id, "0"
    parts = rel.split("/")
    return (*((1, part) for part in parts[:-1]), (0, parts[-1]), int(number))


def _file_of(article_id: str, files: Mapping[str, object]) -> str:
    return article_id if article_id in files else article_id.rpartition("#")[0]


def _ids_by_file(snapshot: Snapshot, live: Mapping[str, Article], files: list[str]) -> dict[str, set[str]]:
    """Ids of the indexed articles read from each of ``files``; where the snapshot does not list them
    (a file not wholly indexed), the ids naming that file (``rel`` or ``rel#n``)."""
    result: dict[str, set[str]] = {}
    unlisted = set()
    for rel in files:
        entry = snapshot.files.get(rel)
        result[rel] = set(entry.articles) if entry is not None and entry.articles is not None else set()
        if entry is not None and entry.articles is None:
            unlisted.add(rel)
    if unlisted:
        for article_id in live:
            rel = _file_of(article_id, unlisted)
            if rel in unlisted:
                result[rel].add(article_id)
    return result


def load_file(path: Path, rel: str, max_bytes: int) -> IngestResult:
    """Ingest one file; every failure becomes an ``IngestProblem``, never an exception."""
    return _read_file(path, rel, max_bytes)[1]


def _read_file(path: Path, rel: str, max_bytes: int) -> tuple[SourceFile, IngestResult]:
    result = IngestResult()
    suffix = path.suffix.lower()
    try:
        source, info = read_source(path)
    except OSError as exc:
        result.problems.append(IngestProblem(rel, f"unreadable: {exc.strerror or exc}"))
        return SourceFile(UNREADABLE, None, time.time_ns()), result
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        result.problems.append(IngestProblem(rel, f"unsupported file type '{suffix or path.name}' (supported: {supported})"))
        return source, result
    if not stat.S_ISREG(info.st_mode):
        # Reading a FIFO or device would block or never end.
        result.problems.append(IngestProblem(rel, "not a regular file (pipe, socket or device); skipped"))
        return source, result
    if info.st_size > max_bytes:
        result.problems.append(IngestProblem(rel, f"file is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit"))
        return source, result
    try:
        raw = path.read_bytes()
    except OSError as exc:
        result.problems.append(IngestProblem(rel, f"unreadable: {exc.strerror or exc}"))
        return source, result
    source.sha256 = sha256(raw)
    try:
        # A stray NUL in a JSON feed spoils one record, not the file: json reports that line.
        text = decode_text(raw, allow_nul=suffix in JSON_SUFFIXES)
    except ValueError as exc:
        result.problems.append(IngestProblem(rel, str(exc)))
        return source, result
    if suffix in TEXT_SUFFIXES:
        _add(result, rel, Article(id=rel, title=title_from_text(text) or path.stem, text=text))
    elif suffix in HTML_SUFFIXES:
        try:
            article = html_article(rel, text)
        except Exception as exc:  # the extractor's many failure types; one bad page must not stop the rest
            result.problems.append(IngestProblem(rel, f"HTML could not be read ({type(exc).__name__}: {exc})"))
            return source, result
        _add(result, rel, article)
    elif suffix == ".jsonl":
        # Only "\n" ends a record: str.splitlines() would also split on U+2028 and friends,
        # which JSON allows unescaped inside strings.
        for number, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                _add_record(result, rel, number, line, is_line=True)
    else:
        _load_json(result, rel, text)
    return source, result


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_text(raw: bytes, allow_nul: bool = False) -> str:
    """UTF-8 (BOM tolerated), UTF-16 with a BOM, else Windows-1252 for legacy text; binary is refused."""
    if raw.startswith(_UTF16_BOMS):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ValueError("not valid UTF-16 text despite its byte-order mark") from None
    if allow_nul:
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    if b"\x00" in raw[:8192]:
        raise ValueError("binary file (contains NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = raw.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(8, len(text) // 100) or text.count("\ufffd") > max(8, len(text) // 100):
        raise ValueError("not valid UTF-8 text and does not look like text in another encoding")
    return text


def _add(result: IngestResult, rel: str, article: Article | None, line: int | None = None) -> None:
    if article is None or not article.text.strip():
        result.problems.append(IngestProblem(rel, "empty article (no text)", line))
    else:
        result.articles.append(article)


def _load_json(result: IngestResult, rel: str, text: str) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        result.problems.append(IngestProblem(rel, f"malformed JSON: {exc.msg} (column {exc.colno})", exc.lineno))
        return
    except RecursionError:
        result.problems.append(IngestProblem(rel, "malformed JSON: nested too deeply"))
        return
    records = data if isinstance(data, list) else [data]
    for number, record in enumerate(records, start=1):
        _add_record(result, rel, number, record, is_line=False)


def _add_record(result: IngestResult, rel: str, number: int, record, is_line: bool) -> None:
    line = number if is_line else None
    where = f"{rel}#{number}"
    if is_line:
        try:
            record = json.loads(record)
        except json.JSONDecodeError as exc:
            result.problems.append(IngestProblem(rel, f"malformed JSON record: {exc.msg}", line))
            return
        except RecursionError:
            result.problems.append(IngestProblem(rel, "malformed JSON record: nested too deeply", line))
            return
    if not isinstance(record, dict):
        result.problems.append(IngestProblem(where, "record is not a JSON object", line))
        return
    text = record.get("text")
    if not isinstance(text, str):
        result.problems.append(IngestProblem(where, "record has no 'text' string", line))
        return
    text = _without_surrogates(text)

    def optional(key: str) -> str | None:
        value = record.get(key)
        return None if value is None else _without_surrogates(str(value))
    title = optional("title") or title_from_text(text) or where
    article = Article(id=where, title=title, text=text, url=optional("url"), date=optional("date") or optional("published_at"), source=optional("source"))
    _add(result, where, article, line)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(text: str) -> str:
    # JSON may escape lone surrogates ("\\ud800"); they cannot be hashed or stored as UTF-8.
    return _SURROGATE.sub("\ufffd", text)


def html_article(rel: str, html: str) -> Article | None:
    """Readable text of an HTML page: trafilatura first, a script-free lxml text dump as fallback."""
    import trafilatura  # heavy; only HTML ingest needs it

    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True) or ""
    meta = trafilatura.extract_metadata(html)
    if not text.strip():
        text = _plain_html_text(html)
    if not text.strip():
        return None
    title = (meta.title if meta and meta.title else None) or title_from_text(text)
    return Article(
        id=rel, title=title, text=text,
        url=meta.url if meta else None, date=meta.date if meta else None, source=meta.sitename if meta else None,
    )


def _plain_html_text(html: str) -> str:
    from lxml import html as lxml_html
    from lxml_html_clean import Cleaner

    try:
        tree = lxml_html.fromstring(html)
    except Exception:  # lxml raises several unrelated types for garbage input
        return ""
    cleaned = Cleaner(scripts=True, javascript=True, style=True, comments=True).clean_html(tree)
    return "\n".join(line.strip() for line in cleaned.text_content().splitlines() if line.strip())
