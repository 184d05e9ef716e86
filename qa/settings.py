"""One settings object for the whole assistant; every field can be overridden by ``QA_<FIELD>``."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "QA_"


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("seeds")
    # Default: <corpus_dir>/.qa-cache/index (hidden, so ingest never reads it; git-ignored).
    index_dir: Path | None = None
    embedding_model: str = "all-MiniLM-L6-v2"
    chunk_size: int = 160
    chunk_overlap: int = 32
    hnsw_threshold: int = 50_000
    # "faiss" (files in the index folder) or "milvus": Milvus Lite in <index_dir>/milvus.db by default,
    # or a Milvus server/cluster when vector_store_uri is http(s)://host:19530.
    vector_store: str = "faiss"
    vector_store_uri: str | None = None
    vector_store_token: str | None = field(default=None, repr=False)
    top_k: int = 8
    # Sentences of the retrieved chunks embedded per question (the main cost of answering).
    sentence_candidates: int = 24
    max_citations: int = 3
    # Below this support score (0..1) the assistant abstains; calibrated on eval/ data.
    abstain_threshold: float = 0.36
    short_answers: bool = True
    max_question_chars: int = 2_000
    max_article_bytes: int = 20 * 1024 * 1024
    max_upload_bytes: int = 5 * 1024 * 1024
    max_upload_files: int = 20
    # Thumbs up/down from the chat page, JSON Lines; default: feedback.jsonl beside the index folder.
    feedback_file: Path | None = None
    llm_backend: str | None = None  # "openai" (any OpenAI-compatible server) or "ollama"
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)

    @property
    def resolved_index_dir(self) -> Path:
        return Path(self.index_dir) if self.index_dir else Path(self.corpus_dir) / ".qa-cache" / "index"

    @property
    def resolved_feedback_file(self) -> Path:
        return Path(self.feedback_file) if self.feedback_file else self.resolved_index_dir.parent / "feedback.jsonl"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Defaults, then ``QA_*`` environment variables, then explicit keyword overrides."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _parse(f, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)


def _parse(f: dataclasses.Field, raw: str):
    kind = str(f.type)
    try:
        if "bool" in kind:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if "int" in kind:
            return int(raw)
        if "float" in kind:
            return float(raw)
        if "Path" in kind:
            return Path(raw)
    except ValueError as exc:
        raise ValueError(f"{ENV_PREFIX}{f.name.upper()}={raw!r} is not a valid {kind}") from exc
    return raw
