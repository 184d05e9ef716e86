"""One settings object for the whole assistant; every field can be overridden by ``QA_<FIELD>``."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "QA_"


@dataclass(frozen=True)
class ReaderSettings:
    """Every number the trained reader's stages use (``QA_READER_<FIELD>``); the model's own
    weights and its answerability calibration live in qa/models/reader.npz."""

    # Retrieved chunks the span reader reads per question (its main cost, about 15 ms each).
    passages: int = 4
    spans_per_window: int = 5
    # Calibrated probability below which the assistant says the articles don't say. Chosen on the dev
    # sets with `python -m eval.sweep` (best right-minus-twice-wrong on news, SQuAD and seeds): the
    # calibration was fitted with the passage given, so in the pipeline wrong answers also score high.
    answer_threshold: float = 0.95
    # Share of the names a question gives that must appear in the answer's article.
    name_support: float = 0.75
    # Two sources disagree only when their sentences share this much besides the answers.
    conflict_similarity: float = 0.6
    # Other articles giving the same answer are cited too (multi-source questions), up to this many.
    max_corroborating: int = 2
    # How sure the reader must be of a second source's span to cite it as support or as a conflict.
    second_source_threshold: float = 0.5
    # Yes/no questions: the best sentence's support score needed to answer at all.
    yes_no_support: float = 0.55
    # int8 weights: about 2x faster than float32 on this CPU.
    quantized: bool = True

    def replace(self, **changes) -> "ReaderSettings":
        return dataclasses.replace(self, **changes)


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
    # Sentences of the retrieved chunks embedded for a yes/no question (the rest use the reader).
    sentence_candidates: int = 24
    max_question_chars: int = 2_000
    max_article_bytes: int = 20 * 1024 * 1024
    max_upload_bytes: int = 5 * 1024 * 1024
    max_upload_files: int = 20
    llm_backend: str | None = None  # "openai" (any OpenAI-compatible server) or "ollama"
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    # `qa serve` for more than this machine (README, "Sharing the page"). serve_auth: USER:PASSWORD
    # pairs separated by commas; serve_auth_file: one USER:PASSWORD-or-hash[:read-only] a line.
    serve_auth: str | None = field(default=None, repr=False)
    serve_auth_file: Path | None = None
    serve_read_only: bool = False  # nobody may add or remove articles
    serve_allow_anonymous: bool = False  # serve beyond loopback without a login (warned at start)
    serve_behind_proxy: bool = False  # reached through a reverse proxy: loopback is not private then
    # Questions and corpus changes one browser session may have running at once; more get "busy".
    max_concurrent_per_session: int = 2
    # Events waiting in the page's queue across all sessions; beyond it the page says it is busy.
    queue_size: int = 256
    # The n-th bad login in a row from one client waits login_delay_s * 2**(n-1), at most the max.
    login_delay_s: float = 0.5
    login_delay_max_s: float = 8.0
    # Who may show the page in a frame (CSP frame-ancestors); 'none': no other site.
    frame_ancestors: str = "'none'"
    reader: ReaderSettings = field(default_factory=ReaderSettings)

    @property
    def resolved_index_dir(self) -> Path:
        return Path(self.index_dir) if self.index_dir else Path(self.corpus_dir) / ".qa-cache" / "index"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Defaults, then ``QA_*`` environment variables, then explicit keyword overrides."""
        environ = os.environ if environ is None else environ
        values = _from_environ(cls, ENV_PREFIX, environ)
        values["reader"] = ReaderSettings(**_from_environ(ReaderSettings, ENV_PREFIX + "READER_", environ))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)


def _from_environ(cls, prefix: str, environ) -> dict:
    values = {}
    for f in fields(cls):
        raw = environ.get(prefix + f.name.upper())
        if raw is not None and raw != "" and not dataclasses.is_dataclass(f.default_factory):
            values[f.name] = _parse(f, raw, prefix)
    return values


def _parse(f: dataclasses.Field, raw: str, prefix: str = ENV_PREFIX):
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
        raise ValueError(f"{prefix}{f.name.upper()}={raw!r} is not a valid {kind}") from exc
    return raw
