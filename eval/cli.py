"""``qa eval``: run the grounding evaluation, write the reports, optionally gate on thresholds."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from eval.gate import GateError, check, load_thresholds
from eval.items import ItemError
from eval.judge import judge_from_settings
from eval.report import DatasetRun, Report, write_reports
from eval.runner import run
from eval.sampling import sample
from eval.sources import shared_data_dir
from eval.suites import Suite, SuiteError, custom_suite, known_names, suites_for
from qa import QAError, Settings

DEFAULT_OUT = Path("eval/reports/latest")
PRINTED = [("accuracy", "acc"), ("lead_accuracy", "lead"), ("wrong_confident_rate", "wrongC"),
           ("citation_validity", "cite"), ("grounded_rate", "grnd"), ("f1", "F1"),
           ("contains", "cont"), ("evidence_recall", "evR"), ("hit_at_k", "hit@k"), ("abstention_recall", "abstR"),
           ("false_abstention_rate", "fAbst"), ("latency_p95_ms", "p95ms")]


@click.command("eval")
@click.option("--dataset", default="seeds", show_default=True,
              help=f"One of: {', '.join(known_names())}. Ignored with --questions.")
@click.option("--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Your own JSONL question file (format in eval/README.md); needs --corpus.")
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The articles your --questions are about.")
@click.option("--limit", type=click.IntRange(1), default=None,
              help="A fixed, seeded sample of about N questions per dataset (all types, whole conversations).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True)
@click.option("--gate", "gate_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="thresholds.toml: exit 1 naming each metric below its threshold.")
@click.option("--no-semantic", is_flag=True, help="Skip the embedding-similarity grounding score.")
@click.option("--from-feedback", "feedback", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Print the chat page's ratings (feedback.jsonl) as a regression question file, then exit.")
def eval_command(dataset: str, questions: Path | None, corpus: Path | None, limit: int | None, out: Path,
                 gate_file: Path | None, no_semantic: bool, feedback: Path | None):
    """Run grounding evaluations and write report.json, report.md and a chart to --out."""
    if feedback is not None:
        _print_regression_questions(feedback)
        return
    if (questions is None) != (corpus is None):
        raise click.UsageError("--questions and --corpus go together.")
    try:
        Settings.from_env()  # every setting checked before anything runs
        thresholds = load_thresholds(gate_file) if gate_file else None
        suites = [custom_suite(questions, corpus)] if questions else suites_for(dataset)
    except (GateError, ItemError, SuiteError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    skipped = [n for n in known_names()[:-1] if n not in {s.name for s in suites}]
    if not questions and dataset == "all" and skipped:
        click.echo(f"Skipped {', '.join(skipped)}: their data is not in {shared_data_dir()} (set QA_SHARED_DATA).", err=True)
    runs, settings = [], None
    assistants: dict[tuple[Path, Path | None], object] = {}
    for suite in suites:
        key = (suite.corpus.resolve(), suite.index_dir)
        if key not in assistants:
            assistants[key] = _open(suite)
        assistant = assistants[key]
        settings = settings or assistant.settings
        items = sample(suite.items, limit)
        with click.progressbar(length=len(items), label=f"{suite.name} ({len(items)} questions)", file=sys.stderr) as bar:
            results = run(items, assistant, assistant, semantic=not no_semantic, progress=lambda _: bar.update(1),
                          judge=judge_from_settings(assistant.settings))
        runs.append(DatasetRun(suite.name, str(suite.corpus), results))
    report = Report(runs, _settings_dict(settings))
    violations = []
    if thresholds is not None:
        violations = check({run.name: run.summary for run in runs} | {"overall": report.overall}, thresholds)
        report.gate = {"thresholds": str(gate_file), "passed": not violations, "failures": [str(v) for v in violations]}
    paths = write_reports(report, out)
    click.echo(_summary_table(report))
    click.echo("Reports: " + ", ".join(str(p) for p in paths))
    if violations:
        click.echo("Gate FAILED:", err=True)
        for violation in violations:
            click.echo(f"  {violation}", err=True)
        sys.exit(1)
    if thresholds is not None:
        click.echo(f"Gate passed ({gate_file}).")


def _print_regression_questions(feedback: Path) -> None:
    from eval.feedback import items_from_feedback

    try:
        items, to_review = items_from_feedback(feedback)
    except ItemError as exc:
        raise click.ClickException(str(exc)) from exc
    for item in items:
        click.echo(json.dumps(item.to_dict(), ensure_ascii=False))
    click.echo(f"{len(items)} regression question(s) from {feedback}.", err=True)
    if to_review:
        click.echo(f"{len(to_review)} answer(s) marked wrong need a right answer written by hand:", err=True)
        for rating in to_review:
            click.echo(f"  - {rating}", err=True)


def _open(suite: Suite):
    from qa import Assistant

    settings = Settings.from_env(corpus_dir=suite.corpus, index_dir=suite.index_dir)
    with click.progressbar(length=1, label=f"Indexing {suite.corpus}", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        try:
            return Assistant.from_directory(settings=settings, progress=progress)
        except QAError as exc:
            raise click.ClickException(str(exc)) from exc


def _settings_dict(settings: Settings | None) -> dict:
    return settings.to_dict() if settings is not None else {}


def _summary_table(report: Report) -> str:
    rows = [(run.name, run.summary) for run in report.runs] + [("overall", report.overall)]
    width = max(len(name) for name, _ in rows)
    header = f"{'dataset':<{width}} {'n':>5} " + " ".join(f"{label:>6}" for _, label in PRINTED)
    lines = [header]
    for name, s in rows:
        cells = []
        for key, _ in PRINTED:
            value = getattr(s, key)
            cells.append(f"{'–':>6}" if value is None else f"{value:>6.0f}" if key.endswith("_ms") else f"{value:>6.3f}")
        lines.append(f"{name:<{width}} {s.questions:>5} " + " ".join(cells))
    return "\n".join(lines)
