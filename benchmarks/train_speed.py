"""Training time against fastText: convtext's defaults and fastText on the Kim suite and on CEDR, same runs, same threads.

Kim suite: the protocol of ``kim2014.py`` (its systems and folds) for convtext from scratch (defaults, random input
vectors), convtext's defaults with MiniLM's input vectors, and fastText with wordNgrams 1 and 2. Per set: test
accuracy and median training seconds of each, and convtext's time over fastText's — its best setting there (the more
accurate of the two) and its fastest.

CEDR (``cedr/``, Russian, five emotions, zero or more per sentence): convtext ``multi_label=True, threshold="tune"``
against fastText ``loss="ova"`` (wordNgrams 1 and 2; epoch count and decision threshold chosen on dev; a sentence
without an emotion is one ``__label__none`` line, never predicted). Dev: a seeded 10% of the training file. Micro-F1
over the five emotions on the test file, per seed.

Run: python benchmarks/train_speed.py [--data ../shared/data] [--sets MR,TREC] [--folds 10] [--seeds 3]
     [--cedr-seeds 3] [--threads 2] [--name train_speed]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import numpy as np
from _kim import SET_NAMES, add_suite_options, protocol, run_suite
from _peers import ConvtextPeer, FastTextPeer, train_fasttext
from _report import add_data_option, write_results
from kim2014 import LABELS, make_system
from sklearn.metrics import f1_score
from sklearn.preprocessing import MultiLabelBinarizer

from convtext import read_labeled, stratified_holdout

SYSTEMS = ("convtext", "convtext_minilm", "fasttext1", "fasttext2")
EMOTIONS = ("joy", "sadness", "surprise", "fear", "anger")  # CEDR's label ids 0-4
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def read_cedr(path: Path) -> tuple[list[str], list[list[str]]]:
    """Texts and their emotion names (``[0 2]`` -> ["joy", "surprise"]; ``[]`` -> [])."""
    data = read_labeled(path, label_col="labels")
    sets = [[EMOTIONS[int(i)] for i in labels[0].strip("[]").split()] for labels in data.label_sets]
    return data.texts, sets


def micro_f1(gold: list[list[str]], predicted: list[list[str]]) -> float:
    binarizer = MultiLabelBinarizer(classes=list(EMOTIONS)).fit([])
    return float(f1_score(binarizer.transform(gold), binarizer.transform(predicted), average="micro", zero_division=0))


class FastTextOva:
    """fastText one-vs-all (``loss="ova"``), epoch count and threshold chosen on dev, trained in a child process."""

    def __init__(self, word_ngrams: int, threads: int, seed: int):
        self.word_ngrams, self.threads, self.seed = word_ngrams, threads, seed

    def _train(self, texts, label_sets, epoch: int):
        order = np.random.default_rng(self.seed).permutation(len(texts))
        lines = [
            " ".join(f"__label__{label}" for label in label_sets[i] or ["none"]) + " " + " ".join(texts[i].split())
            for i in order
        ]
        options = {"wordNgrams": self.word_ngrams, "epoch": epoch, "loss": "ova", "thread": self.threads,
                   "seed": self.seed, "verbose": 0}  # fmt: skip
        return train_fasttext(lines, options)

    def _predict(self, model, texts, threshold: float) -> list[list[str]]:
        labels, _ = model.predict([" ".join(text.split()) for text in texts], k=-1, threshold=threshold)
        return [[label.removeprefix("__label__") for label in row if label != "__label__none"] for row in labels]

    def fit_select(self, texts, label_sets, dev_texts, dev_sets) -> FastTextOva:
        best = None
        for epoch in FastTextPeer.EPOCHS:
            model, seconds = self._train(texts, label_sets, epoch)
            for threshold in THRESHOLDS:
                score = micro_f1(dev_sets, self._predict(model, dev_texts, threshold))
                if best is None or score > best[0]:
                    best = (score, model, threshold, seconds)
        _, self.model, self.threshold, self.train_seconds_ = best
        return self

    def predict(self, texts) -> list[list[str]]:
        return self._predict(self.model, texts, self.threshold)


CEDR_SYSTEMS = {
    "convtext (multi_label=True, threshold='tune', defaults)":
        lambda threads, seed: ConvtextPeer({"multi_label": True, "threshold": "tune", "progress": False}, threads, seed),
    "fastText (loss=ova, wordNgrams=1, epoch and threshold chosen on dev)":
        lambda threads, seed: FastTextOva(1, threads, seed),
    "fastText (loss=ova, wordNgrams=2, epoch and threshold chosen on dev)":
        lambda threads, seed: FastTextOva(2, threads, seed),
}  # fmt: skip


def run_cedr(folder: Path, seeds: int, threads: int) -> dict[str, dict[str, list[float]]]:
    texts, sets = read_cedr(folder / "cedr-main-train.csv")
    test_texts, test_sets = read_cedr(folder / "cedr-main-test.csv")
    results = {}
    for name, make in CEDR_SYSTEMS.items():
        scores, seconds = [], []
        for seed in range(seeds):
            keep, held = stratified_holdout([tuple(s) or ("none",) for s in sets], 0.1, seed)
            system = make(threads, seed).fit_select(
                [texts[i] for i in keep], [sets[i] for i in keep], [texts[i] for i in held], [sets[i] for i in held]
            )
            scores.append(micro_f1(test_sets, system.predict(test_texts)))
            seconds.append(system.train_seconds_)
            print(f"CEDR {name} seed {seed}: micro-F1 {scores[-1]:.3f} in {seconds[-1]:.1f}s", flush=True)
        results[name] = {"micro_f1": scores, "train_seconds": seconds}
    return results


def kim_rows(results: dict) -> list[list[str]]:
    """Per set: each system's accuracy and median training seconds, and convtext's time over fastText's."""
    rows = []
    for name in (s for s in SET_NAMES if s in results["convtext"]):
        acc = {system: 100 * results[system][name].mean_std()[0] for system in SYSTEMS}
        secs = {system: statistics.median(results[system][name].train_seconds) for system in SYSTEMS}
        best = max(("fasttext1", "fasttext2"), key=lambda system: acc[system])
        fastest = min(secs["fasttext1"], secs["fasttext2"])
        rows.append([
            name, *(f"{acc[s]:.1f} / {secs[s]:.1f}" for s in SYSTEMS), f"wordNgrams={best[-1]}",
            f"{secs['convtext'] / secs[best]:.1f}×", f"{secs['convtext_minilm'] / secs[best]:.1f}×",
            f"{secs['convtext'] / fastest:.1f}×",
        ])  # fmt: skip
    return rows


def cedr_section(results: dict) -> list[str]:
    lines = [
        "## CEDR (Russian, 5 emotions, multi-label)",
        "",
        "| system | micro-F1 | train s (median) |",
        "|---|---|---|",
    ]
    for name, result in results.items():
        f1 = result["micro_f1"]
        lines.append(f"| {name} | {statistics.mean(f1):.3f} ± {statistics.pstdev(f1):.3f} | "
                     f"{statistics.median(result['train_seconds']):.1f} |")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    add_suite_options(parser, "train_speed")
    parser.add_argument("--cedr-seeds", type=int, default=3, help="Seeds (dev split and training) on CEDR; 0 skips it.")
    args = parser.parse_args()
    runs = protocol(args)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    results = {
        system: run_suite(make_system(system, args.threads), args.data / "kim2014", sets, args.folds, args.seeds,
                          args.cap, system)
        for system in SYSTEMS
    }  # fmt: skip
    cedr = run_cedr(args.data / "cedr", args.cedr_seeds, args.threads) if args.cedr_seeds else {}
    columns = ["set", *(f"{LABELS[s]}: accuracy % / train s" for s in SYSTEMS), "fastText's best",
               "convtext ÷ best", "MiniLM defaults ÷ best", "convtext ÷ fastest fastText"]  # fmt: skip
    notes = [
        f"Kim suite: {runs}; {args.threads} threads for every system; accuracy is the mean over runs, train s the "
        "median (fastText: the training of the epoch count it chose on dev; convtext: its whole fit, early stopping "
        "included). fastText's best: the more accurate of wordNgrams 1 and 2 on that set.",
        f"CEDR: {args.cedr_seeds} seed(s), the test file, micro-F1 over the five emotions.",
    ]
    extra = {
        "runs": {s: {name: vars(r) for name, r in sets_.items()} for s, sets_ in results.items()},
        "cedr": cedr,
    }
    path = write_results(args.name, columns, kim_rows(results), notes, extra, cedr_section(cedr) if cedr else None)
    print(path.read_text())


if __name__ == "__main__":
    main()
