"""The chat page's timings in a real browser: ``python -m bench.page_timings``.

Serves the seed article plus 2,000 BBC articles (the browser tests' corpus, built the same way) with
`qa serve` on loopback and drives Debian's Chromium through Playwright, measuring:

- the Articles view's open time: a click on the tab until rows of the list are on screen, each time in
  a fresh browser session (the page's own clock, ``performance.now``);
- upload-to-answerable: from handing one small .txt to the upload box until a question about its
  unique content is answered citing it (this process's clock). Each round uploads a different article
  and removes it afterwards, untimed, so every round starts from the same corpus.

``--url`` measures a page already served instead (a corpus indexed once, measured many times).
It prints each figure and the medians, and writes them as JSON with ``--json``; ``--screenshot``
saves the page with an answer beside the Articles view (the README's picture). Nothing gates on it.
It reuses the browser tests' page object and server helpers, so it needs the test dependencies
(pytest, playwright) and ``../shared/data``.
"""
from __future__ import annotations

import contextlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import click

from tests.conftest import SHARED_DATA
from tests.ui.chat_page import ChatPage
from tests.ui.conftest import BIG_CORPUS_ARTICLES, BIG_START_TIMEOUT, CHROMIUM, CHROMIUM_ARGS, write_big_corpus
from tests.ui.server import running_server

# One article a round, each with its own invented place and engineer so that only it can answer.
ROUNDS = [("Ostrevik", "Helena Marsk"), ("Pellagrin", "Jonas Tiller"), ("Kaldmoor", "Ruth Abernathy"),
          ("Tarrowby", "Ivo Lindqvist"), ("Semmering Vale", "Clara Odum")]
WIDTH, HEIGHT = 1400, 900
SCREENSHOT_QUESTION = "Who met Brahimi?"


def article_text(place: str, engineer: str) -> str:
    return (f"{place} bridge reopens\n\nThe {place} bridge reopened on Monday after repairs.\n\n"
            f"It was first opened in 1931 by the engineer {engineer}, who designed its arches.\n")


def open_page(browser, url: str) -> tuple[object, ChatPage]:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    return context, ChatPage.open(context.new_page(), url)


def articles_open_ms(browser, url: str, times: int) -> list[float]:
    figures = []
    for _ in range(times):
        context, chat = open_page(browser, url)
        figures.append(chat.time_articles_open())
        context.close()
    return figures


def upload_to_answer_s(browser, url: str, folder: Path, times: int) -> list[float]:
    figures = []
    for place, engineer in ROUNDS[:times]:
        name = f"{place.lower().replace(' ', '-')}-bridge.txt"
        article = folder / name
        article.write_text(article_text(place, engineer), encoding="utf-8")
        context, chat = open_page(browser, url)
        chat.show_articles()  # where the upload box is; not part of the time
        started = time.perf_counter()
        report = chat.upload(article)
        answer = chat.ask(f"Who first opened the {place} bridge?")
        figures.append(time.perf_counter() - started)
        cited = answer.locator(".qa-loc").all_inner_texts()
        if engineer not in answer.inner_text() or not any(f"uploads/{name}" in c for c in cited):
            raise click.ClickException(f"The answer did not come from the upload: {answer.inner_text()!r}\n{report}")
        chat.remove(f"uploads/{name}")
        context.close()
    return figures


def screenshot(browser, url: str, path: Path) -> None:
    """The page as the README shows it: an answer with its citations beside the Articles view."""
    context, chat = open_page(browser, url)
    chat.ask(SCREENSHOT_QUESTION)
    chat.show_articles()
    chat.screenshot(path)
    context.close()


@click.command()
@click.option("--opens", default=5, show_default=True, type=click.IntRange(1, 50), help="Articles view openings.")
@click.option("--uploads", default=3, show_default=True, type=click.IntRange(1, len(ROUNDS)), help="Uploads.")
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the figures here as JSON.")
@click.option("--screenshot", "screenshot_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also save the page here (the README's docs/screenshot.png).")
@click.option("--url", default=None, help="Measure this running page (on loopback) instead of serving the corpus.")
def main(opens: int, uploads: int, json_path: Path | None, screenshot_path: Path | None, url: str | None):
    """Time the Articles view and an upload in Chromium on a 2,001-article corpus."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="page-timings-") as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        if url is None:
            corpus = write_big_corpus(folder / "corpus", SHARED_DATA / "bbc-news" / "articles.jsonl")
            click.echo(f"Indexing {BIG_CORPUS_ARTICLES + 1:,} articles and starting `qa serve`…", err=True)
            url = stack.enter_context(running_server(corpus, folder / "serve.log", start_timeout=BIG_START_TIMEOUT))
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context, chat = open_page(browser, url)
        articles = chat.page.locator("#qa-header .qa-count").inner_text().split()[0]
        context.close()
        open_ms = articles_open_ms(browser, url, opens)
        answer_s = upload_to_answer_s(browser, url, folder, uploads)
        if screenshot_path:
            screenshot(browser, url, screenshot_path)
        browser.close()
    figures = {
        "articles": articles, "viewport": [WIDTH, HEIGHT], "load_average": os.getloadavg(),
        "articles_view_open_ms": [round(x) for x in open_ms], "articles_view_open_ms_median": round(statistics.median(open_ms)),
        "upload_to_answer_s": [round(x, 2) for x in answer_s],
        "upload_to_answer_s_median": round(statistics.median(answer_s), 2),
    }
    click.echo(f"Articles view open (click to rows on screen), ms: {figures['articles_view_open_ms']}, "
               f"median {figures['articles_view_open_ms_median']}")
    click.echo(f"Upload of one .txt to a cited answer, s: {figures['upload_to_answer_s']}, "
               f"median {figures['upload_to_answer_s_median']}")
    if json_path:
        json_path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
