"""Corpus changes from users: validated uploads and removals, applied without losing anything.

A file is checked in full (type by content, size, decodable, at least one article) before it is
written into the corpus directory; it is written to a temporary name and renamed, so a failure
leaves the corpus and the live index exactly as they were.
"""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from index.ingest import SUPPORTED_SUFFIXES, load_file
from qa.types import IndexReport, QAError

if TYPE_CHECKING:
    from qa.assistant import Assistant, Progress

UPLOAD_DIR = "uploads"


def safe_name(name: str) -> str:
    """A plain file name: no folders, no traversal, no hidden or control characters."""
    base = unicodedata.normalize("NFKC", os.path.basename(name.replace("\\", "/")))
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    stem, suffix = os.path.splitext(base)
    if not stem:
        raise QAError(f"Rejected upload {name!r}: the file name is empty once unsafe characters are removed.")
    return f"{stem[:100]}{suffix.lower()}"


def check_upload(name: str, data: bytes, max_bytes: int) -> str:
    """The sanitised name, or QAError explaining why the file cannot be accepted."""
    clean = safe_name(name)
    suffix = Path(clean).suffix
    if suffix not in SUPPORTED_SUFFIXES:
        raise QAError(f"Rejected {name!r}: unsupported type '{suffix or 'none'}'; upload .txt, .md, .html, .json or .jsonl.")
    if len(data) > max_bytes:
        raise QAError(f"Rejected {name!r}: {len(data):,} bytes is over the {max_bytes:,}-byte upload limit.")
    if not data.strip():
        raise QAError(f"Rejected {name!r}: the file is empty.")
    _check_content_matches(name, suffix, data)
    return clean


def _check_content_matches(name: str, suffix: str, data: bytes) -> None:
    head = data[:2048].lstrip().lower()
    binary_magic = (b"%pdf", b"pk\x03\x04", b"\x89png", b"gif8", b"\xff\xd8\xff", b"\x7felf", b"mz")
    if data[:4].lower().startswith(binary_magic) or any(data[:8].lower().startswith(m) for m in binary_magic):
        raise QAError(f"Rejected {name!r}: the content is a binary file, not {suffix} text.")
    if suffix in {".json", ".jsonl"} and head[:1] not in (b"{", b"["):
        raise QAError(f"Rejected {name!r}: a {suffix} file must hold JSON records, but it does not start with '{{' or '['.")
    if suffix in {".html", ".htm"} and b"<" not in head:
        raise QAError(f"Rejected {name!r}: the content is not HTML.")


def add_files(assistant: "Assistant", files: list[tuple[str, bytes]], progress: "Progress | None" = None) -> IndexReport:
    settings = assistant.settings
    if not files:
        raise QAError("No files to add.")
    if len(files) > settings.max_upload_files:
        raise QAError(f"Too many files at once ({len(files)}); the limit is {settings.max_upload_files}.")
    target_dir = Path(settings.corpus_dir) / UPLOAD_DIR
    accepted: list[tuple[Path, bytes]] = []
    problems: list[str] = []
    for name, data in files:
        try:
            clean = check_upload(name, data, settings.max_upload_bytes)
            _check_parses(name, clean, data, settings.max_article_bytes)
        except QAError as exc:
            problems.append(str(exc))
            continue
        accepted.append((_unused_path(target_dir, clean), data))
    if not accepted:
        raise QAError("Nothing was added. " + " ".join(problems))
    target_dir.mkdir(parents=True, exist_ok=True)
    for path, data in accepted:
        _atomic_write(path, data)
    report = assistant.reindex(progress=progress)
    report.added = [p.relative_to(settings.corpus_dir).as_posix() for p, _ in accepted]
    report.problems = problems + report.problems
    return report


def _check_parses(name: str, clean: str, data: bytes, max_bytes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / clean
        path.write_bytes(data)
        result = load_file(path, clean, max_bytes)
    if not result.articles:
        reasons = "; ".join(str(p) for p in result.problems) or "no article text found"
        raise QAError(f"Rejected {name!r}: {reasons}")


def _unused_path(folder: Path, name: str) -> Path:
    path = folder / name
    counter = 2
    while path.exists():
        path = folder / f"{Path(name).stem}-{counter}{Path(name).suffix}"
        counter += 1
    return path


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_article(assistant: "Assistant", article_id: str, progress: "Progress | None" = None) -> IndexReport:
    assistant.article(article_id)  # raises a clear QAError for an unknown id
    if "#" in article_id:
        raise QAError(f"{article_id!r} is one record of {article_id.split('#')[0]}; remove that file instead.")
    corpus = Path(assistant.settings.corpus_dir).resolve()
    path = (corpus / article_id).resolve()
    if corpus not in path.parents:
        raise QAError(f"Refusing to remove {article_id!r}: it is outside the corpus directory.")
    trash = path.with_name(f".removed-{path.name}")
    os.replace(path, trash)
    try:
        report = assistant.reindex(progress=progress)
    except BaseException:
        os.replace(trash, path)  # the index was not swapped: put the file back
        raise
    trash.unlink(missing_ok=True)
    return report
