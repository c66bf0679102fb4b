"""Probe (not a feature yet): multi-task with task-private filters beside the shared ones (shared-private).

Every task but the first gets its own convolutions (as many filters per kernel size as the shared body) over
the shared input vectors; its head reads the shared and its private features side by side. The probe swaps
``share_body`` for the runs of ``benchmarks/multitask.py`` (defaults, temperature 2) and trains the plain
multi-task model beside it in the same process; both are compared with that benchmark's recorded
single-task models of the same run (same splits and seeds).

Run: python benchmarks/probe_multitask_private.py [--data ../shared/data] [--runs 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import statistics

import multitask as bench
import torch.nn as nn
from _report import RESULTS, add_data_option, write_results

import convtext.multitask._classifier as multitask_classifier
from convtext.models import create_model
from convtext.multitask._network import fresh_head

SINGLE = "defaults (MiniLM input vectors, static): single-task (5 models)"


def shared_private(base, num_classes: int):
    """``share_body`` plus private convolutions: the task model's convs are the shared ones, then its own."""
    config = {**base.config(), "num_classes": num_classes, "kernel_sizes": list(base.kernel_sizes) * 2}
    model = create_model(base.architecture, **config)
    private = list(model.convs)[len(base.kernel_sizes) :]
    for name, child in base.named_children():
        if name not in ("head", "convs"):
            setattr(model, name, child)
    model.convs = nn.ModuleList([*base.convs, *private])
    model.head = fresh_head(model, num_classes)
    model.head.private_convs = nn.ModuleList(private)  # registered with the heads, so the optimiser trains them
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    single = json.loads((RESULTS / "multitask.json").read_text())["runs"][SINGLE]
    systems = {"multi-task (plain)": multitask_classifier.share_body, "multi-task, shared-private": shared_private}
    scores = {name: [] for name in ["single-task (recorded)", *systems]}
    for run in range(args.runs):
        splits = bench.run_splits(args.data, run)
        scores["single-task (recorded)"].append(single[run]["accuracy"])
        for name, share in systems.items():
            multitask_classifier.share_body = share
            accuracy, _, parameters, _ = bench.multi_task(splits, {}, run, args.threads, "temperature")
            scores[name].append(accuracy)
            print(run, name, {task: round(100 * value, 1) for task, value in accuracy.items()}, parameters, flush=True)
    tasks = list(bench.TASKS)
    rows = []
    for name, runs in scores.items():
        per_task = [100 * statistics.mean(run[task] for run in runs) for task in tasks]
        rows.append([name, *(f"{value:.1f}" for value in per_task), f"{statistics.mean(per_task):.2f}"])
    notes = [
        f"Test accuracy %, mean of {args.runs} runs (the splits of benchmarks/multitask.py); MiniLM input vectors, "
        "static; temperature-2 sampling; single-task numbers read from benchmarks/results/multitask.json.",
        "Shared-private: every task after the first (SST-2) has 100 private filters per kernel size (1, 2, 3).",
    ]
    columns = ["system", *tasks, "mean"]
    print(write_results("multitask_private_probe", columns, rows, notes, {"scores": scores}).read_text())


if __name__ == "__main__":
    main()
