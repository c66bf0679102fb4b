"""The Kim (2014) suite: seven data sets, each with its protocol, run for any system the same way.

MR, Subj, CR, MPQA: 10-fold cross-validation with seeded stratified folds (the dev set for early
stopping is a seeded 10% of the nine training folds). SST-1, SST-2: train on train, select on dev,
report test; TREC: its test file, dev a seeded 10% of train; each over several seeds. A system
is a function ``(train, dev, seed) -> predict`` that sees only the data handed to it, so no test
fold and no other data set reaches it (the leakage rule of ``../shared/data/README.md``).
"""

from __future__ import annotations

import functools
import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from convtext import LabeledTexts, kfold, read_labeled, stratified_holdout

__all__ = [
    "KIM_PUBLISHED",
    "SETS",
    "SetResult",
    "add_suite_options",
    "kim_runs",
    "protocol",
    "run_suite",
    "suite_row",
    "throughput",
    "wall_section",
]

Predict = Callable[[list[str]], list[str]]
System = Callable[[LabeledTexts, LabeledTexts, int], Predict]


@dataclass(frozen=True)
class KimSet:
    name: str
    files: tuple[str, ...]  # one file: cross-validation; (train, dev or "", test): given splits


SETS = [
    KimSet("MR", ("rt-polarity.all",)),
    KimSet("SST-1", ("stsa.fine.train", "stsa.fine.dev", "stsa.fine.test")),
    KimSet("SST-2", ("stsa.binary.train", "stsa.binary.dev", "stsa.binary.test")),
    KimSet("Subj", ("subj.all",)),
    KimSet("TREC", ("TREC.train.all", "", "TREC.test.all")),
    KimSet("CR", ("custrev.all",)),
    KimSet("MPQA", ("mpqa.all",)),
]
SET_NAMES = [s.name for s in SETS]

# Kim (2014), Table 2, in SET_NAMES order (word2vec vectors; SST trained with phrase labels too)
KIM_PUBLISHED = {
    "Kim 2014 CNN-rand (published)": [76.1, 45.0, 82.7, 89.6, 91.2, 79.8, 83.4],
    "Kim 2014 CNN-static (published)": [81.0, 45.5, 86.8, 93.0, 92.8, 84.7, 89.6],
    "Kim 2014 CNN-non-static (published)": [81.5, 48.0, 87.2, 93.4, 93.6, 84.3, 89.5],
    "Kim 2014 CNN-multichannel (published)": [81.1, 47.4, 88.1, 93.2, 92.2, 85.0, 89.4],
}


@dataclass
class SetResult:
    accuracies: list[float] = field(default_factory=list)  # one per fold or seed
    train_seconds: list[float] = field(default_factory=list)
    texts_per_second: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0  # the whole set: every run's training, prediction and speed measurement
    failures: list[str] = field(default_factory=list)  # runs the system could not finish, with the error

    def mean_std(self) -> tuple[float, float]:
        return statistics.mean(self.accuracies), statistics.pstdev(self.accuracies)


def _subsample(data: LabeledTexts, cap: int | None, seed: int) -> LabeledTexts:
    if cap is None or len(data) <= cap:
        return data
    keep, _ = stratified_holdout(data.label_sets, 1 - cap / len(data), seed)
    return data.subset(keep)


@functools.cache
def _read(path: Path) -> LabeledTexts:
    """Each file read once per run, so its reader's report (skipped lines) is printed once."""
    return read_labeled(path)


def kim_runs(kim_set: KimSet, folder: Path, folds: int, seeds: int, cap: int | None):
    """``(train, dev, test, seed)`` for each fold or seed of the set's protocol."""
    if len(kim_set.files) == 1:
        data = _read(folder / kim_set.files[0])
        for fold, (train_rows, test_rows) in enumerate(kfold(data.label_sets, 10, seed=0)):
            if fold >= folds:
                return
            keep, held = stratified_holdout([data.label_sets[i] for i in train_rows], 0.1, fold)
            train = data.subset([train_rows[i] for i in keep])
            dev = data.subset([train_rows[i] for i in held])
            yield _subsample(train, cap, fold), dev, data.subset(test_rows), fold
        return
    train_file, dev_file, test_file = kim_set.files
    train_all, test = _read(folder / train_file), _read(folder / test_file)
    for seed in range(seeds):
        if dev_file:
            train, dev = train_all, _read(folder / dev_file)
        else:
            keep, held = stratified_holdout(train_all.label_sets, 0.1, seed)
            train, dev = train_all.subset(keep), train_all.subset(held)
        yield _subsample(train, cap, seed), dev, test, seed


def throughput(predict: Predict, texts: list[str], repeats: int = 3) -> float:
    """Texts per second, tokenization included; median of ``repeats`` passes over ``texts`` after one
    untimed warm-up pass (lazy loading, caches)."""
    predict(texts)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        predict(texts)
        times.append(time.perf_counter() - started)
    return len(texts) / statistics.median(times)


def process_seconds(command: list[str], threads: int, repeats: int = 3) -> float:
    """The median wall time of ``command`` over ``repeats`` fresh processes, each with ``threads`` threads for
    PyTorch/OpenMP and the tokenizers' thread pool."""
    environment = {**os.environ, "OMP_NUM_THREADS": str(threads), "RAYON_NUM_THREADS": str(threads)}
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=environment)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def alternating_seconds(commands: list[list[str]], threads: int, repeats: int = 3) -> list[float]:
    """``process_seconds`` of several commands run in turn (A, B, C, A, B, C, ...): a machine's load drifts, and
    taking turns lets each command meet the same drift. The median wall time of each, in order."""
    times = [[process_seconds(command, threads, 1) for command in commands] for _ in range(repeats)]
    return [statistics.median(column) for column in zip(*times)]


def run_suite(
    system: System, folder: Path, sets: Sequence[str] = SET_NAMES, folds: int = 10, seeds: int = 3,
    cap: int | None = None, label: str = "",
) -> dict[str, SetResult]:  # fmt: skip
    """Accuracy per fold/seed, training seconds and predict texts/s of ``system`` on each chosen set."""
    results = {}
    for kim_set in (s for s in SETS if s.name in sets):
        result, set_started = SetResult(), time.perf_counter()
        for train, dev, test, seed in kim_runs(kim_set, folder, folds, seeds, cap):
            started = time.perf_counter()
            try:
                predict = system(train, dev, seed)
            except RuntimeError as error:  # e.g. fastText's "Encountered NaN": reported in the table, not hidden
                result.failures.append(f"run {seed}: {str(error)[:200]}")
                print(f"{label} {kim_set.name} run {seed}: FAILED {error}", flush=True)
                continue
            result.train_seconds.append(time.perf_counter() - started)
            predicted = predict(test.texts)
            result.accuracies.append(float(np.mean(np.asarray(predicted) == np.asarray(test.labels))))
            if len(result.texts_per_second) < 1:  # once per set: the test texts at once, tokenization included
                result.texts_per_second.append(throughput(predict, test.texts))
            print(f"{label} {kim_set.name} run {seed}: {100 * result.accuracies[-1]:.1f}% "
                  f"in {result.train_seconds[-1]:.1f}s", flush=True)  # fmt: skip
        result.wall_seconds = time.perf_counter() - set_started
        results[kim_set.name] = result
    return results


def suite_row(label: str, results: dict[str, SetResult], baseline: dict[str, SetResult] | None = None) -> list[str]:
    """One table row: ``mean ± std`` per set (and the gain over ``baseline``), mean of sets, train s, texts/s."""
    cells, means = [label], []
    for name in SET_NAMES:
        if name not in results or not results[name].accuracies:
            cells.append("–")
            continue
        mean, std = results[name].mean_std()
        means.append(mean)
        cell = f"{100 * mean:.1f} ± {100 * std:.1f}" + (
            f" ({len(results[name].failures)} failed)" if results[name].failures else ""
        )
        if baseline and name in baseline:
            cell += f" ({100 * (mean - baseline[name].mean_std()[0]):+.1f})"
        cells.append(cell)
    seconds = [s for r in results.values() for s in r.train_seconds]
    speed = [s for r in results.values() for s in r.texts_per_second]
    complete = means and all(r.accuracies for r in results.values())  # a set whose runs all failed: no mean
    cells.append(f"{100 * statistics.mean(means):.1f}" if complete else "–")
    cells.append(f"{statistics.median(seconds):.1f}" if seconds else "–")
    cells.append(f"{statistics.median(speed):,.0f}" if speed else "–")
    return cells


def wall_section(labels: dict[str, str], results: dict[str, dict[str, SetResult]]) -> list[str]:
    """Markdown lines: each system's wall seconds per set (training, prediction and speed runs) and in total."""
    lines = [
        "## Wall seconds per set",
        "",
        f"| system | {' | '.join(SET_NAMES)} | total |",
        "|" + "---|" * (len(SET_NAMES) + 2),
    ]
    for name, sets in results.items():
        cells = [f"{sets[s].wall_seconds:.0f}" if s in sets else "–" for s in SET_NAMES]
        lines.append(f"| {labels[name]} | {' | '.join(cells)} | {sum(r.wall_seconds for r in sets.values()):.0f} |")
    return lines


def published_rows(columns: int) -> list[list[str]]:
    """Kim's published numbers as reference rows of a suite table."""
    rows = []
    for label, values in KIM_PUBLISHED.items():
        rows.append([label, *(f"{v:.1f}" for v in values), f"{statistics.mean(values):.1f}"] + ["–"] * (columns - 9))
    return rows


SUITE_COLUMNS = ["system", *SET_NAMES, "mean", "train s (median)", "predict texts/s (median)"]


def add_suite_options(parser, name: str) -> None:
    """``--sets --folds --seeds --cap --quick --threads --name``: how much of the suite to run, and where to write."""
    parser.add_argument("--sets", default=",".join(SET_NAMES), help="Comma-separated Kim sets to run.")
    parser.add_argument("--folds", type=int, default=10, help="Cross-validation folds run (of 10).")
    parser.add_argument("--seeds", type=int, default=3, help="Seeds for the sets with given splits.")
    parser.add_argument("--cap", type=int, default=None, help="At most this many training texts per run.")
    parser.add_argument("--quick", action="store_true", help="1 fold, 1 seed, at most 3,000 training texts.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--name", default=name, help="Results file name (in benchmarks/results).")


def protocol(args) -> str:
    """Apply ``--quick`` to ``args`` and describe the runs for the results notes."""
    if args.quick:
        args.folds, args.seeds, args.cap = 1, 1, args.cap or 3000
    return (
        f"{args.folds} of 10 cross-validation folds (MR, Subj, CR, MPQA), {args.seeds} seed(s) for SST-1, SST-2, "
        "TREC" + (f", at most {args.cap:,} training texts per run" if args.cap else "")
    )
