"""The ONNX Runtime embedding path: same vectors as sentence-transformers, and no torch when asking."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embedding import Embedder, EmbedderConfig, resolve_model
from index.onnx_encoder import UnsupportedModel, check_supported, cpu_session, model_key, optimized_graph
from qa.reader.model import ensure_reader_exported
from tests.conftest import DEFAULTS

REPO = Path(__file__).resolve().parents[2]
TEXTS = [
    "Who met Brahimi in Damascus?",
    "x",
    "The commander of Syria's military police has defected from President Bashar al-Assad's government. " * 12,
    "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m).",
]


def embedder(backend: str | None = None) -> Embedder:
    return Embedder(DEFAULTS.replace(embedding_backend=backend or DEFAULTS.embedding_backend).embedder_config())


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="onnx-int8"):
        EmbedderConfig(DEFAULTS.embedding_model, "tensorrt", 64, None, DEFAULTS.resolved_onnx_cache)


def test_only_mean_pooling_models_are_exported(tmp_path):
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"")
    (tmp_path / "modules.json").write_text(json.dumps([
        {"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]))
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    with pytest.raises(UnsupportedModel, match="mean pooling"):
        check_supported(tmp_path)


def test_cache_key_follows_the_model_files(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    before = model_key(tmp_path)
    (tmp_path / "config.json").write_text('{"changed": 1}')
    assert model_key(tmp_path) != before


@pytest.mark.slow
def test_onnx_vectors_match_sentence_transformers():
    reference = embedder("sentence-transformers").encode(TEXTS)
    fp32 = embedder("onnx")
    int8 = embedder("onnx-int8")
    assert fp32.backend == "onnx" and int8.backend == "onnx-int8"
    assert fp32.dimension == reference.shape[1]
    fp32_vectors, int8_vectors = fp32.encode(TEXTS), int8.encode(TEXTS)
    assert fp32_vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(int8_vectors, axis=1), 1, atol=1e-4)
    assert ((fp32_vectors * reference).sum(1) >= 0.999).all()
    assert ((int8_vectors * reference).sum(1) >= 0.97).all()


def test_an_int8_vector_is_its_texts_own_whatever_it_is_encoded_with():
    # Quantised activations take one scale per run: batched, a text's vector would shift with its
    # neighbours, and an article appended later would not get the vectors a full build gives it.
    int8 = embedder("onnx-int8")
    together = int8.encode(TEXTS)
    for text, vector in zip(TEXTS, together):
        assert np.array_equal(int8.encode([text])[0], vector)


def test_many_texts_run_side_by_side_give_the_vectors_one_session_gives():
    from index.onnx_encoder import SIDE_BY_SIDE_FROM, OnnxEncoder

    encoder = OnnxEncoder(resolve_model(DEFAULTS.embedding_model), DEFAULTS.resolved_onnx_cache, True, threads=2)
    texts = [f"{n} " + TEXTS[n % len(TEXTS)] for n in range(SIDE_BY_SIDE_FROM)]
    together = encoder.encode(texts)
    assert encoder._workers is not None and len(encoder._workers) == 2
    assert np.array_equal(together, np.stack([encoder.encode([t])[0] for t in texts]))


@pytest.mark.slow
def test_asking_side_never_imports_torch_once_exported():
    embedder().encode(["export first"])
    code = ("import sys; from index.embedding import Embedder; from qa import Settings; "
            "e = Embedder(Settings().embedder_config()); e.encode(['Who met Brahimi?']); "
            "print(e.backend, any(m in sys.modules for m in ('torch', 'sentence_transformers', 'transformers')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"}, check=True).stdout.split()
    assert out == ["onnx-int8", "False"]


def attention_masking_ops(onnx_path: Path) -> list[str]:
    """The graph's masking ops: PyTorch's fused attention exports a Where/IsNaN subgraph in every
    layer, which ONNX Runtime ran op by op (a fifth of the int8 encoder's time)."""
    import onnx

    graph = onnx.load(str(onnx_path), load_external_data=False).graph
    return [node.op_type for node in graph.node if node.op_type in ("Where", "IsNaN")]


@pytest.mark.parametrize("graph", ["embedder", "reader"])
def test_exported_attention_masks_once_not_in_every_layer(graph):
    if graph == "embedder":
        path = Path(embedder().encoder.onnx_path)
    else:
        path = ensure_reader_exported(resolve_model(DEFAULTS.embedding_model), DEFAULTS.resolved_onnx_cache)
    masking = attention_masking_ops(path)
    assert "IsNaN" not in masking and len(masking) <= 2


def test_sessions_start_from_the_graph_optimised_once(tmp_path):
    encoder = embedder().encoder
    plain = Path(encoder.onnx_path)
    optimized = optimized_graph(plain)
    assert optimized != plain and optimized.exists() and optimized.parent == plain.parent
    assert optimized_graph(plain) == optimized  # written once, then reused
    import onnxruntime as ort

    feeds = {"input_ids": np.array([[101, 2040, 2777, 102]]), "attention_mask": np.ones((1, 4), dtype=np.int64),
             "token_type_ids": np.zeros((1, 4), dtype=np.int64)}
    runs = [ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]) for path in (plain, optimized)]
    outputs = [s.run(None, {k: v for k, v in feeds.items() if k in {i.name for i in s.get_inputs()}})[0] for s in runs]
    assert np.allclose(outputs[0], outputs[1], atol=1e-4)


def test_sessions_do_not_spin_between_runs():
    # A spinning pool held the cores that retrieval needed between two model runs of one answer.
    options = cpu_session(Path(embedder().encoder.onnx_path)).get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
