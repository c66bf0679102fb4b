"""Speed: predict throughput, training time and peak memory of convtext and its peers, same texts, same threads.

Every (system, thread count) runs in a fresh child process, so its peak memory (max RSS) is its own
and the tokenizer's thread pool has the thread count from the start (RAYON_NUM_THREADS). Each system
trains on SST-2 train (epoch or C chosen on dev) and predicts SST-2 test: accuracy, training seconds,
predict texts/s (tokenization included, the median of 3 passes over the test set ×3 after a
warm-up pass; MiniLM: 1 pass over the test set), and texts/s on texts of 10, 100 and 1,000 tokens
(test sentences joined and cut). Training time as the corpus grows: 25 %, 50 % and 100 % of the
training set (convtext systems trained from random vectors, fastText). The command line: `convtext
predict DIR --input FILE` on 20,000 lines, process start and model load included.

Run: python benchmarks/speed.py [--data ../shared/data] [--threads 1,2] [--systems KEY,...] [--name speed]
     (keys: defaults, defaults-onnx, defaults-int8, random, random-1, mean-embedding, fastest, fasttext-1,
     fasttext-2, minilm)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _kim import process_seconds, throughput
from _peers import ConvtextPeer, FastTextPeer, MiniLMLogReg
from _report import add_data_option, write_results

from convtext import read_labeled

SYSTEMS = {  # key: (row name, settings)
    "defaults": ("convtext defaults (MiniLM input vectors)", {"convtext": {}}),
    "defaults-onnx": ("convtext defaults, ONNX Runtime", {"convtext": {}, "backend": "onnx"}),
    "defaults-int8": ("convtext defaults, ONNX Runtime int8", {"convtext": {}, "backend": "int8"}),
    "random": ("convtext from random vectors (3 members)", {"convtext": {"embeddings": "random"}, "sizes": True}),
    "random-1": ("convtext textcnn, 1 member, random vectors",
                 {"convtext": {"embeddings": "random", "members": 1}, "sizes": True}),
    "mean-embedding": ("convtext mean_embedding, word tokenizer",
                       {"convtext": {"architecture": "mean_embedding", "embeddings": "random"}, "sizes": True}),
    "fastest": ("convtext fastest: mean_embedding, whitespace tokenizer",
                {"convtext": {"architecture": "mean_embedding", "embeddings": "random", "tokenizer": "whitespace"},
                 "sizes": True}),
    "fasttext-1": ("fastText wordNgrams=1", {"fasttext": 1, "sizes": True}),
    "fasttext-2": ("fastText wordNgrams=2", {"fasttext": 2, "sizes": True}),
    "minilm": ("MiniLM + LR", {"minilm": True}),
}  # fmt: skip
LENGTHS = (10, 100, 1000)
SIZES = (0.25, 0.5)


def build(spec: dict, threads: int):
    if "fasttext" in spec:
        return FastTextPeer(word_ngrams=spec["fasttext"], threads=threads)
    if "minilm" in spec:
        return MiniLMLogReg(threads=threads)
    return ConvtextPeer(spec["convtext"], threads=threads)


def use_backend(system, backend: str | None, folder: Path) -> None:
    """Switch a trained convtext system to ONNX Runtime (float or int8)."""
    if backend is None:
        return
    model = system.model
    model.use_onnx(model.export_onnx(folder / f"{backend}.onnx", int8=backend == "int8"))


def texts_of_length(sentences: list[str], tokens: int, count: int) -> list[str]:
    """``count`` texts of ``tokens`` whitespace tokens each, cut from the sentences joined end to end."""
    words = " ".join(sentences).split()
    return [" ".join(words[(i * tokens) % len(words) :][:tokens]) for i in range(count)]


def measure(name: str, data: Path, threads: int) -> dict:
    """Run in a child process: train one system, time its predictions, report its peak memory."""
    import torch

    torch.set_num_threads(threads)
    spec = SYSTEMS[name][1]
    folder = data / "kim2014"
    train, dev, test = (read_labeled(folder / f"stsa.binary.{split}") for split in ("train", "dev", "test"))
    work = Path(tempfile.mkdtemp(prefix="convtext-speed-"))
    system = build(spec, threads).fit_select(train.texts, train.labels, dev.texts, dev.labels)
    result = {"train_seconds": system.train_seconds_}
    if spec.get("backend"):  # the same trained model through PyTorch first: the backend's accuracy change, paired
        result["accuracy_torch"] = float(np.mean(np.asarray(system.predict(test.texts)) == np.asarray(test.labels)))
    use_backend(system, spec.get("backend"), work)
    result["accuracy"] = float(np.mean(np.asarray(system.predict(test.texts)) == np.asarray(test.labels)))
    slow = "minilm" in spec
    texts = test.texts if slow else test.texts * 3
    result["texts_per_second"] = throughput(system.predict, texts, repeats=1 if slow else 3)
    result["by_length"] = {
        str(n): throughput(system.predict, texts_of_length(test.texts, n, 200 if slow else 2000), repeats=1 if slow else 3)
        for n in LENGTHS
    }  # fmt: skip
    if spec.get("sizes"):
        result["train_seconds_by_size"] = {}
        for fraction in SIZES:
            part = train.subset(np.random.default_rng(0).permutation(len(train))[: int(fraction * len(train))].tolist())
            peer = build(spec, threads).fit_select(part.texts, part.labels, dev.texts, dev.labels)
            result["train_seconds_by_size"][str(fraction)] = peer.train_seconds_
        result["train_seconds_by_size"]["1.0"] = system.train_seconds_
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def command_line_speed(data: Path, threads: int, backend: str, lines: int = 20_000) -> float:
    """Texts/s of `convtext predict DIR --input FILE` (process start and model load included), defaults."""
    from convtext import TextClassifier

    folder = data / "kim2014"
    train, dev, test = (read_labeled(folder / f"stsa.binary.{split}") for split in ("train", "dev", "test"))
    work = Path(tempfile.mkdtemp(prefix="convtext-speed-cli-"))
    model = TextClassifier(threads=threads).fit(train.texts, train.labels, dev.texts, dev.labels)
    model.save(work / "model")
    if backend == "onnx":
        model.export_onnx(work / "model" / "model.onnx")
    inputs = work / "inputs.txt"
    inputs.write_text("\n".join((test.texts * (lines // len(test.texts) + 1))[:lines]) + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "convtext", "predict", str(work / "model"), "--input", str(inputs), "--json",
               "--backend", backend]  # fmt: skip
    return lines / process_seconds(command, threads)


def _device_name() -> str:
    """The accelerator convtext runs on here ("CPU" without one): the table says which."""
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"


def _child(arguments: list[str], threads: int) -> dict:
    environment = {**os.environ, "RAYON_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    done = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        return {
            "error": done.stderr.strip().splitlines()[-1][:300] if done.stderr.strip() else f"exit {done.returncode}"
        }
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--name", help="Results file name (default: speed, or speed_<GPU> on a CUDA machine).")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: measure one system in this process
    parser.add_argument("--cli", help=argparse.SUPPRESS)  # internal: time the command line with this backend
    args = parser.parse_args()
    data = args.data.resolve()
    if args.child:
        print(json.dumps(measure(args.child, data, int(args.threads))))
        return
    if args.cli:
        print(json.dumps({"texts_per_second": command_line_speed(data, int(args.threads), args.cli)}))
        return
    device = _device_name()
    args.name = args.name or ("speed" if device == "CPU" else "speed_" + "_".join(device.lower().split()))
    names = [name for name in args.systems.split(",") if name]
    unknown = [name for name in names if name not in SYSTEMS]
    if unknown:
        raise SystemExit(f"unknown systems {unknown} — choose from: {', '.join(SYSTEMS)}")
    raw: dict = {}
    for threads in (int(t) for t in args.threads.split(",")):
        for name in names:
            raw[f"{name}/{threads}"] = result = _child(["--data", str(data), "--threads", str(threads), "--child", name], threads)  # fmt: skip
            print(name, threads, result, flush=True)
        for backend in ("torch", "onnx"):
            raw[f"cli/{backend}/{threads}"] = _child(["--data", str(data), "--threads", str(threads), "--cli", backend], threads)  # fmt: skip
            print("cli", backend, threads, raw[f"cli/{backend}/{threads}"], flush=True)
    rows = []
    for key, result in raw.items():
        if key.startswith("cli/"):
            continue
        key_name, threads = key.rsplit("/", 1)
        name = SYSTEMS[key_name][0]
        if "error" in result:
            rows.append([name, threads, "failed: " + result["error"]] + [""] * 7)
            continue
        sizes = result.get("train_seconds_by_size")
        accuracy = f"{100 * result['accuracy']:.1f}"
        if "accuracy_torch" in result:
            accuracy += f" (PyTorch {100 * result['accuracy_torch']:.1f})"
        rows.append([
            name, threads, accuracy, f"{result['texts_per_second']:,.0f}",
            *(f"{result['by_length'][str(n)]:,.0f}" for n in LENGTHS), f"{result['train_seconds']:.1f}",
            " / ".join(f"{sizes[k]:.1f}" for k in ("0.25", "0.5", "1.0")) if sizes else "",
            f"{result['peak_rss_mb']:,.0f}",
        ])  # fmt: skip
    cli = [f"{threads}: torch {raw[f'cli/torch/{threads}'].get('texts_per_second', 0):,.0f}, onnx "
           f"{raw[f'cli/onnx/{threads}'].get('texts_per_second', 0):,.0f}" for threads in args.threads.split(",")]  # fmt: skip
    notes = [
        f"Device: {device} (convtext trains and predicts there: device auto; fastText and the tokenizers on the CPU).",
        "SST-2: train (epoch / C chosen on dev) → test (1,821 sentences). texts/s include tokenization: the median of 3 "
        "passes over the test set ×3 after a warm-up pass (MiniLM: one pass over the test set). Each row is its own "
        "process with torch, ONNX Runtime and the tokenizer limited to the thread count; peak MB is that process's "
        "max RSS (training and prediction).",
        "By length: 2,000 texts (MiniLM 200) of 10, 100 and 1,000 whitespace tokens cut from the test sentences joined. "
        "Train s by corpus size: 25 % / 50 % / 100 % of SST-2 train, same dev set.",
        "ONNX rows: the same trained model through PyTorch in brackets (the backend's accuracy change, paired). "
        "fastText predicts one text at a time in C++ (its Python predict takes the list); its threads only train.",
        "Command line, `convtext predict DIR --input FILE --json` on 20,000 lines, process start and model load included "
        "(texts/s, median of 3), by threads: " + "; ".join(cli) + ".",
    ]
    columns = ["system", "threads", "SST-2 test %", "predict texts/s", *(f"texts/s, {n} tokens" for n in LENGTHS),
               "train s", "train s at 25 / 50 / 100 %", "peak MB"]  # fmt: skip
    print(write_results(args.name, columns, rows, notes, {"runs": raw}).read_text())


if __name__ == "__main__":
    main()
