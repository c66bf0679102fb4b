"""Calibrated probabilities (issue 33): convtext's before and after temperature scaling, and fastText's, on the same
runs with the same threads.

Each run of a set (SST-2's and TREC's given splits, one per seed; CR's seeded cross-validation folds) trains every
system on its training split, lets it select on the dev split and scores it on the test split: accuracy, expected
calibration error (ECE: 15 equal-width bins of the top class's probability), Brier score (per text, summed over the
classes) and negative log-likelihood (per text). convtext: its defaults (MiniLM's input vectors) and from scratch
(random vectors), each scored at temperature 1 and at the temperature it fitted on the dev split — one model,
so the same labels. fastText: wordNgrams 1 and 2 with the epoch count chosen on dev, its own softmax probabilities
(``predict(k=-1)``). A fourth set, TREC held out, draws test and dev from TREC's training file (see the notes).

Run: python benchmarks/calibration.py [--data ../shared/data] [--sets SST-2,TREC,CR,'TREC held out'] [--folds 3]
     [--seeds 2] [--threads 2] [--name calibration]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import numpy as np
from _kim import SETS, kim_runs
from _peers import ConvtextPeer, FastTextPeer
from _report import add_data_option, write_results
from scipy.optimize import minimize

from convtext import read_labeled, stratified_holdout
from convtext.runtime import calibration_report

CONVTEXT = {
    "convtext defaults (MiniLM input vectors)": {},
    "convtext from scratch (random vectors)": {"embeddings": "random"},
}
FASTTEXT = {f"fastText (wordNgrams={n}, epoch chosen on dev)": n for n in (1, 2)}
SCORES = ("accuracy", "ece", "brier", "nll", "confidence", "dev_accuracy")
HELD_OUT = "TREC held out"  # TREC's training file alone: train, dev and test drawn from one distribution


def mean_confidence(report: dict) -> float:
    """The mean probability of the top class (from a calibration report's bins)."""
    bins = report["bins"]
    return sum(b["confidence"] * b["count"] for b in bins) / max(sum(b["count"] for b in bins), 1)


def held_out_runs(folder: Path, seeds: int):
    """``(train, dev, test, seed)``: per seed, a stratified 10 % of TREC's training file as test and 10 % of the rest
    as dev (TREC's own test questions are easier than its training file's: see the notes)."""
    data = read_labeled(folder / "TREC.train.all")
    for seed in range(seeds):
        rest, test = stratified_holdout(data.label_sets, 0.1, seed)
        keep, dev = stratified_holdout([data.label_sets[i] for i in rest], 0.1, seed)
        yield data.subset([rest[i] for i in keep]), data.subset([rest[i] for i in dev]), data.subset(test), seed


def vector_scaling(dev_logits: np.ndarray, dev_gold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Guo et al.'s vector scaling, fitted on dev: a scale and a bias per class, minimising the NLL (L-BFGS)."""
    classes = dev_logits.shape[1]

    def nll(params):
        scaled = dev_logits * params[:classes] + params[classes:]
        shifted = scaled - scaled.max(axis=1, keepdims=True)
        return float((np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(dev_gold)), dev_gold]).mean())

    found = minimize(nll, np.concatenate([np.ones(classes), np.zeros(classes)]), method="L-BFGS-B")
    return found.x[:classes], found.x[classes:]


def convtext_rows(settings: dict, train, dev, test, threads: int, seed: int) -> dict[str, dict]:
    """The model's test scores at temperature 1, at its fitted temperature, and with vector scaling fitted on the
    same dev set (a screen: convtext does not ship it)."""
    model = ConvtextPeer({**settings, "progress": False}, threads, seed).fit_select(
        train.texts, train.labels, dev.texts, dev.labels
    ).model  # fmt: skip
    logits = model.decision_function(test.texts)  # (n, C)
    gold = np.asarray(model.label_set_.encode(test.labels))
    report = calibration_report(logits, gold, False, model.temperature_)
    accuracy, on_dev = float((logits.argmax(1) == gold).mean()), float(model.metrics_["valid"]["accuracy"])
    scaled = {"accuracy": accuracy, "temperature": model.temperature_, **scores_of(report, on_dev)}
    scale, bias = vector_scaling(model.decision_function(dev.texts), np.asarray(model.label_set_.encode(dev.labels)))
    vector_logits = logits * scale + bias  # (n, C): may change the top class
    vector = calibration_report(vector_logits, gold, False, 1.0)
    vector_row = {"accuracy": float((vector_logits.argmax(1) == gold).mean()), **scores_of(vector, on_dev)}
    return {"temperature 1": {"accuracy": accuracy, **scores_of(report["uncalibrated"], on_dev)},
            "calibrated": scaled, "vector scaling (screen)": vector_row}  # fmt: skip


def scores_of(report: dict, dev_accuracy: float) -> dict:
    return {"ece": report["ece"], "brier": report["brier"], "nll": report["nll"],
            "confidence": mean_confidence(report), "dev_accuracy": dev_accuracy}  # fmt: skip


def fasttext_row(word_ngrams: int, train, dev, test, threads: int, seed: int) -> dict:
    """fastText's test scores from its own probabilities (every label's, in the order of its dev-chosen model)."""
    peer = FastTextPeer(word_ngrams, threads=threads, seed=seed).fit_select(
        train.texts, train.labels, dev.texts, dev.labels
    )  # fmt: skip
    classes = sorted(set(train.labels))
    names, chances = peer.model_.predict([peer._line(text) for text in test.texts], k=-1)
    probabilities = np.full((len(test), len(classes)), 1e-12)  # (n, C)
    for row, (labels, values) in enumerate(zip(names, chances)):
        for label, value in zip(labels, values):
            probabilities[row, classes.index(label.removeprefix("__label__"))] = max(float(value), 1e-12)
    gold = np.asarray([classes.index(label) for label in test.labels])
    report = calibration_report(np.log(probabilities), gold, False, 1.0)  # softmax(log p) = p, renormalised
    on_dev = sum(p == g for p, g in zip(peer.predict(dev.texts), dev.labels)) / len(dev)
    return {"accuracy": float((probabilities.argmax(1) == gold).mean()), **scores_of(report, on_dev)}


def run_set(set_name: str, args) -> dict[str, list[dict]]:
    folder, runs = args.data / "kim2014", {}
    if set_name == HELD_OUT:
        protocol = held_out_runs(folder, args.seeds)
    else:
        protocol = kim_runs(next(s for s in SETS if s.name == set_name), folder, args.folds, args.seeds, None)
    for train, dev, test, seed in protocol:
        for name, settings in CONVTEXT.items():
            for variant, scores in convtext_rows(settings, train, dev, test, args.threads, seed).items():
                runs.setdefault(f"{name}, {variant}", []).append(scores)
        for name, word_ngrams in FASTTEXT.items():
            runs.setdefault(name, []).append(fasttext_row(word_ngrams, train, dev, test, args.threads, seed))
        print(set_name, seed, {name: round(r[-1]["ece"], 4) for name, r in runs.items()}, flush=True)
    return runs


def table(results: dict[str, dict[str, list[dict]]]) -> list[list[str]]:
    rows = []
    for set_name, runs in results.items():
        for system, scores in runs.items():
            mean = {key: statistics.mean(score[key] for score in scores) for key in SCORES}
            temperatures = [score["temperature"] for score in scores if "temperature" in score]
            shown = f"{statistics.median(temperatures):.2f}" if temperatures else "—"
            rows.append([set_name, system, f"{100 * mean['accuracy']:.1f}", f"{100 * mean['dev_accuracy']:.1f}",
                         f"{mean['confidence']:.3f}", f"{mean['ece']:.4f}", f"{mean['brier']:.4f}",
                         f"{mean['nll']:.4f}", shown])  # fmt: skip
    return rows


def verdicts(results: dict[str, dict[str, list[dict]]]) -> list[str]:
    """Per set and convtext system: is the calibrated ECE below its own at temperature 1 and below fastText's?"""
    lines = []
    for set_name, runs in results.items():
        ece = {system: statistics.mean(score["ece"] for score in scores) for system, scores in runs.items()}
        fasttext = min(ece[name] for name in FASTTEXT)
        for name in CONVTEXT:
            after, before = ece[f"{name}, calibrated"], ece[f"{name}, temperature 1"]
            lines.append(
                f"{set_name}, {name}: ECE {before:.4f} → {after:.4f} "
                f"({'lower' if after < before else 'NOT lower'}); the better fastText {fasttext:.4f} "
                f"({'convtext lower' if after < fasttext else 'convtext NOT lower'}); vector scaling (screen) "
                f"{ece[f'{name}, vector scaling (screen)']:.4f}"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--sets", default=f"SST-2,TREC,CR,{HELD_OUT}", help=f"Kim sets and {HELD_OUT!r}.")
    parser.add_argument("--folds", type=int, default=3, help="Cross-validation folds run (of 10).")
    parser.add_argument("--seeds", type=int, default=2, help="Seeds for the sets with given splits.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--name", default="calibration", help="Results file name.")
    args = parser.parse_args()
    chosen = args.sets.split(",")
    results = {name: run_set(name, args) for name in [*(s.name for s in SETS), HELD_OUT] if name in chosen}
    columns = ["set", "system", "test accuracy %", "dev accuracy %", "mean confidence (test)", "ECE", "Brier", "NLL",
               "temperature (median)"]  # fmt: skip
    notes = [
        f"{args.folds} cross-validation folds (CR), {args.seeds} seeds (SST-2, TREC, {HELD_OUT}), {args.threads} "
        "threads for every system; means over the runs, each scored on its run's test split.",
        f"{HELD_OUT}: TREC's training file alone, per seed a stratified 10 % as test and 10 % of the rest as dev. "
        "TREC's own test file is easier than its training questions (every system scores several points higher on "
        "it than on dev): probabilities that are right for the training distribution are too low there, so a "
        "temperature fitted on dev does not carry over to TREC's test; the held-out rows measure calibration "
        "where test and dev come from one distribution.",
        "mean confidence: the mean probability of the top class on test; calibrated, it should match the test "
        "accuracy.",
        "ECE: 15 equal-width bins of the top class's probability, |share right − mean probability| weighted by the "
        "bin's share of texts. Brier: per text, summed over the classes. NLL: per text.",
        "convtext's 'temperature 1' and 'calibrated' rows are one model each run: the temperature divides the logits "
        "before the softmax, so every label (and the accuracy) is the same. 'vector scaling (screen)': the same "
        "model's logits scaled and shifted per class (Guo et al. 2017), fitted on the same dev set by L-BFGS — "
        "not what convtext ships; it may change labels.",
        *verdicts(results),
    ]
    write_results(args.name, columns, table(results), notes, {"runs": results})


if __name__ == "__main__":
    main()
