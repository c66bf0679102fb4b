"""convtext: 1D convolutional text classifiers over learned embeddings, and transfer learning with them."""

from ._errors import ConvtextError, DataError
from ._version import __version__
from .artifact import ArtifactError
from .classifier import Explanation, TextClassifier
from .data import LabeledTexts, LabelSet, kfold, load_splits, read_labeled, read_texts, stratified_holdout
from .models import create_model, list_models
from .multitask import MultiTaskClassifier, load
from .tokenize import (
    BpeTokenizer,
    CharTokenizer,
    Vocabulary,
    WhitespaceTokenizer,
    WordTokenizer,
    auto_embed_dim,
    load_tokenizer,
    train_tokenizer,
)

__all__ = [
    "ArtifactError",
    "BpeTokenizer",
    "CharTokenizer",
    "ConvtextError",
    "DataError",
    "Explanation",
    "LabelSet",
    "LabeledTexts",
    "MultiTaskClassifier",
    "TextClassifier",
    "Vocabulary",
    "WhitespaceTokenizer",
    "WordTokenizer",
    "__version__",
    "auto_embed_dim",
    "create_model",
    "kfold",
    "list_models",
    "load",
    "load_splits",
    "load_tokenizer",
    "read_labeled",
    "read_texts",
    "stratified_holdout",
    "train_tokenizer",
]
