"""Calibrated probabilities (issue 33): convtext's before and after temperature scaling, and fastText's, on the same
runs with the same threads.

Each run of a set (SST-2's and TREC's given splits, one per seed; CR's seeded cross-validation folds) trains every
system on its training split, lets it select on the dev split and scores it on the test split: accuracy, expected
calibration error (ECE: 15 equal-width bins of the top class's probability), Brier score (per text, summed over the
classes) and negative log-likelihood (per text). convtext: its defaults (MiniLM's input vectors) and from scratch
(random vectors), each scored at temperature 1 and at the temperature it fitted on the dev split — one model,
so the same labels. fastText: wordNgrams 1 and 2 with the epoch count chosen on dev, its own softmax probabilities
(``predict(k=-1)``).

Run: python benchmarks/calibration.py [--data ../shared/data] [--sets SST-2,TREC,CR] [--folds 3] [--seeds 2]
     [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from _kim import SETS, kim_runs
from _peers import ConvtextPeer, FastTextPeer
from _report import add_data_option, write_results
from scipy.optimize import minimize

from convtext.runtime import calibration_report

CONVTEXT = {
    "convtext defaults (MiniLM input vectors)": {},
    "convtext from scratch (random vectors)": {"embeddings": "random"},
}
FASTTEXT = {f"fastText (wordNgrams={n}, epoch chosen on dev)": n for n in (1, 2)}
SCORES = ("accuracy", "ece", "brier", "nll")


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
    accuracy = float((logits.argmax(1) == gold).mean())
    scaled = {"accuracy": accuracy, "temperature": model.temperature_, **{k: report[k] for k in SCORES[1:]}}
    scale, bias = vector_scaling(model.decision_function(dev.texts), np.asarray(model.label_set_.encode(dev.labels)))
    vector_logits = logits * scale + bias  # (n, C): may change the top class
    vector = calibration_report(vector_logits, gold, False, 1.0)
    vector_row = {"accuracy": float((vector_logits.argmax(1) == gold).mean()), **{k: vector[k] for k in SCORES[1:]}}
    return {"temperature 1": {"accuracy": accuracy, **{k: report["uncalibrated"][k] for k in SCORES[1:]}},
            "calibrated": scaled, "vector scaling (screen)": vector_row}  # fmt: skip


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
    return {"accuracy": float((probabilities.argmax(1) == gold).mean()), **{k: report[k] for k in SCORES[1:]}}


def run_set(kim_set, args) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {}
    for train, dev, test, seed in kim_runs(kim_set, args.data / "kim2014", args.folds, args.seeds, None):
        for name, settings in CONVTEXT.items():
            for variant, scores in convtext_rows(settings, train, dev, test, args.threads, seed).items():
                runs.setdefault(f"{name}, {variant}", []).append(scores)
        for name, word_ngrams in FASTTEXT.items():
            runs.setdefault(name, []).append(fasttext_row(word_ngrams, train, dev, test, args.threads, seed))
        print(kim_set.name, seed, {name: round(r[-1]["ece"], 4) for name, r in runs.items()}, flush=True)
    return runs


def table(results: dict[str, dict[str, list[dict]]]) -> list[list[str]]:
    rows = []
    for set_name, runs in results.items():
        for system, scores in runs.items():
            mean = {key: statistics.mean(score[key] for score in scores) for key in SCORES}
            temperatures = [score["temperature"] for score in scores if "temperature" in score]
            shown = f"{statistics.median(temperatures):.2f}" if temperatures else "—"
            rows.append([set_name, system, f"{100 * mean['accuracy']:.1f}", f"{mean['ece']:.4f}",
                         f"{mean['brier']:.4f}", f"{mean['nll']:.4f}", shown])  # fmt: skip
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
    parser.add_argument("--sets", default="SST-2,TREC,CR")
    parser.add_argument("--folds", type=int, default=3, help="Cross-validation folds run (of 10).")
    parser.add_argument("--seeds", type=int, default=2, help="Seeds for the sets with given splits.")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    chosen = args.sets.split(",")
    results = {s.name: run_set(s, args) for s in SETS if s.name in chosen}
    columns = ["set", "system", "accuracy %", "ECE", "Brier", "NLL", "temperature (median)"]
    notes = [
        f"{args.folds} cross-validation folds (CR), {args.seeds} seeds (SST-2, TREC), {args.threads} threads for every "
        "system; means over the runs, each scored on its run's test split.",
        "ECE: 15 equal-width bins of the top class's probability, |share right − mean probability| weighted by the "
        "bin's share of texts. Brier: per text, summed over the classes. NLL: per text.",
        "convtext's 'temperature 1' and 'calibrated' rows are one model each run: the temperature divides the logits "
        "before the softmax, so every label (and the accuracy) is the same. 'vector scaling (screen)': the same "
        "model's logits scaled and shifted per class (Guo et al. 2017), fitted on the same dev set by L-BFGS — "
        "not what convtext ships; it may change labels.",
        *verdicts(results),
    ]
    write_results("calibration", columns, table(results), notes, {"runs": results})


if __name__ == "__main__":
    main()
