"""Vectors of an index in two segments, addressed by live chunk position as one FAISS index would be.

The main segment is the FAISS index a full build or a fold wrote (flat, HNSW or IVF); rows of removed
articles stay in it, marked dead, and a FAISS ID selector skips them inside the search. The delta
segment holds the vectors of articles added since, searched exactly. Live positions number the
main segment's live rows first, then the delta's rows.
"""
from __future__ import annotations

import numpy as np


class SegmentedVectors:
    def __init__(self, main, main_positions: np.ndarray, delta: np.ndarray):
        import faiss

        self.main = main
        self.main_positions = main_positions  # live position of each main row, -1 where dead
        self.main_rows = np.flatnonzero(main_positions >= 0)  # main row of each live main position
        self.live_main = len(self.main_rows)
        self.delta_vectors = delta
        self.delta = faiss.IndexFlatIP(main.d)
        if len(delta):
            self.delta.add(delta)
        self.ntotal = self.live_main + len(delta)
        self._params = None
        if self.live_main < main.ntotal:
            # The bitmap must outlive the selector that points into it.
            self._bitmap = np.packbits(main_positions >= 0, bitorder="little")
            self._selector = faiss.IDSelectorBitmap(main.ntotal, faiss.swig_ptr(self._bitmap))
            # Search parameters replace the index's own settings, so those are carried over.
            if hasattr(main, "hnsw"):
                self._params = faiss.SearchParametersHNSW()
                self._params.efSearch = main.hnsw.efSearch
            elif hasattr(main, "invlists"):
                self._params = faiss.SearchParametersIVF()
                self._params.nprobe = main.nprobe
            else:
                self._params = faiss.SearchParameters()
            self._params.sel = self._selector

    @property
    def d(self) -> int:
        return self.main.d

    @property
    def dead(self) -> int:
        return self.main.ntotal - self.live_main

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        sims = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        parts = []
        if self.live_main and k:
            main_sims, rows = self.main.search(queries, min(k, self.live_main), params=self._params)
            parts.append((main_sims, np.where(rows >= 0, self.main_positions[np.maximum(rows, 0)], -1)))
        if self.delta.ntotal and k:
            delta_sims, rows = self.delta.search(queries, min(k, self.delta.ntotal))
            parts.append((delta_sims, np.where(rows >= 0, rows + self.live_main, -1)))
        if not parts:
            return sims, ids
        all_sims = np.concatenate([s for s, _ in parts], axis=1)
        all_ids = np.concatenate([i for _, i in parts], axis=1)
        all_sims[all_ids < 0] = -np.inf
        order = np.argsort(-all_sims, axis=1, kind="stable")[:, :k]
        n = order.shape[1]
        sims[:, :n] = np.take_along_axis(all_sims, order, axis=1)
        ids[:, :n] = np.take_along_axis(all_ids, order, axis=1)
        ids[~np.isfinite(sims)] = -1
        return sims, ids

    def reconstruct_batch(self, positions) -> np.ndarray:
        positions = np.asarray(positions, dtype=np.int64)
        out = np.empty((len(positions), self.d), dtype=np.float32)
        in_main = positions < self.live_main
        if in_main.any():
            out[in_main] = self.main.reconstruct_batch(self.main_rows[positions[in_main]])
        if (~in_main).any():
            out[~in_main] = self.delta_vectors[positions[~in_main] - self.live_main]
        return out

    def reconstruct_n(self, start: int, n: int) -> np.ndarray:
        return self.reconstruct_batch(np.arange(start, start + n))
