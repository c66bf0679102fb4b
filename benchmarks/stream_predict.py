"""Predicting files larger than memory: `convtext predict DIR --input FILE --output OUT` on growing files.

A corpus of SST-2 training sentences, repeated and shuffled (seeded) to each size, is predicted by
the command line in chunks; peak memory is the child process's max RSS (`resource.getrusage` of
children), so a flat column shows that memory does not grow with the file. The model is the fastest
variant (mean_embedding, whitespace tokenizer) trained on SST-2 train. fastText is not measured: its
Python package has no streaming file prediction, and its command-line binary is not installed here.

Run: python benchmarks/stream_predict.py [--data ../shared/data] [--sizes-mb 10,100,1000] [--name stream_predict]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import add_data_option, write_results

from convtext import TextClassifier, read_labeled


def write_corpus(sentences: list[str], path: Path, megabytes: float) -> int:
    """``path`` filled with shuffled copies of ``sentences`` up to ``megabytes``; returns the line count."""
    rng, target, written, lines = random.Random(0), int(megabytes * 1e6), 0, 0
    with open(path, "w", encoding="utf-8") as out:
        while written < target:
            block = rng.sample(sentences, len(sentences))
            text = "\n".join(block) + "\n"
            out.write(text)
            written, lines = written + len(text.encode()), lines + len(block)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--sizes-mb", default="10,100,1000")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--name", default="stream_predict")
    args = parser.parse_args()
    folder = args.data / "kim2014"
    train, dev = (read_labeled(folder / f"stsa.binary.{split}") for split in ("train", "dev"))
    work = Path(tempfile.mkdtemp(prefix="convtext-stream-"))
    TextClassifier("mean_embedding", tokenizer="whitespace", embeddings="random", threads=args.threads).fit(
        train.texts, train.labels, dev.texts, dev.labels
    ).save(work / "model")
    rows, raw = [], {}
    for megabytes in (float(size) for size in args.sizes_mb.split(",")):
        corpus = work / "corpus.txt"
        lines = write_corpus(train.texts, corpus, megabytes)
        command = [sys.executable, "-m", "convtext", "predict", str(work / "model"), "--input", str(corpus),
                   "--output", str(work / "out.jsonl")]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(command, check=True, env={**os.environ, "RAYON_NUM_THREADS": str(args.threads)})
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # MB: the largest child so far
        raw[str(megabytes)] = {"lines": lines, "seconds": seconds, "peak_mb": peak}
        rows.append([f"{megabytes:,.0f}", f"{lines:,}", f"{seconds:.0f}", f"{lines / seconds:,.0f}", f"{peak:,.0f}"])
        print(rows[-1], flush=True)
        corpus.unlink()
    notes = [
        "Peak MB is the maximum RSS over the child processes so far (the first run's is its own; a later one shows "
        "only if it is larger), so a constant column means bounded memory. Texts/s includes process start, model "
        f"load, reading, tokenizing and writing JSON lines; {args.threads} threads.",
    ]
    columns = ["file MB", "lines", "seconds", "texts/s", "peak MB"]
    print(write_results(args.name, columns, rows, notes, {"runs": raw}).read_text())


if __name__ == "__main__":
    main()
