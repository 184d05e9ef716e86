"""Choose the reader's answer threshold on dev reports: ``python -m eval.sweep REPORT.json ...``.

Run ``qa eval`` once with ``QA_READER__ANSWER_THRESHOLD=0`` (the reader then answers whenever its
other checks pass, and records its calibrated ``confidence``); this replays every threshold on
those answers: a question is answered iff its confidence reaches the threshold. Prints, per
dataset and threshold, the right / wrong-confident / silent shares and abstention figures.
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path


def outcomes(question: dict, threshold: float) -> tuple[bool, bool]:
    """(answered, right) for one recorded question at ``threshold``."""
    answered = not question["abstained"] and question["confidence"] >= threshold
    if question["answerable"]:
        return answered, answered and bool(question["lead_correct"]) and not question["false_conflict"]
    return answered, not answered


def table(questions: list[dict], thresholds: list[float]) -> list[dict]:
    rows = []
    for t in thresholds:
        counts = defaultdict(float)
        for q in questions:
            answered, right = outcomes(q, t)
            counts["right"] += right
            counts["wrong_confident"] += answered and not right
            counts["silent"] += not answered and q["answerable"]
            if q["answerable"]:
                counts["answerable"] += 1
                counts["false_abstention"] += not answered
            else:
                counts["unanswerable"] += 1
                counts["abstained_unanswerable"] += not answered
        n = max(1, len(questions))
        rows.append({
            "threshold": t, "n": len(questions), "right": counts["right"] / n,
            "wrong_confident": counts["wrong_confident"] / n, "silent": counts["silent"] / n,
            "abstention_recall": counts["abstained_unanswerable"] / counts["unanswerable"] if counts["unanswerable"] else None,
            "false_abstention": counts["false_abstention"] / counts["answerable"] if counts["answerable"] else None,
        })
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m eval.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", type=Path)
    parser.add_argument("--thresholds", default="0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8")
    args = parser.parse_args(argv)
    thresholds = [float(t) for t in args.thresholds.split(",")]
    by_dataset: dict[str, list[dict]] = defaultdict(list)
    for path in args.reports:
        for question in json.loads(path.read_text(encoding="utf-8"))["questions"]:
            by_dataset[question["dataset"]].append(question)
    for dataset, questions in sorted(by_dataset.items()):
        print(f"\n{dataset} ({len(questions)} questions)")
        print("threshold  right  wrong-confident  silent  abstained-unanswerable  false-abstention")
        for row in table(questions, thresholds):
            fmt = lambda v: "   -" if v is None else f"{v:.3f}"
            print(f"{row['threshold']:>9.2f}  {row['right']:.3f}  {row['wrong_confident']:>15.3f}  {row['silent']:.3f}  "
                  f"{fmt(row['abstention_recall']):>22}  {fmt(row['false_abstention']):>16}")


if __name__ == "__main__":
    main()
