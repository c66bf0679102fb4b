"""Training schedules screened side by side: test accuracy and fit seconds of convtext's defaults with some of
``epochs``, ``batch_size``, ``lr`` and ``patience`` replaced (issue 37).

Each run of the Kim protocol (``kim2014.py``'s folds and seeds) fits every variant on the same split, the variants'
order reversed on every other run so that neither always goes first on a warm or a busy machine. A variant is a
name and the ``TextClassifier`` settings it changes; ``{}`` is today's defaults.

Run: python benchmarks/schedule_screen.py [--data ../shared/data] [--embeddings random|auto] [--sets SST-1,SST-2]
     [--folds 2] [--seeds 2] [--threads 2] --variants '{"defaults": {}, "b100": {"batch_size": 100, "lr": 0.003}}'
     [--name schedule_screen]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from _kim import SET_NAMES, SETS, kim_runs
from _report import add_data_option, write_results

from convtext import TextClassifier


def screen(args, variants: dict[str, dict]) -> dict[str, dict[str, dict[str, list[float]]]]:
    """``{set: {variant: {"accuracy": [...], "seconds": [...]}}}`` over the protocol's runs."""
    results: dict[str, dict[str, dict[str, list[float]]]] = {}
    sets = args.sets.split(",")
    for kim_set in (s for s in SETS if s.name in sets):
        for train, dev, test, seed in kim_runs(kim_set, args.data / "kim2014", args.folds, args.seeds, None):
            order = list(variants) if seed % 2 == 0 else list(variants)[::-1]
            for name in order:
                settings = {"embeddings": args.embeddings, "threads": args.threads, "seed": seed, **variants[name]}
                model = TextClassifier(**settings)
                started = time.perf_counter()
                model.fit(train.texts, train.labels, dev.texts, dev.labels)
                seconds = time.perf_counter() - started
                predicted = model.predict(test.texts)
                accuracy = 100 * sum(p == g for p, g in zip(predicted, test.labels)) / len(test.labels)
                record = results.setdefault(kim_set.name, {}).setdefault(name, {"accuracy": [], "seconds": []})
                record["accuracy"].append(accuracy)
                record["seconds"].append(seconds)
                print(f"{kim_set.name} run {seed} {name}: {accuracy:.2f} % in {seconds:.1f} s", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--embeddings", default="random", help="random, or auto (MiniLM's vectors where they fit)")
    parser.add_argument("--sets", default=",".join(SET_NAMES))
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--variants", required=True, help="JSON: {name: {setting: value}}")
    parser.add_argument("--name", default="schedule_screen")
    args = parser.parse_args()
    variants = json.loads(args.variants)
    results = screen(args, variants)
    columns = ["set", *(f"{name}: accuracy % / train s" for name in variants)]
    rows = [
        [
            name,
            *(f"{statistics.mean(r[v]['accuracy']):.2f} / {statistics.median(r[v]['seconds']):.1f}" for v in variants),
        ]
        for name, r in results.items()
    ]
    rows.append(["mean", *(f"{statistics.mean(statistics.mean(r[v]['accuracy']) for r in results.values()):.2f}"
                           for v in variants)])  # fmt: skip
    notes = [
        f"Variants (settings over the defaults, embeddings={args.embeddings!r}): "
        + "; ".join(f"{name} = {json.dumps(settings)}" for name, settings in variants.items()),
        f"{args.folds} cross-validation fold(s) (MR, Subj, CR, MPQA), {args.seeds} seed(s) (SST-1, SST-2, TREC), "
        f"{args.threads} threads; accuracy: mean over runs, train s: median of the whole fit. A screen: few runs, "
        "so differences under a point are noise; the Kim table decides.",
    ]
    write_results(args.name, columns, rows, notes, extra={"results": results})


if __name__ == "__main__":
    main()
