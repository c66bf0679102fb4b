"""The model and training options of `train` and `adapt`, declared once: each is a ``TextClassifier`` parameter with
its help text, and its default is read from ``TextClassifier``'s signature (defaults are written once, in the
estimator). ``model_options(*names)`` gives a command those options and hands them to it as one ``settings``
dict of ``TextClassifier`` keyword arguments, already parsed."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated

import typer

from .._errors import ConvtextError
from ..classifier import TextClassifier
from ..tokenize import TOKENIZER_KINDS
from ._common import grouped_options

__all__ = ["DEFAULT", "Arch", "Embeddings", "FromModel", "Threads", "model_options"]

DEFAULT = {
    name: parameter.default
    for name, parameter in inspect.signature(TextClassifier).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}


def _option(kind, help: str, *flags: str, **extra):
    return Annotated[kind, typer.Option(*flags, help=help, **extra)]


def _switch(flags: str, help: str):
    return Annotated[bool | None, typer.Option(flags, help=help)]


Arch = _option(str, "Architecture (see `convtext models`).", "--arch")
Embeddings = _option(
    str,
    "auto: all-MiniLM-L6-v2's vectors (and its WordPiece) when they cover the data's words, else random; minilm; "
    "random; or a word-vectors file (word2vec .bin/.txt, GloVe, fastText .vec, .gz).",
)
Threads = _option(
    int | None,
    "CPU threads (default: the free cores; training one model, at most half of them but two where two are free, "
    "chosen again each epoch; an ensemble, one member process per free core, every member at once on an idle machine).",
)
FromModel = _option(Path | None, "Start from this trained model's tokenizer and body (transfer learning).", "--from")

OPTIONS = {  # TextClassifier parameter -> its command-line option
    "tokenizer": _option(str | None, f"One of: {', '.join(TOKENIZER_KINDS)} (default word)."),
    "embeddings": Embeddings,
    "embedding_mode": _option(
        str | None, "Kim's rand, static (default for minilm), non-static (default for a vectors file) or multichannel."
    ),
    "unknown_init": _option(
        str, "Vectors file: words it lacks start from 'uniform' U[-0.25,0.25] or 'match' its mean/std."
    ),
    "vocab_size": _option(int | None, "BPE: target size (8000); word/char: cap."),
    "min_freq": _option(int, "Keep tokens seen at least this often."),
    "lowercase": _switch(
        "--lowercase/--keep-case",
        "Lower-case the text before tokenizing. Default: keep case from random vectors (Kim suite: TREC +0.3, the "
        "rest even), lower-case for a vectors file; MiniLM's WordPiece always lower-cases.",
    ),
    "boundaries": _switch(
        "--boundaries/--no-boundaries",
        "Wrap each text in learned start/end tokens <s> … </s>. Default: on from random vectors (Kim suite, paired: "
        "mean +0.3; MR +0.8, SST-1 -0.4), off for a vectors file; not with MiniLM's vectors.",
    ),
    "max_length": _option(int, "Tokens kept per text."),
    "embed_dim": _option(str | None, "Embedding size (128), or 'auto' (vocab_size ** 0.25)."),
    "architecture": Arch,
    "kernel_sizes": _option(str | None, "n-gram sizes of the convolutions (textcnn default 1,2,3)."),
    "num_filters": _option(int | None, "Filters per kernel size (textcnn default 100).", "--filters"),
    "dropout": _option(float | None, "Dropout on the sentence vector (textcnn 0.5)."),
    "members": _option(int | None, "textcnn: models trained alone, logits averaged (3 from random vectors, else 1)."),
    "epochs": _option(
        int | None,
        "Most epochs; early stopping may end sooner (default 8; 5 for a new textcnn from MiniLM's vectors, "
        "2,000 texts up).",
    ),
    "batch_size": _option(
        int | None,
        "Texts per batch (default 50; 100 for a new textcnn from random or MiniLM's vectors, 2,000 texts up).",
    ),
    "lr": _option(
        float | None,
        "AdamW peak learning rate, decaying linearly to 0 (default 0.002; 0.003 for a new textcnn from random or "
        "MiniLM's vectors, 2,000 texts up).",
    ),
    "patience": _option(
        int | None,
        "Stop after this many epochs without a better validation score (default: 2 for a new model, 1 for a new "
        "textcnn from random vectors on 2,000 texts with 500 to validate on; 3 when fine-tuning and the other "
        "trainings).",
    ),
    "class_weights": _option(bool, "Weight the loss by inverse class frequency."),
    "seed": _option(int, "Seed for initialisation, batches and holdout."),
    "threads": Threads,
    "multi_label": _option(bool, "Several labels per text (fastText __label__s or --label-sep).", "--multi-label"),
    "threshold": _option(str, "Multi-label: probability to predict a label, or 'tune' (per label, on validation)."),
    "calibrate": _option(
        bool,
        "Fit a temperature on validation so probabilities match how often they are right.",
        "--calibrate/--no-calibrate",
    ),
    "pretrained": FromModel,
    "transfer": _option(str, "With --from: feature-extraction (body frozen), fine-tune or full.", "--mode"),
    "body_lr_mult": _option(
        float | None, "fine-tune: the body learns at this times --lr (default: the body's own; 1, minilm 0.1)."
    ),
    "lr_range": _option(str | None, "fine-tune: LO,HI — rates spread geometrically from the lowest group to the head."),
    "unfreeze_schedule": _option(str | None, "fine-tune: 'gradual' trains the head first, one more group each epoch."),
    "vocabulary": _option(str, "With --from: 'extend' by the new data's tokens, or 'keep' the model's."),
    "device": _option(str, "auto (CUDA when there is a GPU), cpu or cuda."),
}


def _kernel_sizes(value: str) -> list[int] | None:
    if not value.strip():
        return None
    try:
        sizes = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise ConvtextError(f"--kernel-sizes takes integers separated by commas, e.g. 3,4,5 — got {value!r}") from None
    if not sizes or min(sizes) < 1:
        raise ConvtextError(f"--kernel-sizes needs positive integers, e.g. 3,4,5 — got {value!r}")
    return sizes


def _threshold(value: str) -> float | str:
    if value == "tune":
        return value
    try:
        return float(value)
    except ValueError:
        raise ConvtextError(f"--threshold takes a probability such as 0.5, or 'tune' — got {value!r}") from None


def _lr_range(value: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in value.split(","))
    except ValueError:
        raise ConvtextError(f"--lr-range takes two rates LO,HI, e.g. 1e-4,2e-3 — got {value!r}") from None
    return low, high


def _embed_dim(value: str) -> int | str:
    if value == "auto":
        return value
    if not value.isdigit() or int(value) < 1:
        raise ConvtextError(f"--embed-dim takes a positive integer or 'auto', got {value!r}")
    return int(value)


PARSERS = {"kernel_sizes": _kernel_sizes, "threshold": _threshold, "lr_range": _lr_range, "embed_dim": _embed_dim}


def model_options(*names: str):
    """A decorator: the command gains the options of the ``TextClassifier`` parameters ``names`` (where its own
    ``settings`` parameter stands) and receives their values, parsed, as ``settings``: keyword arguments."""
    options = {name: (OPTIONS[name], DEFAULT[name]) for name in names}

    def parse(settings: dict) -> dict:
        for name, parser in PARSERS.items():
            if isinstance(settings.get(name), str):
                settings[name] = parser(settings[name])
        return settings

    return grouped_options("settings", options, parse)
