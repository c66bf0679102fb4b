"""Several trained classifiers of one label set predicting as one: the weighted mean of their calibrated
probabilities. Members may differ in anything (tokenizer, input vectors, architecture); autotune builds such an
ensemble from its best trials."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .._errors import ArtifactError, ConvtextError
from ..artifact import read_temperature
from ._labels import LabelPredictions

__all__ = ["Ensemble", "read_ensemble"]


class Ensemble(LabelPredictions):
    """``members`` (each a single-label predictor with ``predict_proba`` and ``classes_``) weighted by ``weights``.
    ``decision_function`` returns the log of the weighted mean probabilities: at ``temperature_`` 1 ``predict_proba``
    gives the mean itself; a temperature fitted on validation calibrates the mean as a single model's logits are."""

    multi_label = False

    def __init__(self, members: Sequence, weights: Sequence[float]):
        if len(members) < 2 or len(weights) != len(members) or min(weights) <= 0:
            raise ConvtextError(f"an ensemble needs two or more members with positive weights, got {list(weights)}")
        labels = list(members[0].classes_)
        for member in members:
            if list(member.classes_) != labels:
                raise ArtifactError(f"ensemble members disagree on the labels: {labels} vs {list(member.classes_)}")
            if member.multi_label:
                raise ConvtextError("an ensemble joins single-label classifiers; this member is multi-label")
        self.members = list(members)
        self.weights_ = np.asarray(weights, dtype=np.float64) / float(np.sum(weights))  # (M,), sums to 1
        self.classes_ = labels
        self.temperature_ = 1.0
        self.thresholds_ = np.full(len(labels), 0.5)
        self.metrics_: dict = {}
        self.data_seen_ = list(dict.fromkeys(s for m in self.members for s in getattr(m, "data_seen_", [])))

    def decision_function(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """``(n, C)`` log of the members' calibrated probabilities, weighted and summed (their softmax is that mean)."""
        texts = list(texts)
        mean = sum(w * m.predict_proba(texts, batch_size) for w, m in zip(self.weights_, self.members))  # (n, C)
        return np.log(np.clip(mean, 1e-12, None))

    def __repr__(self) -> str:
        return f"Ensemble({len(self.members)} members, weights {np.round(self.weights_, 2).tolist()})"


def read_ensemble(cls, folder: Path, config: dict, load_member: Callable[[Path], object | None]):
    """The ensemble saved in ``folder`` (its parsed ``config``) as a ``cls`` (``Ensemble`` or a subclass), each
    member loaded by ``load_member`` — or ``None`` when that returns ``None`` for one (it needs PyTorch)."""
    meta = config["convtext"]
    members = [load_member(folder / entry["folder"]) for entry in meta["members"]]
    if any(member is None for member in members):
        return None
    ensemble = cls(members, [entry["weight"] for entry in meta["members"]])
    if list(meta["labels"]) != ensemble.classes_:
        raise ArtifactError(f"{folder}: config.json's labels {meta['labels']} are not its members' {ensemble.classes_}")
    ensemble.temperature_ = read_temperature(config, folder)
    ensemble.metrics_ = meta.get("metrics", {})
    ensemble.data_seen_ = list(meta.get("data_seen", ensemble.data_seen_))
    if meta.get("autotune"):
        ensemble.autotune_ = meta["autotune"]
    return ensemble
