"""Zero-shot classification by label descriptions: all-MiniLM-L6-v2 against the convtext encoder distilled from it.

No training on any set: each label gets one written description (below), each text the label whose
description is nearest (cosine). Sets: SST-2 test, CR (all 3,775), TREC test (6 classes) and the
four Amazon domains (2,000 reviews each). Throughput: texts/s encoding SST-2 test (median of 3, after
a warm-up), same threads. The distilled encoder is the zoo's `textcnn.minilm_distilled` (trained on
MiniLM's vectors of unlabelled TREC-train and Amazon text; no label, no SST/CR text).

Run: python benchmarks/zeroshot.py [--data ../shared/data] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from _report import add_data_option, write_results

from convtext import read_labeled
from convtext.zeroshot import ZeroShotClassifier

SENTIMENT = {"1": "a positive review", "0": "a negative review"}
AMAZON = {"positive": "a positive review", "negative": "a negative review"}
TREC = {  # Li & Roth's coarse classes, in Kim's numbering
    "0": "a question asking for a description or definition",
    "1": "a question asking about a thing, an object or an entity",
    "2": "a question asking what an abbreviation stands for",
    "3": "a question asking about a person",
    "4": "a question asking about a place or location",
    "5": "a question asking for a number, a date or a quantity",
}
SETS = {  # name: (file, descriptions)
    "SST-2": ("kim2014/stsa.binary.test", SENTIMENT),
    "CR": ("kim2014/custrev.all", SENTIMENT),
    "TREC": ("kim2014/TREC.test.all", TREC),
    **{f"Amazon {d}": (f"amazon-multidomain/{d}", AMAZON) for d in ("books", "dvd", "electronics", "kitchen")},
}
ENCODERS = {"all-MiniLM-L6-v2": "minilm", "convtext distilled (textcnn.minilm_distilled)": "textcnn.minilm_distilled"}


def speed(classifier: ZeroShotClassifier, texts: list[str]) -> float:
    classifier.decision_function(texts[:200])
    times = []
    for _ in range(3):
        started = time.perf_counter()
        classifier.decision_function(texts)
        times.append(time.perf_counter() - started)
    return len(texts) / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--name", default="zeroshot")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    os.environ["RAYON_NUM_THREADS"] = str(args.threads)
    data = {name: read_labeled(args.data / file) for name, (file, _) in SETS.items()}
    chance = {name: 100 * max(data[name].labels.count(y) for y in set(data[name].labels)) / len(data[name])
              for name in SETS}  # fmt: skip
    rows = [
        ["majority class (chance)", *(f"{chance[n]:.1f}" for n in SETS), f"{statistics.mean(chance.values()):.1f}", ""]
    ]
    raw = {"chance": chance}
    for row_name, encoder in ENCODERS.items():
        accuracies = {}
        for name, (_, descriptions) in SETS.items():
            classifier = ZeroShotClassifier(descriptions, encoder)
            accuracies[name] = 100 * classifier.evaluate(data[name].texts, data[name].labels)["accuracy"]
            print(row_name, name, round(accuracies[name], 1), flush=True)
        texts_per_second = speed(ZeroShotClassifier(SENTIMENT, encoder), data["SST-2"].texts)
        raw[row_name] = {"accuracy": accuracies, "texts_per_second": texts_per_second}
        rows.append([row_name, *(f"{accuracies[n]:.1f}" for n in SETS), f"{statistics.mean(accuracies.values()):.1f}",
                     f"{texts_per_second:,.0f}"])  # fmt: skip
    minilm, distilled = (raw[name]["accuracy"] for name in ENCODERS)
    kept = {n: (distilled[n] - chance[n]) / (minilm[n] - chance[n]) for n in SETS if minilm[n] > chance[n]}
    speedup = raw[list(ENCODERS)[1]]["texts_per_second"] / raw[list(ENCODERS)[0]]["texts_per_second"]
    rows.append(["distilled / MiniLM, accuracy above chance", *(f"{100 * kept[n]:.0f} %" if n in kept else "—"
                 for n in SETS), f"{100 * statistics.mean(kept.values()):.0f} %", f"{speedup:.0f}×"])  # fmt: skip
    notes = [
        "Accuracy %, no training. Descriptions: sentiment sets 'a positive review' / 'a negative review'; TREC: "
        + "; ".join(f"{k}: '{v}'" for k, v in TREC.items())
        + ".",
        f"texts/s: encoding SST-2 test (1,821 sentences) and scoring, median of 3, {args.threads} threads.",
        "The last row: how much of MiniLM's accuracy above the majority class the distilled encoder keeps, and its "
        "speed ratio.",
    ]
    columns = ["encoder", *SETS, "mean", "texts/s"]
    print(write_results(args.name, columns, rows, notes, raw).read_text())


if __name__ == "__main__":
    main()
