"""Low-rank adapters on the encoder's linear layers: the trained reader ships as these deltas.

Training wraps every ``nn.Linear`` of the encoder; the shipped file holds, per layer, ``A``
(rank x in) and ``B`` (out x rank) with the update ``W + scale * B @ A``, plus the retrained
LayerNorms and the reader heads. Only the training and export steps import torch.
"""
from __future__ import annotations

import torch
from torch import nn


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float):
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        self.lora_a = nn.Parameter(torch.randn(rank, base.in_features) / base.in_features ** 0.5)
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (self.dropout(x) @ self.lora_a.T @ self.lora_b.T) * self.scale

    def merged_weight(self) -> torch.Tensor:
        return self.base.weight + self.scale * self.lora_b @ self.lora_a


def add_adapters(encoder: nn.Module, rank: int, alpha: float, dropout: float) -> dict[str, LoRALinear]:
    """Replace every linear layer of the encoder with an adapted one; base weights frozen."""
    for parameter in encoder.parameters():
        parameter.requires_grad = False
    adapted: dict[str, LoRALinear] = {}
    for name, module in list(encoder.named_modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.Linear) and "pooler" not in f"{name}.{child_name}":
                wrapper = LoRALinear(child, rank, alpha, dropout)
                setattr(module, child_name, wrapper)
                adapted[f"{name}.{child_name}".lstrip(".")] = wrapper
    # LayerNorms are few parameters and adapt the encoder's scale to the new task cheaply.
    for name, module in encoder.named_modules():
        if isinstance(module, nn.LayerNorm):
            module.weight.requires_grad = True
            module.bias.requires_grad = True
    return adapted


def merge_adapters(encoder: nn.Module) -> None:
    """Fold every adapter into its base layer (for export): the graph is a plain encoder again."""
    for name, module in list(encoder.named_modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, LoRALinear):
                with torch.no_grad():
                    child.base.weight.copy_(child.merged_weight())
                setattr(module, child_name, child.base)
