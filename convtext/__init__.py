"""convtext: 1D convolutional text classifiers over learned embeddings, and transfer learning with them.

The names below are imported on first use (PEP 562), so ``import convtext`` — and the command line's
``--help`` and ``--version`` — do not pay for PyTorch until a model is needed."""

from __future__ import annotations

import importlib

from ._errors import ConvtextError, DataError
from ._version import __version__

_HOMES = {  # name -> the subpackage it lives in
    "ArtifactError": "artifact",
    "EnsembleClassifier": "classifier", "Explanation": "classifier", "TextClassifier": "classifier",
    "LabeledTexts": "data", "LabelSet": "data", "kfold": "data", "load_splits": "data", "read_labeled": "data",
    "read_texts": "data", "stratified_holdout": "data",
    "create_model": "models", "list_models": "models",
    "MultiTaskClassifier": "multitask", "load": "multitask",
    "BpeTokenizer": "tokenize", "CharTokenizer": "tokenize", "Vocabulary": "tokenize", "WhitespaceTokenizer": "tokenize",
    "WordTokenizer": "tokenize", "auto_embed_dim": "tokenize", "load_tokenizer": "tokenize",
    "train_tokenizer": "tokenize",
}  # fmt: skip

__all__ = [
    "ArtifactError",
    "BpeTokenizer",
    "CharTokenizer",
    "ConvtextError",
    "DataError",
    "EnsembleClassifier",
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


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'convtext' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value  # imported once
    return value


def __dir__() -> list[str]:
    return __all__
