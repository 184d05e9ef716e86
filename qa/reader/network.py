"""The reader network (torch): MiniLM encoder + span head + answerability head.

Imported only to train the reader and to export it to ONNX once; answering runs the export.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from qa.reader.lora import LoRALinear, add_adapters, merge_adapters


class ReaderNet(nn.Module):
    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.span = nn.Linear(hidden, 2)
        self.answerable = nn.Linear(hidden, 1)

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
        logits = self.span(hidden)
        return logits[..., 0], logits[..., 1], self.answerable(hidden[:, 0])[:, 0]


def load_encoder(model_path: str | Path) -> nn.Module:
    from transformers import AutoModel

    return AutoModel.from_pretrained(str(model_path))


def adapted_net(model_path: str | Path, rank: int, alpha: float, dropout: float) -> ReaderNet:
    net = ReaderNet(load_encoder(model_path))
    add_adapters(net.encoder, rank, alpha, dropout)
    return net


def save_weights(net: ReaderNet, path: Path, meta: dict) -> None:
    """The trainable part only: adapters (float16), LayerNorms and heads (float32), plus ``meta``."""
    arrays: dict[str, np.ndarray] = {}
    for name, module in net.encoder.named_modules():
        if isinstance(module, LoRALinear):
            arrays[f"lora/{name}/a"] = module.lora_a.detach().numpy().astype(np.float16)
            arrays[f"lora/{name}/b"] = module.lora_b.detach().numpy().astype(np.float16)
        elif isinstance(module, nn.LayerNorm):
            arrays[f"norm/{name}/weight"] = module.weight.detach().numpy()
            arrays[f"norm/{name}/bias"] = module.bias.detach().numpy()
    for head in ("span", "answerable"):
        layer = getattr(net, head)
        arrays[f"head/{head}/weight"] = layer.weight.detach().numpy()
        arrays[f"head/{head}/bias"] = layer.bias.detach().numpy()
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        np.savez_compressed(f, **arrays)


def load_weights(model_path: str | Path, path: Path) -> ReaderNet:
    """The base encoder with the shipped adapters applied and merged: a plain encoder + heads."""
    from qa.reader.model import raw_meta

    meta = raw_meta(path)
    net = adapted_net(model_path, meta["rank"], meta["alpha"], 0.0)
    modules = dict(net.encoder.named_modules())
    with np.load(path) as data, torch.no_grad():
        for key in data.files:
            kind, _, rest = key.partition("/")
            if kind == "meta":
                continue
            name, _, field = rest.rpartition("/")
            value = torch.from_numpy(data[key].astype(np.float32))
            if kind == "lora":
                getattr(modules[name], f"lora_{field}").copy_(value)
            elif kind == "norm":
                getattr(modules[name], field).copy_(value)
            else:
                getattr(getattr(net, name), field).copy_(value)
    merge_adapters(net.encoder)
    return net.eval()


def export_onnx(net: ReaderNet, out: Path) -> None:
    from index.onnx_encoder import export_transformer

    axes = {0: "batch", 1: "tokens"}
    export_transformer(net, net.encoder, out, {"start_logits": axes, "end_logits": axes,
                                               "answerable_logit": {0: "batch"}})
