"""Few-shot transfer: learning curves on SST-2, CR and TREC with 16 … all labelled training examples.

Rows: convtext from scratch (random vectors, and its defaults with MiniLM's input vectors),
feature extraction and fine-tuning from each zoo body, and all-MiniLM-L6-v2 features + logistic
regression. Each size is a seeded stratified subsample of the training pool (3 seeds); a seeded,
stratified 10% of it (at least one text of every class that has two) is the dev set every system
selects on. SST-2 and TREC use their
test files; CR (cross-validation data) a seeded, stratified 10% test split. A body is used on a
target only if it never saw the target's test text (convtext.zoo.check_unseen: SST ⊂ MR) nor its
training labels (a body that saw those is no few-shot start); unlabelled training text is fair.

Run: python benchmarks/transfer.py [--data ../shared/data] [--targets SST-2,CR,TREC]
     [--sizes 16,64,256,1024,all] [--seeds 3] [--bodies ...] [--threads 2] [--body-rates default,0.1] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from _kim import throughput
from _peers import ConvtextPeer, MiniLMLogReg
from _report import add_data_option, write_results

from convtext import ConvtextError, LabeledTexts, TextClassifier, read_labeled, stratified_holdout
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


def load_target(data: Path, name: str) -> tuple[LabeledTexts, LabeledTexts, str]:
    pool_file, test_file = TARGETS[name]
    pool = read_labeled(data / pool_file)
    if test_file:
        return pool, read_labeled(data / test_file), test_file
    keep, held = stratified_holdout(pool.label_sets, 0.1, seed=0)
    return pool.subset(keep), pool.subset(held), pool_file


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


def run_target(
    data: Path, target: str, sizes: list[int | None], seeds: int, bodies: list[str], threads: int, body_rates: list
):  # fmt: skip
    pool, test, _ = load_target(data, target)
    gold = np.asarray(test.labels)
    curves: dict[str, Curve] = {}
    for name, make in systems_for(target, bodies, threads, body_rates).items():
        curve = curves.setdefault(name, Curve())
        for size in sizes:
            key = "all" if size is None else str(size)
            for seed in range(seeds):
                train, dev = split_dev(subsample(pool, size, seed), seed)
                if len(set(train.labels)) < 2:
                    raise ConvtextError(f"{target}: {size} texts leave one class — use larger sizes")
                system = make(seed).fit_select(train.texts, train.labels, dev.texts, dev.labels)
                accuracy = float(np.mean(np.asarray(system.predict(test.texts)) == gold))
                curve.accuracies.setdefault(key, []).append(accuracy)
                curve.train_seconds.append(system.train_seconds_)
                if size == sizes[-1] and seed == 0:  # speed of the model trained on the most labels
                    curve.texts_per_second = throughput(system.predict, test.texts)
                print(f"{target} {name} n={key} seed {seed}: {100 * accuracy:.1f}% in {system.train_seconds_:.1f}s",
                      flush=True)  # fmt: skip
    return curves, len(pool), len(test)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--sizes", default="16,64,256,1024,all", help="Labelled examples per run; 'all' = the pool.")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--bodies", default=None, help="Zoo bodies for every target (default: per target, BODIES).")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--body-rates",
        default="default,0.1",
        help="Fine-tuning's body rate multipliers, one row each; 'default' = the body's own rate (convtext's default)",
    )
    parser.add_argument("--quick", action="store_true", help="Sizes 64,256; 1 seed.")
    parser.add_argument("--name", default="transfer")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.seeds = "64,256", 1
    sizes = [None if s.strip() == "all" else int(s) for s in args.sizes.split(",")]
    keys = ["all" if s is None else str(s) for s in sizes]
    targets = [t.strip() for t in args.targets.split(",")]
    body_rates = [None if rate.strip() == "default" else float(rate) for rate in args.body_rates.split(",")]
    chosen = {t: [b.strip() for b in args.bodies.split(",")] if args.bodies else BODIES[t] for t in targets}
    for body in sorted({b for bodies in chosen.values() for b in bodies} - {"minilm"}):
        build(body, args.data, threads=args.threads)
    notes = [
        f"Test accuracy %, mean ± std over {args.seeds} seed(s) (subsample and training seed); sizes are labelled "
        "examples, 10% of them the dev set every system selects on.",
        f"predict texts/s: the whole test set at once, tokenization (MiniLM: encoding) included, median of 3 passes "
        f"after a warm-up pass, the model trained on the most labels (seed 0); {args.threads} threads for every system.",
        "Bodies (convtext zoo, `convtext zoo build NAME`; `minilm` is all-MiniLM-L6-v2 itself, feature extraction "
        "only): " + "; ".join(f"{t}: {', '.join(b)}" for t, b in chosen.items()) + ". A body that saw the target's "
        "test text (SST ⊂ MR) or its training labels is left out.",
        "fine-tune: from the linear probe (feature extraction's head), the body "
        + (
            f"at {body_rates[0]:g}× the head's rate"
            if body_rates[0] is not None
            else "at its own rate (convtext's default: the head's rate for a convtext body)"
        )
        + " after a one-epoch warm-up, no dropout on the sentence vector; a row marked (body N×) trains the body at "
        "N× the head's rate instead.",
    ]
    sections, raw = [], {}
    for target in targets:
        curves, pool_size, test_size = run_target(
            args.data, target, sizes, args.seeds, chosen[target], args.threads, body_rates
        )
        raw[target] = {name: {"accuracies": c.accuracies, "train_seconds": c.train_seconds,
                              "texts_per_second": c.texts_per_second} for name, c in curves.items()}  # fmt: skip
        header = f"| system | {' | '.join(f'n={k}' for k in keys)} | train s (median) | predict texts/s |"
        sections += [f"## {target} (pool {pool_size:,}, test {test_size:,})", "", header,
                     "|" + "---|" * (len(keys) + 3)]  # fmt: skip
        for name, curve in curves.items():
            cells = []
            for key in keys:
                values = curve.accuracies[key]
                cells.append(f"{100 * statistics.mean(values):.1f} ± {100 * statistics.pstdev(values):.1f}")
            sections.append(f"| {name} | {' | '.join(cells)} | {statistics.median(curve.train_seconds):.1f} | "
                            f"{curve.texts_per_second:,.0f} |")  # fmt: skip
        sections.append("")
        path = write_results(args.name, [], [], notes, {"runs": raw}, sections)  # after each target
    print(path.read_text())


if __name__ == "__main__":
    main()
