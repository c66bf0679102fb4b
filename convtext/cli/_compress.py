"""`convtext compress`: a model folder shrunk to a size budget, the accuracy change measured on validation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .._errors import ConvtextError
from ..artifact import check_output_folder
from ..classifier import TextClassifier
from ..compress import shown_size
from ..data import read_labeled
from ..infer import set_threads
from ._common import JsonOption, ModelDir, console, print_json, reader_options
from ._settings import Threads

__all__ = ["compress"]


def _candidates_table(candidates: list[dict], chosen: dict) -> Table:
    table = Table("embedding width", "vocabulary rows", "bytes", "validation log-loss", title="forms that fit")
    for row in candidates:
        mark = " ←" if (row["rank"], row["rows"]) == (chosen["rank"], chosen["rows"]) else ""
        table.add_row(str(row["rank"]), f"{row['rows']:,}", f"{row['bytes']:,}", f"{-row['score']:.4f}{mark}")
    return table


@reader_options
def compress(
    model: ModelDir,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the compressed model.")],
    max_size: Annotated[str, typer.Option(help="Largest folder allowed, e.g. 1MB, 500KB, 2MiB, or bytes.")],
    valid: Annotated[Path, typer.Option(help="Labelled validation data: picks the form and measures the change.")],
    test: Annotated[Path | None, typer.Option(help="Labelled test data, scored before and after.")] = None,
    train: Annotated[
        Path | None,
        typer.Option(
            help="Labelled training data: train the compressed model further on it (as "
            "fastText's quantize -retrain), the best validation epoch kept."
        ),
    ] = None,  # fmt: skip
    label_sep: Annotated[str | None, typer.Option(help="Split the label column into several labels.")] = None,
    threads: Threads = None,
    as_json: JsonOption = False,
    reader: dict | None = None,
) -> None:
    """Shrink a TextCNN model to a size budget: drop its rarest vocabulary rows, cut its embedding to the rank that
    fits (the n-gram scores at that rank), store embedding and filters as int8; of the forms that fit, keep the one
    with the lowest validation log-loss; with --train, train it further (the best validation epoch kept). Prints
    the accuracy change."""
    if output.resolve() == model.resolve():
        raise ConvtextError(f"-o {output} is the model itself — write the compressed model to another folder")
    check_output_folder(output)
    set_threads(threads)
    original = TextClassifier.load(model)
    reader = {**(reader or {}), "label_sep": label_sep, "multi_label": original.multi_label}
    files = (("valid", valid), ("test", test), ("train", train))
    data = {split: read_labeled(path, **reader) for split, path in files if path}
    gold = {split: rows.label_sets if original.multi_label else rows.labels for split, rows in data.items()}
    given = {split: (data[split].texts, gold[split]) if split in data else (None, None) for split in ("test", "train")}
    smaller = original.compress(max_size, data["valid"].texts, gold["valid"], *given["test"], *given["train"])
    record = smaller.compression_
    smaller.save(output)
    if as_json:
        print_json({"output": str(output), **record, "candidates": smaller.compress_candidates_})
        return
    console.print(_candidates_table(smaller.compress_candidates_, record))
    lines = [
        f"{escape(str(output))}: {shown_size(record['bytes'])}, was {shown_size(record['bytes_before'])}; "
        f"{record['rows']:,} of {record['rows_before']:,} vocabulary rows, embedding {record['rank']} of "
        f"{record['embed_dim_before']} wide, {len(record['int8'])} tensors int8",
        f"validation {record['metric']}: {record['valid_after']:.4f} (was {record['valid_before']:.4f}, "
        f"{100 * (record['valid_after'] - record['valid_before']):+.2f} points)",
    ]
    if "retrained" in record:
        again = record["retrained"]
        lines.append(f"trained further on {escape(str(train))}: " + (
            f"{again['epochs']} epoch(s) at lr {again['lr']:g}, validation {record['metric']} "
            f"{again['valid_score']:.4f}, log-loss {again['valid_log_loss']:.4f} (as compressed: "
            f"{again['compressed_score']:.4f}, {again['compressed_log_loss']:.4f})" if again["epochs"] else
            "no epoch beat the compressed model on validation — kept as compressed"))  # fmt: skip
    if test is not None:
        lines.append(f"test {record['metric']}: {record['test_after']:.4f} (was {record['test_before']:.4f}, "
                     f"{100 * (record['test_after'] - record['test_before']):+.2f} points)")  # fmt: skip
    for line in lines:
        console.print(line)
    for rows in data.values():
        if rows.skipped:
            console.print(rows.skip_summary())
