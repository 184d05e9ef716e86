"""report.json (schema in eval/README.md), report.md and a heat map of the metrics by question type."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from eval.runner import Result
from eval.summary import Summary, by_type, summarize

SCHEMA_VERSION = 1
# Columns of the summary and per-type tables, in order.
TABLE_METRICS = [
    ("accuracy", "acc"), ("lead_accuracy", "lead acc"), ("right_rate", "right"), ("wrong_confident_rate", "wrong conf"),
    ("silent_rate", "silent"), ("false_conflict_rate", "false confl"), ("answer_words", "words"), ("citation_validity", "cite ok"), ("grounded_rate", "grounded"),
    ("unsupported_claim_rate", "unsup"), ("llm_faithfulness", "LLM faith"), ("exact_match", "EM"), ("f1", "F1"), ("contains", "contains"),
    ("evidence_precision", "ev P"), ("evidence_recall", "ev R"), ("hit_at_k", "hit@k"), ("mrr", "MRR"),
    ("abstention_precision", "abst P"), ("abstention_recall", "abst R"), ("false_abstention_rate", "false abst"),
    ("followup_accuracy", "follow-up"), ("conflict_rate", "conflict"), ("latency_p95_ms", "p95 ms"),
]
# Higher-is-better rates only, so one colour scale reads the same way in every column.
CHART_METRICS = ["citation_validity", "grounded_rate", "accuracy", "lead_accuracy", "right_rate", "contains", "f1", "evidence_recall", "hit_at_k",
                 "abstention_recall"]


@dataclass
class DatasetRun:
    name: str
    corpus: str
    results: list[Result]
    summary: Summary = field(init=False)
    types: dict[str, Summary] = field(init=False)

    def __post_init__(self):
        self.summary = summarize(self.results)
        self.types = by_type(self.results)


@dataclass
class Report:
    runs: list[DatasetRun]
    settings: dict
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    gate: dict | None = None

    @property
    def overall(self) -> Summary:
        return summarize([r for run in self.runs for r in run.results])

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "created": self.created,
            "settings": self.settings,
            "overall": self.overall.to_dict(),
            "datasets": {
                run.name: {
                    "corpus": run.corpus,
                    "summary": run.summary.to_dict(),
                    "by_type": {name: s.to_dict() for name, s in run.types.items()},
                }
                for run in self.runs
            },
            "gate": self.gate,
            "questions": [r.to_dict() for run in self.runs for r in run.results],
        }


def write_reports(report: Report, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.json", out / "report.md", out / "metrics_by_type.png"]
    paths[0].write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    paths[1].write_text(markdown(report), encoding="utf-8")
    chart(report, paths[2])
    return paths


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.0f}" if abs(value) >= 10 else f"{value:.3f}"
    return str(value)


def table(rows: list[tuple[str, Summary]], first: str) -> str:
    header = [first, "n", *(label for _, label in TABLE_METRICS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, s in rows:
        values = [name, str(s.questions), *(_cell(getattr(s, key)) for key, _ in TABLE_METRICS)]
        lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines)


def markdown(report: Report) -> str:
    parts = [f"# Grounding evaluation ({report.created})", ""]
    if report.gate is not None:
        verdict = "passed" if report.gate["passed"] else "FAILED"
        parts += [f"**Gate ({report.gate['thresholds']}): {verdict}**", ""]
        if report.gate["failures"]:
            parts += [f"- {line}" for line in report.gate["failures"]] + [""]
    parts += ["## Summary", "", table([(run.name, run.summary) for run in report.runs] + [("overall", report.overall)], "dataset"), ""]
    parts += [f"Retrieval depth k = {report.overall.k}. Settings: `{json.dumps(report.settings)}`", ""]
    parts += ["## By question type", ""]
    parts += [table([(f"{run.name}/{name}", s) for run in report.runs for name, s in run.types.items()], "type"), ""]
    failures = [r for run in report.runs for r in run.results if r.failures]
    parts += [f"## Failures ({len(failures)})", ""]
    for r in failures:
        parts += _failure(r)
    return "\n".join(parts) + "\n"


def _failure(r: Result) -> list[str]:
    chat = f" (conversation {r.conversation}, turn {r.turn})" if r.conversation else ""
    lines = [f"### {r.dataset} · {r.id} · {r.type}{chat}", "", f"- **Question:** {r.question}",
             f"- **Why it failed:** {'; '.join(r.failures)}"]
    gold = " | ".join(r.gold_answers) if r.answerable else "(unanswerable: should abstain)"
    lines.append(f"- **Gold:** {gold}")
    lines.append(f"- **Answer{' (abstained)' if r.abstained else ''}:** {_quote(r.answer)}")
    if r.conflicts:
        lines.append(f"- **Conflicts surfaced:** {'; '.join(r.conflicts)}")
    for c in r.citations:
        mark = "" if c.valid else " **INVALID**"
        lines.append(f"- cited [{c.n}] `{c.article}` {c.start}-{c.end}{mark}: {_quote(c.quote)}")
    for claim in r.claims:
        if not claim["supported"]:
            lines.append(f"- unsupported claim (lexical {claim['lexical']}, semantic {claim['semantic']}): {_quote(claim['text'])}")
    for g in r.gold_evidence:
        lines.append(f"- gold evidence `{g['article']}` {g['start']}-{g['end']}: {_quote(g['quote'])}")
    return lines + [""]


def _quote(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return (text[:limit] + " …") if len(text) > limit else text


def chart(report: Report, path: Path) -> None:
    """A heat map, one row per dataset/type and one column per rate; grey where not applicable."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = [(f"{run.name}/{name}", s) for run in report.runs for name, s in run.types.items()]
    values = np.array([[np.nan if getattr(s, m) is None else getattr(s, m) for m in CHART_METRICS] for _, s in rows])
    fig, ax = plt.subplots(figsize=(2 + 1.1 * len(CHART_METRICS), 1.2 + 0.32 * len(rows)))
    cmap = matplotlib.colormaps["RdYlGn"].with_extremes(bad="#dddddd")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for (i, j), value in np.ndenumerate(values):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(CHART_METRICS)), CHART_METRICS, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), [f"{name} (n={s.questions})" for name, s in rows], fontsize=8)
    ax.set_title("Grounding evaluation by question type (grey: not applicable)", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.03)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
