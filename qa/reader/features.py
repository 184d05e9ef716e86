"""Question + passage -> model windows, the same code for training and answering.

A window is ``[CLS] question [SEP] passage tokens [SEP]``; passages longer than one window are
cut into overlapping windows (``stride`` tokens shared), each remembering the character offsets
of its passage tokens so a predicted token span maps back to an exact substring.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Window:
    ids: np.ndarray  # int64 [length]
    type_ids: np.ndarray  # int64 [length]
    # Character (start, end) of each token within the passage; (-1, -1) for question and special tokens.
    offsets: np.ndarray  # int64 [length, 2]
    passage: int  # which passage of the batch this window reads


@lru_cache(maxsize=4)
def load_tokenizer(model_path: str):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def make_windows(tokenizer, question: str, passages: list[str], max_length: int, stride: int,
                 max_question_tokens: int = 64) -> list[Window]:
    """Every passage cut into windows of at most ``max_length`` tokens next to the question."""
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    q_ids = tokenizer.encode(question, add_special_tokens=False).ids[:max_question_tokens]
    room = max_length - len(q_ids) - 3
    if room < 16:
        raise ValueError("max_length leaves no room for the passage")
    head = [cls_id, *q_ids, sep_id]
    windows: list[Window] = []
    encodings = tokenizer.encode_batch(passages, add_special_tokens=False)
    for p, encoding in enumerate(encodings):
        p_ids, p_offsets = encoding.ids, encoding.offsets
        begin = 0
        while True:
            piece = slice(begin, min(begin + room, len(p_ids)))
            ids = np.asarray([*head, *p_ids[piece], sep_id], dtype=np.int64)
            types = np.zeros(len(ids), dtype=np.int64)
            types[len(head):] = 1
            offsets = np.full((len(ids), 2), -1, dtype=np.int64)
            if piece.stop > piece.start:
                offsets[len(head):len(head) + piece.stop - piece.start] = p_offsets[piece]
            windows.append(Window(ids, types, offsets, p))
            if piece.stop >= len(p_ids):
                break
            begin += max(1, room - stride)
    return windows


def pad(windows: list[Window]) -> dict[str, np.ndarray]:
    """The model inputs for a batch of windows, zero-padded to the longest."""
    width = max(len(w.ids) for w in windows)
    ids = np.zeros((len(windows), width), dtype=np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros_like(ids)
    for row, window in enumerate(windows):
        n = len(window.ids)
        ids[row, :n] = window.ids
        types[row, :n] = window.type_ids
        mask[row, :n] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
