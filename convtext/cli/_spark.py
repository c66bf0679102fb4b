"""`convtext spark-predict`: a Parquet table through Apache Spark, for users who write no Spark code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..spark import predict_table
from ._common import ModelDir

__all__ = ["spark_predict"]


def spark_predict(
    model: ModelDir,
    input_path: Annotated[Path, typer.Option("--input", help="A Parquet file or folder of parts.")],
    output: Annotated[Path, typer.Option("--output", help="The Parquet folder to write (replaced whole when done).")],
    text_col: Annotated[str, typer.Option("--text-col", help="The text column.")] = "text",
    top_k: Annotated[int, typer.Option("--top-k", help="Add a 'top' column with the k most probable labels.")] = 1,
    master: Annotated[
        str, typer.Option(help="Spark master: local[N] on this machine, or a cluster's URL.")
    ] = "local[2]",
) -> None:
    """Predict a Parquet table with Spark: every column kept, the prediction columns of `convtext predict` added."""
    rows = predict_table(model, input_path, output, text_col, max(1, top_k), master)
    print(f"predicted {rows:,} rows with Spark ({master}) → {output}", file=sys.stderr)
