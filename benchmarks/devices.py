"""The same training on CPU and on a CUDA GPU: SST-2 accuracy, training time and predict speed per device.

Each architecture trains from random vectors (no MiniLM package needed) with its defaults, seed 0,
on the given devices; predict texts/s is the whole test set at once, tokenization included. On a
machine without a GPU only the CPU rows are written; the file name carries the GPU's name.

Run: python benchmarks/devices.py [--data ../shared/data] [--devices cpu,cuda] [--threads N]
     [--architectures textcnn,inception_base,char_cnn]
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np
import torch
from _kim import throughput
from _report import add_data_option, write_results

from convtext import TextClassifier, read_labeled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--devices", default="cpu,cuda", help="CPU first: see the note in main()")
    parser.add_argument("--architectures", default="textcnn,inception_base,char_cnn")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    folder = args.data / "kim2014"
    train, dev, test = (read_labeled(folder / f"stsa.binary.{split}") for split in ("train", "dev", "test"))
    # is_available() leaves CUDA unstarted (a process that started it trains an ensemble's members one after
    # another, never in forked processes): every CPU row runs first, the GPU's name is read when its rows run
    devices = [d for d in args.devices.split(",") if d != "cuda" or torch.cuda.is_available()]
    gpu = None
    rows, raw = [], {}
    for device in devices:
        for architecture in args.architectures.split(","):
            model = TextClassifier(architecture, embeddings="random", seed=0, threads=args.threads, device=device)
            started = time.perf_counter()
            model.fit(train.texts, train.labels, dev.texts, dev.labels)
            seconds = time.perf_counter() - started
            model.to(device)
            accuracy = float(np.mean(np.asarray(model.predict(test.texts)) == np.asarray(test.labels)))
            speed = throughput(model.predict, test.texts)
            if device == "cuda":
                gpu = torch.cuda.get_device_name()
            name = gpu if device == "cuda" else f"CPU, {args.threads} threads"
            raw[f"{architecture}/{device}"] = {
                "accuracy": accuracy,
                "train_seconds": seconds,
                "texts_per_second": speed,
                "members_side_by_side": model.training_["config"].get("members_side_by_side"),
            }
            rows.append([architecture, name, f"{100 * accuracy:.1f}", f"{seconds:.1f}", f"{speed:,.0f}"])
            print(rows[-1], flush=True)
    notes = [
        "SST-2 (train → dev selects the epoch → test), random vectors, seed 0, architecture defaults; CUDA runs "
        "use bfloat16 autocast. One run each: compare devices within this file only.",
    ]
    suffix = re.sub(r"[^a-z0-9]+", "_", gpu.lower()).strip("_") if gpu else "cpu_only"
    columns = ["architecture", "device", "SST-2 test %", "train s", "predict texts/s"]
    print(write_results(f"devices_{suffix}", columns, rows, notes, {"runs": raw}).read_text())


if __name__ == "__main__":
    main()
