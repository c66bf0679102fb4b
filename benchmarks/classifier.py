"""convtext's default TextCNN vs fastText on SST-2 and TREC: test accuracy, training time, predict speed.

Both on the same files, with the same thread count, several seeds each.
Run: python benchmarks/classifier.py [--data ../shared/data] [--seeds 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from _kim import throughput
from _peers import FastTextPeer
from _report import add_data_option, write_results

from convtext import TextClassifier, read_labeled, stratified_holdout

TASKS = {  # name: (train, dev or None for a seeded 10% holdout, test)
    "SST-2": ("stsa.binary.train", "stsa.binary.dev", "stsa.binary.test"),
    "TREC": ("TREC.train.all", None, "TREC.test.all"),
}


def accuracy(predicted, gold) -> float:
    return float(np.mean(np.asarray(predicted) == np.asarray(gold)))


def run_task(name: str, data: Path, seeds: int, threads: int) -> dict:
    train_file, dev_file, test_file = TASKS[name]
    train, test = read_labeled(data / train_file), read_labeled(data / test_file)
    results = {"convtext": [], "convtext-random": [], "fasttext": []}
    for seed in range(seeds):
        if dev_file:
            dev = read_labeled(data / dev_file)
            fit_train, fit_dev = train, dev
        else:
            keep, held = stratified_holdout(train.label_sets, 0.1, seed)
            fit_train, fit_dev = train.subset(keep), train.subset(held)
        for system, embeddings in (("convtext", "auto"), ("convtext-random", "random")):
            started = time.perf_counter()
            model = TextClassifier(embeddings=embeddings, seed=seed, threads=threads).fit(
                fit_train.texts, fit_train.labels, fit_dev.texts, fit_dev.labels
            )
            seconds = time.perf_counter() - started
            results[system].append(
                {"accuracy": accuracy(model.predict(test.texts), test.labels), "train_seconds": seconds,
                 "texts_per_second": throughput(model.predict, test.texts), "embeddings": model.embeddings_}
            )  # fmt: skip
        peer = FastTextPeer(threads=threads, seed=seed)
        peer.fit_select(fit_train.texts, fit_train.labels, fit_dev.texts, fit_dev.labels)
        results["fasttext"].append(
            {"accuracy": accuracy(peer.predict(test.texts), test.labels), "train_seconds": peer.train_seconds_,
             "texts_per_second": throughput(peer.predict, test.texts), "epoch": peer.epoch}
        )  # fmt: skip
        print(name, seed, {k: v[-1] for k, v in results.items()}, flush=True)
    return results


def summary(runs: list[dict], key: str) -> tuple[float, float]:
    values = [run[key] for run in runs]
    return statistics.mean(values), statistics.pstdev(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_data_option(parser)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    rows, raw = [], {}
    for name in TASKS:
        raw[name] = run_task(name, args.data / "kim2014", args.seeds, args.threads)
        systems = (
            ("convtext", "convtext TextCNN, defaults (embeddings=auto, here MiniLM)"),
            ("convtext-random", "convtext TextCNN, embeddings=random (the default for text MiniLM does not cover)"),
            ("fasttext", FastTextPeer().name),
        )
        for system, label in systems:
            mean, std = summary(raw[name][system], "accuracy")
            rows.append([
                name, label, f"{100 * mean:.1f} ± {100 * std:.1f}",
                f"{statistics.median(r['train_seconds'] for r in raw[name][system]):.1f}",
                f"{statistics.median(r['texts_per_second'] for r in raw[name][system]):,.0f}",
            ])  # fmt: skip
    notes = [
        f"Test accuracy, mean ± std over {args.seeds} seeds; training seconds and predict texts/s (tokenization "
        f"included, the whole test file at once) are medians; {args.threads} threads for both.",
        "Both select on the same dev data: SST-2 dev, or the same seeded 10% holdout of TREC train — convtext its "
        "epoch (early stopping), fastText its epoch count; fastText's train seconds are for the chosen run only.",
        "Kim (2014) CNN-rand for reference: SST-2 82.7 (trained with phrase-level labels too), TREC 91.2.",
    ]
    columns = ["data", "system", "test accuracy %", "train s", "predict texts/s"]
    path = write_results("classifier", columns, rows, notes, {"runs": raw})
    print(path.read_text())


if __name__ == "__main__":
    main()
