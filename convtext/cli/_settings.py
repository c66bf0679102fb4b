"""The model and training options of `train`, `adapt` and `distill`, declared once: each is a ``TextClassifier``
parameter with its help text, and its default is read from ``TextClassifier``'s signature (defaults are written
once, in the estimator)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated

import typer

from ..classifier import TextClassifier
from ..tokenize import TOKENIZER_KINDS

__all__ = [
    "DEFAULT", "Arch", "BatchSize", "Dropout", "Embeddings", "Filters", "FromModel", "Lr", "MaxLength", "Members",
    "Epochs", "Patience", "Seed", "Threads", "Tokenizer",
]  # fmt: skip

DEFAULT = {
    name: parameter.default
    for name, parameter in inspect.signature(TextClassifier).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}

Arch = Annotated[str, typer.Option("--arch", help="Architecture (see `convtext models`).")]
Tokenizer = Annotated[str | None, typer.Option(help=f"One of: {', '.join(TOKENIZER_KINDS)} (default word).")]
Embeddings = Annotated[
    str,
    typer.Option(
        help="auto: all-MiniLM-L6-v2's vectors (and its WordPiece) when they cover the data's words, "
        "else random; minilm; random; or a word-vectors file (word2vec .bin/.txt, GloVe, fastText .vec, .gz)."
    ),
]
Filters = Annotated[int | None, typer.Option(help="Filters per kernel size (textcnn default 100).")]
Dropout = Annotated[float | None, typer.Option(help="Dropout on the sentence vector (textcnn 0.5).")]
Members = Annotated[
    int | None, typer.Option(help="textcnn: models trained alone, logits averaged (3 from random vectors, else 1).")
]
MaxLength = Annotated[int, typer.Option(help="Tokens kept per text.")]
Epochs = Annotated[int, typer.Option(help="Most epochs (early stopping may end sooner).")]
BatchSize = Annotated[int, typer.Option(help="Texts per batch.")]
Lr = Annotated[float, typer.Option(help="AdamW peak learning rate (decays linearly to 0).")]
Patience = Annotated[int, typer.Option(help="Stop after this many epochs without a better validation score.")]
Seed = Annotated[int, typer.Option(help="Seed for initialisation, batches and holdout.")]
Threads = Annotated[int | None, typer.Option(help="CPU threads (default: all cores).")]
FromModel = Annotated[
    Path | None,
    typer.Option("--from", help="Start from this trained model's tokenizer and body (transfer learning)."),
]
