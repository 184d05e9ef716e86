"""The `qa` command: a thin click layer over the public API."""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import click

from qa.settings import Settings, limits
from qa.types import QAError

# Sub-commands owned by other packages, imported only when invoked (start-up time matters).
LAZY_COMMANDS = {
    "serve": ("ui.cli", "serve", "Start the chat page."),
    "eval": ("eval.cli", "eval_command", "Run grounding evaluations."),
    "bench": ("bench.cli", "bench", "Run performance benchmarks."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS:
            module, attr, _ = LAZY_COMMANDS[name]
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        # Describe the lazy commands without importing them.
        rows = [(name, cmd.get_short_help_str()) for name, cmd in self.commands.items()]
        rows += [(name, help_text) for name, (_, _, help_text) in LAZY_COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


corpus_option = click.option(
    "--corpus", "corpus", type=click.Path(path_type=Path), default=None,
    help="Directory of articles (default: QA_CORPUS_DIR, else seeds).",
)
no_reindex_option = click.option(
    "--no-reindex", is_flag=True,
    help="Answer from the index as it is: files changed on disk since are not cited (the answer names them).",
)


def load_settings(corpus: Path | None, **overrides) -> Settings:
    """The settings, checked before anything runs: a bad value is a one-line error, exit 1."""
    try:
        return Settings.from_env(corpus_dir=corpus, **overrides)
    except ValueError as exc:  # SettingsError, a QAError too
        raise click.ClickException(str(exc)) from exc


def open_assistant(settings: Settings):
    from qa.assistant import Assistant

    try:
        return Assistant.open(settings=settings)
    except QAError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(cls=LazyGroup)
@click.version_option(package_name="article-qa")
def main():
    """Ask questions about a collection of news articles; every answer cites exact passages."""


@main.command()
@click.argument("corpus", type=click.Path(path_type=Path), required=False)
@click.option("--rebuild", is_flag=True, help="Re-embed everything (recovers a damaged index).")
@click.option("-v", "--verbose", is_flag=True, help="List every duplicate record, not just how many.")
def index(corpus: Path | None, rebuild: bool, verbose: bool):
    """Index (or incrementally re-index) a directory of articles (default: QA_CORPUS_DIR, else seeds).

    Exit status: 0 when every readable file was indexed (duplicate records are indexed once and
    only counted); 2 when some file could not be read or parsed (each is listed); 1 on an error."""
    from qa.assistant import Assistant

    settings = load_settings(corpus)
    with click.progressbar(length=1, label="Embedding", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        try:
            assistant = Assistant.from_directory(settings=settings, rebuild=rebuild, progress=progress)
        except QAError as exc:
            raise click.ClickException(str(exc)) from exc
    report = assistant.last_report
    click.echo(report.summary(verbose))
    if report.problems:
        sys.exit(2)  # indexed what it could, but the user must know some files were left out


@main.command()
@click.argument("question")
@corpus_option
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("-k", "k", type=click.IntRange(*limits(Settings, "top_k")), default=None, help="Passages to retrieve.")
@no_reindex_option
def ask(question: str, corpus: Path | None, as_json: bool, k: int | None, no_reindex: bool):
    """Answer one QUESTION with cited passages."""
    assistant = open_assistant(load_settings(corpus, auto_reindex=False if no_reindex else None))
    try:
        answer = assistant.ask(question, k=k)
    except QAError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if as_json else str(answer))


@main.command()
@corpus_option
@no_reindex_option
def chat(corpus: Path | None, no_reindex: bool):
    """A conversation in the terminal (follow-up questions use earlier turns)."""
    assistant = open_assistant(load_settings(corpus, auto_reindex=False if no_reindex else None))
    conversation = assistant.conversation()
    click.echo("Ask about the articles. Empty line or Ctrl-D to quit; /reset starts over.")
    while True:
        try:
            question = input("? ").strip()
        except EOFError:
            break
        if not question:
            break
        if question == "/reset":
            conversation.reset()
            continue
        try:
            click.echo(str(conversation.ask(question)) + "\n")
        except QAError as exc:
            click.echo(f"Error: {exc}", err=True)
if __name__ == "__main__":
    main()
