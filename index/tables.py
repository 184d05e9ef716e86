"""Articles and chunks of a loaded index, read from the generation's files when asked for.

Opening an index reads only article ids, line offsets and chunk offsets (arrays); an article's text
is parsed from ``articles.jsonl`` the first time a question needs it, and a chunk is made from its
article's text and offsets on access. At 1M chunks that keeps a gigabyte of text and a million
chunk objects out of start-up and out of memory. Both behave as the list and dict they replace.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import orjson

from index.arrays import load_array
from index.articles import Article
from index.chunking import Chunk

HASHES = "article_hashes.npy"

# Articles kept parsed: a question reads the articles of its few dozen hits, a page of the
# article list fifty; older ones are parsed again from the file if asked for.
ARTICLE_CACHE = 4096


class ArticleFile(Sequence):
    """The records of one ``articles.jsonl``, parsed one by one (``offsets``: where each line starts,
    then the file's end)."""

    def __init__(self, path: Path, offsets: np.ndarray, ids: list[str]):
        if len(offsets) != len(ids) + 1:
            raise ValueError(f"{len(ids)} article ids but {len(offsets)} offsets for {path}")
        self.path = path
        self.ids = ids
        self._offsets = offsets
        self._handle = open(path, "rb")  # closed when collected; a generation's files never change
        self._cached = lru_cache(maxsize=ARTICLE_CACHE)(self._parse)

    @classmethod
    def scan(cls, path: Path) -> "ArticleFile":
        """Offsets and ids found by reading the whole file (one that was written without them)."""
        data = path.read_bytes()
        offsets = np.concatenate([[0], np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n")) + 1])
        return cls(path, offsets, [orjson.loads(data[a:b])["id"] for a, b in zip(offsets[:-1], offsets[1:])])

    def content_hashes(self) -> list[str]:
        """Each article's content hash: stored beside the file (sha256 digests), else hashed from the
        texts (a file written without them)."""
        stored = self.path.with_name(HASHES)
        if not stored.exists():
            return [article.hash for article in self]
        text = load_array(stored).tobytes().hex()
        return [text[i:i + 64] for i in range(0, len(text), 64)]

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self._cached(int(i) % len(self))

    def _parse(self, i: int) -> Article:
        start, end = int(self._offsets[i]), int(self._offsets[i + 1])
        return Article(**orjson.loads(os.pread(self._handle.fileno(), end - start, start)))


def article_ids(articles: Sequence[Article]) -> list[str]:
    """The ids of a segment's articles, without parsing the records of an ArticleFile."""
    return articles.ids if isinstance(articles, ArticleFile) else [a.id for a in articles]


def write_content_hashes(folder: Path, articles: Sequence[Article]) -> None:
    """The articles' sha256 digests beside their file, 32 bytes each, for ``content_hashes``."""
    digests = b"".join(bytes.fromhex(a.hash) for a in articles)
    np.save(folder / HASHES, np.frombuffer(digests, dtype=np.uint8).reshape(-1, 32))


class ChunkRows(Sequence):
    """A segment's chunks from an (article index, start, end) array over its articles."""

    def __init__(self, articles: Sequence[Article], rows: np.ndarray):
        self.articles = articles
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        article_index, start, end = self.rows[i].tolist()
        article = self.articles[article_index]
        return Chunk(article.id, start, end, article.text[start:end])

    def place(self, i: int) -> tuple[str, int]:
        """Chunk ``i``'s article id and start, without reading the article's text."""
        article_index, start = self.rows[i][:2].tolist()
        return article_ids(self.articles)[article_index], start


class LiveChunks(Sequence):
    """Chunks by live position: the main segment's live rows (``main_rows``), then the delta's."""

    def __init__(self, main: Sequence[Chunk], main_rows: np.ndarray, delta: Sequence[Chunk]):
        self.main = main
        self.main_rows = main_rows
        self.delta = delta

    def __len__(self) -> int:
        return len(self.main_rows) + len(self.delta)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        part, row = self._locate(i)
        return part[row]

    def place(self, i: int) -> tuple[str, int]:
        """The chunk at position ``i``: its article id and start, read without the article's text
        (ranking ties by corpus order asks this of a hundred chunks a question)."""
        part, row = self._locate(i)
        if isinstance(part, ChunkRows):
            return part.place(row)
        chunk = part[row]
        return chunk.article_id, chunk.start

    def _locate(self, i) -> tuple[Sequence[Chunk], int]:
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i < len(self.main_rows):
            return self.main, int(self.main_rows[i])
        return self.delta, i - len(self.main_rows)


class LiveArticles(Mapping):
    """Article id -> Article over the main segment's live articles and the delta's, in that order."""

    def __init__(self, main: Sequence[Article], dead: frozenset[int], delta: Sequence[Article]):
        self.main = main
        ids = article_ids(main)
        self._number = dict(zip(ids, range(len(ids))))  # C speed: a comprehension took 0.4 s at 460k ids
        for i in dead:
            del self._number[ids[i]]
        self._delta = {a.id: a for a in delta}

    def __getitem__(self, article_id: str) -> Article:
        found = self._delta.get(article_id)
        if found is not None:
            return found
        return self.main[self._number[article_id]]

    def __contains__(self, article_id) -> bool:
        return article_id in self._delta or article_id in self._number

    def __iter__(self):
        yield from (i for i in self._number if i not in self._delta)
        yield from self._delta

    def __len__(self) -> int:
        return len(self._number) + sum(1 for i in self._delta if i not in self._number)

    def hashes(self) -> dict[str, str]:
        """Content hash -> id of every live article; the main segment's hashes are read from disk
        where stored (hashing 560 MB of text took 11 s at 1M chunks)."""
        main = self.main.content_hashes() if isinstance(self.main, ArticleFile) else [a.hash for a in self.main]
        ids = article_ids(self.main)
        found = {main[i]: ids[i] for i in self._number.values() if ids[i] not in self._delta}
        found.update((a.hash, a.id) for a in self._delta.values())
        return found
