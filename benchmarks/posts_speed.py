"""Training time on 20,000 short posts in five classes: convtext against fastText, same data, same threads (issue 37).

The set is built from the bundled data (no such set ships with it): sentences of 4-40 words from the Amazon
reviews of four product domains (books, dvd, electronics, kitchen; a review's sentences stay in one split) and
critics' snippets from MR (Rotten Tomatoes, the fifth class, "film"). Every text is written as MR writes its
snippets — lower case, punctuation apart — so a class is not told by its typing. 4,000 training, 400 dev and
400 test texts per class, drawn with a fixed seed (``--build-seed``); a text that occurs twice anywhere (``great
product .``) is kept once. What the classifiers learn is the topic of a
short review: DVD against film is the hard pair.

Systems: convtext from scratch (random input vectors: the path a language without MiniLM's coverage takes, three
members), convtext's defaults (MiniLM's input vectors for English), fastText with wordNgrams 1 and 2 (epoch chosen
on dev; its time is the training of that count alone). Per system: test accuracy (mean over seeds) and the
median training seconds over seeds.

Run: python benchmarks/posts_speed.py [--data ../shared/data] [--seeds 3] [--threads 2] [--name posts_speed]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
from pathlib import Path

from _peers import ConvtextPeer, FastTextPeer
from _report import add_data_option, write_results

from convtext import read_labeled
from convtext.distill import split_sentences

DOMAINS = ("books", "dvd", "electronics", "kitchen")
PER_CLASS = {"train": 4000, "dev": 400, "test": 400}
WORDS = (4, 40)  # a sentence's words, both ends included
SYSTEMS = {
    "convtext from scratch (random input vectors, three members)":
        lambda threads, seed: ConvtextPeer({"embeddings": "random"}, threads, seed),
    "convtext defaults (MiniLM input vectors)": lambda threads, seed: ConvtextPeer({}, threads, seed),
    FastTextPeer(word_ngrams=1).name: lambda threads, seed: FastTextPeer(1, threads=threads, seed=seed),
    FastTextPeer(word_ngrams=2).name: lambda threads, seed: FastTextPeer(2, threads=threads, seed=seed),
}  # fmt: skip
_PUNCTUATION = re.compile(r"""([,.!?;:()"])""")


def as_snippet(text: str) -> str:
    """MR's writing: lower case, punctuation set apart by spaces, one space between tokens."""
    return " ".join(_PUNCTUATION.sub(r" \1 ", text.lower()).split())


def short(sentence: str) -> bool:
    return WORDS[0] <= len(sentence.split()) <= WORDS[1]


def split_groups(groups: list[list[str]], rng: random.Random) -> dict[str, list[str]]:
    """Whole groups (a review's sentences, or one snippet) shuffled into the splits, each split
    taking groups until it holds its ``PER_CLASS`` texts (the last group cut to fit)."""
    rng.shuffle(groups)
    splits, remaining = {}, iter(groups)
    for split, size in PER_CLASS.items():
        texts: list[str] = []
        while len(texts) < size:
            texts += next(remaining)
        splits[split] = texts[:size]
    return splits


def build(folder: Path, seed: int) -> dict[str, tuple[list[str], list[str]]]:
    """``{"train"|"dev"|"test": (texts, labels)}``, each class ``PER_CLASS`` texts, shuffled."""
    rng, seen = random.Random(seed), set()

    def first_seen(sentences: list[str]) -> list[str]:  # a text seen before (any class) is left out
        kept = [s for s in dict.fromkeys(as_snippet(s) for s in sentences if short(s)) if s not in seen]
        seen.update(kept)
        return kept

    by_class: dict[str, list[list[str]]] = {}
    for domain in DOMAINS:
        reviews = read_labeled(folder / "amazon-multidomain" / domain).texts
        by_class[domain] = [group for group in map(first_seen, map(split_sentences, reviews)) if group]
    snippets = read_labeled(folder / "kim2014" / "rt-polarity.all").texts
    by_class["film"] = [group for group in (first_seen([s]) for s in snippets) if group]
    data = {split: ([], []) for split in PER_CLASS}
    for label, groups in by_class.items():
        for split, texts in split_groups(groups, rng).items():
            data[split][0].extend(texts)
            data[split][1].extend([label] * len(texts))
    for texts, labels in data.values():
        order = list(range(len(texts)))
        rng.shuffle(order)
        texts[:], labels[:] = [texts[i] for i in order], [labels[i] for i in order]
    return data


def table(runs: dict[str, dict[str, list[float]]]) -> tuple[list[list[str]], str]:
    """One row per system (accuracy, median seconds, seconds over those of the more accurate fastText) and the name
    of that fastText."""
    seconds = {name: statistics.median(run["train_seconds"]) for name, run in runs.items()}
    fasttext = [name for name in runs if name.startswith("fastText")]
    best = max(fasttext, key=lambda name: statistics.mean(runs[name]["accuracy"]))
    rows = [[name, f"{statistics.mean(run['accuracy']):.1f} ± {statistics.pstdev(run['accuracy']):.1f}",
             f"{seconds[name]:.1f}", f"{seconds[name] / seconds[best]:.1f}×"] for name, run in runs.items()]  # fmt: skip
    return rows, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--seeds", type=int, default=3, help="Training seeds per system (the data stay the same).")
    parser.add_argument("--threads", type=int, default=2, help="Threads for every system.")
    parser.add_argument("--build-seed", type=int, default=0, help="The seed that draws the set.")
    parser.add_argument("--name", default="posts_speed", help="Results file name.")
    args = parser.parse_args()
    data = build(args.data, args.build_seed)
    (train, train_y), (dev, dev_y), (test, test_y) = data["train"], data["dev"], data["test"]
    words = statistics.median(len(text.split()) for text in train)
    print(f"{len(train)} training texts (median {words:g} words), {len(dev)} dev, {len(test)} test", flush=True)
    runs = {}
    for name, make in SYSTEMS.items():
        scores, seconds = [], []
        for seed in range(args.seeds):
            system = make(args.threads, seed).fit_select(train, train_y, dev, dev_y)
            scores.append(100 * sum(p == y for p, y in zip(system.predict(test), test_y)) / len(test_y))
            seconds.append(system.train_seconds_)
            print(f"{name} seed {seed}: {scores[-1]:.1f} % in {seconds[-1]:.1f} s", flush=True)
        runs[name] = {"accuracy": scores, "train_seconds": seconds}
    rows, fasttext_best = table(runs)
    notes = [
        f"The set: {len(train):,} training texts (median {words:g} words), {len(dev):,} dev (picks the epoch), "
        f"{len(test):,} test; five classes, {PER_CLASS['train']:,} training texts each: Amazon review sentences "
        f"of {', '.join(DOMAINS)} and MR's film snippets, lower-cased with punctuation apart; built by the "
        f"script from the data folder (--build-seed {args.build_seed}).",
        f"{args.seeds} seed(s) per system, {args.threads} threads each; train s: the median over seeds of the whole "
        "fit (convtext: early stopping included; fastText: the training of the epoch count it chose on dev).",
        f"÷ fastText's best: train s over that of the more accurate fastText ({fasttext_best}).",
    ]
    columns = ["system", "accuracy % (mean ± sd over seeds)", "train s (median)", "÷ fastText's best"]
    path = write_results(args.name, columns, rows, notes, {"runs": runs})
    print(path.read_text())


if __name__ == "__main__":
    main()
