"""What the start/end tokens cost at predict time: the same fold, with and without them, timed in turns.

Per set: convtext's from-scratch default (three members, case kept) trained on the first run of the
Kim protocol with ``boundaries=False`` and ``True``; both predict the test split after two warm-up
passes (the n-gram table is built by then), then ``--passes`` times each, alternating, so machine
noise falls on both alike. Reports the median texts/s of each and their ratio, and both accuracies.

Run: python benchmarks/boundaries_speed.py [--data ../shared/data] [--sets MR,MPQA,TREC] [--passes 7] [--threads 2]
(≈ 4 min)
"""

from __future__ import annotations

import argparse
import statistics
import time

from _kim import SETS, kim_runs
from _report import add_data_option, write_results

from convtext import TextClassifier


def timed_pair(set_name: str, folder, passes: int, threads: int) -> dict:
    """Train both variants on the set's first run; median texts/s of each over alternating passes."""
    kim_set = next(s for s in SETS if s.name == set_name)
    train, dev, test, seed = next(iter(kim_runs(kim_set, folder, folds=1, seeds=1, cap=None)))
    models = {
        wrapped: TextClassifier(embeddings="random", boundaries=wrapped, threads=threads, seed=seed).fit(
            train.texts, train.labels, dev.texts, dev.labels
        )
        for wrapped in (False, True)
    }
    for model in models.values():
        model.predict(test.texts)
        model.predict(test.texts)
    seconds: dict[bool, list[float]] = {wrapped: [] for wrapped in models}
    for _ in range(passes):
        for wrapped, model in models.items():
            started = time.perf_counter()
            model.predict(test.texts)
            seconds[wrapped].append(time.perf_counter() - started)
    rate = {wrapped: len(test.texts) / statistics.median(times) for wrapped, times in seconds.items()}
    accuracy = {wrapped: model.score(test.texts, test.labels) for wrapped, model in models.items()}
    return {"rate": rate, "accuracy": accuracy, "texts": len(test.texts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--sets", default="MR,MPQA,TREC")
    parser.add_argument("--passes", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--name", default="boundaries_speed")
    args = parser.parse_args()
    rows, raw = [], {}
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        result = timed_pair(name, args.data / "kim2014", args.passes, args.threads)
        raw[name] = result  # JSON writes the False/True keys as "false"/"true"
        rate, accuracy = result["rate"], result["accuracy"]
        rows.append([name, f"{result['texts']:,}", f"{rate[False]:,.0f}", f"{rate[True]:,.0f}",
                     f"{rate[True] / rate[False]:.2f}", f"{100 * accuracy[False]:.1f}", f"{100 * accuracy[True]:.1f}"])  # fmt: skip
        print(rows[-1], flush=True)
    columns = ["set", "test texts", "texts/s without", "texts/s with <s> … </s>", "ratio", "accuracy % without",
               "accuracy % with"]  # fmt: skip
    notes = [
        f"convtext from scratch, defaults (three members, case kept), trained on the first run of each set's Kim "
        f"protocol with boundaries=False and True; {args.threads} threads; predict on the test split, tokenization "
        f"included, median of {args.passes} passes each, taken in turns after two warm-up passes.",
        "One run per set: the accuracies are one fold or seed each (the paired gains over all runs are in kim2014.md).",
    ]
    write_results(args.name, columns, rows, notes, extra={"runs": raw})


if __name__ == "__main__":
    main()
