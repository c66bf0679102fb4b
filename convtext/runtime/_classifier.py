"""A saved classifier run without PyTorch: its tokenizer, its numpy forward pass (``_forward.py``), its labels.

``numpy_classifier(folder)`` gives one for every TextCNN (ReLU or tanh) and mean model — the architectures whose
forward pass is lookups, sums, a max and a linear head — and ``None`` for the rest, which need PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._errors import ArtifactError
from .._tensor_file import read_tensors
from ..artifact import (
    ENSEMBLE,
    MULTITASK,
    checked_weights_file,
    model_settings,
    read_config,
    read_temperature,
    read_thresholds,
    read_tokenizer,
)
from ..data import as_text_list
from ..tokenize import PackedSequences, TextTokenizer
from ._ensemble import Ensemble, read_ensemble
from ._forward import ACTIVATIONS, MeanLogits, TextCNNLogits
from ._labels import LabelPredictions, check_finite

__all__ = ["NumpyClassifier", "numpy_classifier", "runs_in_numpy"]

FORWARDS = {"textcnn": TextCNNLogits, "mean_embedding": MeanLogits}
PREDICT_BLOCK = 4096  # texts per tokenize-and-score pass: 100,000 at once predicted 1.4x slower (cache)


def runs_in_numpy(config: dict) -> bool:
    """Whether the folder's model is one the numpy forward pass computes exactly."""
    meta = config["convtext"]
    return (
        config["architecture"] in FORWARDS
        and meta.get("task", "classification") not in (MULTITASK, "sentence-embedding")
        and config.get("activation", "relu") in ACTIVATIONS
    )


class NumpyClassifier(LabelPredictions):
    """A trained TextCNN or mean model predicting in numpy: the same logits as PyTorch's (within 1e-5)."""

    def __init__(self, folder: str | Path, config: dict, tokenizer: TextTokenizer, weights: dict[str, np.ndarray]):
        meta = config["convtext"]
        self.folder, self.tokenizer_, self.max_length = Path(folder), tokenizer, meta["max_length"]
        self.classes_, self.multi_label = list(meta["labels"]), meta.get("multi_label") is True
        self.data_seen_ = list(meta.get("data_seen", []))
        self.thresholds_ = read_thresholds(config, self.folder)
        self.temperature_ = read_temperature(config, self.folder)
        settings = model_settings(config)
        if settings.get("vocab_size") != tokenizer.vocab_size or settings.get("pad_id", 0) != tokenizer.pad_id:
            raise ArtifactError(f"{folder}: config.json and tokenizer.json disagree on the vocabulary — copy it again")
        self.forward = FORWARDS[config["architecture"]](weights, settings, len(self.classes_))

    def decision_function(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """``(n, n_classes)`` logits, columns in ``classes_`` order; ``PREDICT_BLOCK`` texts tokenized and scored
        at a time."""
        texts = as_text_list(texts)
        starts = range(0, len(texts), PREDICT_BLOCK) or [0]
        return check_finite(np.concatenate([self._logits(texts[s : s + PREDICT_BLOCK], batch_size) for s in starts]))

    def _logits(self, texts: list[str], batch_size: int) -> np.ndarray:
        packed = self.tokenizer_.encode_packed(texts, self.max_length)
        if isinstance(self.forward, MeanLogits):
            return self.forward.packed(packed.flat, packed.offsets)
        return self._batched(packed, batch_size)

    def _batched(self, packed: PackedSequences, batch_size: int) -> np.ndarray:
        """Logits in input order, texts batched by length (little padding)."""
        self.forward.prepare(len(packed.flat))
        logits = np.zeros((len(packed), len(self.classes_)), dtype=np.float32)
        order = np.argsort(packed.lengths, kind="stable")
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            ids, mask = packed.padded_arrays(batch, self.tokenizer_.pad_id, self.forward.min_length)  # (B, T)
            logits[batch] = self.forward(ids, mask)
        return logits


def numpy_classifier(folder: str | Path) -> NumpyClassifier | Ensemble | None:
    """The saved classifier in ``folder`` as a ``NumpyClassifier`` (an ensemble: of them), or ``None`` when its
    model needs PyTorch. The weights' digest, dtype, finiteness and every tensor's shape are checked, as PyTorch's
    loader checks them."""
    folder = Path(folder)
    config = read_config(folder)
    if config["convtext"].get("task") == ENSEMBLE:
        return read_ensemble(Ensemble, folder, config, numpy_classifier)
    if not runs_in_numpy(config):
        return None
    weights = read_tensors(checked_weights_file(folder))  # float32 and finite; shapes checked by the forward pass
    return NumpyClassifier(folder, config, read_tokenizer(folder), weights)
