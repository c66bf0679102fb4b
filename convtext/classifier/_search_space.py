"""What autotune searches: every choice convtext offers, as Optuna suggestions turned into ``TextClassifier``
settings, and convtext's defaults as the first trials (so a search never ends below them)."""

from __future__ import annotations

from collections.abc import Callable

from .._errors import ConvtextError
from ._recipe import training_settings

__all__ = ["DEFAULT_TRIALS", "metric_of", "settings_of", "suggest"]

KERNELS = ("1,2,3", "2,3,4", "3,4,5", "1,2,3,4,5")  # n-gram sizes, as Optuna keeps categorical choices: strings
COMMON_DEFAULTS = {"kernel_sizes": "1,2,3", "num_filters": 100, "dropout": 0.5}


def _schedule(source: str) -> dict:
    """The epochs, batch size and rate of a new TextCNN from ``source``'s vectors (patience is not searched)."""
    return {name: value for name, value in training_settings({}, source, "textcnn", True).items() if name != "patience"}


DEFAULT_TRIALS = (  # convtext's defaults, tried first: from MiniLM's vectors, then from random ones
    {"embeddings": "minilm", "embedding_mode": "static", "members": 1, **COMMON_DEFAULTS, **_schedule("minilm")},
    {"embeddings": "random", "tokenizer": "word", "embed_dim": 128, "members": 3, "lowercase": False,
     **COMMON_DEFAULTS, **_schedule("random")},
)  # fmt: skip


def suggest(trial, minilm: bool) -> dict:
    """One trial's choices (``minilm``: whether MiniLM's vectors are on offer for this data)."""
    embeddings = trial.suggest_categorical("embeddings", ["minilm", "random"] if minilm else ["random"])
    if embeddings == "minilm":
        trial.suggest_categorical("embedding_mode", ["static", "non-static"])
    else:
        trial.suggest_categorical("tokenizer", ["word", "bpe"])
        trial.suggest_categorical("embed_dim", [64, 128, 256])
        trial.suggest_categorical("lowercase", [False, True])
    trial.suggest_int("members", 1, 3)
    trial.suggest_categorical("kernel_sizes", list(KERNELS))
    trial.suggest_categorical("num_filters", [50, 100, 200])
    trial.suggest_float("dropout", 0.2, 0.6)
    trial.suggest_float("lr", 5e-4, 5e-3, log=True)
    trial.suggest_int("epochs", 4, 12)
    trial.suggest_categorical("batch_size", [32, 50, 64, 100])
    return settings_of(trial.params)


def settings_of(params: dict) -> dict:
    """A trial's parameters as ``TextClassifier`` keyword arguments."""
    settings = dict(params)
    settings["kernel_sizes"] = [int(k) for k in str(params["kernel_sizes"]).split(",")]
    return settings


def metric_of(name: str, labels: list[str], multi_label: bool) -> Callable[[dict], float]:
    """The score a search maximises, read from a validation report: accuracy, macro_f1, micro_f1 (multi-label)
    or f1:LABEL."""
    if name in ("accuracy", "macro_f1") or (name == "micro_f1" and multi_label):
        return lambda report: float(report[name])
    if name.startswith("f1:") and name[3:] in labels:
        label = name[3:]
        return lambda report: float(report["per_class"][label]["f1"])
    choices = ["accuracy", "macro_f1", *(["micro_f1"] if multi_label else []), *(f"f1:{label}" for label in labels)]
    raise ConvtextError(f"unknown metric {name!r} — use one of {', '.join(choices[:12])}")
