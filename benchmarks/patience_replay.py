"""Early stopping replayed: how much accuracy each patience keeps, and how many epochs it trains, on the Kim suite.

Patience does not change the learning-rate schedule (linear decay over ``epochs`` either way), so one run that
never stops early holds every shorter one: each epoch's validation accuracy says when a patience would have stopped
and which epoch it would have kept, and each epoch's test logits what that model scores. Each run here trains the
defaults with ``patience`` equal to ``epochs`` and records, per epoch, the validation accuracy, the seconds and the
test logits; the table then replays patience 1, 2, 3 (today's default) on those records.

Systems: convtext's defaults from random vectors (an ensemble of three members; each member trains alone with seed
``seed + i``, as the ensemble's members do, and the ensemble's logits are the mean of its members') and the defaults
with MiniLM's input vectors (one model). Every run has one torch thread; ``--workers`` runs go side by side.

Run: python benchmarks/patience_replay.py [--data ../shared/data] [--sets MR,TREC] [--folds 3] [--seeds 1]
     [--workers 2] [--systems scratch,minilm] [--epochs 8] [--batch-size 100] [--lr 0.003] [--patiences 1,2,3]
     [--name patience_replay]
     [--records benchmarks/results/patience_replay/records.jsonl]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import time
from pathlib import Path

import numpy as np
from _kim import SET_NAMES, SETS, kim_runs
from _report import add_data_option, results_folder, write_results

from convtext import TextClassifier
from convtext.infer import predict_logits

MEMBERS = 3
SYSTEMS = {
    "scratch": "convtext from scratch (random vectors, 3 members)",
    "minilm": "convtext defaults (MiniLM vectors)",
}


def jobs(folder: Path, sets: list[str], folds: int, seeds: int, systems: list[str]) -> list[tuple]:
    """One job per (set, run, system, member): the member trains alone."""
    found = []
    for kim_set in (s for s in SETS if s.name in sets):
        for run, _ in enumerate(kim_runs(kim_set, folder, folds, seeds, None)):
            if "scratch" in systems:
                found += [(kim_set.name, run, "scratch", member) for member in range(MEMBERS)]
            if "minilm" in systems:
                found.append((kim_set.name, run, "minilm", 0))
    return found


def train_one(job: tuple, folder: Path, folds: int, seeds: int, epochs: int, schedule: dict) -> dict:
    """Train one member to the last epoch; per epoch: validation accuracy, seconds (without the test pass), test
    logits."""
    name, run, system, member = job
    kim_set = next(s for s in SETS if s.name == name)
    train, dev, test, seed = list(kim_runs(kim_set, folder, folds, seeds, None))[run]
    options = {"members": 1, "embeddings": "random"} if system == "scratch" else {}
    options.update(schedule)
    clf = TextClassifier(seed=seed + member, epochs=epochs, patience=epochs, threads=1, progress=False, **options)
    epochs, clock, encoded = [], {"last": time.perf_counter()}, {}

    def record(_member: int, epoch: int, report: dict) -> None:
        seconds = time.perf_counter() - clock["last"]
        if "test" not in encoded:  # the tokenizer is fixed once training starts: encode the test texts once
            encoded["test"] = clf.encode(test.texts)
        logits = predict_logits(clf.model_, encoded["test"])  # (N, C)
        epochs.append({"epoch": epoch, "valid_accuracy": report["accuracy"], "seconds": seconds,
                       "test_logits": np.asarray(logits, dtype=np.float32).round(4).tolist()})  # fmt: skip
        clock["last"] = time.perf_counter()

    started = time.perf_counter()
    clf.fit_data(train, dev, on_epoch_end=record)
    classes = list(clf.classes_)
    return {"set": name, "run": run, "system": system, "member": member, "wall": time.perf_counter() - started,
            "schedule": schedule,
            "test_labels": [classes.index(label) if label in classes else -1 for label in test.labels],
            "epochs": epochs}  # fmt: skip


def stop_and_keep(accuracies: list[float], patience: int) -> tuple[int, int]:
    """``(epochs trained, index of the kept epoch)`` under early stopping with ``patience`` (ties keep the earlier)."""
    best, stale = 0, 0
    for index in range(1, len(accuracies)):
        if accuracies[index] > accuracies[best]:
            best, stale = index, 0
        else:
            stale += 1
            if stale >= patience:
                return index + 1, best
    return len(accuracies), best


def replay(records: list[dict], patience: int) -> dict:
    """Per (set, system): test accuracies per run and epochs trained per member, under ``patience``."""
    grouped: dict[tuple, list[dict]] = {}
    for record in records:
        grouped.setdefault((record["set"], record["system"], record["run"]), []).append(record)
    out: dict[tuple, dict] = {}
    for (name, system, _), members in sorted(grouped.items()):
        logits, trained = [], []
        for member in members:
            count, kept = stop_and_keep([e["valid_accuracy"] for e in member["epochs"]], patience)
            logits.append(np.asarray(member["epochs"][kept]["test_logits"]))
            trained.append(count)
        predicted = np.mean(logits, axis=0).argmax(axis=1)  # the ensemble's logits: the members' mean
        cell = out.setdefault((name, system), {"accuracy": [], "epochs": []})
        cell["accuracy"].append(float(np.mean(predicted == np.asarray(members[0]["test_labels"]))))
        cell["epochs"] += trained
    return out


def table(records: list[dict], patiences: list[int]) -> tuple[list[str], list[list]]:
    columns = ["set", "system"] + [f"patience {p}: accuracy % / epochs" for p in patiences]
    replays = {p: replay(records, p) for p in patiences}
    rows, means = [], {}
    for name in SET_NAMES:
        for system in SYSTEMS:
            if (name, system) not in replays[patiences[0]]:
                continue
            row = [name, SYSTEMS[system]]
            for p in patiences:
                cell = replays[p][(name, system)]
                accuracy, epochs = statistics.mean(cell["accuracy"]), statistics.mean(cell["epochs"])
                means.setdefault((system, p), []).append((accuracy, epochs))
                row.append(f"{100 * accuracy:.1f} / {epochs:.1f}")
            rows.append(row)
    for system in SYSTEMS:
        if (system, patiences[0]) in means:
            cells = [means[(system, p)] for p in patiences]
            rows.append(["mean", SYSTEMS[system]] + [
                f"{100 * statistics.mean(a for a, _ in c):.2f} / {statistics.mean(e for _, e in c):.2f}" for c in cells
            ])  # fmt: skip
    return columns, rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--sets", default=",".join(SET_NAMES))
    parser.add_argument("--folds", type=int, default=3, help="Cross-validation folds run (MR, Subj, CR, MPQA).")
    parser.add_argument("--seeds", type=int, default=1, help="Seeds run (SST-1, SST-2, TREC).")
    parser.add_argument("--workers", type=int, default=2, help="Runs side by side, one torch thread each.")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="Which of scratch, minilm to train.")
    parser.add_argument("--epochs", type=int, default=8, help="Epochs every run trains (the schedule's length).")
    parser.add_argument("--batch-size", type=int, help="Texts per batch (default: convtext's for the run).")
    parser.add_argument("--lr", type=float, help="Peak learning rate (default: convtext's for the run).")
    parser.add_argument("--patiences", default="1,2,3", help="The patiences replayed.")
    parser.add_argument("--records", type=Path, default=results_folder("patience_replay") / "records.jsonl",
                        help="Per-epoch records (JSON lines); runs already there with the same epochs are not "
                        "trained again.")  # fmt: skip
    parser.add_argument("--name", default="patience_replay")
    args = parser.parse_args(argv)
    folder = Path(args.data) / "kim2014"
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown:
        parser.error(f"unknown system {unknown[0]!r} — use {', '.join(SYSTEMS)}")
    patiences = [int(p) for p in args.patiences.split(",")]
    args.records.parent.mkdir(parents=True, exist_ok=True)
    done = [json.loads(line) for line in args.records.read_text().splitlines()] if args.records.exists() else []
    schedule = {name: value for name, value in (("batch_size", args.batch_size), ("lr", args.lr)) if value is not None}
    done = [r for r in done if len(r["epochs"]) == args.epochs and r["system"] in systems and
            r.get("schedule", {}) == schedule]  # fmt: skip
    seen = {(r["set"], r["run"], r["system"], r["member"]) for r in done}
    todo = [job for job in jobs(folder, sets, args.folds, args.seeds, systems) if job not in seen]
    print(f"{len(todo)} runs to train, {len(seen)} recorded", flush=True)
    with multiprocessing.get_context("fork").Pool(args.workers) as pool, args.records.open("a") as out:
        arguments = [(job, folder, args.folds, args.seeds, args.epochs, schedule) for job in todo]
        for record in pool.imap_unordered(_train_job, arguments):
            out.write(json.dumps(record) + "\n")
            out.flush()
            done.append(record)
            print(f"{record['set']} run {record['run']} {record['system']} member {record['member']}: "
                  f"{record['wall']:.1f}s", flush=True)  # fmt: skip
    done = [r for r in done if r["set"] in sets]
    columns, rows = table(done, patiences)
    notes = [
        f"Kim suite, {args.folds} cross-validation fold(s) (MR, Subj, CR, MPQA), {args.seeds} seed(s) (SST-1, SST-2, "
        f"TREC); every member trained {args.epochs} epochs (linear decay to 0; {schedule or 'batch size and rate'}"
        " given, the rest convtext's default for it) with one torch thread, then early "
        "stopping replayed: a patience stops after that many epochs without a better validation accuracy and keeps "
        "the best epoch (ties: the earlier).",
        "accuracy: test accuracy of the kept epochs (from random vectors: the mean of the three members' logits); "
        "epochs: the epochs a member trains before it stops, mean over members and runs (training time is about "
        "proportional).",
        f"Per-epoch records: `{args.records}`.",
    ]
    write_results(args.name, columns, rows, notes)


def _train_job(arguments: tuple) -> dict:
    import torch

    torch.set_num_threads(1)
    return train_one(*arguments)


if __name__ == "__main__":
    main()
