"""``predict_table``: a Parquet table through a Spark session (``convtext spark-predict``), for users who write no
Spark code; the output is Spark's folder of Parquet parts with the same columns ``convtext predict`` adds."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .._errors import ConvtextError, DataError
from ..artifact import replaced_folder
from ..data import table_rows
from ..runtime import prediction_columns
from ._udf import _struct_fields, predict_udf

__all__ = ["local_session", "predict_table"]


def local_session(master: str = "local[2]"):
    """A Spark session on this machine, bound to loopback, without the web UI; clear errors when PySpark or Java
    is missing."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConvtextError("Spark needs PySpark — pip install 'convtext[spark]'") from None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise ConvtextError("Spark needs Java 17 or later — e.g. apt install default-jre-headless")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the workers run this Python, where convtext is
    return (
        SparkSession.builder.master(master)
        .appName("convtext")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")
        .getOrCreate()
    )


def predict_table(
    model: str | Path, source: str | Path, target: str | Path, text_col: str = "text", top_k: int = 1,
    master: str = "local[2]",
) -> int:  # fmt: skip
    """Predict ``source``'s ``text_col`` into the Parquet folder ``target`` (replaced whole when done); returns the
    rows written."""
    from pyspark.sql import functions as F

    source, target = Path(source), Path(target)
    if not source.exists():
        raise DataError(f"{source}: no such file or folder — give a Parquet table")
    spark = local_session(master)
    try:
        frame = spark.read.parquet(str(source))
        names = {name.lower(): name for name in frame.columns}
        if text_col.lower() not in names:
            raise DataError(f"{source}: no column {text_col!r}; columns found: {frame.columns} — pass --text-col")
        udf = predict_udf(model, output="struct", top_k=top_k)
        scored = frame.withColumn("__convtext", udf(F.col(names[text_col.lower()])))
        multi_label = "labels" in scored.schema["__convtext"].dataType.fieldNames()
        added = prediction_columns(multi_label, top_k)
        clashes = [name for name in added if name.lower() in names]
        if clashes:
            raise DataError(
                f"{source}: the table already has a column {clashes[0]!r} that prediction adds — rename it first"
            )
        result = scored.select(
            *frame.columns,
            *[F.col(f"__convtext.{field}").alias(name) for field, name in zip(_struct_fields(multi_label), added)],
        )
        with replaced_folder(target) as staging:
            result.write.parquet(str(staging))
            return table_rows(staging)
    finally:
        spark.stop()
