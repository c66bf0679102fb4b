"""convtext: 1D convolutional text classifiers over learned embeddings, and transfer learning with them."""

from importlib.metadata import PackageNotFoundError, version

from ._errors import ConvtextError, DataError
from .data import LabeledTexts, LabelSet, kfold, load_splits, read_labeled, read_texts, stratified_holdout
from .tokenize import (
    BpeTokenizer,
    CharTokenizer,
    Vocabulary,
    WordTokenizer,
    auto_embed_dim,
    load_tokenizer,
    train_tokenizer,
)

try:
    __version__ = version("convtext")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "BpeTokenizer",
    "CharTokenizer",
    "ConvtextError",
    "DataError",
    "LabelSet",
    "LabeledTexts",
    "Vocabulary",
    "WordTokenizer",
    "__version__",
    "auto_embed_dim",
    "kfold",
    "load_splits",
    "load_tokenizer",
    "read_labeled",
    "read_texts",
    "stratified_holdout",
    "train_tokenizer",
]
