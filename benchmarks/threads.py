"""Threads on a quiet and on a busy machine: training and prediction with 1, 2 and "auto" (all cores) threads.

Each measurement is a fresh process (OpenMP reads its settings once), median of ``--repeats``. "busy": one
CPU-bound process (a Python loop) runs on the side the whole time, as another job on a shared machine would.
"auto" is convtext's default (``threads=None``): the cores other processes are not busy with (sampled for 0.1 s
when a fit starts), for training one model at most half of them but two where two are free, decided again at each
epoch from the last epoch's load, for an ensemble one member process per free core, every member at once when the
machine is idle; "2 threads" on this 2-core machine is what auto meant before (every
core). Training: SST-2's training file from random vectors, 2 epochs, one member and the default three (which
train side by side when the threads allow); prediction: the SST-2 test file five times over. "joins": the
CPU-bound process starts 1 s into training, after "auto" has chosen (what an epoch-by-epoch choice is for).

Run: python benchmarks/threads.py [--data ../shared/data] [--repeats 3] [--members 1,3] [--loads quiet,busy,joins]
     [--name threads]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys

from _report import add_data_option, write_results

BUSY = [sys.executable, "-c", "while True: pass"]
CHILD = f"""
import subprocess, sys, threading, time
from convtext import TextClassifier, read_labeled
threads, folder, members, join_after = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
threads = None if threads == "auto" else int(threads)
train = read_labeled(folder + "/stsa.binary.train")
test = read_labeled(folder + "/stsa.binary.test").texts * 5
clf = TextClassifier(embeddings="random", members=members, epochs=2, threads=threads, seed=0, progress=False)
joined = []  # "joins": a CPU-bound process from join_after seconds into training to the end
if join_after >= 0:
    threading.Timer(join_after, lambda: joined.append(subprocess.Popen({BUSY!r}))).start()
started = time.perf_counter()
clf.fit(train.texts, train.labels)
trained = time.perf_counter() - started
clf.predict(test[:500])
started = time.perf_counter()
clf.predict(test)
print(trained, len(test) / (time.perf_counter() - started))
for process in joined:
    process.kill()
"""
JOIN_AFTER_SECONDS = 1.0
THREADS = ("1", "2", "auto")


def measure(threads: str, folder: str, members: int, repeats: int, join_after: float) -> tuple[float, float]:
    """Median training seconds and median predicted texts/s over ``repeats`` fresh processes."""
    trained, predicted = [], []
    for _ in range(repeats):
        child = subprocess.run([sys.executable, "-c", CHILD, threads, folder, str(members), str(join_after)],
                               capture_output=True, text=True, check=True)  # fmt: skip
        seconds, speed = child.stdout.split()[-2:]
        trained.append(float(seconds))
        predicted.append(float(speed))
    return statistics.median(trained), statistics.median(predicted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--members", default="1,3", help="Ensemble sizes, one row each per load.")
    parser.add_argument("--loads", default="quiet,busy,joins", help="quiet, busy (all along), joins (after 1 s).")
    parser.add_argument("--name", default="threads")
    args = parser.parse_args()
    folder = str(args.data / "kim2014")
    rows, results = [], {}
    for load, members in itertools.product(args.loads.split(","), [int(m) for m in args.members.split(",")]):
        side = subprocess.Popen(BUSY) if load == "busy" else None
        join_after = JOIN_AFTER_SECONDS if load == "joins" else -1.0
        try:
            measured = {t: measure(t, folder, members, args.repeats, join_after) for t in THREADS}
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
        "them but two where two are free, looked at again every second of training; an ensemble: one "
        f"member process per free core, all at once when idle); medians of {args.repeats} fresh processes.",
        "busy: one CPU-bound Python process running beside every measurement; joins: the same process started 1 s "
        "into training and kept to the end of the prediction; 'best' is the best thread count under the same load; "
        "the issue's target is auto within 1.3× of it, quiet and busy.",
    ]
    path = write_results(args.name, columns, rows, notes, {"results": results})
    print(path.read_text())


if __name__ == "__main__":
    main()
