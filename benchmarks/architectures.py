"""Architectures side by side on the Kim (2014) suite, and how each survives typos on SST-2.

Systems: convtext's default TextCNN, the Inception CNNs, the averaging baselines (plain and with
hashed bigrams, fastText's recipe) and the character/subword variants, all through
``TextClassifier`` with their defaults (``embeddings="auto"``: MiniLM's vectors for the word-level
models on this English text; random for char and BPE input). The typo check trains on clean SST-2
and scores its test set clean and with 10% of the letters perturbed (seeded: a letter replaced,
dropped, doubled or swapped with its neighbour).

Run: python benchmarks/architectures.py [--data ../shared/data] [--systems a,b] [--quick] [--folds 10]
     [--seeds 3] [--typos] [--threads 2] [--name architectures]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import asdict

import numpy as np
from _kim import SUITE_COLUMNS, add_suite_options, protocol, published_rows, run_suite, suite_row
from _report import add_data_option, write_results

from convtext import TextClassifier, read_labeled

SYSTEMS = {  # name: (label, TextClassifier settings)
    "textcnn": ("textcnn (defaults: word pieces, MiniLM vectors)", {}),
    "inception_small": ("inception_small (1 block, 128 channels, MiniLM vectors)", {"architecture": "inception_small"}),
    "inception_base": ("inception_base (2 blocks, 256 channels, MiniLM vectors)", {"architecture": "inception_base"}),
    "mean": ("mean_embedding (average of MiniLM vectors)", {"architecture": "mean_embedding", "lr": 1e-2}),
    "mean_bigram": ("mean_bigram (+ hashed bigrams, fastText's recipe)", {"architecture": "mean_bigram", "lr": 1e-2}),
    "textcnn_word": ("textcnn, word tokens, random vectors", {"embeddings": "random"}),
    "textcnn_bpe": ("textcnn, BPE 8k tokens, random vectors", {"tokenizer": "bpe"}),
    "textcnn_char": ("textcnn, characters, kernels 3,5,7", {"tokenizer": "char", "kernel_sizes": (3, 5, 7)}),
    "char_cnn": ("char_cnn (Zhang et al. 2015 style)", {"architecture": "char_cnn"}),
}
TYPO_SYSTEMS = ["textcnn", "textcnn_word", "textcnn_bpe", "textcnn_char", "char_cnn"]


def make_system(settings: dict, threads: int):
    def system(train, dev, seed):
        model = TextClassifier(**{"seed": seed, "threads": threads, **settings})
        model.fit(train.texts, train.labels, dev.texts, dev.labels)
        return model.predict

    return system


def perturb(text: str, rate: float, rng: random.Random) -> str:
    """Each letter, with probability ``rate``: replaced, dropped, doubled or swapped with the next character."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    chars, out, i = list(text), [], 0
    while i < len(chars):
        char = chars[i]
        operation = rng.choice(["replace", "drop", "double", "swap"]) if char.isalpha() and rng.random() < rate else ""
        if operation == "replace":
            out.append(rng.choice(letters))
        elif operation == "double":
            out.append(char + char)
        elif operation == "swap" and i + 1 < len(chars):
            out += [chars[i + 1], char]
            i += 1
        elif operation != "drop":
            out.append(char)
        i += 1
    return "".join(out)


def typo_rows(data, systems: list[str], threads: int, rate: float = 0.1) -> tuple[list[list[str]], dict]:
    folder = data / "kim2014"
    train, dev, test = (read_labeled(folder / f"stsa.binary.{split}") for split in ("train", "dev", "test"))
    rng = random.Random(0)
    noisy = [perturb(text, rate, rng) for text in test.texts]
    changed = np.mean([a != b for a, b in zip(noisy, test.texts)])
    rows, raw = [], {}
    for name in systems:
        started = time.perf_counter()
        model = TextClassifier(**{"seed": 0, "threads": threads, **SYSTEMS[name][1]})
        model.fit(train.texts, train.labels, dev.texts, dev.labels)
        seconds = time.perf_counter() - started
        clean = float(np.mean(np.asarray(model.predict(test.texts)) == np.asarray(test.labels)))
        typos = float(np.mean(np.asarray(model.predict(noisy)) == np.asarray(test.labels)))
        raw[name] = {"clean": clean, "typos": typos, "train_seconds": seconds}
        rows.append([SYSTEMS[name][0], f"{100 * clean:.1f}", f"{100 * typos:.1f}", f"{100 * (typos - clean):+.1f}",
                     f"{seconds:.0f}"])  # fmt: skip
        print("typos", name, raw[name], flush=True)
    raw["sentences_changed"] = float(changed)
    first = next(i for i, (a, b) in enumerate(zip(test.texts, noisy)) if a != b)
    raw["example"] = [test.texts[first], noisy[first]]
    return rows, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"Comma-separated, of: {', '.join(SYSTEMS)}.")
    parser.add_argument("--typos", action="store_true", help="Also the SST-2 typo check.")
    add_suite_options(parser, "architectures")
    args = parser.parse_args()
    runs = protocol(args)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    results, extra, sections = {}, {"runs": {}}, None
    notes = [
        f"Test accuracy %, mean ± std over runs: {runs}.",
        "Each system is TextClassifier with its architecture's defaults and early stopping on dev (SST's dev files; "
        "a seeded 10% of the training folds or of TREC train); the averaging baselines train at lr 1e-2 (2e-3 is too "
        "slow for a model without hidden layers).",
        f"train s and predict texts/s (whole test set at once, tokenization included) are medians; {args.threads} "
        "threads.",
    ]

    def write():  # after each system, so a long run that is stopped keeps what it measured
        rows = [suite_row(SYSTEMS[name][0], results[name]) for name in results]
        rows += published_rows(len(SUITE_COLUMNS))
        extra["runs"] = {name: {s: asdict(r) for s, r in sets_.items()} for name, sets_ in results.items()}
        return write_results(args.name, SUITE_COLUMNS, rows, notes, extra, sections)

    for name in systems:
        system = make_system(SYSTEMS[name][1], args.threads)
        results[name] = run_suite(system, args.data / "kim2014", sets, args.folds, args.seeds, args.cap, name)
        path = write()
    if args.typos:
        typo_table, raw = typo_rows(args.data, [s for s in TYPO_SYSTEMS if s in systems] or TYPO_SYSTEMS, args.threads)
        extra["typos"] = raw
        notes.append(
            f"Typos: SST-2 test with 10% of letters perturbed (seed 0; {100 * raw['sentences_changed']:.0f}% of "
            f"sentences changed), e.g. {raw['example'][1]!r}. One training run each (seed 0) on clean data."
        )
        sections = ["## Typos", "", "| system | SST-2 clean % | SST-2 with typos % | change | train s |",
                    "|---|---|---|---|---|"] + ["| " + " | ".join(row) + " |" for row in typo_table]  # fmt: skip
        path = write()
    print(path.read_text())
    print(
        "median train seconds per system:",
        {n: statistics.median(s for r in results[n].values() for s in r.train_seconds) for n in systems if results[n]},
    )


if __name__ == "__main__":
    main()
