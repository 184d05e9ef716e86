"""What the freshness check costs: ``python -m bench.freshness [1000,10000]``.

Before answering, the assistant compares the corpus folder with the snapshot its index was built
from (index/sources.py). This builds corpora of N small files in nested folders (100 files a folder,
three levels deep), takes a snapshot as indexing does, and times ``Snapshot.changes`` with nothing
changed (the cost of every question) and after one file changed deep down (which it must find).
Wall time is reported as min, median and p95 over repeated checks, with CPU time beside it: on a
shared machine the wall time of a 10 ms check depends on what else runs. Nothing gates on it.
"""
from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from index.ingest import load_directory
from index.sources import Snapshot, walk

FILES_PER_FOLDER = 100
BODY = "Reservoir report {n}\n\nEngineers opened gate {n} of the Karsfeld dam on Monday, the authority said.\n"
# Bigger than any test file: only the snapshot's stat path is measured.
MAX_BYTES = 1 << 20


def make_corpus(root: Path, files: int) -> Path:
    """``files`` text files under ``root`` in folders a<i>/b<j>/c<k>/ (hundreds per level)."""
    for n in range(files):
        folder_number = n // FILES_PER_FOLDER
        folder = root / f"a{folder_number // 100}" / f"b{folder_number // 10 % 10}" / f"c{folder_number % 10}"
        if n % FILES_PER_FOLDER == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"article-{n:05d}.txt").write_text(BODY.format(n=n), encoding="utf-8")
    return root


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(files: int, repeats: int = 30, workdir: Path | None = None) -> dict:
    """Check cost on a fresh corpus of ``files`` files; the corpus is removed afterwards."""
    with tempfile.TemporaryDirectory(dir=workdir, prefix="fresh-bench-") as tmp:
        root = make_corpus(Path(tmp) / "corpus", files)
        started = time.perf_counter()
        snapshot = Snapshot(load_directory(root, MAX_BYTES).sources)
        read_seconds = time.perf_counter() - started
        # Stamps taken within the last 2 s are not trusted (index/sources.py): as after indexing,
        # the first check hashes those files once, then trusts them.
        time.sleep(2.1)
        first = snapshot.changes(root)
        walls, cpus = [], []
        for _ in range(repeats):
            cpu = _cpu_seconds()
            changes = snapshot.changes(root)
            cpus.append((_cpu_seconds() - cpu) * 1000)
            walls.append(changes.seconds * 1000)
            assert not changes, changes
        deep = sorted(rel for rel, _ in walk(root))[files // 2]
        (root / deep).write_text(BODY.format(n="changed"), encoding="utf-8")
        found = snapshot.changes(root)
        walls_arr = np.asarray(walls)
        return {
            "files": files, "repeats": repeats, "snapshot_bytes": len(snapshot.to_json()),
            "indexing_read_s": round(read_seconds, 3),
            "first_check_ms": round(first.seconds * 1000, 2),
            "check_ms": {"min": round(float(walls_arr.min()), 2), "p50": round(float(np.median(walls_arr)), 2),
                         "p95": round(float(np.percentile(walls_arr, 95)), 2)},
            # getrusage ticks are coarse (often 4 ms): a mean over the repeats, not per check.
            "check_cpu_ms_mean": round(float(np.mean(cpus)), 2),
            "found_deep_change": list(found.modified) == [deep] and not found.added and not found.removed,
        }


def main(argv: list[str]) -> None:
    sizes = [int(s) for s in (argv[0].split(",") if argv else ["1000", "10000"])]
    results = [measure(n) for n in sizes]
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
