"""Reading labelled texts: formats, encodings, label sets and splits."""

from ._dataset import LabeledTexts, SkippedRow
from ._decode import read_text
from ._formats import CORPUS_FORMATS, LABELLED_FORMATS
from ._inputs import as_labeled, as_text_list, label_tuple
from ._labels import LabelSet
from ._parquet import (
    NULL_TEXT,
    check_text_column,
    is_parquet,
    parquet_batches,
    parquet_rows,
    pyarrow_modules,
    table_rows,
)
from ._readers import count_labelled, read_labeled, read_texts
from ._splits import Splits, kfold, load_splits, stratified_holdout
from ._stream import BLANK, LabeledStream, LineReport, count_lines, numbered_lines, text_lines

__all__ = [
    "BLANK",
    "CORPUS_FORMATS",
    "LABELLED_FORMATS",
    "LabelSet",
    "NULL_TEXT",
    "LabeledStream",
    "LabeledTexts",
    "LineReport",
    "SkippedRow",
    "Splits",
    "as_labeled",
    "as_text_list",
    "check_text_column",
    "count_labelled",
    "count_lines",
    "is_parquet",
    "kfold",
    "label_tuple",
    "load_splits",
    "numbered_lines",
    "parquet_batches",
    "parquet_rows",
    "pyarrow_modules",
    "read_labeled",
    "read_text",
    "read_texts",
    "stratified_holdout",
    "table_rows",
    "text_lines",
]
