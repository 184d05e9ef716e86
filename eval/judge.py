"""Optional LLM-judge faithfulness, an extra column when the user has configured an LLM.

Uses the assistant's own LLM settings (``QA_LLM_BACKEND`` = ``openai`` for any OpenAI-compatible
server, or ``ollama``; ``QA_LLM_MODEL``, ``QA_LLM_BASE_URL``, ``QA_LLM_API_KEY``). Never required:
without them, or when the model's reply cannot be read, the score is ``None``.
"""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from qa import Settings

TIMEOUT_S = 60
OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"
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
    backend: str
    model: str
    base_url: str
    api_key: str | None = None

    def faithfulness(self, answer: str, quotes: dict[int, str]) -> float | None:
        listed = "\n".join(f"[{n}] {quote}" for n, quote in sorted(quotes.items()))
        try:
            reply = self._chat(PROMPT.format(quotes=listed, answer=answer))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        match = _SCORE.search(reply)
        return float(match.group(1)) if match else None

    def _chat(self, prompt: str) -> str:
        messages = [{"role": "user", "content": prompt}]
        if self.backend == "ollama":
            url, body = f"{self.base_url}/api/chat", {"model": self.model, "messages": messages, "stream": False}
        else:
            url, body = f"{self.base_url}/chat/completions", {"model": self.model, "messages": messages, "temperature": 0}
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(url, json.dumps(body).encode(), headers)
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            data = json.loads(response.read())
        if self.backend == "ollama":
            return data["message"]["content"]
        return data["choices"][0]["message"]["content"]


def judge_from_settings(settings: Settings) -> Judge | None:
    if not settings.llm_backend or not settings.llm_model:
        return None
    base = settings.llm_base_url or (OLLAMA_DEFAULT_URL if settings.llm_backend == "ollama" else None)
    if not base:
        return None
    return Judge(settings.llm_backend, settings.llm_model, base.rstrip("/"), settings.llm_api_key)
