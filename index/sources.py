"""What the corpus folder held when an index was built, and what has changed on disk since.

A snapshot records every file under the corpus, at any depth (hidden names, and folders with hidden
names, are skipped, as ingest skips them): its stamp (size, mtime, ctime, inode) taken just before
it was read, the sha256 of the bytes that were read, and the ids of the articles indexed from it.
A freshness check is one walk of the tree with one ``stat`` per file, compared with the snapshot;
an addition, change, removal, rename or move anywhere below the corpus shows up.

A stamp can be trusted only once the file system's clock has moved on: a file written again within
the same clock tick as the snapshot's ``stat`` keeps its stamp (git calls this "racy"). Such files,
and files whose stamp changed (``touch``, ``chmod``), are compared by content hash instead; a file
found unchanged that way gets its stamp refreshed, so it is hashed once, not at every check.
"""
from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import orjson

SNAPSHOT_VERSION = 1
# Coarse file-system clocks: ext4 ticks every few ms, FAT every 2 s. A stamp within this of the
# moment it was taken may be shared by a later write, so it is not trusted on its own.
RACY_NS = 2_000_000_000
UNREADABLE = (-1, -1, -1, -1)

Stamp = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


def stamp(info: os.stat_result) -> Stamp:
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino


def walk(root: Path) -> Iterator[tuple[str, str]]:
    """(posix path relative to ``root``, full path) of every file below ``root``, in a stable order:
    a folder's files by name, then its sub-folders by name. Hidden names are skipped, and folders that
    are symbolic links are not followed."""
    yield from _walk(os.fspath(root), "")


def _walk(folder: str, prefix: str) -> Iterator[tuple[str, str]]:
    files, folders = [], []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                if not entry.is_symlink():
                    folders.append(entry)
            else:
                files.append(entry)
    for entry in sorted(files, key=lambda e: e.name):
        yield prefix + entry.name, entry.path
    for entry in sorted(folders, key=lambda e: e.name):
        yield from _walk(entry.path, f"{prefix}{entry.name}/")


@dataclass
class SourceFile:
    """One corpus file as the index saw it."""

    stamp: Stamp
    # sha256 of the bytes indexed; None where the file was never read (unsupported type, too large).
    sha256: str | None
    seen_ns: int  # wall-clock time just before ``stamp`` was taken
    # Ids of the articles indexed from this file; None where not all of its records were (a bad
    # record, a duplicate), so the file must be read again rather than its articles reused.
    articles: tuple[str, ...] | None = None

    def trusted(self) -> bool:
        return max(self.stamp[1], self.stamp[2]) < self.seen_ns - RACY_NS

    def to_json(self) -> list:
        return [*self.stamp, self.sha256, self.seen_ns, None if self.articles is None else list(self.articles)]

    @classmethod
    def from_json(cls, row: list) -> "SourceFile":
        *stamp_, sha256, seen_ns, articles = row
        return cls(tuple(stamp_), sha256, seen_ns, None if articles is None else tuple(articles))


def read_source(path: str | os.PathLike) -> tuple[SourceFile, os.stat_result]:
    """The file's stamp, taken before anything is read (so a write during the read is seen later)."""
    seen = time.time_ns()
    info = os.stat(path)
    return SourceFile(stamp(info), None, seen), info


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Changes:
    """Files added, modified and removed since a snapshot (a rename or move is one removed, one added)."""

    added: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    seconds: float = field(default=0.0, compare=False)

    def __bool__(self) -> bool:
        return bool(self.added or self.modified or self.removed)

    @property
    def files(self) -> tuple[str, ...]:
        return (*self.added, *self.modified, *self.removed)

    def __str__(self) -> str:
        parts = [f"{len(paths)} {what}" for what, paths in
                 (("added", self.added), ("modified", self.modified), ("removed", self.removed)) if paths]
        return ", ".join(parts) if parts else "no changes"

    def describe(self, limit: int = 5) -> str:
        """``a.txt (modified), b.txt (removed)``, at most ``limit`` names and a count of the rest."""
        named = [f"{p} ({what})" for what, paths in
                 (("new", self.added), ("modified", self.modified), ("removed", self.removed)) for p in paths]
        more = f" and {len(named) - limit} more" if len(named) > limit else ""
        return ", ".join(named[:limit]) + more


class Snapshot:
    """The corpus files an index generation was built from (``sources.json`` in the generation).

    Files confirmed unchanged by hash are remembered in ``confirmations`` (``.sources-confirmed``
    beside it, outside the checksummed files), so the next process trusts their new stamps too."""

    def __init__(self, files: dict[str, SourceFile], confirmations: Path | None = None):
        self.files = files
        self.confirmations = confirmations
        self._confirmed: set[str] = set()
        self._trusted: dict[str, Stamp] | None = None

    def changes(self, root: str | os.PathLike) -> Changes:
        """Compare the tree under ``root`` with this snapshot: one stat per file, hashing only files
        whose stamp cannot be trusted (see the module's docstring)."""
        started = time.perf_counter()
        now = time.time_ns()
        known = self.files
        root = os.fspath(root)
        if not os.path.isdir(root):
            return Changes(removed=tuple(sorted(known)), seconds=time.perf_counter() - started)
        if self._trusted is None:
            self._trusted = {rel: entry.stamp for rel, entry in known.items() if entry.trusted()}
        trusted = self._trusted
        added, suspects, present = [], [], []
        for rel, current in _stamps(root):
            present.append(rel)
            if trusted.get(rel) == current:
                continue
            if rel in known:
                suspects.append((rel, current))
            else:
                added.append(rel)
        confirmed = len(self._confirmed)
        modified = [rel for rel, current in suspects
                    if not self._same_content(rel, os.path.join(root, rel), current, now)]
        if len(self._confirmed) > confirmed:
            self._save_confirmations()
        removed = sorted(set(known).difference(present)) if len(present) - len(added) < len(known) else []
        return Changes(tuple(sorted(added)), tuple(sorted(modified)), tuple(removed), time.perf_counter() - started)

    def _same_content(self, rel: str, path: str, current: Stamp, now: int) -> bool:
        entry = self.files[rel]
        if entry.sha256 is None or current == UNREADABLE:
            return current == entry.stamp  # never read: its stamp is all there is to compare
        try:
            with open(path, "rb") as handle:
                same = sha256(handle.read()) == entry.sha256
        except OSError:
            return False
        if same:
            # The content read after this stat is the content indexed: trust this stamp from now on.
            entry.stamp, entry.seen_ns = current, now
            self._trusted = None
            self._confirmed.add(rel)
        return same

    def _save_confirmations(self) -> None:
        if self.confirmations is None:
            return
        tmp = self.confirmations.with_name(f"{self.confirmations.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(orjson.dumps({rel: self.files[rel].to_json() for rel in self._confirmed}))
            os.replace(tmp, self.confirmations)
        except OSError:
            tmp.unlink(missing_ok=True)  # a read-only index just hashes these files again next time

    def article_ids(self, paths: tuple[str, ...] | list[str]) -> set[str]:
        """Ids of the articles indexed from these files (a file that gave none gives nothing)."""
        ids: set[str] = set()
        for rel in paths:
            entry = self.files.get(rel)
            if entry is not None and entry.articles:
                ids.update(entry.articles)
        return ids

    def to_json(self) -> bytes:
        return orjson.dumps({"version": SNAPSHOT_VERSION, "files": {rel: f.to_json() for rel, f in self.files.items()}})

    @classmethod
    def from_json(cls, data: bytes, confirmations: Path | None = None) -> "Snapshot":
        parsed = orjson.loads(data)
        if parsed.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"sources snapshot version {parsed.get('version')!r}, expected {SNAPSHOT_VERSION}")
        snapshot = cls({rel: SourceFile.from_json(row) for rel, row in parsed["files"].items()}, confirmations)
        if confirmations is not None:
            snapshot._apply_confirmations()
        return snapshot

    def _apply_confirmations(self) -> None:
        try:
            confirmed = orjson.loads(self.confirmations.read_bytes())
        except (OSError, ValueError):
            return  # none yet (or a half-written one from a crash): hash again
        for rel, row in confirmed.items() if isinstance(confirmed, dict) else ():
            entry = self.files.get(rel)
            try:
                newer = SourceFile.from_json(row)
            except (TypeError, ValueError):
                continue
            if entry is not None and newer.sha256 == entry.sha256:  # the same content, seen later
                entry.stamp, entry.seen_ns = newer.stamp, newer.seen_ns
                self._confirmed.add(rel)


def _stamps(root: str) -> Iterator[tuple[str, Stamp]]:
    """(relative path, stamp) of every file ``walk`` lists, in no particular order; the check's
    hot loop, so it stats by name within an open folder and does not sort."""
    folders = [(root, "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue  # removed while walking: its files count as removed
        try:
            with os.scandir(fd) as entries:
                names = []
                for entry in entries:
                    name = entry.name
                    if name.startswith("."):
                        continue
                    if entry.is_dir():
                        if not entry.is_symlink():
                            folders.append((f"{folder}/{name}", f"{prefix}{name}/"))
                    else:
                        names.append(name)
            for name in names:
                try:
                    info = os.stat(name, dir_fd=fd)
                    yield prefix + name, (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
                except OSError:
                    yield prefix + name, UNREADABLE
        finally:
            os.close(fd)
