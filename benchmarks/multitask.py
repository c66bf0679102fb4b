"""Multi-task vs single-task: one body trained on SST-2, TREC, Subj, CR and MPQA together, against five models.

Per run r: SST-2 (train / dev / test as given) and TREC (test as given, dev a seeded 10 % of train) with
seed r; Subj, CR and MPQA with fold r of the Kim suite's seeded 10-fold split (dev a seeded 10 % of the
rest). Leakage rule: a text that occurs in one task's test set of the run (Subj shares 305 sentences with
SST-2 test) is removed from every other task's training and dev data — for both systems alike.

Same budget: each single-task model trains up to E epochs over its own data; the multi-task model up to E
epochs of as many steps as all five data sets together (the single runs' steps summed); both with the
same defaults, early stopping (patience 3; multi-task on the mean dev accuracy) and threads. Multi-task
variants: shared-private (the default; each task has its own filters beside the shared ones) or a shared body
with only the heads apart; temperature or proportional sampling.

Run: python benchmarks/multitask.py [--data ../shared/data] [--runs 3] [--scratch-runs 3] [--threads 2]  (≈ 70 min)
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from _kim import SETS, kim_runs
from _report import add_data_option, write_results

from convtext import LabeledTexts, MultiTaskClassifier, TextClassifier

TASKS = {"SST-2": "sentiment", "TREC": "question", "Subj": "subjectivity", "CR": "product_sentiment", "MPQA": "opinion"}
VARIANTS = {  # label: MultiTaskClassifier options
    "multi-task, shared-private, temperature 2 (1 model)": {"sampling": "temperature", "private_filters": True},
    "multi-task, shared body only, temperature 2 (1 model)": {"sampling": "temperature", "private_filters": False},
    "multi-task, shared-private, proportional sampling (1 model)": {
        "sampling": "proportional",
        "private_filters": True,
    },
}
SYSTEMS = {  # label: (classifier options, the multi-task variants run beside single-task)
    "defaults (MiniLM input vectors, static)": ({}, list(VARIANTS)),
    "from scratch (random input vectors, 3 members)": ({"embeddings": "random"}, list(VARIANTS)[:2]),
}


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def run_splits(folder, run: int) -> dict[str, tuple[LabeledTexts, LabeledTexts, LabeledTexts]]:
    """``{set: (train, dev, test)}`` of run ``run``; a text of one task's test set is removed from every other
    task's train and dev data (duplicates within a set stay, as in the Kim suite's protocol)."""
    splits = {}
    for kim_set in (s for s in SETS if s.name in TASKS):
        runs = kim_runs(kim_set, folder / "kim2014", folds=run + 1, seeds=run + 1, cap=None)
        train, dev, test, _ = list(runs)[run]
        splits[kim_set.name] = (train, dev, test)
    tested = {name: {_key(text) for text in test.texts} for name, (_, _, test) in splits.items()}
    removed = {}
    for name, (train, dev, test) in splits.items():
        others = set().union(*(keys for other, keys in tested.items() if other != name))
        keep_train = [i for i, text in enumerate(train.texts) if _key(text) not in others]
        keep_dev = [i for i, text in enumerate(dev.texts) if _key(text) not in others]
        removed[name] = len(train) + len(dev) - len(keep_train) - len(keep_dev)
        splits[name] = (train.subset(keep_train), dev.subset(keep_dev), test)
    print(f"run {run}: removed as test text of another task: {removed}", flush=True)
    return splits


def accuracy(predicted: list[str], test: LabeledTexts) -> float:
    return float(np.mean(np.asarray(predicted) == np.asarray(test.labels)))


def parameters(models) -> int:
    """Distinct parameters over ``models`` (a shared tensor counted once)."""
    seen = {id(p): p.numel() for model in models for p in model.parameters()}
    return sum(seen.values())


def single_task(splits, options: dict, seed: int, threads: int) -> tuple[dict, float, int]:
    scores, seconds, models = {}, 0.0, []
    for name, (train, dev, test) in splits.items():
        started = time.perf_counter()
        model = TextClassifier(**options, seed=seed, threads=threads).fit_data(train, dev)
        seconds += time.perf_counter() - started
        scores[name] = accuracy(model.predict(test.texts), test)
        models.append(model.model_)
    return scores, seconds, parameters(models)


def multi_task(splits, options: dict, seed: int, threads: int, variant: dict) -> tuple[dict, float, int, dict]:
    started = time.perf_counter()
    model = MultiTaskClassifier(**variant, **options, seed=seed, threads=threads).fit_data(
        {TASKS[name]: train for name, (train, _, _) in splits.items()},
        {TASKS[name]: dev for name, (_, dev, _) in splits.items()},
    )
    seconds = time.perf_counter() - started
    scores = {
        name: accuracy(model.predict(test.texts, task=TASKS[name]), test) for name, (_, _, test) in splits.items()
    }
    steps = {name: sum(e.tasks[TASKS[name]]["steps"] for e in model.history_.history) for name in splits}
    return scores, seconds, parameters(clf.model_ for clf in model.tasks_.values()), steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--runs", type=int, default=3, help="Runs with the defaults (fold / seed r = 0, 1, ...).")
    parser.add_argument("--scratch-runs", type=int, default=3, help="Runs from scratch (3 members: slower).")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--name", default="multitask")
    args = parser.parse_args()
    names = list(TASKS)
    rows, raw = [], {}
    for (label, (options, multi_variants)), runs in zip(SYSTEMS.items(), (args.runs, args.scratch_runs)):
        variants = {"single-task (5 models)": [], **{variant: [] for variant in multi_variants}}
        for run in range(runs):
            splits = run_splits(args.data, run)
            variants["single-task (5 models)"].append(single_task(splits, options, run, args.threads))
            for variant in multi_variants:
                variants[variant].append(multi_task(splits, options, run, args.threads, VARIANTS[variant]))
            for variant, results in variants.items():
                print(f"{label} | {variant} run {run}: " + ", ".join(
                    f"{n} {100 * results[-1][0][n]:.1f}" for n in names) + f" | {results[-1][1]:.0f}s", flush=True)  # fmt: skip
        single_means = {n: statistics.mean(r[0][n] for r in variants["single-task (5 models)"]) for n in names}
        for variant, results in variants.items():
            means = {n: statistics.mean(r[0][n] for r in results) for n in names}
            cells = [f"{label}: {variant}"]
            for n in names:
                cell = f"{100 * means[n]:.1f} ± {100 * statistics.pstdev(r[0][n] for r in results):.1f}"
                if not variant.startswith("single"):
                    wins = sum(r[0][n] > s[0][n] for r, s in zip(results, variants["single-task (5 models)"]))
                    cell += f" ({100 * (means[n] - single_means[n]):+.1f}; {wins}/{runs} runs better)"
                cells.append(cell)
            cells.append(f"{100 * statistics.mean(means.values()):.2f}")
            cells.append(f"{statistics.median(r[1] for r in results):.0f}")
            cells.append(f"{results[0][2]:,}")
            rows.append(cells)
            raw[f"{label}: {variant}"] = [{"accuracy": r[0], "seconds": r[1], "parameters": r[2],
                                           **({"steps": r[3]} if len(r) > 3 else {})} for r in results]  # fmt: skip
    columns = ["system", *names, "mean of 5", "train s, all tasks (median)", "parameters"]
    notes = [
        f"Runs: {args.runs} with the defaults, {args.scratch_runs} from scratch; fold/seed r = 0..runs-1; mean ± std "
        "over runs; (±x; k/n) = mean change against single-task and the runs where multi-task scored higher.",
        "Same budget: up to 8 epochs each (the defaults), a multi-task epoch = the five single-task epochs' steps "
        "summed; patience 3 (multi-task on the mean dev accuracy of the five tasks).",
        "Leakage: every text of a task's test set is removed from every other task's train and dev data of that "
        "run (both systems train on the same rows); SST-2 test shares 305 sentences with Subj.",
        "'parameters' counts each distinct tensor once (the static MiniLM table is included; one shared body "
        "stores it once instead of five times).",
        "temperature 2: a task's share of steps ∝ rows^(1/2) (small tasks such as CR get more turns).",
        "shared-private (the default): each task also has its own filters, as many per kernel size as the shared "
        "body, beside the shared ones; 'shared body only' shares every layer but the heads.",
    ]
    write_results(args.name, columns, rows, notes, extra={"runs": raw})


if __name__ == "__main__":
    main()
