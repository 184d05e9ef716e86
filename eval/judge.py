"""Optional LLM-judge faithfulness, an extra column when the user has configured an LLM.

Uses the assistant's own LLM settings and its one safe client (``qa.LLMClient``: only the
configured server, no redirects, no proxies, a capped reply). Never required: without an LLM
configured, or when the model's reply cannot be read, the score is ``None``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from qa import LLMClient, QAError, Settings

PROMPT = """You check whether an answer is faithful to its cited sources.
Sources (numbered quotes):
{quotes}

Answer to check:
{answer}

Score the share of the answer's claims that the sources state, from 0 (none) to 1 (all).
Reply with the score only, like: 0.75"""
_SCORE = re.compile(r"(?<![\d.])(0(?:\.\d+)?|1(?:\.0+)?)(?![\d.])")


@dataclass(frozen=True)
class Judge:
    client: LLMClient

    def faithfulness(self, answer: str, quotes: dict[int, str]) -> float | None:
        listed = "\n".join(f"[{n}] {quote}" for n, quote in sorted(quotes.items()))
        try:
            reply = self.client([{"role": "user", "content": PROMPT.format(quotes=listed, answer=answer)}])
        except QAError:
            return None
        match = _SCORE.search(reply)
        return float(match.group(1)) if match else None


def judge_from_settings(settings: Settings) -> Judge | None:
    try:
        return Judge(LLMClient(settings))
    except QAError:
        return None  # no LLM configured (or not completely): the column stays empty
