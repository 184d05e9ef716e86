"""Reading the index's .npy files, also from several threads at once."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

# numpy parses a .npy header with ast.literal_eval, and CPython 3.11's AST constructor keeps its
# recursion depth per interpreter, not per thread: two threads opening an index at once failed with
# "AST constructor recursion depth mismatch" (tests/reliability). So one header is parsed at a time.
_HEADER_LOCK = threading.Lock()


def load_array(path: Path, mapped: bool = False) -> np.ndarray:
    """The array in ``path``; ``mapped``: memory-mapped read-only, pages read as they are touched."""
    with _HEADER_LOCK:
        array = np.load(path, mmap_mode="r" if mapped else None, allow_pickle=False)
    # A plain array over the same mapped pages: np.memmap's own indexing costs 10 us a call in Python.
    return np.asarray(array)
