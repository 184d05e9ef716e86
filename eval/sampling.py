"""The fixed, seeded sample CI runs: every question type represented, conversations kept whole."""
from __future__ import annotations

import random

from eval.items import Item

SEED = 20240613


def sample(items: list[Item], limit: int | None, seed: int = SEED) -> list[Item]:
    """About ``limit`` items (whole conversations may overshoot), drawn round-robin over types."""
    if limit is None or limit >= len(items):
        return list(items)
    units: dict[str, list[list[Item]]] = {}
    chats: dict[str, list[Item]] = {}
    for item in items:
        if item.conversation:
            if item.conversation not in chats:
                chats[item.conversation] = []
                units.setdefault(item.type, []).append(chats[item.conversation])
            chats[item.conversation].append(item)
        else:
            units.setdefault(item.type, []).append([item])
    rng = random.Random(seed)
    queues = {t: rng.sample(group, len(group)) for t, group in sorted(units.items())}
    chosen: set[str] = set()
    while len(chosen) < limit and any(queues.values()):
        for queue in queues.values():
            if queue and len(chosen) < limit:
                chosen.update(item.id for item in queue.pop())
    return [item for item in items if item.id in chosen]
