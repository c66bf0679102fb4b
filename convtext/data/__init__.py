"""Reading labelled texts: formats, encodings, label sets and splits."""

from ._dataset import LabeledTexts, SkippedRow
from ._formats import CORPUS_FORMATS, LABELLED_FORMATS
from ._labels import LabelSet
from ._readers import count_labelled, read_labeled, read_texts
from ._splits import Splits, kfold, load_splits, stratified_holdout

__all__ = [
    "CORPUS_FORMATS",
    "LABELLED_FORMATS",
    "LabelSet",
    "LabeledTexts",
    "SkippedRow",
    "Splits",
    "count_labelled",
    "kfold",
    "load_splits",
    "read_labeled",
    "read_texts",
    "stratified_holdout",
]
