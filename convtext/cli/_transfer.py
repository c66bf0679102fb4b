"""``convtext features | summary``: a trained model's body as a feature extractor, and its layer groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from .._errors import ConvtextError
from ..data import read_texts
from ..multitask import load
from ._common import EncodingOption, FormatOption, JsonOption, ModelDir, TextColOption, console, print_json


def features(
    model_dir: ModelDir,
    data: Annotated[Path, typer.Argument(help="Texts: any labelled format (labels ignored) or one text per line.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the (n, features) float32 .npy.")],
    format: FormatOption = "auto",
    text_col: TextColOption = "text",
    encoding: EncodingOption = "auto",
    batch_size: Annotated[int, typer.Option(help="Texts per batch.")] = 256,
) -> None:
    """Write one sentence vector per text (the body's output) for scikit-learn or any other tool."""
    if output.suffix != ".npy":
        raise ConvtextError(f"--output {output} must end in .npy (NumPy's format, np.load reads it)")
    classifier = load(model_dir)
    texts, skipped = read_texts(data, format=format, text_col=text_col, encoding=encoding)
    vectors = classifier.features(texts, batch_size)  # (n, F)
    output.parent.mkdir(parents=True, exist_ok=True)
    np.save(output, vectors)
    note = f" ({len(skipped)} rows skipped: blank or without text)" if skipped else ""
    console.print(f"{vectors.shape[0]:,} texts → {vectors.shape[1]}-d vectors in {output}{note}")


def summary(model_dir: ModelDir, as_json: JsonOption = False) -> None:
    """Layer groups, bottom to top, with trainable and frozen parameter counts (what transfer acts on)."""
    classifier = load(model_dir)
    rows = classifier.summary()
    if as_json:
        print_json(
            {
                "architecture": classifier.model_.architecture, "groups": rows,
                "transfer": classifier.transfer_, "data_seen": classifier.data_seen_,
            }
        )  # fmt: skip
        return
    table = Table(title=f"{model_dir}: {classifier.model_.architecture}, {len(classifier.classes_)} classes")
    for column in ("group", "trainable", "frozen"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for row in rows:
        table.add_row(row["group"], f"{row['trainable']:,}", f"{row['frozen']:,}")
    table.add_row("total", f"{sum(r['trainable'] for r in rows):,}", f"{sum(r['frozen'] for r in rows):,}")
    console.print(table)
    if classifier.transfer_:
        t = classifier.transfer_
        console.print(f"started from {t['from']} ({t['mode']})")
    if classifier.data_seen_:
        console.print(f"data seen: {', '.join(classifier.data_seen_)}")
