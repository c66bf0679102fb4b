"""Does ``torch.compile`` pay for convtext's training step on CPU? (issue 37)

For each default model (from MiniLM's input vectors; from random vectors, one member) a one-epoch fit on SST-2 gives
the model and its tokenizer; then the same training step (loss, backward, gradient clipping, fused AdamW) runs over
SST-2's training texts in seeded batches of 50 (padded to each batch's longest text), once eagerly and once through
``torch.compile(model, dynamic=True)`` (inductor), each from the same weights. Reported: the first step (where
compiling happens), the next 39 (recompiles for new shapes), the median of the steps after them, and the seconds a
whole fit's steps would take (six epochs of SST-2's 139 batches, compiling included).

Run: python benchmarks/compile_step.py [--data ../shared/data] [--threads 2] [--steps 400]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
from _report import add_data_option, write_results

from convtext import TextClassifier, read_labeled
from convtext.infer import pad_batch

SYSTEMS = {
    "from MiniLM's input vectors (the default)": {},
    "from random vectors (one member)": {"embeddings": "random", "members": 1},
}
WARM_STEPS = 40  # the first step and the 39 after it: compiling and recompiling for new shapes
FIT_STEPS = 6 * 139  # six epochs of SST-2's batches of 50: a typical default fit


def batches(clf: TextClassifier, texts: list[str], labels: list[str], steps: int, seed: int = 0) -> list:
    """``steps`` seeded batches of 50 texts: ``(B, T)`` ids, ``(B, T)`` mask, ``(B,)`` class ids."""
    ids = clf.tokenizer_.encode_batch(texts)
    classes = torch.as_tensor(clf.label_set_.encode(labels))
    rng, chosen = np.random.default_rng(seed), []
    for _ in range(steps):
        rows = rng.choice(len(texts), 50, replace=False)
        padded, mask = pad_batch([ids[i] for i in rows], clf.tokenizer_.pad_id, max(clf.model_.kernel_sizes))
        chosen.append((padded, mask, classes[rows]))
    return chosen


def time_steps(model: nn.Module, compiled: bool, data: list) -> dict:
    """Seconds of the first step, of the next ``WARM_STEPS - 1``, and the median step after them."""
    model = copy.deepcopy(model).train()
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-3, fused=True)
    forward = torch.compile(model, dynamic=True) if compiled else model
    seconds = []
    for ids, mask, gold in data:
        started = time.perf_counter()
        loss = nn.functional.cross_entropy(forward(ids, mask), gold)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 3.0)
        optimiser.step()
        seconds.append(time.perf_counter() - started)
    steady = statistics.median(seconds[WARM_STEPS:])
    return {"first": seconds[0], "warm": sum(seconds[1:WARM_STEPS]), "median_ms": 1000 * steady,
            "fit": sum(seconds[:WARM_STEPS]) + steady * (FIT_STEPS - WARM_STEPS)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=400, help="Training steps timed per way (at least 80).")
    args = parser.parse_args()
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="inductor-")  # compiled cold, as a user's first fit
    torch.set_num_threads(args.threads)
    train = read_labeled(args.data / "kim2014" / "stsa.binary.train")
    dev = read_labeled(args.data / "kim2014" / "stsa.binary.dev")
    rows = []
    for system, settings in SYSTEMS.items():
        clf = TextClassifier(**settings, epochs=1, threads=args.threads, seed=0, progress=False)
        clf.fit(train.texts, train.labels, dev.texts, dev.labels)
        data = batches(clf, train.texts, train.labels, args.steps)
        for way, compiled in (("eager", False), ("torch.compile (inductor, dynamic shapes)", True)):
            timed = time_steps(clf.model_, compiled, data)
            rows.append([system, way, f"{timed['first']:.2f}", f"{timed['warm']:.2f}", f"{timed['median_ms']:.2f}",
                         f"{timed['fit']:.1f}"])  # fmt: skip
            print(rows[-1], flush=True)
    columns = ["model", "training step", "first step s", "next 39 steps s", "median step ms (after 40)",
               "a fit's 834 steps s (estimated)"]  # fmt: skip
    notes = [
        f"SST-2's training texts, seeded batches of 50 padded to their longest text, {args.threads} threads, "
        f"{args.steps} steps per way from the same weights; the compiled way pays its compiling in the first 40 steps.",
        "The model's convolution picks a batch's distinct tokens (`torch.unique`, a data-dependent shape) and builds "
        "its masks per kernel width, so the compiled forward breaks into several graphs and recompiles as shapes "
        "change.",
        "Compiling starts from an empty inductor cache (a fresh `TORCHINDUCTOR_CACHE_DIR`), as a user's first fit does; "
        "later processes reuse that cache and compile faster, but the median step is what every step of every fit pays.",
    ]
    write_results("compile_step", columns, rows, notes)


if __name__ == "__main__":
    main()
