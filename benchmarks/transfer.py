"""Few-shot transfer: learning curves on SST-2, CR and TREC with 16 … all labelled training examples.

Rows: convtext from scratch (random vectors, and its defaults with MiniLM's input vectors),
feature extraction and fine-tuning from each zoo body, and all-MiniLM-L6-v2 features + logistic
regression. Each size is a seeded stratified subsample of the training pool (3 seeds); a seeded,
stratified 10% of it (at least one text of every class that has two) is the dev set every system
selects on. SST-2 and TREC use their test files; CR (cross-validation data, 377 texts a fold) runs
10-fold cross-validation: seed k tests on fold k and draws its pool from the other nine. A body is used on a
target only if it never saw the target's test text (convtext.zoo.check_unseen: SST ⊂ MR) nor its
training labels (a body that saw those is no few-shot start); unlabelled training text is fair.

Run: python benchmarks/transfer.py [--data ../shared/data] [--targets SST-2,CR,TREC]
     [--sizes 16,64,256,1024,all] [--seeds 3] [--folds 10] [--bodies ...] [--threads 2] [--body-rates default,0.1]
     [--quick] [--systems fine-tune,...] [--update] [--name transfer]
--systems runs only the rows whose names contain one of the given words. --update reruns --targets only and keeps the
other targets' sections of the results file as they were run; with --systems it keeps the other rows too (marked †).
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from _kim import throughput
from _peers import ConvtextPeer, MiniLMLogReg
from _report import add_data_option, command_line, environment, results_folder, write_results

from convtext import ConvtextError, LabeledTexts, TextClassifier, kfold, read_labeled, stratified_holdout
from convtext.zoo import build, check_unseen, load_pretrained, overlaps

TARGETS = {  # name: (training pool file, test file or None for a seeded 10% split of the pool)
    "SST-2": ("kim2014/stsa.binary.train", "kim2014/stsa.binary.test"),
    "CR": ("kim2014/custrev.all", None),
    "TREC": ("kim2014/TREC.train.all", "kim2014/TREC.test.all"),
}
BODIES = {  # target: the bodies worth trying there (sentiment bodies for sentiment; none of them saw the test text)
    "SST-2": ["textcnn.amazon_sentiment", "textcnn.minilm_distilled", "minilm"],
    "TREC": ["textcnn.minilm_distilled", "minilm"],
    "CR": ["textcnn.amazon_sentiment", "textcnn.mr_sentiment", "textcnn.minilm_distilled", "minilm"],
}
FEATURES_ONLY = {"minilm"}  # fine-tuning the transformer on 2 CPU cores takes about half an hour per run


@dataclass
class Curve:
    accuracies: dict[str, list[float]] = field(default_factory=dict)  # size -> one per seed
    train_seconds: list[float] = field(default_factory=list)
    texts_per_second: float = 0.0


def subsample(pool: LabeledTexts, size: int | None, seed: int) -> LabeledTexts:
    """A seeded stratified subsample of ``size`` texts (the whole pool for None)."""
    if size is None or size >= len(pool):
        return pool
    _, chosen = stratified_holdout(pool.label_sets, size / len(pool), seed)
    return pool.subset(chosen)


def split_dev(data: LabeledTexts, seed: int) -> tuple[LabeledTexts, LabeledTexts]:
    """A seeded, stratified 10% dev set: every class with two or more texts gives it at least one."""
    keep, held = stratified_holdout(data.label_sets, 0.1, seed)
    return data.subset(keep), data.subset(held)


def target_splits(data: Path, name: str, seeds: int, folds: int) -> list[tuple[LabeledTexts, LabeledTexts]]:
    """(training pool, test set) for each seed: the given files, or fold k of a seeded stratified k-fold for seed k."""
    pool_file, test_file = TARGETS[name]
    pool = read_labeled(data / pool_file)
    if test_file:
        return [(pool, read_labeled(data / test_file))] * seeds
    splits = kfold(pool.label_sets, folds, seed=0)[:seeds]
    return [(pool.subset(keep), pool.subset(held)) for keep, held in splits]


def usable_bodies(bodies: list[str], target: str) -> list[str]:
    """Bodies that saw neither the target's test text nor its training labels."""
    pool_file, test_file = TARGETS[target]
    usable = []
    for name in bodies:
        body = load_pretrained(name)
        try:
            check_unseen(body.data_seen_, test_file or pool_file, name)
        except ConvtextError as error:
            print(f"{target}: skipping {name}: {error}")
            continue
        if isinstance(body, TextClassifier) and any(overlaps(seen, pool_file) for seen in body.data_seen_):
            print(f"{target}: skipping {name}: it was trained on {pool_file}'s labels")
            continue
        usable.append(name)
    return usable


def systems_for(target: str, bodies: list[str], threads: int, body_rates: list[float | None]) -> dict:
    """name -> make(seed) -> an object with fit_select(train, dev) and predict(texts); fine-tuning once per body
    rate multiplier (None: the body's own, convtext's default; the first row unmarked)."""
    systems = {
        "convtext from scratch (random vectors)": lambda seed: ConvtextPeer({"embeddings": "random"}, threads, seed),
        "convtext from scratch (defaults: MiniLM input vectors)": lambda seed: ConvtextPeer({}, threads, seed),
    }
    for body in usable_bodies(bodies, target):
        systems[f"{body} feature-extraction"] = lambda seed, b=body: ConvtextPeer(
            {"pretrained": b, "transfer": "feature-extraction"}, threads, seed
        )
        for index, rate in enumerate([] if body in FEATURES_ONLY else body_rates):
            settings = {"pretrained": body, "transfer": "fine-tune", "body_lr_mult": rate}
            name = f"{body} fine-tune" + (f" (body {rate_name(rate)})" if index else "")
            systems[name] = lambda seed, s=settings: ConvtextPeer(s, threads, seed)
    systems[MiniLMLogReg.name] = lambda seed: MiniLMLogReg(threads, seed)
    return systems


def rate_name(rate: float | None) -> str:
    return "at its own rate" if rate is None else f"{rate:g}×"


def run_target(data: Path, target: str, sizes: list[int | None], seeds: int, folds: int, systems: dict) -> dict:
    """Every system's learning curve on ``target``: the record the section is rendered from."""
    splits = target_splits(data, target, seeds, folds)
    curves: dict[str, Curve] = {}
    for name, make in systems.items():
        curve = curves.setdefault(name, Curve())
        for size in sizes:
            key = "all" if size is None else str(size)
            for seed, (pool, test) in enumerate(splits):
                train, dev = split_dev(subsample(pool, size, seed), seed)
                if len(set(train.labels)) < 2:
                    raise ConvtextError(f"{target}: {size} texts leave one class — use larger sizes")
                system = make(seed).fit_select(train.texts, train.labels, dev.texts, dev.labels)
                accuracy = float(np.mean(np.asarray(system.predict(test.texts)) == np.asarray(test.labels)))
                curve.accuracies.setdefault(key, []).append(accuracy)
                curve.train_seconds.append(system.train_seconds_)
                if size == sizes[-1] and seed == 0:  # speed of the model trained on the most labels
                    curve.texts_per_second = throughput(system.predict, test.texts)
                print(f"{target} {name} n={key} seed {seed}: {100 * accuracy:.1f}% in {system.train_seconds_:.1f}s",
                      flush=True)  # fmt: skip
    pool, test = splits[0]
    cross_validated = TARGETS[target][1] is None
    return {
        "pool": len(pool), "test": len(test), "seeds": seeds, "folds": folds if cross_validated else None,
        "run": f"{environment()['date']}, `{command_line()}`",
        "systems": {name: {"accuracies": c.accuracies, "train_seconds": c.train_seconds,
                           "texts_per_second": c.texts_per_second} for name, c in curves.items()},
    }  # fmt: skip


def merge_rows(old: dict, new: dict) -> dict:
    """``old``'s section with ``new``'s rows put in (in ``old``'s order), each carrying the run it came from."""
    sizes = [list(row["accuracies"]) for section in (old, new) for row in section["systems"].values()]
    if any(keys != sizes[0] for keys in sizes):
        raise SystemExit("--systems: run the sizes of the rows it keeps (the section's --sizes)")
    systems = {**old["systems"], **{name: {**row, "run": new["run"]} for name, row in new["systems"].items()}}
    return {**old, "systems": systems}


def render_section(target: str, record: dict) -> list[str]:
    """A target's table: accuracy mean ± std per size, median training seconds, prediction speed."""
    systems = record["systems"]
    keys = list(next(iter(systems.values()))["accuracies"])
    split = f"test {record['test']:,}"
    if record["folds"]:
        split = f"{record['folds']}-fold cross-validation, seed k tests on fold k, about {record['test']:,} texts each"
    reruns = sorted({curve["run"] for curve in systems.values() if "run" in curve})
    lines = [f"## {target} (pool {record['pool']:,}, {split}; {record['seeds']} seed(s))", "", f"Run: {record['run']}",
             *[f"Rows marked {'†' * (i + 1)} rerun: {run}" for i, run in enumerate(reruns)],
             "", f"| system | {' | '.join(f'n={k}' for k in keys)} | train s (median) | predict texts/s |",
             "|" + "---|" * (len(keys) + 3)]  # fmt: skip
    for name, curve in systems.items():
        cells = [
            f"{100 * statistics.mean(v):.1f} ± {100 * statistics.pstdev(v):.1f}" for v in curve["accuracies"].values()
        ]
        mark = "†" * (reruns.index(curve["run"]) + 1) if "run" in curve else ""
        lines.append(f"| {name}{mark} | {' | '.join(cells)} | {statistics.median(curve['train_seconds']):.1f} | "
                     f"{curve['texts_per_second']:,.0f} |")  # fmt: skip
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--sizes", default="16,64,256,1024,all", help="Labelled examples per run; 'all' = the pool.")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--folds", type=int, default=10, help="Cross-validation folds for CR: one seed per fold.")
    parser.add_argument("--bodies", default=None, help="Zoo bodies for every target (default: per target, BODIES).")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--body-rates",
        default="default,0.1",
        help="Fine-tuning's body rate multipliers, one row each; 'default' = the body's own rate (convtext's default)",
    )
    parser.add_argument("--quick", action="store_true", help="Sizes 64,256; 1 seed.")
    parser.add_argument("--update", action="store_true", help="Keep the results file's other targets as they were.")
    parser.add_argument(
        "--systems",
        default=None,
        help="Run only the rows whose names hold one of these words (with --update: rerun them).",
    )
    parser.add_argument("--name", default="transfer")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.seeds = "64,256", 1
    sizes = [None if s.strip() == "all" else int(s) for s in args.sizes.split(",")]
    targets = [t.strip() for t in args.targets.split(",")]
    body_rates = [None if rate.strip() == "default" else float(rate) for rate in args.body_rates.split(",")]
    chosen = {t: [b.strip() for b in args.bodies.split(",")] if args.bodies else BODIES[t] for t in targets}
    for body in sorted({b for bodies in chosen.values() for b in bodies} - {"minilm"}):
        build(body, args.data, threads=args.threads)
    records = json.loads((results_folder("transfer") / f"{args.name}.json").read_text())["runs"] if args.update else {}
    notes = [
        "Test accuracy %, mean ± std over the seeds (subsample, training seed and, for CR, test fold); sizes are "
        "labelled examples, 10% of them the dev set every system selects on.",
        f"predict texts/s: the whole test set at once, tokenization (MiniLM: encoding) included, median of 3 passes "
        f"after a warm-up pass, the model trained on the most labels (seed 0); {args.threads} threads for every system.",
        "Bodies (convtext zoo, `convtext zoo build NAME`; `minilm` is all-MiniLM-L6-v2 itself, feature extraction "
        "only): "
        + "; ".join(f"{t}: {', '.join(b)}" for t, b in {**BODIES, **chosen}.items())
        + ". A body that saw the target's "
        "test text (SST ⊂ MR) or its training labels is left out.",
        "fine-tune: from the linear probe (feature extraction's head), the body "
        + (
            f"at {body_rates[0]:g}× the head's rate"
            if body_rates[0] is not None
            else "at its own rate (convtext's default: the head's rate for a convtext body)"
        )
        + " after a one-epoch warm-up of every rate (the head's too), no dropout on the sentence vector; a row marked "
        "(body N×) trains the body at N× the head's rate instead.",
        "Each section says when and by which command it was run (`--update` reruns some targets, keeps the others).",
    ]
    for target in targets:
        seeds = args.seeds if TARGETS[target][1] else 1 if args.quick else args.folds  # CR: one seed per fold
        systems = systems_for(target, chosen[target], args.threads, body_rates)
        if args.systems:
            words = [word.strip() for word in args.systems.split(",")]
            systems = {name: make for name, make in systems.items() if any(word in name for word in words)}
        if args.systems and args.update and target not in records:
            parser.error(f"--systems keeps the other rows of {target}'s section, but {args.name}.json has none")
        record = run_target(args.data, target, sizes, seeds, args.folds, systems)
        records[target] = merge_rows(records[target], record) if args.systems and args.update else record
        ordered = {name: records[name] for name in TARGETS if name in records}
        sections = [line for name, record in ordered.items() for line in render_section(name, record)]
        path = write_results(args.name, [], [], notes, {"runs": ordered}, sections)  # after each target
    print(path.read_text())


if __name__ == "__main__":
    main()
