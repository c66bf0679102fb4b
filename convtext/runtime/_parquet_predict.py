"""Predict a Parquet table of any size: record batches in, the same rows out with prediction columns added.

Every input column is kept; single-label models add ``predicted`` (string) and ``probability`` (double), and with
``top_k`` > 1 ``top`` (a list of ``{label, probability}``); multi-label models add ``predicted_labels`` (a list of
strings) and ``probabilities`` (every class's ``{label, probability}``). A null text gets null predictions; an empty
text is predicted as the Python API predicts it. The table is written to a temporary sibling and renamed into place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .._errors import DataError
from ..artifact import replaced_atomically
from ..data import is_parquet, parquet_batches, pyarrow_modules

__all__ = [
    "ParquetReport", "add_predictions", "prediction_columns", "prediction_schema", "prediction_values", "predict_parquet",
]  # fmt: skip


@dataclass
class ParquetReport:
    """What ``predict_parquet`` did: rows predicted and rows whose text was null (null predictions)."""

    predicted: int = 0
    null: int = 0

    def summary(self) -> str:
        return f"predicted {self.predicted:,} rows ({self.null:,} with a null text: null predictions)"


def prediction_columns(multi_label: bool, top_k: int) -> list[str]:
    """The names of the columns a prediction adds."""
    if multi_label:
        return ["predicted_labels", "probabilities"]
    return ["predicted", "probability"] + (["top"] if top_k > 1 else [])


def prediction_schema(input_schema, multi_label: bool, top_k: int):
    """``input_schema`` with the prediction columns added (an input column of the same name is an error)."""
    pa, _ = pyarrow_modules()
    scored = pa.list_(pa.struct([("label", pa.string()), ("probability", pa.float64())]))
    if multi_label:
        added = [("predicted_labels", pa.list_(pa.string())), ("probabilities", scored)]
    else:
        added = [("predicted", pa.string()), ("probability", pa.float64())] + ([("top", scored)] if top_k > 1 else [])
    clashes = [name for name, _ in added if name in input_schema.names]
    if clashes:
        raise DataError(
            f"the input table already has a column {clashes[0]!r}, a column prediction adds — rename or drop it first"
        )
    return pa.schema(list(input_schema) + [pa.field(name, kind) for name, kind in added])


def prediction_values(classifier, texts: list[str | None], top_k: int = 1) -> list[list]:
    """The values of the columns a prediction adds (``prediction_columns``' order), one list per column, ``None``
    where the text is null."""
    present = [i for i, text in enumerate(texts) if text is not None]
    inputs = [texts[i] for i in present]
    columns: list[list] = [[None] * len(texts) for _ in prediction_columns(classifier.multi_label, top_k)]
    if not inputs:
        return columns
    if classifier.multi_label:
        labels, rows = classifier.predict(inputs), classifier.predict_proba(inputs)
        for i, predicted, row in zip(present, labels, rows):
            columns[0][i] = list(predicted)
            columns[1][i] = [{"label": c, "probability": float(p)} for c, p in zip(classifier.classes_, row)]
        return columns
    for i, top in zip(present, classifier.predict_top_k(inputs, top_k)):
        columns[0][i], columns[1][i] = top[0][0], float(top[0][1])
        if top_k > 1:
            columns[2][i] = [{"label": label, "probability": float(p)} for label, p in top]
    return columns


def add_predictions(classifier, batch, texts: list[str | None], top_k: int = 1):
    """The Arrow record batch (or table) ``batch`` with the prediction columns of its ``texts`` added."""
    pa, _ = pyarrow_modules()
    multi_label = classifier.multi_label
    schema = prediction_schema(batch.schema, multi_label, top_k)
    added = prediction_values(classifier, texts, top_k)
    arrays = list(batch.columns) + [
        pa.array(values, type=schema.field(name).type)
        for name, values in zip(prediction_columns(multi_label, top_k), added)
    ]
    kind = pa.RecordBatch if isinstance(batch, pa.RecordBatch) else pa.Table
    return kind.from_arrays(arrays, schema=schema)


def predict_parquet(
    classifier, source: str | Path, target: str | Path, text_col: str = "text", chunk: int = 10_000, top_k: int = 1
) -> ParquetReport:
    """Predict ``source``'s ``text_col`` batch by batch into ``target`` (see the module's docstring)."""
    _, pq = pyarrow_modules()
    source, target = Path(source), Path(target)
    if not is_parquet(target):
        raise DataError(f"{target}: a Parquet input writes a Parquet table — name --output with .parquet")
    report, writer = ParquetReport(), None
    multi_label = classifier.multi_label
    with replaced_atomically(target) as temporary:
        try:
            for batch, texts in parquet_batches(source, text_col, chunk):
                predicted = add_predictions(classifier, batch, texts, top_k)
                if writer is None:
                    writer = pq.ParquetWriter(temporary, predicted.schema)
                writer.write_batch(predicted)
                nulls = texts.count(None)
                report.null, report.predicted = report.null + nulls, report.predicted + len(texts) - nulls
            if writer is None:  # a table without rows: the same columns, none filled
                table_file = pq.ParquetFile(source)
                writer = pq.ParquetWriter(temporary, prediction_schema(table_file.schema_arrow, multi_label, top_k))
        finally:
            if writer is not None:
                writer.close()
    return report
