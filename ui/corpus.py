"""The reading panel and the articles panel: open, upload, remove."""
from __future__ import annotations

import logging
from pathlib import Path

from qa import QAError
from ui import render

log = logging.getLogger(__name__)

UPLOAD_TYPES = [".txt", ".md", ".html", ".json", ".jsonl"]


def _offsets(data: dict, length: int) -> tuple[int | None, int | None]:
    """The requested span, or no span when the link's offsets do not fit this article."""
    try:
        start, end = int(data["start"]), int(data["end"])
    except (KeyError, TypeError, ValueError):
        return None, None
    return (start, end) if 0 <= start < end <= length else (None, None)


class CorpusHandlers:
    def __init__(self, assistant):
        self.assistant = assistant

    def open_passage(self, data: dict) -> str:
        """Reader HTML for a link's {article, start?, end?}."""
        try:
            article = self.assistant.article(str(data.get("article", "")))
        except QAError as exc:
            return render.problem_html(f"{exc} It may have been removed since this answer was given.")
        start, end = _offsets(data, len(article.text))
        expected = data.get("h")
        if expected and not article.hash.startswith(str(expected)):
            return render.article_html(article, notice="This article has changed since the answer was given, "
                                                        "so the quoted passage is not highlighted.")
        return render.article_html(article, start, end)

    def upload(self, paths: list[str] | None, progress) -> str:
        """The status after indexing the uploaded files: only about those files."""
        if not paths:
            return ""
        # Checking and parsing report no steps; the bar moves once chunks are being embedded.
        progress(0.0, desc=f"Checking and indexing {len(paths)} file{'s' if len(paths) != 1 else ''}")
        try:
            files = [(Path(p).name, Path(p).read_bytes()) for p in paths]
            report = self.assistant.add_files(
                files, progress=lambda done, total: progress((done, max(total, 1)), desc="Embedding", unit="chunks"))
        except QAError as exc:
            return render.problem_html(str(exc))
        except Exception:
            log.exception("upload failed")
            return render.problem_html("The upload could not be indexed; nothing already indexed was changed.")
        return render.report_html(report, known=self._ids())

    def remove(self, article_id: str | None, progress) -> str:
        if not article_id:
            return render.problem_html("Choose an article to remove first.")
        progress(0.0, desc=f"Removing {article_id} and re-indexing")
        try:
            report = self.assistant.remove_article(article_id)
        except QAError as exc:
            return render.problem_html(str(exc))
        except Exception:
            log.exception("removing %r failed", article_id)
            return render.problem_html("The article could not be removed; the index is unchanged.")
        return render.report_html(report, verb=f"Removed {article_id}")

    def _ids(self) -> set[str]:
        return {info.id for info in self.assistant.articles()}
