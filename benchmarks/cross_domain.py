"""Zero-shot across domains: a sentiment model trained on movie reviews, applied unchanged to product reviews.

Sources: MR (rt-polarity, 10,662 sentences) and SST-2 (its 6,920 training sentences). Targets: CR (3,775
customer-review sentences) and the four Amazon domains (2,000 reviews each). No target text is used in
any way; the movie labels 1/0 are read as positive/negative. Each source model has the defaults (MiniLM
input vectors) or is from scratch (random vectors, 3 members); seeds 0..runs-1, epoch picked on a 10 %
holdout of the source. Reference rows: the domain benchmark's Amazon→Amazon source-only mean per target
and its target-supervised upper bound (benchmarks/results/domain/domain.json, same bodies).

Run: python benchmarks/cross_domain.py [--data ../shared/data] [--runs 3] [--threads 2]   (≈ 10 min)
"""

from __future__ import annotations

import argparse
import json
import statistics

from _report import add_data_option, results_folder, write_results

from convtext import TextClassifier, read_labeled

SOURCES = {
    "MR (movie sentences)": "kim2014/rt-polarity.all",
    "SST-2 train (movie sentences)": "kim2014/stsa.binary.train",
}
TARGETS = {
    "CR": "kim2014/custrev.all",
    **{f"Amazon {d}": f"amazon-multidomain/{d}" for d in ("books", "dvd", "electronics", "kitchen")},
}
TO_MOVIE = {"positive": "1", "negative": "0", "1": "1", "0": "0"}  # Amazon's labels in the movie sets' names
BODIES = {
    "defaults (MiniLM input vectors)": ({}, "minilm"),
    "from scratch (random vectors)": ({"embeddings": "random"}, "scratch"),
}
LETTER = {"Amazon books": "B", "Amazon dvd": "D", "Amazon electronics": "E", "Amazon kitchen": "K"}


def domain_rows(body: str) -> list[list[str]]:
    """Source-only (mean over the three other Amazon sources) and target-supervised, per Amazon target."""
    scores = json.loads((results_folder("domain") / "domain.json").read_text(encoding="utf-8"))["scores"]
    rows = []
    for kind in ("source-only", "target-supervised"):
        by_pair = scores[f"{kind} ({body})"]
        cells = ["–"]
        for target, letter in LETTER.items():
            values = [statistics.mean(v) for pair, v in by_pair.items() if pair.endswith(letter)]
            cells.append(f"{statistics.mean(values):.1f}")
        label = (
            "Amazon → Amazon, other domains (mean of 3 sources)" if kind == "source-only" else "in-domain, supervised"
        )
        rows.append([f"{label} [{body}; domain.md]", *cells, "–"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--name", default="cross_domain")
    args = parser.parse_args()
    targets = {name: read_labeled(args.data / path) for name, path in TARGETS.items()}
    rows, raw = [], {}
    for body_label, (options, body) in BODIES.items():
        for source_label, path in SOURCES.items():
            source = read_labeled(args.data / path)
            accuracy = {name: [] for name in targets}
            for seed in range(args.runs):
                model = TextClassifier(**options, seed=seed, threads=args.threads).fit(source.texts, source.labels)
                for name, data in targets.items():
                    gold = [TO_MOVIE[label] for label in data.labels]
                    accuracy[name].append(100 * model.score(data.texts, gold))
                print(body_label, source_label, seed, {k: round(v[-1], 1) for k, v in accuracy.items()}, flush=True)
            means = [statistics.mean(v) for v in accuracy.values()]
            rows.append([f"{source_label} [{body}]", *(f"{statistics.mean(v):.1f} ± {statistics.pstdev(v):.1f}"
                         for v in accuracy.values()), f"{statistics.mean(means):.1f}"])  # fmt: skip
            raw[f"{source_label} [{body}]"] = accuracy
        rows += domain_rows(body)
    columns = ["trained on", *targets, "mean"]
    notes = [
        f"Accuracy %, mean ± std over {args.runs} seeds; no target text is seen. Movie labels 1/0 = positive/negative.",
        "CR's majority class is 63.8 %; each Amazon domain is balanced (50 %).",
        "Reference rows come from benchmarks/results/domain/domain.json (2 target folds of 400 reviews, so they are "
        "scored on a fifth of each domain each, not all 2,000).",
        "The same with the CLI: `convtext evaluate MOVIE_MODEL data/amazon-multidomain/books --map-label positive=1 "
        "--map-label negative=0`.",
    ]
    write_results(args.name, columns, rows, notes, extra={"runs": raw})


if __name__ == "__main__":
    main()
