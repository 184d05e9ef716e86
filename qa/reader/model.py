"""The trained span reader at answer time: ONNX Runtime over the exported, adapted MiniLM.

Each shipped file (qa/models/reader.npz, reader-reworded.npz: the reader's two members) holds only
the adapters, LayerNorms and heads; the first use applies them to the embedding model's own weights
and exports the result once (torch is needed for that step only, as for the embedder), cached
beside the embedder's export.
"""
from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index.onnx_encoder import available_cores, cached_export, cpu_session, model_key
from qa.reader.decode import SpanScore, answer_features, best_spans, member_support
from qa.reader.features import Window, load_tokenizer, make_windows, pad

MODEL_FILE = Path(__file__).resolve().parent.parent / "models" / "reader.npz"
# The second member: the same recipe fitted with the reworded training questions too
# (qa/reader/data/README.md). Alone it reads no better; beside the first, their averaged spans are
# right more often and their agreement says when to trust them (README, "Read").
REWORDED_MODEL_FILE = MODEL_FILE.with_name("reader-reworded.npz")
MODEL_FILES = (MODEL_FILE, REWORDED_MODEL_FILE)
# Bump when the exported graph changes, so old caches are not reused.
EXPORT_VERSION = 2


@dataclass(frozen=True)
class ReaderMeta:
    max_length: int
    stride: int
    max_answer_tokens: int
    # Logistic calibration over decode.answer_features: weights then bias.
    calibration: tuple[float, ...]


def raw_meta(weights: Path) -> dict:
    """The training's record stored in the model file (configuration, calibration, held-out figures)."""
    import json

    with np.load(weights) as data:
        return json.loads(bytes(data["meta"]).decode())


def read_meta(weights: Path) -> ReaderMeta:
    meta = raw_meta(weights)
    return ReaderMeta(meta["max_length"], meta["stride"], meta["max_answer_tokens"],
                      tuple(meta["calibration"]["weights"]))


def ensure_reader_exported(model_path: str, cache: Path, weights: Path = MODEL_FILE, quantized: bool = True) -> Path:
    """The reader's ONNX file in ``cache`` (the embedder's export cache), exported once where missing."""
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:16]
    folder = Path(cache) / f"reader-v{EXPORT_VERSION}-{model_key(model_path)}-{digest}"

    def export(tmp: Path) -> None:
        from qa.reader.network import export_onnx, load_weights

        export_onnx(load_weights(model_path, weights), tmp)

    return cached_export(folder, export, quantized, {"model": str(model_path), "weights": str(weights),
                                                      "export_version": EXPORT_VERSION})


class SpanReader:
    """Reads passages for a question: the best answer spans of every window, with probabilities.

    Several members (model files fitted apart) read the same windows; their logits are averaged and
    each span records how many members gave it as their own answer. The first member's calibration
    scores the averaged spans; the decision model, fitted on these readings, weighs the rest."""

    def __init__(self, model_path: str, cache: Path, weights: tuple[Path, ...] = MODEL_FILES,
                 quantized: bool = True, threads: int | None = None):
        metas = [read_meta(w) for w in weights]
        windowing = {(m.max_length, m.stride, m.max_answer_tokens) for m in metas}
        if len(windowing) != 1:
            raise ValueError(f"the reader's members {[w.name for w in weights]} read different windows "
                             f"(max_length, stride, max_answer_tokens: {sorted(windowing)}); fit them alike")
        self.meta = metas[0]
        self.tokenizer = load_tokenizer(model_path)
        # The members run side by side, the cores shared out among them: on 2 cores the two read four
        # windows in 222-230 ms (median) on one thread each at once, and in 252-403 ms one after the
        # other on two threads each (bench/RESULTS.md, run 8).
        cores = threads or available_cores()
        side_by_side = 1 < len(weights) <= cores
        threads_each = cores // len(weights) if side_by_side else cores
        exported = [ensure_reader_exported(model_path, cache, w, quantized) for w in weights]
        self._members = ThreadPoolExecutor(len(weights), thread_name_prefix="reader-member") if side_by_side else None
        # The sessions are built side by side too (ONNX Runtime builds them without the GIL): two
        # sessions and the encoder's took 0.16-0.19 s one after the other, 0.10-0.11 s at once.
        build = self._members.map if self._members else map
        self.sessions = list(build(lambda onnx: cpu_session(onnx, threads_each), exported))
        self._lock = threading.Lock()

    def read(self, question: str, passages: list[str], spans_per_window: int = 5) -> list[SpanScore]:
        """Candidate spans over all passages, best first by calibrated probability."""
        if not passages:
            return []
        windows = make_windows(self.tokenizer, question, passages, self.meta.max_length, self.meta.stride)
        feeds = pad(windows)
        with self._lock:  # one run at a time keeps latency predictable on a small machine
            run = self._members.map if self._members else map
            outputs = list(run(lambda session: session.run(None, feeds), self.sessions))
        starts, ends, answerable = (np.mean([output[i] for output in outputs], axis=0) for i in range(3))
        answers = [self._answer(windows, *output) for output in outputs]
        spans: list[SpanScore] = []
        for row, window in enumerate(windows):
            for span in best_spans(window, starts[row], ends[row], float(answerable[row]),
                                   self.meta.max_answer_tokens, spans_per_window):
                spans.append(replace(span, support=member_support(span, answers)))
        return sorted(spans, key=lambda s: -self.probability(s))

    def _answer(self, windows: list[Window], starts: np.ndarray, ends: np.ndarray,
                answerable: np.ndarray) -> SpanScore | None:
        """One member's own answer: its most probable span over every window."""
        best = [span for row, window in enumerate(windows)
                for span in best_spans(window, starts[row], ends[row], float(answerable[row]),
                                       self.meta.max_answer_tokens, 1)]
        return max(best, key=self.probability, default=None)

    def probability(self, span: SpanScore) -> float:
        """Calibrated probability that the span answers the question (fitted on held-out data)."""
        *weights, bias = self.meta.calibration
        z = float(np.dot(weights, answer_features(span)) + bias)
        return float(1.0 / (1.0 + np.exp(-z)))
