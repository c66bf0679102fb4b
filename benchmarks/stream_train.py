"""Training on files larger than memory: `convtext train FILE --stream` on growing labelled corpora, with fastText.

A fastText-format corpus (`__label__1 text`) of SST-2 training sentences, repeated and shuffled (seeded)
to each size, is trained on for one epoch by the command line — streamed (two passes, ids packed on
disk) and, for the smaller sizes, read whole — and by fastText (`train_supervised` on the same file,
same threads, wordNgrams 2, one epoch). Each run is its own process; peak memory is that process's
max RSS (`os.wait4`). The model is the fastest variant (mean_embedding, whitespace tokenizer, random
embeddings); SST-2 dev picks the epoch (there is one) and SST-2 test is scored after training.

With --parquet the same rows are also written as a Parquet table (columns text, label; row groups of 100,000) and
streamed convtext training runs on the text file and on the table, nothing else (`--name stream_train_parquet`):
the table's memory against the text file's in the same run.

Run: python benchmarks/stream_train.py [--data ../shared/data] [--sizes-mb 10,100,1000] [--whole-mb 10,100]
     [--parquet --name stream_train_parquet]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import add_data_option, write_results

from convtext import read_labeled

CONVTEXT = [
    "--arch",
    "mean_embedding",
    "--tokenizer",
    "whitespace",
    "--embeddings",
    "random",
    "--epochs",
    "1",
    "--batch-size",
    "1000",
]


def write_corpus(texts: list[str], labels: list[str], path: Path, megabytes: float) -> int:
    """``path`` filled with shuffled copies of the labelled rows up to ``megabytes``; returns the line count."""
    lines = [f"__label__{label} {text}" for text, label in zip(texts, labels)]
    rng, target, written, count = random.Random(0), int(megabytes * 1e6), 0, 0
    with open(path, "w", encoding="utf-8") as out:
        while written < target:
            block = "\n".join(rng.sample(lines, len(lines))) + "\n"
            out.write(block)
            written, count = written + len(block.encode()), count + len(lines)
    return count


def to_parquet(corpus: Path, path: Path) -> None:
    """The fastText-format ``corpus`` as a Parquet table (text, label), written 100,000 rows at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("text", pa.string()), ("label", pa.string())])
    with open(corpus, encoding="utf-8") as lines, pq.ParquetWriter(path, schema) as writer:
        while block := [line.rstrip("\n").split(" ", 1) for _, line in zip(range(100_000), lines)]:
            labels, texts = zip(*((label.removeprefix("__label__"), text) for label, text in block))
            writer.write_table(pa.table({"text": list(texts), "label": list(labels)}, schema=schema))


def measured(command: list[str], threads: int) -> tuple[dict, float, float]:
    """Run ``command``; returns its JSON output, wall seconds and peak RSS in MB (this process alone)."""
    env = {**os.environ, "RAYON_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"{command[:4]} failed with status {status}")
    return json.loads(output), seconds, usage.ru_maxrss / 1024


def fasttext_child(corpus: str, test: str, threads: int) -> None:
    """Train fastText on ``corpus`` for one epoch; print its test accuracy as JSON."""
    import fasttext

    model = fasttext.train_supervised(input=corpus, epoch=1, wordNgrams=2, thread=threads, verbose=0, seed=0)
    data = read_labeled(test)
    predicted = [labels[0].removeprefix("__label__") for labels in model.predict(data.texts)[0]]
    print(json.dumps({"test": {"accuracy": sum(p == g for p, g in zip(predicted, data.labels)) / len(data)}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--sizes-mb", default="10,100,1000")
    parser.add_argument("--whole-mb", default="10,100", help="Sizes also trained reading the file whole.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--parquet", action="store_true", help="Stream a Parquet copy of each corpus, nothing else.")
    parser.add_argument("--name", default="stream_train")
    parser.add_argument("--fasttext-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fasttext_child:
        return fasttext_child(*args.fasttext_child, args.threads)
    folder = args.data / "kim2014"
    train = read_labeled(folder / "stsa.binary.train")
    valid, test = folder / "stsa.binary.dev", folder / "stsa.binary.test"
    work = Path(tempfile.mkdtemp(prefix="convtext-stream-train-"))
    whole = {float(size) for size in args.whole_mb.split(",") if size}
    rows, raw = [], {}
    for megabytes in (float(size) for size in args.sizes_mb.split(",")):
        corpus = work / "corpus.txt"
        lines = write_corpus(train.texts, train.labels, corpus, megabytes)
        convtext = [sys.executable, "-m", "convtext", "train", str(corpus), "--valid", str(valid), "--test", str(test),
                    *CONVTEXT, "--threads", str(args.threads), "--no-progress", "--json", "-o", str(work / "model")]  # fmt: skip
        runs = {"convtext --stream": [*convtext, "--stream", "--work-dir", str(work)]}
        if args.parquet:
            table = work / "corpus.parquet"
            to_parquet(corpus, table)
            parquet = [str(table) if part == str(corpus) else part for part in convtext]
            runs["convtext --stream, Parquet"] = [*parquet, "--stream", "--work-dir", str(work)]
        elif megabytes in whole:
            runs["convtext (read whole)"] = [*convtext, "--no-stream"]
        if not args.parquet:
            runs["fastText wordNgrams=2"] = [sys.executable, __file__, "--fasttext-child", str(corpus), str(test),
                                             "--threads", str(args.threads)]  # fmt: skip
        for system, command in runs.items():
            summary, seconds, peak = measured(command, args.threads)
            accuracy = summary["test"]["accuracy"]
            raw[f"{megabytes:g} MB {system}"] = {"lines": lines, "seconds": seconds, "peak_mb": peak, "test": accuracy}
            rows.append([f"{megabytes:,.0f}", f"{lines:,}", system, f"{seconds:,.0f}", f"{lines / seconds:,.0f}",
                         f"{peak:,.0f}", f"{100 * accuracy:.1f}"])  # fmt: skip
            print(rows[-1], flush=True)
        corpus.unlink()
        (work / "corpus.parquet").unlink(missing_ok=True)
    notes = [
        f"One epoch, {args.threads} threads, each run its own process; seconds include process start, reading, "
        "the tokenizer pass, packing the ids, training, validation and saving. Peak MB is the process's max RSS "
        "(os.wait4), the packed ids' memory-mapped pages included.",
        "Streamed: the first pass learns the vocabulary and labels, the second writes int32 token ids to a file "
        "that training reads through a memory map; what stays in memory is the model, the validation rows and "
        "16 bytes per training row (offset and label) — so memory still grows slowly with the row count.",
        "Read whole: every text as a Python string (the ids are packed either way) — this is where memory goes "
        "without --stream.",
        "The corpus repeats SST-2's 6,920 training sentences, so accuracy measures that the run is sound, not "
        "what more data would buy.",
    ]
    columns = ["file MB", "rows", "system", "seconds", "rows/s", "peak MB", "SST-2 test %"]
    print(write_results(args.name, columns, rows, notes, {"runs": raw}).read_text())


if __name__ == "__main__":
    main()
