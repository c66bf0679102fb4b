"""`convtext autotune`: the best model a time budget buys, saved as an ordinary model folder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .._errors import ConvtextError
from ..artifact import check_output_folder, shown_settings
from ..classifier import TextClassifier, autotune_data, search_folder
from ..data import load_splits
from ._common import JsonOption, console, print_json, print_report, reader_options
from ._settings import Threads

__all__ = ["autotune", "parse_duration"]

UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_duration(value: str) -> float:
    """``90``, ``90s``, ``10m``, ``1.5h`` -> seconds."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", value.lower())
    if not found or float(found.group(1)) <= 0:
        raise ConvtextError(f"--budget takes a positive duration such as 600, 90s, 10m or 1.5h — got {value!r}")
    return float(found.group(1)) * UNITS[found.group(2) or "s"]


@reader_options
def autotune(
    data: Annotated[Path, typer.Argument(help="Labelled training data (CSV, TSV, JSONL, fastText, LABEL TEXT).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the best model.")],
    budget: Annotated[str, typer.Option(help="Wall time for the whole search, e.g. 600, 90s, 10m, 1h.")] = "10m",
    valid: Annotated[Path | None, typer.Option(help="Validation data every trial is scored on.")] = None,
    test: Annotated[Path | None, typer.Option(help="Test data, scored once with the best model.")] = None,
    metric: Annotated[
        str | None, typer.Option(help="accuracy (default; multi-label: micro_f1), macro_f1 or f1:LABEL.")
    ] = None,
    multi_label: Annotated[bool, typer.Option("--multi-label", help="Several labels per text.")] = False,
    label_sep: Annotated[str | None, typer.Option(help="Split the label column into several labels.")] = None,
    max_size: Annotated[
        str | None, typer.Option(help="Compress the best model to this size (1MB, 500KB, bytes) on --valid.")
    ] = None,
    ensemble: Annotated[
        int,
        typer.Option(
            help="Join up to this many of the best trials' models when that lowers the validation log-loss "
            "(single-label, no --max-size); 1: the best trial's model alone."
        ),
    ] = 5,
    threads: Threads = None,
    seed: Annotated[int, typer.Option(help="Seed for the sampler, the trials and the holdout.")] = 0,
    as_json: JsonOption = False,
    reader: dict | None = None,
) -> None:
    """Search convtext's settings for the best model within a time budget (Optuna TPE, trials pruned on their
    validation curve, convtext's defaults first); save it to -o, the trials beside it in -o.autotune/. Run again
    with the same -o to resume a killed search or extend its budget."""
    seconds = parse_duration(budget)
    check_output_folder(output)
    if ensemble < 1:
        raise ConvtextError(f"--ensemble takes the most models to join, 1 or more — got {ensemble}")
    reader = {**(reader or {}), "label_sep": label_sep, "multi_label": multi_label}
    splits = load_splits(data, valid=valid, test=test, seed=seed, **reader)

    def report(line: str) -> None:
        if not as_json:
            console.print(escape(line))

    best = autotune_data(
        TextClassifier, splits.train, splits.valid, splits.test, seconds, metric, output, threads, seed, multi_label,
        report, max_size, ensemble,
    )  # fmt: skip
    search = best.autotune_
    if as_json:
        print_json({"output": str(output), "trials": str(search_folder(output)), "autotune": search,
                    "compression": getattr(best, "compression_", None),
                    **{split: {k: r[k] for k in ("accuracy", "micro_f1", "macro_f1", "n") if k in r}
                       for split, r in best.metrics_.items()}})  # fmt: skip
        return
    for split, scores in best.metrics_.items():
        print_report(split, scores)
    console.print(
        f"best: trial {search['best_trial']} of {search['trials']} ({search['pruned']} pruned) in "
        f"{search['seconds']:.0f}s, {escape(shown_settings(search['settings']))}"
        f" → {escape(str(output))} (trials: {escape(str(search_folder(output)))})"
    )
    if search.get("ensemble"):
        console.print(
            f"saved: the weighted mean of {len(search['ensemble'])} trials' models (validation {search['metric']} "
            f"{search['ensemble_score']:.4f} against the best trial's {search['best_score']:.4f}):"
        )
    for member in search.get("ensemble", []):
        console.print(
            f"  joined: trial {member['trial']} (weight {member['weight']:.1f}, validation {member['score']:.4f})"
        )
    if getattr(best, "compression_", None):
        record = best.compression_
        console.print(
            f"compressed to {record['bytes']:,} bytes (was {record['bytes_before']:,}): validation "
            f"{record['metric']} {record['valid_after']:.4f} (was {record['valid_before']:.4f})"
        )
