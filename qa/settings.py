"""One settings object for the whole assistant; every field can be overridden by ``QA_<FIELD>``.

Each field is declared once, with its type, default and limits (``setting(default, min=, max=,
choices=)``); that one declaration parses the environment variable, checks values passed in code
and converts them (``"seeds"`` becomes a ``Path``). A field whose type is itself a settings
dataclass (a subclass of ``Validated``) is read from ``QA_<FIELD>__<SUBFIELD>`` and checked the same
way. Nothing else in the code base reads ``QA_*`` variables: index/ gets its values as parameters.
"""
from __future__ import annotations

import dataclasses
import difflib
import math
import os
import types
import typing
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

from index.choices import EMBEDDING_BACKENDS, VECTOR_STORES
from qa.types import QAError

ENV_PREFIX = "QA_"
_REPOSITORY = Path(__file__).resolve().parent.parent
NESTED_SEPARATOR = "__"
LLM_BACKENDS = ("openai", "ollama")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingsError(QAError, ValueError):
    """Settings that cannot be used; the message names each variable, its value and what is allowed."""


def setting(default=None, *, min: float | None = None, max: float | None = None,
            choices: typing.Iterable[str] | None = None, secret: bool = False):
    """A settings field: its default and what values it allows (inclusive bounds, or names). A
    nested settings class as the default means a fresh instance of it."""
    metadata = {"min": min, "max": max, "choices": tuple(choices) if choices else None, "secret": secret}
    if isinstance(default, type):
        return field(default_factory=default, repr=not secret, metadata=metadata)
    return field(default=default, repr=not secret, metadata=metadata)


class Validated:
    """Base of settings dataclasses: every field is checked and converted when the object is made."""

    def __post_init__(self):
        errors = []
        for spec in _specs(type(self)):
            value = getattr(self, spec.name)
            try:
                object.__setattr__(self, spec.name, _convert(spec, value))
            except _Invalid as exc:
                errors.append(f"{spec.name}={spec.show(value)}: {exc}")
        if not errors:
            errors = self.relations()
        if errors:
            raise SettingsError(_message(errors))

    def relations(self) -> list[str]:
        """Rules between fields (override in subclasses); each broken rule is one message."""
        return []

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class ReaderSettings(Validated):
    """Every number the trained reader's stages use (``QA_READER__<FIELD>``); the model's own
    weights and its answerability calibration live in qa/models/reader.npz."""

    # Retrieved chunks the span reader reads per question (its main cost).
    passages: int = setting(4, min=1, max=50)
    spans_per_window: int = setting(5, min=1, max=50)
    # Spans per window whose scores say how sure the reader is of its answer (the decision's
    # span_share): the five best are mostly wordings of one answer, twenty show its rivals.
    share_spans: int = setting(20, min=1, max=200)
    # The reader's most probable distinct answers the decision model weighs against each other. One:
    # re-ranking the top five by the model gained nothing measurable on the dev sets (within 0.03 of
    # right and wrong-confident everywhere) and let lexical overlap overrule the reader's reading.
    decision_candidates: int = setting(1, min=1, max=50)
    # Probability of being right (qa/models/decision.json) below which the assistant says the
    # articles don't say. Chosen on the dev sets from threshold-0 runs replayed by `python -m eval.sweep`
    # (news, 300 SQuAD, seeds), scoring a right answer +1, an abstention 0 and a confident wrong answer
    # -2, as shares of each set's questions summed over the three (2026-11-27, second sweep): 0.412 at
    # 0.45, 0.473 at 0.5, 0.451 at 0.55, 0.485 at 0.6, 0.445 at 0.65. 0.5 and 0.6 are within noise of
    # each other; 0.5 is kept for news, the product's own kind of text, which it answers right 111 times
    # to 0.6's 88 (confident wrong 10 and 7 of 323): SQuAD's adversarial unanswerables favour 0.6.
    answer_threshold: float = setting(0.5, min=0.0, max=1.01)
    # Share of the names a question gives that must appear in the answer's article. Half: a question
    # may name one thing otherwise than the article does ("Britons"/"British", "Дамаск"/"Damascus").
    name_support: float = setting(0.5, min=0.0, max=1.0)
    # Two sources disagree only when their sentences share this much besides the answers (RGB's
    # altered passages share nearly everything; two reports of one event in other words do not).
    conflict_similarity: float = setting(0.8, min=0.0, max=1.0)
    # Other articles giving the same answer are cited too (multi-source questions), up to this many.
    max_corroborating: int = setting(2, min=0, max=10)
    # How sure the reader must be of a second source's span to cite it as support or as a conflict.
    # The two members' averaged spans score lower where they read a passage differently: at 0.5 the
    # planted conflict showed in 8 of 25 answered RGB questions (of 70), at 0.4 in 10, with every
    # lead on news, seeds, SQuAD and MultiHop unchanged (one more supporting quote on news).
    second_source_threshold: float = setting(0.4, min=0.0, max=1.0)
    # Yes/no questions: the embedding similarity of the question and the best sentence needed to
    # answer at all. Not the sentence's ranking score, whose word overlap favours a sentence that
    # repeats the question's words while saying something else ("won by Susan Fletcher ..., beating
    # the favourite Jonathan Strange and Mr Norrell" for "Did Jonathan Strange and Mr Norrell take the
    # award?"). Right / confident wrong yes/no answers, news, MultiHop (first 100), seeds, SQuAD (first
    # 300), one index (2026-11-27): ranking score at 0.55 (before) 13/10, 5/0, 0/1, 0/1; similarity 0.7
    # 8/1, 2/0, 0/0, 0/1. Replayed from a run at 0.5: 0.6 11/9, 12/0, 0/1, 0/2; 0.65 8/5, 7/0, 0/0, 0/1;
    # 0.75 5/0, 0/0, 0/0, 0/1. 0.7 scores best under right minus twice wrong (shares of news, seeds,
    # SQuAD); 0.65 answers more of MultiHop's with four more confident wrong answers on news.
    yes_no_similarity: float = setting(0.7, min=0.0, max=1.0)
    # A "No" from the best-ranked sentence when it negates what the question asks (or the reverse) needs
    # only this similarity: the negation is stated, not read into a sentence that merely shares words.
    # News yes/no (2026-11-28): at 0.5-0.6 two more right "No" answers, none wrong; at 0.65 none.
    yes_no_negation_similarity: float = setting(0.6, min=0.0, max=1.0)
    # int8 weights: about 2x faster than float32 on this CPU.
    quantized: bool = setting(True)


@dataclass(frozen=True)
class Settings(Validated):
    corpus_dir: Path = setting(Path("seeds"))
    # Default: <corpus_dir>/.qa-cache/index (hidden, so ingest never reads it; git-ignored).
    index_dir: Path | None = setting()
    embedding_model: str = setting("all-MiniLM-L6-v2")
    embedding_backend: str = setting("onnx-int8", choices=EMBEDDING_BACKENDS)
    # ONNX Runtime threads per encoder; unset: every core this process may use.
    embedding_threads: int | None = setting(min=1, max=1024)
    embedding_batch_size: int = setting(64, min=1, max=4096)
    # Where the ONNX export of the model is cached; unset: $XDG_CACHE_HOME or ~/.cache, then article-qa/onnx.
    onnx_cache: Path | None = setting()
    chunk_size: int = setting(160, min=16, max=8192)
    chunk_overlap: int = setting(32, min=0, max=4096)
    hnsw_threshold: int = setting(50_000, min=0)
    # From this many chunks FAISS uses an inverted file of exact vectors (IVF, probing IVF_NPROBE
    # lists, index/store.py) instead of HNSW: it trains and fills in a fraction of HNSW's build time
    # on 2 cores and is searched from a memory-mapped file, where HNSW's graph is read into memory
    # (bench/RESULTS.md, run 4).
    ivf_threshold: int = setting(500_000, min=1)
    # Adding, changing or removing articles writes only a small second segment (vectors searched
    # exactly, BM25 merged at query time) and a list of removed rows. Past this many chunks the
    # segment is folded into the main index (FAISS add, a rewrite of the main files: about a second
    # at 100k chunks), so each update stays small and the fold is paid once per this many chunks.
    index_delta_max_chunks: int = setting(2_000, min=0)
    # Past this share of dead (removed) rows in the main index it is rebuilt without them; they cost
    # memory and, in HNSW, filtered-out visits on every search.
    index_compact_dead_share: float = setting(0.2, min=0.0, max=1.0)
    # "faiss" (files in the index folder) or "milvus": Milvus Lite in <index_dir>/milvus.db by default,
    # or a Milvus server/cluster when vector_store_uri is http(s)://host:19530.
    vector_store: str = setting("faiss", choices=VECTOR_STORES)
    vector_store_uri: str | None = setting()
    vector_store_token: str | None = setting(secret=True)
    top_k: int = setting(8, min=1, max=100)
    # Sentences of the retrieved chunks embedded for a yes/no question (the rest use the reader).
    sentence_candidates: int = setting(24, min=1, max=1000)
    # Before answering, re-index whatever changed on disk; off: answer from the index as it is and
    # cite nothing whose file changed since (the answer says which files were left out).
    auto_reindex: bool = setting(True)
    max_question_chars: int = setting(2_000, min=1)
    max_article_bytes: int = setting(20 * 1024 * 1024, min=1)
    max_upload_bytes: int = setting(5 * 1024 * 1024, min=1)
    max_upload_files: int = setting(20, min=1)
    # Thumbs up/down from the chat page, JSON Lines; default: feedback.jsonl beside the index folder.
    feedback_file: Path | None = setting()
    llm_backend: str | None = setting(choices=LLM_BACKENDS)  # "openai" (any OpenAI-compatible server) or "ollama"
    llm_model: str | None = setting()
    llm_base_url: str | None = setting()
    llm_api_key: str | None = setting(secret=True)
    # External evaluation data for `qa eval` / `qa bench`; unset: ../shared/data beside the repository.
    shared_data: Path | None = setting()
    # `qa serve` for more than this machine (README, "Sharing the page"). serve_auth: USER:PASSWORD
    # pairs separated by commas; serve_auth_file: one USER:PASSWORD-or-hash[:read-only] a line.
    serve_auth: str | None = setting(secret=True)
    serve_auth_file: Path | None = setting()
    serve_read_only: bool = setting(False)  # nobody may add or remove articles
    serve_allow_anonymous: bool = setting(False)  # serve beyond loopback without a login (warned at start)
    serve_behind_proxy: bool = setting(False)  # reached through a reverse proxy: loopback is not private then
    # Questions and corpus changes one browser session may have running at once; more get "busy".
    max_concurrent_per_session: int = setting(2, min=1, max=100)
    # Events waiting in the page's queue across all sessions; beyond it the page says it is busy.
    queue_size: int = setting(256, min=1)
    # The n-th bad login in a row from one client waits login_delay_s * 2**(n-1), at most the max.
    login_delay_s: float = setting(0.5, min=0.0, max=60.0)
    login_delay_max_s: float = setting(8.0, min=0.0, max=3600.0)
    # Who may show the page in a frame (CSP frame-ancestors); 'none': no other site.
    frame_ancestors: str = setting("'none'")
    reader: ReaderSettings = setting(ReaderSettings)

    def relations(self) -> list[str]:
        errors = []
        if self.chunk_overlap >= self.chunk_size:
            errors.append(f"chunk_overlap={self.chunk_overlap}: must be smaller than chunk_size ({self.chunk_size})")
        if self.llm_base_url and not self.llm_base_url.startswith(("http://", "https://")):
            errors.append(f"llm_base_url={self.llm_base_url!r}: must be an http:// or https:// address")
        return errors

    @property
    def resolved_index_dir(self) -> Path:
        return Path(self.index_dir) if self.index_dir else Path(self.corpus_dir) / ".qa-cache" / "index"

    @property
    def resolved_feedback_file(self) -> Path:
        return self.feedback_file or self.resolved_index_dir.parent / "feedback.jsonl"

    @property
    def resolved_onnx_cache(self) -> Path:
        if self.onnx_cache:
            return self.onnx_cache.expanduser()
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "article-qa" / "onnx"

    @property
    def resolved_shared_data_dir(self) -> Path:
        return self.shared_data or _REPOSITORY.parent / "shared" / "data"

    def to_dict(self) -> dict:
        """JSON-ready values (paths as text), secrets (tokens, API keys) left out."""
        return _public_values(self)

    def index_params(self, model_path: str):
        """How index/ chunks and stores, taken from these settings (``model_path``: the embedder's)."""
        from index.store import IndexParams
        from index.vectors import VectorStoreConfig

        vectors = VectorStoreConfig(self.vector_store, self.vector_store_uri, self.vector_store_token or "")
        return IndexParams(model_path, self.chunk_size, self.chunk_overlap, self.hnsw_threshold, vectors,
                           self.index_delta_max_chunks, self.index_compact_dead_share, self.ivf_threshold)

    def embedder_config(self):
        """What index/ needs to build an Embedder, taken from these settings."""
        from index.embedding import EmbedderConfig

        return EmbedderConfig(self.embedding_model, self.embedding_backend, self.embedding_batch_size,
                              self.embedding_threads, self.resolved_onnx_cache)

    @classmethod
    def from_env(cls, environ: typing.Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Defaults, then ``QA_*`` environment variables, then explicit keyword overrides (None: not given)."""
        environ = os.environ if environ is None else environ
        values, errors = _read_environment(cls, environ, ENV_PREFIX)
        if errors:
            raise SettingsError(_message(errors))
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise SettingsError(f"unknown setting{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
        for name, value in overrides.items():
            if value is None:
                continue
            if isinstance(value, dict) and isinstance(values.get(name), dict):
                value = {**values[name], **value}  # a nested override refines what the environment set
            values[name] = value
        return cls(**values)


def env_name(name: str, prefix: str = ENV_PREFIX) -> str:
    return prefix + name.upper()


def limits(cls: type, name: str) -> tuple[float | None, float | None]:
    """The inclusive (min, max) declared for a field, for command-line options that take the same value."""
    spec = next(s for s in _specs(cls) if s.name == name)
    return spec.min, spec.max


# ----- declarations -> checks ------------------------------------------------------------------
class _Invalid(ValueError):
    pass


@dataclass(frozen=True)
class _Spec:
    name: str
    base: type  # bool, int, float, str, Path or a Validated subclass
    optional: bool
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    secret: bool = False

    def show(self, value) -> str:
        return "<hidden>" if self.secret else repr(str(value) if isinstance(value, Path) else value)

    def allowed(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        kind = {bool: "true or false (also 1/0, yes/no, on/off)", int: "a whole number", float: "a number",
                Path: "a path", str: "text"}.get(self.base, self.base.__name__)
        if self.min is not None and self.max is not None:
            return f"{kind} from {_number(self.min)} to {_number(self.max)}"
        if self.min is not None:
            return f"{kind} of at least {_number(self.min)}"
        if self.max is not None:
            return f"{kind} of at most {_number(self.max)}"
        return kind


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


@lru_cache(maxsize=None)
def _specs(cls: type) -> tuple[_Spec, ...]:
    hints = typing.get_type_hints(cls)
    specs = []
    for f in fields(cls):
        base, optional, literal = _unwrap(hints[f.name])
        meta = f.metadata
        choices = meta.get("choices") or literal
        specs.append(_Spec(f.name, base, optional, meta.get("min"), meta.get("max"), choices, meta.get("secret", False)))
    return tuple(specs)


def _unwrap(hint) -> tuple[type, bool, tuple[str, ...] | None]:
    """(base type, None allowed, Literal choices) of an annotation like ``int | None``."""
    optional = False
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        if len(args) != 1:
            raise TypeError(f"settings fields take one type (or it and None), not {hint}")
        hint = args[0]
    if typing.get_origin(hint) is typing.Literal:
        return str, optional, tuple(typing.get_args(hint))
    return hint, optional, None


def _is_settings(base: type) -> bool:
    return isinstance(base, type) and issubclass(base, Validated)


def _convert(spec: _Spec, value):
    """``value`` as the field's type, or _Invalid saying what is allowed."""
    if value is None:
        if spec.optional:
            return None
        raise _Invalid(f"must be set, to {spec.allowed()}")
    base = spec.base
    if _is_settings(base):
        if isinstance(value, dict):
            return base(**value)
        if not isinstance(value, base):
            raise _Invalid(f"must be a {base.__name__}")
        return value
    if base is bool:
        ok = isinstance(value, bool)
    elif base is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif base is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        value = float(value) if ok else value
    elif base is Path:
        ok = isinstance(value, (str, os.PathLike))
        value = Path(value) if ok else value
    elif base is str:
        ok = isinstance(value, str)
        if ok and spec.choices:
            value = value.strip().lower()
    else:
        ok = isinstance(value, base)
    if not ok:
        raise _Invalid(f"must be {spec.allowed()}")
    if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
        raise _Invalid(f"must be {spec.allowed()}")
    if spec.choices and value not in spec.choices:
        raise _Invalid(f"must be {spec.allowed()}")
    return value


def _parse(spec: _Spec, raw: str):
    """An environment string as the field's type (before the checks every value goes through)."""
    text = raw.strip()
    try:
        if spec.base is bool:
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            raise ValueError
        if spec.base is int:
            return int(text)
        if spec.base is float:
            return float(text)
    except ValueError:
        raise _Invalid(f"must be {spec.allowed()}") from None
    return Path(text).expanduser() if spec.base is Path else raw


# Settings that no longer exist, and what took their place.
_REPLACED = {"QA_READER__YES_NO_SUPPORT": "QA_READER__YES_NO_SIMILARITY"}


def _read_environment(cls: type, environ: typing.Mapping[str, str], prefix: str) -> tuple[dict, list[str]]:
    """Field values set in ``environ`` (nested settings as dicts) and one message per bad variable."""
    values: dict = {}
    errors: list[str] = []
    for spec in _specs(cls):
        name = env_name(spec.name, prefix)
        if _is_settings(spec.base):
            nested, nested_errors = _read_environment(spec.base, environ, name + NESTED_SEPARATOR)
            errors.extend(nested_errors)
            if nested:
                values[spec.name] = nested
            continue
        raw = environ.get(name)
        if raw is None or raw.strip() == "":
            continue
        try:
            values[spec.name] = _convert(spec, _parse(spec, raw))
        except _Invalid as exc:
            errors.append(f"{name}={spec.show(raw)}: {exc}")
    if prefix.endswith(NESTED_SEPARATOR):
        # A nested prefix ("QA_READER__") is this project's alone, so a variable under it that names no
        # setting is a typo or a renamed setting, not someone else's variable: say so instead of ignoring it.
        known = {spec.name.upper() for spec in _specs(cls)}
        for name in sorted(n for n in environ if n.startswith(prefix) and n[len(prefix):] not in known):
            if name in _REPLACED:
                errors.append(f"{name}: replaced by {_REPLACED[name]}, which measures something else (qa/settings.py)")
                continue
            close = difflib.get_close_matches(name[len(prefix):], known, n=1)
            errors.append(f"{name}: no such setting" + (f" (did you mean {prefix}{close[0]}?)" if close else ""))
    return values, errors


def _public_values(settings: Validated) -> dict:
    values = {}
    for spec in _specs(type(settings)):
        value = getattr(settings, spec.name)
        if spec.secret:
            continue
        values[spec.name] = _public_values(value) if _is_settings(spec.base) else str(value) if isinstance(value, Path) else value
    return values


def _message(errors: list[str]) -> str:
    if len(errors) == 1:
        return f"Invalid setting: {errors[0]}."
    return f"{len(errors)} invalid settings:\n" + "\n".join(f"  - {e}" for e in errors)
