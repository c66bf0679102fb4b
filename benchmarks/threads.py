"""Threads on a quiet and on a busy machine: training and prediction with 1, 2 and "auto" (all cores) threads.

Each measurement is a fresh process (OpenMP reads its settings once), median of ``--repeats``. "busy": one
CPU-bound process (a Python loop) runs on the side the whole time, as another job on a shared machine would.
"auto" is convtext's default (``threads=None``): the cores other processes are not busy with (sampled for 0.1 s
when a fit starts), for training one model at most half of them, for an ensemble one member process per free core,
every member at once when the machine is idle; "2 threads" on this 2-core machine is what auto meant before (every
core). Training: SST-2's training file from random vectors, 2 epochs, one member and the default three (which
train side by side when the threads allow); prediction: the SST-2 test file five times over.

Run: python benchmarks/threads.py [--data ../shared/data] [--repeats 3] [--members 1,3] [--name threads]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys

from _report import add_data_option, write_results

CHILD = """
import sys, time
from convtext import TextClassifier, read_labeled
threads, folder, members = sys.argv[1], sys.argv[2], int(sys.argv[3])
threads = None if threads == "auto" else int(threads)
train = read_labeled(folder + "/stsa.binary.train")
test = read_labeled(folder + "/stsa.binary.test").texts * 5
clf = TextClassifier(embeddings="random", members=members, epochs=2, threads=threads, seed=0, progress=False)
started = time.perf_counter()
clf.fit(train.texts, train.labels)
trained = time.perf_counter() - started
clf.predict(test[:500])
started = time.perf_counter()
clf.predict(test)
print(trained, len(test) / (time.perf_counter() - started))
"""
THREADS = ("1", "2", "auto")


def measure(threads: str, folder: str, members: int, repeats: int) -> tuple[float, float]:
    """Median training seconds and median predicted texts/s over ``repeats`` fresh processes."""
    trained, predicted = [], []
    for _ in range(repeats):
        child = subprocess.run([sys.executable, "-c", CHILD, threads, folder, str(members)], capture_output=True,
                               text=True, check=True)  # fmt: skip
        seconds, speed = child.stdout.split()[-2:]
        trained.append(float(seconds))
        predicted.append(float(speed))
    return statistics.median(trained), statistics.median(predicted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--members", default="1,3", help="Ensemble sizes, one row each per load.")
    parser.add_argument("--name", default="threads")
    args = parser.parse_args()
    folder = str(args.data / "kim2014")
    rows, results = [], {}
    for load, members in itertools.product(("quiet", "busy"), [int(m) for m in args.members.split(",")]):
        side = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if load == "busy" else None
        try:
            measured = {t: measure(t, folder, members, args.repeats) for t in THREADS}
        finally:
            if side is not None:
                side.kill()
        train = {t: seconds for t, (seconds, _) in measured.items()}
        predict = {t: speed for t, (_, speed) in measured.items()}
        results[f"{load}, members={members}"] = {"train_seconds": train, "predict_texts_per_second": predict}
        rows.append([load, members, *(f"{train[t]:.1f}" for t in THREADS), *(f"{predict[t]:,.0f}" for t in THREADS),
                     f"{train['auto'] / min(train.values()):.2f}×",
                     f"{max(predict.values()) / predict['auto']:.2f}×"])  # fmt: skip
        print(rows[-1], flush=True)
    columns = ["machine", "members", *(f"train s, {t} threads" for t in THREADS),
               *(f"predict texts/s, {t} threads" for t in THREADS),
               "train: auto ÷ best", "predict: best ÷ auto"]  # fmt: skip
    notes = [
        f"{os.cpu_count()} cores; 'auto' = threads=None: the free cores (training one model: at most half of "
        f"them; an ensemble: one member process per free core, all at once when idle); medians of {args.repeats} "
        "fresh processes.",
        "busy: one CPU-bound Python process running beside every measurement; 'best' is the best thread count under "
        "the same load; the issue's target is auto within 1.3× of it, quiet and busy.",
    ]
    path = write_results(args.name, columns, rows, notes, {"results": results})
    print(path.read_text())


if __name__ == "__main__":
    main()
