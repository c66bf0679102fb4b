"""Domain adaptation on the Amazon reviews (Blitzer et al. 2007): the 12 source → target pairs of books, dvd,
electronics and kitchen.

Per pair and fold: the target's 2,000 reviews are cut into seeded stratified folds; one fold is the
target test set, the rest is the *unlabelled* target text DANN sees (labels dropped before it is
passed). Systems, each from scratch (random vectors) and from pretrained input vectors (MiniLM's,
convtext's default for English): source-only (trained on the 2,000 source reviews, selected on a
10% source holdout, scored on every target), DANN (`TextClassifier.adapt` with
`DannConfig(self_training=0)`: the same source data plus the unlabelled target text, selected on the
same source holdout — no target label is used), DANN + self-training (`adapt`'s default: a second DANN
round that also learns from the half of the target text the first round is surest of, labelled by its
predictions, as many per class), and target-supervised (trained on the labelled rest of the target: an
upper bound). Published DANN
(Ganin et al. 2016, JMLR, Table 2, bag-of-words features) as the reference row. Fold 0 chose DANN's
λ scale (a screen on two pairs) and screened
the self-training round (12 pairs), so the reported folds start at 1.

Run: python benchmarks/domain.py [--data ../shared/data] [--folds 2] [--bodies scratch,minilm] [--threads 2]
     [--members N]   (every system an ensemble of N separately trained members; default: each body's own)
     [--systems source-only,DANN,DANN + self-training,target-supervised] [--pairs B→D,K→E]
"""

from __future__ import annotations

import argparse
import statistics
import time
from itertools import permutations

from _report import add_data_option, write_results

from convtext import LabeledTexts, TextClassifier, kfold, read_labeled
from convtext.adapt import DannConfig

DOMAINS = ("books", "dvd", "electronics", "kitchen")
LETTER = {"books": "B", "dvd": "D", "electronics": "E", "kitchen": "K"}
PUBLISHED_DANN = {"B→D": 78.4, "B→E": 73.3, "B→K": 77.9, "D→B": 72.3, "D→E": 75.4, "D→K": 78.3, "E→B": 71.3,
                  "E→D": 73.8, "E→K": 85.4, "K→B": 70.9, "K→D": 74.0, "K→E": 84.3}  # fmt: skip
SYSTEMS = ("source-only", "DANN", "DANN + self-training", "target-supervised")
ADAPTED = {"DANN": DannConfig(self_training=0), "DANN + self-training": DannConfig()}
BODIES = {"scratch": {"embeddings": "random", "members": 1}, "minilm": {"embeddings": "minilm"}}


def read_domain(folder, domain: str) -> LabeledTexts:
    """The domain's 1,000 positive and 1,000 negative reviews (title and text)."""
    return read_labeled(folder / "amazon-multidomain" / domain)


def accuracy(model: TextClassifier, data: LabeledTexts) -> float:
    return 100 * model.evaluate(data.texts, data.labels)["accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--folds", type=int, default=2, help="Target folds used as test sets (of 5), from fold 1.")
    parser.add_argument("--bodies", default="minilm,scratch")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--members", type=int, default=None, help="Members per model, for every system and body.")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="Comma-separated, of: " + ", ".join(SYSTEMS))
    parser.add_argument("--pairs", default=None, help="Comma-separated pairs to run, e.g. B→D,K→E (default: all 12).")
    parser.add_argument("--name", default="domain")
    args = parser.parse_args()
    data = {domain: read_domain(args.data, domain) for domain in DOMAINS}
    folds = {domain: kfold(data[domain].label_sets, 5, seed=0)[1 : 1 + args.folds] for domain in DOMAINS}
    every_pair = {f"{LETTER[s]}→{LETTER[t]}": (s, t) for s, t in permutations(DOMAINS, 2)}
    pairs = args.pairs.split(",") if args.pairs else list(every_pair)
    if set(pairs) - set(every_pair):
        parser.error(f"unknown pairs {sorted(set(pairs) - set(every_pair))}; choose from {', '.join(every_pair)}")
    sources_used = {every_pair[pair][0] for pair in pairs}
    scores: dict[str, dict[str, list[float]]] = {}  # system -> pair -> one accuracy per fold
    seconds: dict[str, list[float]] = {}
    systems = args.systems.split(",")
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown:
        parser.error(f"unknown systems {unknown}; choose from {', '.join(SYSTEMS)}")
    for body in args.bodies.split(","):
        options = {**BODIES[body], "epochs": args.epochs, "max_length": args.max_length, "threads": args.threads}
        if args.members is not None:
            options["members"] = args.members
        names = {kind: f"{kind} ({body})" for kind in systems}
        for kind in names.values():
            scores[kind], seconds[kind] = {pair: [] for pair in pairs}, []

        def timed(kind: str, train):
            started = time.perf_counter()
            model = train()
            seconds[names[kind]].append(time.perf_counter() - started)
            return model

        for fold in range(args.folds):
            sources = {}
            if "source-only" in names:  # one model per source domain, scored on every target
                for source in sorted(sources_used):
                    sources[source] = timed(
                        "source-only",
                        lambda: TextClassifier(seed=fold, **options).fit(data[source].texts, data[source].labels),
                    )
            for target in sorted({every_pair[pair][1] for pair in pairs}):
                train_rows, test_rows = folds[target][fold]
                target_train, target_test = data[target].subset(train_rows), data[target].subset(test_rows)
                if "target-supervised" in names:
                    upper = timed(
                        "target-supervised",
                        lambda: TextClassifier(seed=fold, **options).fit(target_train.texts, target_train.labels),
                    )
                for source in DOMAINS:
                    pair = f"{LETTER[source]}→{LETTER[target]}"
                    if pair not in pairs:
                        continue
                    if "source-only" in names:
                        scores[names["source-only"]][pair].append(accuracy(sources[source], target_test))
                    if "target-supervised" in names:
                        scores[names["target-supervised"]][pair].append(accuracy(upper, target_test))
                    for kind, dann in ADAPTED.items():
                        if kind in names:
                            adapted = timed(kind, lambda: TextClassifier(seed=fold, **options).adapt(
                                data[source].texts, data[source].labels, target_train.texts, dann=dann
                            ))  # fmt: skip
                            scores[names[kind]][pair].append(accuracy(adapted, target_test))
                    print(body, fold, pair, {k: round(v[pair][-1], 1) for k, v in scores.items() if v[pair]},
                          flush=True)  # fmt: skip
    rows = [["published DANN (Ganin et al. 2016, bag of words)", *(f"{PUBLISHED_DANN[p]:.1f}" for p in pairs),
             f"{statistics.mean(PUBLISHED_DANN[p] for p in pairs):.1f}", "", ""]]  # fmt: skip
    for system, by_pair in scores.items():
        means = [statistics.mean(by_pair[p]) for p in pairs]
        rows.append([system, *(f"{m:.1f}" for m in means), f"{statistics.mean(means):.1f}",
                     _wins(scores, system, pairs), f"{statistics.median(seconds[system]):.0f}"])  # fmt: skip
    notes = [
        f"Target accuracy %, mean over {args.folds} target fold(s) (folds 1..; each 400 reviews; the other 1,600 "
        "are the unlabelled target text DANN sees and the target-supervised training set). Fold 0 was used only "
        "to choose DANN's λ scale and to screen the self-training round. Seeds = fold index.",
        "DANN and source-only select their epoch on a 10% holdout of the source data: no target label is used. "
        f"Bodies: {', '.join(f'{k} = {v}' for k, v in BODIES.items())}"
        f"{f', members {args.members} for every system' if args.members else ''}; epochs {args.epochs}, max length "
        f"{args.max_length} tokens, {args.threads} threads; DANN: {ADAPTED['DANN']}; DANN + self-training: "
        f"{ADAPTED['DANN + self-training']}.",
        "wins: pairs where the adapted model beats source-only with the same body (mean over folds).",
    ]
    columns = ["system", *pairs, "mean", "wins over source-only", "train s (median)"]
    raw = {"scores": scores, "seconds": seconds}
    print(write_results(args.name, columns, rows, notes, raw).read_text())


def _wins(scores: dict, system: str, pairs: list[str]) -> str:
    kind, body = system.rsplit(" (", 1)
    if kind not in ADAPTED or f"source-only ({body}" not in scores:
        return ""
    baseline = scores[f"source-only ({body}"]
    wins = sum(statistics.mean(scores[system][p]) > statistics.mean(baseline[p]) for p in pairs)
    return f"{wins}/12"


if __name__ == "__main__":
    main()
