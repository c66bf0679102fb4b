"""Batch prediction at scale: one Parquet table through Spark local[2], Ray on 2 CPUs and single-process `convtext
predict`, the same model on the same machine in the same run.

The table is SST-2 training sentences repeated (seeded shuffle) to --rows rows; the model is convtext's defaults
trained on SST-2 train. Each system runs as a child process, timed whole (start-up, reading, predicting and
writing Parquet); peak memory is the largest sum of RSS over the child's process tree (the JVM and Python workers
of Spark, Ray's raylet and actors), sampled every 0.1 s. The single process uses 2 BLAS threads; each engine runs 2
workers of one thread each, so every system has the same 2 cores. The goal: each engine at least 70 % of the single
process's texts/s, so that N machines scale it by N.

Run: python benchmarks/batch.py [--data ../shared/data] [--rows 1000000] [--name batch]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from _report import add_data_option, write_results

from convtext import TextClassifier, read_labeled

RAY = """
import sys
from convtext.ray import local_ray, predict_table
ray = local_ray(2)
print(predict_table(sys.argv[1], sys.argv[2], sys.argv[3], actors=2))
ray.shutdown()
"""


def write_table(sentences: list[str], path: Path, rows: int) -> None:
    rng, texts = random.Random(0), []
    while len(texts) < rows:
        texts.extend(rng.sample(sentences, len(sentences)))
    pq.write_table(pa.table({"id": range(rows), "text": texts[:rows]}), path, row_group_size=100_000)


def _tree_rss(root: int) -> int:
    """Bytes of resident memory of ``root`` and every process below it (Linux /proc)."""
    parents, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier and pid not in tree]
        tree.update(frontier)
    return sum(rss.get(pid, 0) for pid in tree)


def measure(command: list[str], threads: int) -> tuple[float, int]:
    """Wall seconds and peak tree memory (bytes) of ``command``; an error if it fails."""
    env = {
        **os.environ,
        **{name: str(threads) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
    }
    started, peak = time.perf_counter(), 0
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while child.poll() is None:
        peak = max(peak, _tree_rss(child.pid))
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    out, err = child.communicate()
    if child.returncode:
        raise RuntimeError(f"{command[:4]} failed ({child.returncode}):\n{err[-3000:]}")
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--name", default="batch")
    args = parser.parse_args()
    train = read_labeled(args.data / "kim2014" / "stsa.binary.train")
    convtext = [str(Path(sys.executable).with_name("convtext"))]
    with tempfile.TemporaryDirectory(prefix="convtext-batch-") as folder:
        folder = Path(folder)
        TextClassifier(threads=2, seed=0, progress=False).fit(train.texts, train.labels).save(folder / "model")
        write_table(train.texts, folder / "texts.parquet", args.rows)
        systems = {
            "convtext predict (one process, 2 threads)": (
                convtext + ["predict", folder / "model", "--input", folder / "texts.parquet", "--output",
                            folder / "single.parquet"], 2),  # fmt: skip
            "Spark local[2] (convtext spark-predict)": (
                convtext + ["spark-predict", folder / "model", "--input", folder / "texts.parquet", "--output",
                            folder / "spark.parquet", "--master", "local[2]"], 1),  # fmt: skip
            "Ray, 2 CPUs, 2 actors (convtext.ray.predict_table)": (
                [sys.executable, "-c", RAY, folder / "model", folder / "texts.parquet", folder / "ray.parquet"], 1),
        }  # fmt: skip
        raw = {}
        for name, (command, threads) in systems.items():
            seconds, peak = measure([str(part) for part in command], threads)
            raw[name] = {"seconds": seconds, "texts_per_second": args.rows / seconds, "peak_bytes": peak}
            print(name, raw[name], flush=True)
        outputs = [folder / f"{kind}.parquet" for kind in ("single", "spark", "ray")]
        labels = [
            pq.read_table(path, columns=["id", "predicted"]).sort_by("id").column("predicted") for path in outputs
        ]
        same = all(column.equals(labels[0]) for column in labels[1:])
    single = raw["convtext predict (one process, 2 threads)"]["texts_per_second"]
    rows = [
        [name, f"{r['texts_per_second']:,.0f}", f"{r['seconds']:.1f}", f"{r['peak_bytes'] / 2**20:,.0f}",
         f"{100 * r['texts_per_second'] / single:.0f} %"]
        for name, r in raw.items()
    ]  # fmt: skip
    notes = [
        f"{args.rows:,} texts (SST-2 training sentences repeated), one Parquet table; the model: convtext's defaults "
        "trained on SST-2 train (TextCNN over MiniLM's input vectors, predicted by the numpy runtime).",
        "Wall time of the whole child process (start-up, reading, predicting, writing Parquet); peak memory: the "
        "largest RSS sum over the process tree, sampled every 0.1 s. One run each: the machine is shared.",
        f"Every system wrote the same label for every row: {same}.",
    ]
    columns = ["system", "texts/s", "wall s", "peak memory MiB", "of the single process's texts/s"]
    print(write_results(args.name, columns, rows, notes, {"runs": raw, "rows": args.rows}).read_text())


if __name__ == "__main__":
    main()
