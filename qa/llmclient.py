"""The one HTTP client for LLM servers, used by the optional answer writer and by the eval judge.

Only the server the user configured is ever contacted: redirects are refused, proxy environment
variables are ignored, the reply is capped in size and time, and every failure is a ``QAError``
with a message for people. Two wire formats: an OpenAI-compatible ``/chat/completions`` (any
server, ``llm_base_url`` required, no default host) or Ollama's ``/api/chat`` (loopback default).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from qa.settings import Settings
from qa.types import QAError

TIMEOUT_S = 60
MAX_REPLY_BYTES = 1 << 20
OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"


class LLMClient:
    """``LLMClient(settings)(messages)``: the model's reply text, at temperature 0."""

    def __init__(self, settings: Settings):
        if not settings.llm_backend:
            raise QAError("No LLM is configured: set QA_LLM_BACKEND ('openai' or 'ollama') and QA_LLM_MODEL.")
        if not settings.llm_model:
            raise QAError("The LLM backend needs a model name: set QA_LLM_MODEL.")
        self.backend = settings.llm_backend
        self.model = settings.llm_model
        if self.backend == "openai":
            if not settings.llm_base_url:
                raise QAError("The 'openai' LLM backend needs the server's URL (QA_LLM_BASE_URL, e.g. "
                              "http://127.0.0.1:8000/v1); no default host is ever used.")
            self.url = f"{settings.llm_base_url.rstrip('/')}/chat/completions"
            self._headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
        else:
            self.url = f"{(settings.llm_base_url or OLLAMA_DEFAULT_URL).rstrip('/')}/api/chat"
            self._headers = {}

    def __call__(self, messages: list[dict]) -> str:
        if self.backend == "openai":
            reply = self._post({"model": self.model, "messages": messages, "temperature": 0})
            return self._field(reply, "choices", 0, "message", "content")
        reply = self._post({"model": self.model, "messages": messages, "stream": False, "options": {"temperature": 0}})
        return self._field(reply, "message", "content")

    def _post(self, payload: dict) -> dict:
        request = urllib.request.Request(
            self.url, data=json.dumps(payload).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json", **self._headers},
        )
        try:
            with _OPENER.open(request, timeout=TIMEOUT_S) as response:
                body = response.read(MAX_REPLY_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise QAError(f"The LLM server at {self.url} answered HTTP {exc.code} {exc.reason}.") from None
        except (urllib.error.URLError, OSError) as exc:
            raise QAError(f"Could not reach the LLM server at {self.url}: {getattr(exc, 'reason', exc)}.") from None
        if len(body) > MAX_REPLY_BYTES:
            raise QAError(f"The LLM server at {self.url} sent a reply over {MAX_REPLY_BYTES:,} bytes.")
        try:
            return json.loads(body)
        except ValueError:
            raise QAError(f"The LLM server at {self.url} did not answer with JSON.") from None

    def _field(self, reply, *path) -> str:
        value = reply
        try:
            for key in path:
                value = value[key]
        except (KeyError, IndexError, TypeError):
            raise QAError(f"The LLM server at {self.url} sent an unexpected reply "
                          f"(no {'/'.join(map(str, path))}).") from None
        if not isinstance(value, str):
            raise QAError(f"The LLM server at {self.url} sent a non-text answer.")
        return value


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # Only the configured server is ever contacted: a redirect elsewhere is an error.
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
