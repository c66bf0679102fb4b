"""``predict_udf``: a saved model as a PySpark pandas UDF — loaded once per executor process, Arrow batches in,
a typed column out (a null text gives a null; in a struct, null fields: a pandas UDF returns no null struct)."""

from __future__ import annotations

import functools
from pathlib import Path

from .._errors import ConvtextError

__all__ = ["OUTPUTS", "predict_udf", "return_type"]

OUTPUTS = ("label", "proba", "struct")


@functools.lru_cache(maxsize=4)
def _predictor(folder: str, explain: bool):
    """The model of ``folder``, once per process: the numpy runtime where the model allows it (no PyTorch), else
    the PyTorch classifier (always for explanations)."""
    from ..runtime import numpy_classifier

    local = _local_folder(folder)
    model = None if explain else numpy_classifier(local)
    if model is None:
        from ..multitask import load

        model = load(local)
    return model


def _local_folder(folder: str) -> Path:
    """``folder`` where this process sees it: the path itself, or the copy ``SparkContext.addFile`` shipped."""
    path = Path(folder)
    if path.is_dir():
        return path
    from pyspark import SparkFiles

    shipped = Path(SparkFiles.get(path.name))
    if shipped.is_dir():
        return shipped
    raise ConvtextError(
        f"{folder}: no model folder on this executor — put it where every executor sees it, or ship it with "
        f"spark.sparkContext.addFile({str(folder)!r}, recursive=True)"
    )


def return_type(output: str, multi_label: bool, top_k: int, explain: bool):
    """The Spark SQL type of the column ``predict_udf`` returns."""
    from pyspark.sql.types import ArrayType, DoubleType, MapType, StringType, StructField, StructType

    if output == "label":
        return ArrayType(StringType()) if multi_label else StringType()
    if output == "proba":
        return MapType(StringType(), DoubleType())
    scored = ArrayType(StructType([StructField("label", StringType()), StructField("probability", DoubleType())]))
    if multi_label:
        return StructType([StructField("labels", ArrayType(StringType())), StructField("probabilities", scored)])
    fields = [StructField("label", StringType()), StructField("probability", DoubleType())]
    fields += [StructField("top", scored)] if top_k > 1 else []
    if explain:
        ngram = StructType([StructField("ngram", StringType()), StructField("contribution", DoubleType())])
        fields.append(StructField("ngrams", ArrayType(ngram)))
    return StructType(fields)


def predict_udf(model: str | Path, output: str = "label", top_k: int = 1, explain: bool = False):
    """A pandas UDF that predicts a text column: ``df.withColumn("label", predict_udf("my-model")("text"))``.

    ``output``: ``label`` (a string; multi-label: an array of strings), ``proba`` (a map class → probability) or
    ``struct`` (label, probability and, for ``top_k`` > 1, the ``top_k`` best ``{label, probability}``; multi-label:
    labels and every class's probability; with ``explain``, the predicted label's five strongest n-grams).
    ``model``: a folder every executor sees (or ships with ``addFile``), or a built zoo name."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    from ..hub import model_folder

    if output not in OUTPUTS:
        raise ConvtextError(f"unknown output {output!r} — use one of {', '.join(OUTPUTS)}")
    if top_k < 1:
        raise ConvtextError(f"top_k must be at least 1, got {top_k}")
    folder = model_folder(model)
    if folder is None:
        raise ConvtextError(f"{model} is a pretrained body, not a classifier — train one on it first")
    folder = str(Path(folder).resolve())
    multi_label = bool(_predictor(folder, False).multi_label)  # the driver reads the model's kind once
    if explain and (multi_label or output != "struct"):
        raise ConvtextError("explain=True adds n-grams to output='struct' of a single-label model")
    kind = return_type(output, multi_label, top_k, explain)
    settings = (folder, output, top_k, explain)

    def predict_rows(texts):
        return _predict_batch(settings, texts)

    returned = pd.DataFrame if output == "struct" else pd.Series  # PySpark reads the kind of UDF off the hints
    predict_rows.__annotations__ = {"texts": pd.Series, "return": returned}
    return pandas_udf(predict_rows, kind)


def _predict_batch(settings: tuple, texts):
    """One Arrow batch on an executor: a pandas Series of texts → a Series (or, for a struct, a DataFrame); the
    values are those ``convtext predict`` writes to a Parquet table (``convtext.runtime.prediction_values``)."""
    import pandas as pd

    from ..runtime import prediction_values

    folder, output, top_k, explain = settings
    model = _predictor(folder, explain)
    rows = texts.tolist()
    if output == "proba":
        return pd.Series(_probabilities(model, rows), dtype=object)
    values = prediction_values(model, rows, top_k if output == "struct" else 1)
    if output == "label":
        return pd.Series(values[0], dtype=object)
    columns = dict(zip(_struct_fields(model.multi_label), values))
    if explain:
        columns["ngrams"] = [
            None if text is None else _ngrams(model.explain(text).top(label, 5)) for text, label in zip(rows, values[0])
        ]
    return pd.DataFrame(columns)


def _struct_fields(multi_label: bool) -> list[str]:
    """A struct's fields, in ``convtext.runtime.prediction_columns``' order."""
    return ["labels", "probabilities"] if multi_label else ["label", "probability", "top"]


def _probabilities(model, rows: list[str | None]) -> list[dict | None]:
    """Every class's probability per text (a map), ``None`` for a null text."""
    present = [text for text in rows if text is not None]
    found = iter(model.predict_proba(present)) if present else iter(())
    return [None if text is None else dict(zip(model.classes_, map(float, next(found)))) for text in rows]


def _ngrams(found) -> list[dict]:
    return [{"ngram": item.shown, "contribution": float(item.contribution)} for item in found]
