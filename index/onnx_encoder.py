"""Sentence embeddings through ONNX Runtime: the query path never imports torch.

A sentence-transformers model made of a Transformer, mean pooling and normalisation is exported
once (``torch.onnx.export``, pooling and normalisation inside the graph) into a cache directory
keyed by the model files, optionally with a per-channel int8 copy.  Later processes only need
``onnxruntime``, ``tokenizers`` (the model's own ``tokenizer.json``) and numpy.

The cache folder is the caller's (qa's settings: ``QA_ONNX_CACHE``), one folder per model key.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

# Bump when the exported graph or the quantisation recipe changes, so old caches are not reused.
EXPORT_VERSION = 2
FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


class UnsupportedModel(ValueError):
    """The model is not a plain Transformer + mean pooling (+ normalise) sentence-transformer."""


def model_key(model_path: str | os.PathLike) -> str:
    """Identifies the model files by path, size and mtime: a few stat calls, no hashing of weights."""
    root = Path(model_path).resolve()
    digest = hashlib.sha256(f"v{EXPORT_VERSION}:{root}".encode())
    for name in (*_WEIGHT_FILES, "config.json", "tokenizer.json", "modules.json", "1_Pooling/config.json"):
        path = root / name
        if path.exists():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def check_supported(model_path: str | os.PathLike) -> dict:
    """The settings the ONNX path must reproduce; UnsupportedModel for anything it cannot."""
    root = Path(model_path)
    if not (root / "tokenizer.json").is_file():
        raise UnsupportedModel(f"{root} has no tokenizer.json")
    if not any((root / name).is_file() for name in _WEIGHT_FILES):
        raise UnsupportedModel(f"{root} has no local weights")
    modules = json.loads((root / "modules.json").read_text()) if (root / "modules.json").exists() else []
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling", "Normalize"], ["Transformer", "Pooling"]):
        raise UnsupportedModel(f"{root} has modules {kinds}; only Transformer + mean Pooling is exported")
    pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
    pooling = json.loads((root / pooling_dir / "config.json").read_text())
    enabled = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if enabled != ["pooling_mode_mean_tokens"]:
        raise UnsupportedModel(f"{root} pools with {enabled}; only mean pooling is exported")
    config = json.loads((root / "config.json").read_text())
    st_config_path = root / "sentence_bert_config.json"
    st_config = json.loads(st_config_path.read_text()) if st_config_path.exists() else {}
    max_length = st_config.get("max_seq_length") or config.get("max_position_embeddings", 512)
    return {"dimension": int(pooling.get("word_embedding_dimension") or config["hidden_size"]),
            "max_length": int(max_length)}


def ensure_exported(model_path: str | os.PathLike, cache: Path, quantized: bool) -> Path:
    """The ONNX file for the model in ``cache``, exporting (and quantising) it first where missing."""
    check_supported(model_path)
    folder = Path(cache) / model_key(model_path)
    return cached_export(folder, lambda tmp: _export_fp32(Path(model_path), tmp), quantized,
                         {"model": str(Path(model_path).resolve()), "export_version": EXPORT_VERSION})


def cached_export(folder: Path, export_fp32, quantized: bool, source: dict) -> Path:
    """``folder``'s fp32 (or int8) model file, written once by ``export_fp32(path)`` where missing."""
    target = folder / (INT8_FILE if quantized else FP32_FILE)
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    # Concurrent first runs (tests, several workers) wait for one export instead of racing.
    with open(folder / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / FP32_FILE).exists():
            _atomic_write(folder / FP32_FILE, export_fp32)
        if quantized and not target.exists():
            _atomic_write(target, lambda tmp: _quantize(folder / FP32_FILE, tmp))
        (folder / "source.json").write_text(json.dumps(source))
    return target


def cpu_session(onnx_path: Path, threads: int | None = None):
    """An ONNX Runtime session on the CPU with full graph optimisation.

    The graph optimised once (fusions, constant folding) is kept beside the model, named after the
    ONNX Runtime version that wrote it: starting from it halves a session's start-up (0.10 -> 0.05
    CPU s for the reader), which every cold `qa ask` pays twice."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or available_cores()
    options.inter_op_num_threads = 1
    # Idle pool threads sleep instead of spinning: spinning after each run took the cores the next
    # stage needed (at 1M chunks, retrieval p50 26 -> 15 ms and answers p50 132 -> 104 ms without it).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(optimized_graph(onnx_path)), options, providers=["CPUExecutionProvider"])


def optimized_graph(onnx_path: Path) -> Path:
    """``onnx_path`` optimised and saved once; the plain model where the cache cannot be written."""
    import onnxruntime as ort

    target = onnx_path.with_name(f"{onnx_path.stem}.ort-{ort.__version__}{onnx_path.suffix}")
    if target.exists():
        return target

    def optimize(tmp: Path) -> None:
        options = ort.SessionOptions()
        # Up to "extended" only: the layout optimisations above it are specific to this CPU's
        # instruction set, and the file may live in a cache shared by other machines.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(tmp)
        ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])

    try:
        _atomic_write(target, optimize)
    except OSError:
        return onnx_path
    return target


def _atomic_write(target: Path, write) -> None:
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    os.close(handle)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide a shared cache from other users
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _export_fp32(model_path: Path, out: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, transformer):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    transformer = AutoModel.from_pretrained(str(model_path)).eval()
    export_transformer(Pooled(transformer), transformer, out, {"sentence_embedding": {0: "batch"}})


def export_transformer(module, transformer, out: Path, outputs: dict[str, dict[int, str]]) -> None:
    """``module`` (taking input_ids, attention_mask, token_type_ids) as an ONNX graph with dynamic
    batch and length; ``transformer`` is the Hugging Face model inside it.

    Its attention is exported in the plain ("eager") form: PyTorch's fused attention exports as a
    masking subgraph (Where, IsNaN) that ONNX Runtime runs op by op, a fifth of the int8 encoder's
    time; the plain form computes the same values (fp32 outputs equal) and runs 1.26x (embedder,
    64 x 128 tokens) to 1.48x (reader, 4 x 192) faster on this AVX2 CPU."""
    import torch

    transformer.set_attn_implementation("eager")
    example = torch.ones(2, 16, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python branches
        # The TorchScript exporter needs no onnxscript and writes one self-contained file.
        torch.onnx.export(
            module, (example, example, torch.zeros_like(example)), str(out), dynamo=False,
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=list(outputs),
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, **outputs},
            opset_version=17,
        )


def _quantize(fp32: Path, out: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel weights keep cosine to the fp32 vectors near 0.99; per-tensor drops to about 0.95.
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# From this many texts an encode call runs on one single-thread session per core (OnnxEncoder).
SIDE_BY_SIDE_FROM = 64


class OnnxEncoder:
    """Tokenise with ``tokenizers``, batch texts of similar length, run the pooled graph."""

    def __init__(self, model_path: str | os.PathLike, cache: Path, quantized: bool, threads: int | None):
        from tokenizers import Tokenizer

        spec = check_supported(model_path)
        self.dimension = spec["dimension"]
        self.onnx_path = ensure_exported(model_path, cache, quantized)
        self.name = "onnx-int8" if quantized else "onnx"
        self.tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self.tokenizer.enable_truncation(spec["max_length"])
        self.tokenizer.no_padding()
        self.threads = threads or available_cores()
        self.session = cpu_session(self.onnx_path, self.threads)
        self._inputs = {i.name for i in self.session.get_inputs()}
        # The int8 model quantises its activations with one scale per run, so a text's vector would
        # depend on the texts run beside it (an article added later would not get the vectors a full
        # build gives it). One text per run makes each vector the text's own, and is no slower on
        # these CPUs: no padding at all (BBC chunks: 85-92 chunks/s against 61-67 article by article
        # in batches of up to 64; 24 sentences 70 ms against 74 ms as one batch).
        self._one_per_run = quantized
        # Many texts run on one single-thread session per core, side by side: small runs split over
        # threads spend much of their time waiting on each other (800 BBC chunks one per run: 80-87
        # chunks/s on one session of 2 threads, 109-139 on two of one thread each; same vectors).
        # Made at the first such call, from SIDE_BY_SIDE_FROM texts: indexing and uploads need them;
        # a question (one text, or a yes/no question's 24 sentences) does not pay for making them.
        self._workers: list | None = None
        self._pool = None

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if self._one_per_run:
            batch_size = 1
        encodings = self.tokenizer.encode_batch(texts)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        # Sorting by length keeps padding (wasted attention and matmul work) to a minimum.
        order = np.argsort(-lengths, kind="stable")
        batches = [order[begin:begin + batch_size] for begin in range(0, len(order), batch_size)]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)

        def run(session, share: list[np.ndarray]) -> None:
            for batch in share:
                out[batch] = session.run(None, self._feeds(batch, encodings, lengths))[0]

        if self.threads > 1 and len(texts) >= SIDE_BY_SIDE_FROM:
            workers = self._side_by_side()
            # Round robin over batches sorted by length gives every worker the same share of work.
            list(self._pool.map(run, workers, [batches[w::len(workers)] for w in range(len(workers))]))
        else:
            run(self.session, batches)
        return out

    def _side_by_side(self) -> list:
        from concurrent.futures import ThreadPoolExecutor

        if self._workers is None:
            self._workers = [cpu_session(self.onnx_path, 1) for _ in range(self.threads)]
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="encoder")
        return self._workers

    def _feeds(self, batch: np.ndarray, encodings, lengths: np.ndarray) -> dict[str, np.ndarray]:
        width = int(lengths[batch].max())
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, i in enumerate(batch):
            e = encodings[i]
            n = len(e.ids)
            ids[row, :n] = e.ids
            mask[row, :n] = 1
            types[row, :n] = e.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return {k: v for k, v in feeds.items() if k in self._inputs}
