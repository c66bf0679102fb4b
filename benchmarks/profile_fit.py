"""Where a default fit spends its time: setup, epochs, and within the training steps which operations (issue 37).

Fits convtext's defaults on SST-2 (train, dev picks the epoch): from random vectors (one
member; the default ensemble trains its members one after another, each like this one) and from MiniLM's input
vectors. Per system, from a plain fit: wall seconds, seconds outside the epochs (tokenizing, the vocabulary,
MiniLM's vectors, building the model; what follows the last epoch), seconds in epochs and per training step; then
the same fit under the profiler, for the operators' own CPU time grouped by what they do (the profiler slows small
operators, so only its shares count).

Run: python benchmarks/profile_fit.py [--data ../shared/data] [--threads 2] [--set stsa.binary]
"""

from __future__ import annotations

import argparse
import contextlib
import time

import torch
from _report import add_data_option, write_results
from torch.profiler import ProfilerActivity, profile

import convtext
from convtext import read_labeled

GROUPS = {  # the first group whose name part occurs in an operator's name takes it
    "convolutions and the head (distinct tokens times filters, window sums; forward and backward)": (
        "aten::mm",
        "aten::addmm",
        "WindowMaxima",
        "aten::gather",
        "linear",
        "embedding_bag",
        "unique",
        "unfold",
        "convolution",
        "conv1d",
    ),
    "optimiser (AdamW step, zeroing gradients)": ("adamw", "zero_grad", "Optimizer"),
    "embedding (lookup, its gradient's rows into the kept dense gradient)": (
        "embedding",
        "index_select",
        "index_add",
        "index_copy",
        "index_fill",
        "coalesce",
        "sparse",
    ),
    "pooling and masks (max over time, masks, where)": (
        "aten::max",
        "aten::amax",
        "adaptive_max_pool",
        "masked_fill",
        "aten::where",
        "aten::any",
    ),
    "gradient clipping (norms)": ("norm", "clamp"),
    "dropout": ("bernoulli", "dropout"),
    "tensor copies and fills": ("copy_", "fill_", "aten::cat", "aten::empty", "zeros"),
}
SYSTEMS = {
    "from random vectors (one member)": dict(embeddings="random", members=1),
    "from MiniLM's input vectors (the default)": dict(embeddings="minilm"),
}


def grouped(profiler) -> tuple[dict[str, float], float]:
    """Self CPU seconds per group and in all operators."""
    seconds = dict.fromkeys([*GROUPS, "other operators"], 0.0)
    for event in profiler.key_averages():
        group = next((g for g, parts in GROUPS.items() if any(p.lower() in event.key.lower() for p in parts)), None)
        seconds[group or "other operators"] += event.self_cpu_time_total / 1e6
    return seconds, sum(seconds.values())


def timed_fit(options: dict, threads: int, train, dev, profiled: bool) -> dict:
    """One seeded fit: wall and epoch seconds, epochs, steps; with ``profiled``, operator time per group too."""
    classifier = convtext.TextClassifier(**options, threads=threads, seed=0)
    start = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) if profiled else contextlib.nullcontext() as profiler:
        classifier.fit(train.texts, train.labels, dev.texts, dev.labels)
    history = classifier.training_["history"]
    result = {
        "wall": time.perf_counter() - start,
        "epochs": sum(entry["seconds"] for entry in history),
        "epoch_count": len(history),
        "steps": len(history) * -(-len(train) // classifier.training_["config"]["batch_size"]),  # the one that ran
    }
    if profiled:
        groups, result["operators"] = grouped(profiler)
        result.update(groups)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--set", default="stsa.binary", help="Kim 2014 file stem with .train and .dev files.")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train = read_labeled(args.data / "kim2014" / f"{args.set}.train")
    dev = read_labeled(args.data / "kim2014" / f"{args.set}.dev")
    columns = ["", *SYSTEMS]
    results = {}
    for name, options in SYSTEMS.items():  # every plain fit before any profiled one: the profiler leaves state behind
        results[name] = {"plain": timed_fit(options, args.threads, train, dev, profiled=False)}
    for name, options in SYSTEMS.items():
        results[name]["profiled"] = timed_fit(options, args.threads, train, dev, profiled=True)
    rows = [
        ["wall s", *(f"{r['plain']['wall']:.1f}" for r in results.values())],
        ["outside the epochs s (tokenizing, vocabulary, vectors, model; after the last epoch)",
         *(f"{r['plain']['wall'] - r['plain']['epochs']:.1f}" for r in results.values())],
        ["epochs (s)", *(f"{r['plain']['epoch_count']} ({r['plain']['epochs']:.1f})" for r in results.values())],
        ["ms per training step (epoch time ÷ steps)",
         *(f"{1000 * r['plain']['epochs'] / r['plain']['steps']:.1f}" for r in results.values())],
    ]  # fmt: skip
    for group in [*GROUPS, "other operators"]:
        shares = (100 * r["profiled"][group] / r["profiled"]["operators"] for r in results.values())
        rows.append([f"{group}: share of operator time (profiled fit)", *(f"{share:.0f} %" for share in shares)])
    notes = [
        f"SST-2 ({args.set}.train, {len(train)} texts; {args.set}.dev picks the epoch), {args.threads} threads, seed 0: a plain fit "
        "(the first rows), then the same fit under torch.profiler (CPU activities) for the shares; the plain fits run "
        "first, the random-vector one first of all, so it pays the process's one-time imports (about 1.6 s of them "
        "torch._dynamo, which the first optimiser imports).",
        "Operator time is each operator's own CPU time (children excluded), grouped by name; 'ms per training step' "
        "includes each epoch's validation.",
    ]
    write_results("profile_fit", columns, rows, notes, {"results": results})


if __name__ == "__main__":
    main()
