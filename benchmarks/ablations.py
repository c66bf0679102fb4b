"""Ablations of convtext's from-scratch settings on the Kim (2014) suite, runs spread over worker processes.

Each variant is ``TextClassifier(embeddings="random", members=1, lowercase=True, boundaries=False,
**settings)``: the single model trained from scratch (convtext's from-scratch default before this table
chose ``members=3``, kept case and added start/end tokens) with the named settings changed. Every variant runs on the same folds,
seeds and dev data (the protocol of ``_kim.py``), so the differences in the table are paired. This is how the defaults were chosen
(issue 4): the table records every variant tried, kept or not. ``probe:`` variants try an idea
without a setting for it: ``markers`` wraps each text in a start and an end word (what wide
convolution would give), ``ensemble=3`` averages three separately trained single models. The
``members=3 + lowercase=False + ...`` family screens changes on top of the ensemble that keeps case, and
the ``... + boundaries=True + ...`` family on top of today's default (start/end tokens too).

Run: python benchmarks/ablations.py [--data ../shared/data] [--variants a,b] [--sets MR,TREC]
     [--folds 3] [--seeds 2] [--workers 2] [--threads 1] [--device cpu] [--records FILE] [--name ablations]
     [--results DIR]   (--device cuda: a quick screen on a GPU machine; its numbers differ from the CPU's)
     python benchmarks/ablations.py --tabulate FILE [FILE ...]   (a table from recorded runs)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
from _kim import SET_NAMES, SETS, kim_runs
from _report import add_data_option, results_folder, write_results

BASELINE = "members=1"  # the single model: the from-scratch default before this table chose members=3
VARIANTS = {  # name: TextClassifier settings changed from the single model's
    "members=1": {},
    "members=3": {"members": 3},
    "embed_dim=300": {"embed_dim": 300},
    "embed_dim=auto": {"embed_dim": "auto"},
    "num_filters=200": {"num_filters": 200},
    "num_filters=300": {"num_filters": 300},
    "kernels=3/4/5": {"kernel_sizes": (3, 4, 5)},
    "kernels=1/2/3/4/5": {"kernel_sizes": (1, 2, 3, 4, 5)},
    "kernels=2/3/4": {"kernel_sizes": (2, 3, 4)},
    "dropout=0.3": {"dropout": 0.3},
    "embed_dropout=0.1": {"embed_dropout": 0.1},
    "embed_dropout=0.25": {"embed_dropout": 0.25},
    "lr=1e-3 + epochs=15": {"lr": 1e-3, "epochs": 15},
    "lr=5e-3": {"lr": 5e-3},
    "epochs=15": {"epochs": 15},
    "batch_size=32": {"batch_size": 32},
    "lowercase=False": {"lowercase": False},
    "min_freq=2": {"min_freq": 2},
    "patience=5 + epochs=15": {"patience": 5, "epochs": 15},
    "embed_dim=300 + num_filters=200": {"embed_dim": 300, "num_filters": 200},
    "kernels=1/2/3/4/5 + num_filters=200": {"kernel_sizes": (1, 2, 3, 4, 5), "num_filters": 200},
    "members=3 + lowercase=False": {"members": 3, "lowercase": False},
    "members=3 + dropout=0.3": {"members": 3, "dropout": 0.3},
    "probe:markers": {"_markers": True},
    "probe:markers + members=3": {"_markers": True, "members": 3},
    "probe:markers + members=3 + lowercase=False": {"_markers": True, "members": 3, "lowercase": False},
    "probe:ensemble=3": {"_ensemble": 3},
    "probe:markers + ensemble=3": {"_markers": True, "_ensemble": 3},
}


def on_top_of(base: dict, changes: dict[str, dict]) -> dict[str, dict]:
    """A family of variants: ``base``'s settings with each named change, named ``BASE-NAME + CHANGE``."""
    prefix = " + ".join(f"{key}={value}" for key, value in base.items())
    return {f"{prefix} + {name}": {**base, **change} for name, change in changes.items()}


KEEP_CASE_ENSEMBLE = {"members": 3, "lowercase": False}  # the from-scratch default the screens first built on
WRAPPED_ENSEMBLE = {**KEEP_CASE_ENSEMBLE, "boundaries": True}  # today's default: + start/end tokens
VARIANTS.update(
    on_top_of(
        KEEP_CASE_ENSEMBLE,
        {
            "kernels=2/3/4": {"kernel_sizes": (2, 3, 4)},
            "kernels=1/2/3/4": {"kernel_sizes": (1, 2, 3, 4)},
            "kernels=1/2/3/4/5": {"kernel_sizes": (1, 2, 3, 4, 5)},
            "kernels=3/4/5": {"kernel_sizes": (3, 4, 5)},
            "num_filters=200": {"num_filters": 200},
            "embed_dim=300": {"embed_dim": 300},
            "embed_dim=64": {"embed_dim": 64},
            "lr=1e-3 + epochs=15": {"lr": 1e-3, "epochs": 15},
            "epochs=15 + patience=5": {"epochs": 15, "patience": 5},
            "dropout=0.3": {"dropout": 0.3},
            "batch_size=32": {"batch_size": 32},
            "members=5": {"members": 5},
            "boundaries=True": {"boundaries": True},
            "embed_dropout=0.1": {"embed_dropout": 0.1},
            "tokenizer=bpe": {"tokenizer": "bpe"},
            "min_freq=2": {"min_freq": 2},
            "activation=gelu": {"activation": "gelu"},
            "activation=tanh": {"activation": "tanh"},
            "lr_schedule=constant": {"lr_schedule": "constant"},
            "kernels=1/2/3/4/5 + batch_size=32": {"kernel_sizes": (1, 2, 3, 4, 5), "batch_size": 32},
            "kernels=1/2/3/4/5 + embed_dim=300": {"kernel_sizes": (1, 2, 3, 4, 5), "embed_dim": 300},
            "kernels=1/2/3/4/5 + batch_size=32 + embed_dim=300": {
                "kernel_sizes": (1, 2, 3, 4, 5),
                "batch_size": 32,
                "embed_dim": 300,
            },
        },
    )
)
VARIANTS.update(
    on_top_of(
        WRAPPED_ENSEMBLE,
        {
            "embed_dim=300": {"embed_dim": 300},
            "kernels=2/3/4": {"kernel_sizes": (2, 3, 4)},
            "kernels=1/2/3/4/5": {"kernel_sizes": (1, 2, 3, 4, 5)},
            "batch_size=32": {"batch_size": 32},
            "epochs=15": {"epochs": 15},
            "lr=1e-3 + epochs=15": {"lr": 1e-3, "epochs": 15},
            "epochs=5": {"epochs": 5},  # issue 37: cheaper schedules, screened for training time
            "batch_size=100 + lr=3e-3": {"batch_size": 100, "lr": 3e-3},
            "epochs=5 + batch_size=100 + lr=3e-3": {"epochs": 5, "batch_size": 100, "lr": 3e-3},
            "members=1": {"members": 1},  # issue 37: smaller models, screened for the accuracy-time front
            "members=2": {"members": 2},
            "embed_dim=64": {"embed_dim": 64},
            "num_filters=50": {"num_filters": 50},
            "members=1 + num_filters=300": {"members": 1, "num_filters": 300},
        },
    )
)
PROBES = {"_markers", "_ensemble"}  # tried through the texts or several models, not (yet) settings: see probe_note


def marked(texts: list[str]) -> list[str]:
    """Probe for boundary features: a start and an end word around each text (what wide convolution gives)."""
    return [f"xxbos {text} xxeos" for text in texts]


def run_one(task: tuple) -> dict:
    """Train one variant on one run of one set; its test accuracy and training seconds."""
    from convtext import TextClassifier

    variant, set_name, index, folder, threads, folds, seeds, device = task
    kim_set = next(s for s in SETS if s.name == set_name)
    train, dev, test, seed = list(kim_runs(kim_set, Path(folder), folds, seeds, None))[index]
    settings = {key: value for key, value in VARIANTS[variant].items() if key not in PROBES}
    prepare = marked if VARIANTS[variant].get("_markers") else list
    started, probabilities = time.perf_counter(), 0.0
    for member in range(VARIANTS[variant].get("_ensemble", 1)):  # an ensemble averages its members' probabilities
        model = TextClassifier(**{"embeddings": "random", "threads": threads, "seed": seed + 1000 * member,
                                  "device": device, "members": 1, "lowercase": True, "boundaries": False,
                                  **settings})  # fmt: skip
        model.fit(prepare(train.texts), train.labels, prepare(dev.texts), dev.labels)
        probabilities = probabilities + model.predict_proba(prepare(test.texts))  # (N, C)
    seconds = time.perf_counter() - started
    predicted = np.asarray(model.classes_)[np.argmax(probabilities, axis=1)]
    accuracy = float(np.mean(predicted == np.asarray(test.labels)))
    print(f"{variant} {set_name} run {index}: {100 * accuracy:.1f}% in {seconds:.1f}s", flush=True)
    return {"variant": variant, "set": set_name, "run": index, "accuracy": accuracy, "train_seconds": seconds}


def table_rows(records: list[dict], variants: list[str], sets: list[str]) -> list[list[str]]:
    """Per variant: mean accuracy per set with the paired gain over the baseline, the mean gain, median train s."""
    by_key = {(r["variant"], r["set"], r["run"]): r["accuracy"] for r in records}
    rows = []
    for variant in variants:
        cells, gains = [variant], []
        for name in sets:
            runs = sorted(run for v, s, run in by_key if v == variant and s == name)
            if not runs:
                cells.append("–")
                continue
            cell = f"{100 * statistics.mean(by_key[variant, name, run] for run in runs):.1f}"
            paired = [run for run in runs if (BASELINE, name, run) in by_key]  # gains only where the baseline ran
            if variant != BASELINE and paired:
                gains.append(statistics.mean(by_key[variant, name, r] - by_key[BASELINE, name, r] for r in paired))
                cell += f" ({100 * gains[-1]:+.1f})"
            cells.append(cell)
        seconds = [r["train_seconds"] for r in records if r["variant"] == variant]
        mean_gain = f"{100 * statistics.mean(gains):+.2f} ({len(gains)} sets)" if gains else "–"
        rows.append([*cells, mean_gain, str(len(seconds)), f"{statistics.median(seconds):.1f}"])
    return rows


def write_table(records: list[dict], name: str, folder: Path, notes: list[str]) -> Path:
    """The ablation table of ``records`` (every variant and set they hold) as ``folder/name.md`` and ``.json``."""
    variants = [v for v in VARIANTS if any(r["variant"] == v for r in records)]
    sets = [s for s in SET_NAMES if any(r["set"] == s for r in records)]
    notes = [
        "Test accuracy %, mean over the runs each cell holds (cross-validation folds of MR, Subj, CR, MPQA; seeds of "
        f"SST-1, SST-2, TREC); in brackets the paired gain over `{BASELINE}` on the same folds, seeds and dev data.",
        "Every variant is TextClassifier(embeddings='random', members=1, lowercase=True, boundaries=False, ...) with the settings its "
        "name gives. "
        "`mean gain` averages the per-set gains; train s is the median over runs (of the process that ran it).",
        *notes,
    ]
    columns = ["variant", *sets, "mean gain", "runs", "train s (median)"]
    return write_results(name, columns, table_rows(records, variants, sets), notes, {"runs": records}, folder=folder)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"Comma-separated, of: {', '.join(VARIANTS)}.")
    parser.add_argument("--sets", default=",".join(SET_NAMES), help="Comma-separated Kim sets to run.")
    parser.add_argument("--folds", type=int, default=3, help="Cross-validation folds run (of 10).")
    parser.add_argument("--seeds", type=int, default=2, help="Seeds for the sets with given splits.")
    parser.add_argument("--workers", type=int, default=2, help="Processes training at once.")
    parser.add_argument("--threads", type=int, default=1, help="Torch threads per process.")
    parser.add_argument("--device", default="cpu", help="Training device: cpu, or cuda for a quick screen.")
    parser.add_argument("--name", default="ablations", help="Results file name.")
    parser.add_argument("--records", type=Path, default=None, help="Also append each run as a JSON line here.")
    parser.add_argument(
        "--results", type=Path, default=results_folder("ablations"), help="Folder for the .md and .json tables."
    )
    parser.add_argument("--tabulate", type=Path, nargs="+", default=None, help="Only tabulate these --records files.")
    parser.add_argument("--note", action="append", default=[], help="A line for the results notes (repeatable).")
    args = parser.parse_args(argv)
    if args.tabulate:
        records = [json.loads(line) for path in args.tabulate for line in path.read_text().splitlines() if line]
        print(write_table(records, args.name, args.results, args.note).read_text())
        return
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variant {unknown[0]!r} — use some of {', '.join(VARIANTS)}")
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    folder = str(args.data / "kim2014")
    tasks = [
        (variant, kim_set.name, index, folder, args.threads, args.folds, args.seeds, args.device)
        for kim_set in SETS
        if kim_set.name in sets
        for index in range(args.folds if len(kim_set.files) == 1 else args.seeds)
        for variant in variants
    ]
    started = time.perf_counter()
    tasks.sort(key=lambda task: -VARIANTS[task[0]].get("_ensemble", 1))  # the longest first: no straggler at the end
    records = []
    context = multiprocessing.get_context("fork" if args.device == "cpu" else "spawn")  # CUDA does not survive fork
    with ProcessPoolExecutor(args.workers, mp_context=context) as pool:
        for future in as_completed([pool.submit(run_one, task) for task in tasks]):
            records.append(record := future.result())
            if args.records:  # one JSON line per finished run: a grid cut short still leaves its runs
                with args.records.open("a") as out:
                    out.write(json.dumps(record) + "\n")
    notes = [
        *args.note,
        f"{args.workers} worker processes, {args.threads} torch thread(s) each; wall time of the grid: "
        f"{time.perf_counter() - started:.0f} s.",
    ]
    print(write_table(records, args.name, args.results, notes).read_text())


if __name__ == "__main__":
    main()
