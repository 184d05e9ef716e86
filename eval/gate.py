"""Compare a report against thresholds.toml; every metric below its bar is named.

Format::

    [default]            # applies to every dataset
    citation_validity = 1.0
    [datasets.seeds]     # overrides and additions for one dataset
    contains = 0.8

Metrics in ``summary.LOWER_IS_BETTER`` are maxima, all others minima. A metric with no value
for a dataset (nothing to measure, e.g. abstention recall without unanswerable questions) is
skipped; a metric name that does not exist is an error, so typos cannot pass silently.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from eval.summary import LOWER_IS_BETTER, Summary

METRIC_NAMES = {f.name for f in fields(Summary)}


class GateError(ValueError):
    """The thresholds file cannot be used."""


@dataclass(frozen=True)
class Violation:
    dataset: str
    metric: str
    value: float
    bound: float

    def __str__(self) -> str:
        relation = ">" if self.metric in LOWER_IS_BETTER else "<"
        kind = "maximum" if self.metric in LOWER_IS_BETTER else "threshold"
        return f"{self.dataset}: {self.metric} = {self.value:.4g} {relation} {kind} {self.bound:g}"


def load_thresholds(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise GateError(f"cannot read thresholds {path}: {exc}") from exc
    sections = [data.get("default", {}), *data.get("datasets", {}).values()]
    unknown = sorted({k for section in sections for k in section} - METRIC_NAMES)
    if unknown:
        raise GateError(f"{path}: unknown metric(s) {', '.join(unknown)}; known: {', '.join(sorted(METRIC_NAMES))}")
    return data


def check(summaries: dict[str, Summary], thresholds: dict) -> list[Violation]:
    violations = []
    for dataset, summary in summaries.items():
        bounds = {**thresholds.get("default", {}), **thresholds.get("datasets", {}).get(dataset, {})}
        for metric, bound in bounds.items():
            value = getattr(summary, metric)
            if value is None:
                continue
            failed = value > bound if metric in LOWER_IS_BETTER else value < bound
            if failed:
                violations.append(Violation(dataset, metric, value, bound))
    return violations
