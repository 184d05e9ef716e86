"""How a short answer is scored against gold answers (SQuAD's normalisation, exact match, token F1).

Public: the reader's training and decision fitting label their examples with it, and the
evaluation suite scores answers with it, so "right" means the same thing in both.
"""
from __future__ import annotations

import re
import string
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation) | set("‘’“”—–…")


def normalize(text: str) -> str:
    """SQuAD's normalisation (lower case, no punctuation, no articles, single spaces), curly quotes included."""
    text = "".join(" " if ch in _PUNCT else ch for ch in text.lower())
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, golds: tuple[str, ...] | list[str]) -> float:
    return float(any(normalize(prediction) == normalize(g) for g in golds)) if golds else 0.0


def token_f1(prediction: str, golds: tuple[str, ...] | list[str]) -> float:
    return max((_f1(prediction, g) for g in golds), default=0.0)


def _f1(prediction: str, gold: str) -> float:
    pred, ref = normalize(prediction).split(), normalize(gold).split()
    common = sum((Counter(pred) & Counter(ref)).values())
    if not pred or not ref or common == 0:
        return float(pred == ref)
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)
