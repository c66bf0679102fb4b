"""A model within a size budget (issue 33): ``convtext compress`` against fastText's ``quantize`` at the same size,
on the same data, in the same run, with the same threads.

On SST-2's and TREC's given splits (TREC's dev: a seeded 10 % of its training file), one run per seed: convtext's
defaults trained (the dev split picking the epoch), then compressed to the budget on the dev split
(``TextClassifier.compress``: rarest vocabulary rows dropped, the embedding cut to the rank that fits, int8
storage; the form with the lowest dev log-loss), once as is and once trained further on the training split
(``train_texts``, as ``convtext compress --train``: at a quarter of the rate, the best dev epoch kept, epoch 0 being
the compressed model); fastText (wordNgrams 2, epoch chosen on dev) trained, then
quantized (``quantize(retrain=True, qnorm=True)``) for each sub-vector size ``dsub`` 2, 4, 8 with the largest
``cutoff`` whose ``.ftz`` fits the budget, the dsub with the best dev accuracy kept. Sizes: every file of
convtext's model folder; fastText's ``.ftz`` file. Each model is scored once on the test split.

Run: python benchmarks/compress.py [--data ../shared/data] [--sets SST-2,TREC] [--seeds 2] [--size 1MB]
     [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _kim import SETS, kim_runs
from _peers import ConvtextPeer, FastTextPeer
from _report import add_data_option, write_results

from convtext.compress import folder_bytes, parse_size

DSUBS = (2, 4, 8)
_QUANTIZE = """
import json, sys
import fasttext
model_file, train_file, options, out = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
model = fasttext.load_model(model_file)
model.quantize(input=train_file, retrain=True, qnorm=True, **options)
model.save_model(out)
"""  # a child process per quantization: fastText keeps state between trainings in one process (see _peers)


def accuracy(predicted, gold) -> float:
    return sum(p == g for p, g in zip(predicted, gold)) / len(gold)


def convtext_runs(train, dev, test, budget: int, threads: int, seed: int) -> dict:
    model = ConvtextPeer({"progress": False}, threads, seed).fit_select(
        train.texts, train.labels, dev.texts, dev.labels
    ).model  # fmt: skip
    smaller = model.compress(budget, dev.texts, dev.labels)
    retrained = model.compress(budget, dev.texts, dev.labels, train_texts=train.texts, train_labels=train.labels)
    with tempfile.TemporaryDirectory() as folder:
        whole = folder_bytes(model.save(Path(folder) / "whole"))
        small = {form: folder_bytes(m.save(Path(folder) / form)) for form, m in (("c", smaller), ("r", retrained))}
    record, again = smaller.compression_, retrained.compression_
    return {
        "whole": {"accuracy": model.score(test.texts, test.labels), "bytes": whole},
        "compressed": {"accuracy": smaller.score(test.texts, test.labels), "bytes": small["c"], "rank": record["rank"],
                       "rows": record["rows"], "rows_before": record["rows_before"]},
        "retrained": {"accuracy": retrained.score(test.texts, test.labels), "bytes": small["r"],
                      "rank": again["rank"], "rows": again["rows"], "epochs": again["retrained"]["epochs"]},
    }  # fmt: skip


def _quantized(peer: FastTextPeer, model_file: Path, train_file: Path, dsub: int, cutoff: int, out: Path):
    options = {"dsub": dsub, "cutoff": cutoff, "epoch": peer.epoch, "lr": peer.lr, "thread": peer.threads,
               "verbose": 0}  # fmt: skip
    child = subprocess.run([sys.executable, "-c", _QUANTIZE, str(model_file), str(train_file), json.dumps(options),
                            str(out)], capture_output=True, text=True)  # fmt: skip
    if child.returncode != 0:
        raise RuntimeError(child.stderr.strip()[-300:] or "fastText quantize failed")
    import fasttext

    return fasttext.load_model(str(out)), out.stat().st_size


def _largest_fitting(size_at, budget: int) -> tuple[int, object, int] | None:
    """The largest cutoff (within 1 %) whose model fits ``budget``: sizes grow about linearly with it, so a line
    through the bracketing sizes guesses, alternating with halving (a line alone creeps up from one side)."""
    low, high, high_size, fitting = 1_000, 100_000, None, None
    for step in range(16):
        if high - low <= max(low // 100, 50):
            break
        if step % 2 == 0 and fitting is not None and high_size is not None:
            cutoff = fitting[0] + (budget - fitting[2]) * (high - fitting[0]) // (high_size - fitting[2])
        else:
            cutoff = (low + high) // 2
        cutoff = min(high - 1, max(low + 1, cutoff))
        model, size = size_at(cutoff)
        if size <= budget:
            low, fitting = cutoff, (cutoff, model, size)
        else:
            high, high_size = cutoff, size
    return fitting


def fasttext_runs(train, dev, test, budget: int, threads: int, seed: int) -> dict:
    peer = FastTextPeer(2, threads=threads, seed=seed).fit_select(train.texts, train.labels, dev.texts, dev.labels)
    whole = {"accuracy": accuracy(peer.predict(test.texts), test.labels)}
    with tempfile.TemporaryDirectory() as folder:
        model_file, train_file = Path(folder) / "model.bin", Path(folder) / "train.txt"
        peer.model_.save_model(str(model_file))
        whole["bytes"] = model_file.stat().st_size
        order = np.random.default_rng(seed).permutation(len(train.texts))
        train_file.write_text("".join(f"__label__{train.labels[i]} {peer._line(train.texts[i])}\n" for i in order),
                              encoding="utf-8")  # fmt: skip
        best = None
        for dsub in DSUBS:
            fitting = _largest_fitting(
                lambda cutoff, dsub=dsub: _quantized(peer, model_file, train_file, dsub, cutoff,
                                                     Path(folder) / f"q{dsub}-{cutoff}.ftz"), budget)  # fmt: skip
            if fitting is None:
                continue
            cutoff, model, size = fitting
            peer.model_ = model
            dev_accuracy = accuracy(peer.predict(dev.texts), dev.labels)
            if best is None or dev_accuracy > best["dev"]:
                best = {"dev": dev_accuracy, "accuracy": accuracy(peer.predict(test.texts), test.labels),
                        "bytes": size, "dsub": dsub, "cutoff": cutoff}  # fmt: skip
    return {"whole": whole, "compressed": best}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--sets", default="SST-2,TREC")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--size", default="1MB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--name", default="compress")
    args = parser.parse_args()
    budget = parse_size(args.size)
    results = {}
    for kim_set in [s for s in SETS if s.name in args.sets.split(",")]:
        runs = []
        for train, dev, test, seed in kim_runs(kim_set, args.data / "kim2014", 1, args.seeds, None):
            runs.append({"convtext": convtext_runs(train, dev, test, budget, args.threads, seed),
                         "fasttext": fasttext_runs(train, dev, test, budget, args.threads, seed)})  # fmt: skip
            print(kim_set.name, seed, json.dumps(runs[-1]), flush=True)
        results[kim_set.name] = runs
    rows = []
    for name, runs in results.items():

        def mean(system, form, key="accuracy"):
            return statistics.mean(run[system][form][key] for run in runs)

        change = 100 * (mean("convtext", "retrained") - mean("convtext", "whole"))
        rows.append([
            name, f"{100 * mean('convtext', 'whole'):.1f} ({mean('convtext', 'whole', 'bytes') / 1e6:.1f} MB)",
            f"{100 * mean('convtext', 'compressed'):.1f} ({mean('convtext', 'compressed', 'bytes'):,.0f} B)",
            f"{100 * mean('convtext', 'retrained'):.1f} ({mean('convtext', 'retrained', 'bytes'):,.0f} B)",
            f"{change:+.1f}",
            f"{100 * mean('fasttext', 'whole'):.1f} ({mean('fasttext', 'whole', 'bytes') / 1e6:.0f} MB)",
            f"{100 * mean('fasttext', 'compressed'):.1f} ({mean('fasttext', 'compressed', 'bytes'):,.0f} B)",
            "yes" if change >= -1.0 and mean("convtext", "retrained") >= mean("fasttext", "compressed") else "no",
        ])  # fmt: skip
    columns = ["set", "convtext: test % (folder)", f"convtext compressed to {args.size}: test % (folder)",
               "… and trained further (--train): test % (folder)", "change with --train (points)",
               "fastText wNg=2: test % (.bin)", f"fastText quantized (-retrain) to {args.size}: test % (.ftz)",
               "with --train: within 1 point and ≥ fastText"]  # fmt: skip
    chosen = "; ".join(
        f"{name} seed {i}: convtext rank {run['convtext']['compressed']['rank']}, "
        f"{run['convtext']['compressed']['rows']:,} of {run['convtext']['compressed']['rows_before']:,} rows, "
        f"trained further for {run['convtext']['retrained']['epochs']} epoch(s); "
        f"fastText dsub {run['fasttext']['compressed']['dsub']}, cutoff {run['fasttext']['compressed']['cutoff']:,}"
        for name, runs in results.items() for i, run in enumerate(runs)
    )  # fmt: skip
    notes = [
        f"Means over {args.seeds} seeds per set (given splits); {args.threads} threads for every system; budget "
        f"{budget:,} bytes for both.",
        f"What each chose: {chosen}.",
    ]
    write_results(args.name, columns, rows, notes, {"results": results})


if __name__ == "__main__":
    main()
