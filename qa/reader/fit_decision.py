"""Fit the decision model: ``python -m qa.reader.fit_decision`` regenerates qa/models/decision.json.

The decision is fitted where it is used: on the reader's readings of *retrieved* passages. The
corpus is every paragraph of ../shared/data/squad-v2-train, indexed as articles. Two kinds of
questions are asked of it:
- the held-out article's questions (the reader never saw them), answerable or not;
- questions of the reader's training articles, searched with their own article left out: the
  detail is in no article, as when a user asks about a story the corpus does not hold.
With ``--paraphrases`` every question is also asked in the rewording that file gives it
(data/README.md); a question and its rewording fall in the same fold. Not by default: it moved the
decision's calibration, not its ranking (README).
Each of the reader's distinct answers is one example, right when its token F1 with a gold answer
reaches ``RIGHT_F1``. Nothing here reads an evaluation set.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa.reader.decision import DECISION_FILE, FEATURES, features
from qa.reader.model import MODEL_FILES, SpanReader, raw_meta
from qa.reader.train import PARAPHRASES, auc, fit_logistic, read_paraphrases, read_squad

# A reading counts as right from this token F1 with a gold answer ("the Turkish border" for "near
# the Turkish border"): what a reader would accept as the answer.
RIGHT_F1 = 0.5
# Readings per question the decision learns from: the reader's five most probable distinct answers,
# whatever ``decision_candidates`` answering uses; the lower-ranked ones show what wrong readings
# look like (five times the examples of the top reading alone).
FIT_CANDIDATES = 5


@dataclass
class Asked:
    question: str
    golds: tuple[str, ...]
    leave_out: str | None  # the article whose paragraphs are not searched
    owner: int = 0  # the question it words; a rewording shares its original's owner


def with_paraphrases(asked: list[Asked], paraphrases: dict[str, str]) -> list[Asked]:
    """Each question numbered as its own owner, followed by its rewording where there is one."""
    out = []
    for owner, item in enumerate(asked):
        out.append(replace(item, owner=owner))
        if item.question in paraphrases:
            out.append(replace(item, question=paraphrases[item.question], owner=owner))
    return out


def questions(articles: list[tuple[str, list[dict]]], held_out: str, unrelated: int, seed: int) -> list[Asked]:
    asked = []
    others = []
    for title, paragraphs in articles:
        for paragraph in paragraphs:
            for qa in paragraph["qas"]:
                golds = () if qa.get("is_impossible") else tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                if title == held_out:
                    asked.append(Asked(qa["question"], golds, None))
                elif golds:
                    others.append(Asked(qa["question"], (), title))
    return asked + random.Random(seed).sample(others, min(unrelated, len(others)))


def fit(members: tuple[Path, ...], out: Path, unrelated: int, seed: int, paraphrases: Path | None = None) -> dict:
    from index.retrieve import Retriever
    from qa import Assistant, Settings
    from qa.question import classify
    from qa.reader.pipeline import read, weigh
    from qa.scoring import token_f1

    meta = raw_meta(members[0])
    articles = read_squad(Path(meta["config"]["data"]))
    held_out = meta["config"]["held_out_article"]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        records, paragraphs_of = [], {}
        for title, paragraphs in articles:
            for n, paragraph in enumerate(paragraphs, start=1):
                records.append(json.dumps({"title": f"{title.replace('_', ' ')} ({n})", "text": paragraph["context"]}))
                paragraphs_of.setdefault(title, []).append(f"squad.jsonl#{len(records)}")
        (corpus / "squad.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
        settings = Settings.from_env(corpus_dir=corpus, index_dir=Path(tmp) / "index")
        settings = settings.replace(reader=settings.reader.replace(decision_candidates=FIT_CANDIDATES))
        assistant = Assistant.from_directory(settings=settings)
        retriever = Retriever(assistant.index, assistant.embedder)
        reader = SpanReader(assistant.embedder.model_path, settings.resolved_onnx_cache, members,
                            settings.reader.quantized)
        every = list(assistant.index.articles)
        rows, labels, owners = [], [], []
        originals = questions(articles, held_out, unrelated, seed)
        asked = with_paraphrases(originals, read_paraphrases(paraphrases))
        for number, item in enumerate(asked):
            allowed = None
            if item.leave_out:
                left_out = set(paragraphs_of[item.leave_out])
                allowed = [a for a in every if a not in left_out]
            hits = retriever.search(item.question, settings.top_k, articles=allowed)
            kind_type = classify(item.question).type
            candidates = read(reader, item.question, kind_type, hits, assistant.index.articles, settings.reader)
            for _, evidence in weigh(item.question, kind_type, candidates, assistant.index.articles, settings.reader):
                rows.append(features(evidence))
                labels.append(bool(item.golds) and token_f1(evidence.answer, item.golds) >= RIGHT_F1)
                owners.append(item.owner)
            if number % 100 == 0:
                print(f"{number}/{len(asked)} questions read", flush=True)
    x, y = np.asarray(rows), np.asarray(labels, dtype=np.float64)
    fitted = fit_logistic(x, y)
    # Two-fold, split by question: how well the weights rank readings they were not fitted on.
    fold = np.asarray(owners) % 2 == 0
    held_scores = np.zeros(len(y))
    for part in (fold, ~fold):
        w = fit_logistic(x[~part], y[~part])
        held_scores[part] = x[part] @ w[:-1] + w[-1]
    record = {
        "features": list(FEATURES), "weights": [round(float(w), 6) for w in fitted],
        "reader_models": [m.name for m in members], "right_f1": RIGHT_F1,
        "questions": len(originals), "held_out_questions": sum(a.leave_out is None for a in originals),
        "unrelated_questions": sum(a.leave_out is not None for a in originals),
        "paraphrased_questions": len(asked) - len(originals),
        "readings": len(y), "right_readings": int(y.sum()),
        "two_fold_auc": round(auc(held_scores, y), 4),
        "command": "python -m qa.reader.fit_decision",
    }
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m qa.reader.fit_decision", description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, nargs="+", default=list(MODEL_FILES),
                        help="the reader's model files (its members) the decision sits on")
    parser.add_argument("--out", type=Path, default=DECISION_FILE)
    parser.add_argument("--unrelated", type=int, default=400, help="training-article questions asked without their article")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--paraphrases", type=Path, nargs="?", const=PARAPHRASES, default=None,
                        help=f"also ask each question in its rewording (JSONL: question, paraphrase; bare: {PARAPHRASES.name})")
    args = parser.parse_args(argv)
    print(json.dumps(fit(tuple(args.weights), args.out, args.unrelated, args.seed, args.paraphrases), indent=2))


if __name__ == "__main__":
    main()
