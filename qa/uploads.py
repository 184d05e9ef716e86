"""Corpus changes from users, on the file side: checking uploads, writing them, removing articles.

A file is checked in full (type by content, size, decodable, at least one new article) before it
is written into the corpus directory; it is written to a temporary name and linked into place
without ever replacing an existing file. ``Assistant.add_files`` / ``remove_article`` then re-index
and undo the file change if that fails, so a failure leaves the corpus and the live index exactly
as they were. Nothing here knows the assistant: it is given the settings and the known hashes.
"""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.ingest import DUPLICATE_MARK, SUPPORTED_SUFFIXES, load_file
from qa.settings import Settings
from qa.types import QAError

UPLOAD_DIR = "uploads"
# Bytes, not characters: file systems limit a name to 255 bytes, and "-NN" may be appended.
MAX_STEM_BYTES = 120
# Formats that may hold no NUL byte near their start, so decoding alone would not refuse them.
BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"\x1f\x8b", b"\x7fELF")


def safe_name(name: str) -> str:
    """A plain file name: no folders, no traversal, no hidden or control characters."""
    base = unicodedata.normalize("NFKC", os.path.basename(name.replace("\\", "/")))
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    stem, suffix = os.path.splitext(base)
    if not stem:
        raise QAError(f"Rejected upload {name!r}: the file name is empty once unsafe characters are removed.")
    stem = stem.encode("utf-8")[:MAX_STEM_BYTES].decode("utf-8", errors="ignore")
    return f"{stem}{suffix.lower()}"


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
    if data.startswith(BINARY_MAGIC):
        raise QAError(f"Rejected {name!r}: the content is a binary file, not {suffix} text.")
    head = data[:2048].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if suffix in {".json", ".jsonl"} and head[:1] not in (b"{", b"["):
        raise QAError(f"Rejected {name!r}: a {suffix} file must hold JSON records, but it does not start with '{{' or '['.")
    if suffix in {".html", ".htm"} and b"<" not in head:
        raise QAError(f"Rejected {name!r}: the content is not HTML.")


def check_files(files: list[tuple[str, bytes]], settings: Settings,
                known_hashes: set[str]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """([(safe name, data)] to write, [why each other file was refused]); QAError if none is usable."""
    if not files:
        raise QAError("No files to add.")
    if len(files) > settings.max_upload_files:
        raise QAError(f"Too many files at once ({len(files)}); the limit is {settings.max_upload_files}.")
    known = set(known_hashes)
    accepted: list[tuple[str, bytes]] = []
    problems: list[str] = []
    for name, data in files:
        try:
            clean = check_upload(name, data, settings.max_upload_bytes)
            hashes = _article_hashes(name, clean, data, settings.max_article_bytes)
            if hashes <= known:
                raise QAError(f"Rejected {name!r}: every article in it is already indexed.")
        except QAError as exc:
            problems.append(str(exc))
            continue
        known |= hashes
        accepted.append((clean, data))
    if not accepted:
        raise QAError("Nothing was added. " + " ".join(problems))
    return accepted, problems


def write_files(folder: Path, accepted: list[tuple[str, bytes]]) -> list[Path]:
    """Write each file under its name (or ``stem-N``) in ``folder``; all or none of them."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for clean, data in accepted:
            written.append(_write_new(folder, clean, data))
    except BaseException:
        discard(written)
        raise
    return written


def discard(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def about_upload(entries: list[str], added: list[str]) -> list[str]:
    """The entries of a re-index's problems or duplicates that concern the uploaded files.

    Re-indexing reads the whole corpus, so its report also lists every old problem of other files
    (in a large corpus, dozens of duplicate records) that the uploader neither caused nor can fix."""
    # An article id is the file's path, or the path and "#n" for a record; an entry starts with it.
    starts = tuple(f"{a}{sep}" for a in added for sep in ":#")
    # An older article read after the upload (sorted by path) is the one counted as the duplicate.
    duplicated = tuple(f"{DUPLICATE_MARK}{a}{sep}" for a in added for sep in ";#")
    return [e for e in entries if e.startswith(starts) or any(d in e for d in duplicated)]


def _article_hashes(name: str, clean: str, data: bytes, max_bytes: int) -> set[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / clean
        path.write_bytes(data)
        result = load_file(path, clean, max_bytes)
    if not result.articles:
        reasons = "; ".join(str(p) for p in result.problems) or "no article text found"
        raise QAError(f"Rejected {name!r}: {reasons}")
    return {article.hash for article in result.articles}


def _write_new(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` under ``name`` (or ``stem-N``), never replacing a file that exists."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        stem, suffix = os.path.splitext(name)
        for counter in range(1, 10_000):
            path = folder / (name if counter == 1 else f"{stem}-{counter}{suffix}")
            try:
                os.link(tmp, path)  # atomic and fails if taken, unlike exists() then replace()
                return path
            except FileExistsError:
                continue
        raise QAError(f"Rejected {name!r}: too many uploads with this name.")
    finally:
        Path(tmp).unlink(missing_ok=True)


@dataclass(frozen=True)
class Removal:
    """An article's file moved aside (to a hidden name, which ingest skips) until the index without it is live."""

    path: Path
    trash: Path

    def undo(self) -> None:
        os.replace(self.trash, self.path)

    def finish(self) -> None:
        self.trash.unlink(missing_ok=True)


def stage_removal(corpus_dir: str | os.PathLike, article_id: str) -> Removal:
    if "#" in article_id:
        raise QAError(f"{article_id!r} is one record of {article_id.split('#')[0]}; remove that file instead.")
    corpus = Path(corpus_dir).resolve()
    path = (corpus / article_id).resolve()
    if corpus not in path.parents:
        raise QAError(f"Refusing to remove {article_id!r}: it is outside the corpus directory.")
    removal = Removal(path, path.with_name(f".removed-{path.name}"))
    os.replace(removal.path, removal.trash)
    return removal
