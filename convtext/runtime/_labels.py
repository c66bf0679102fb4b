"""From logits to what a user asks for: probabilities, labels, the k best labels — one home for every predictor."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._errors import ConvtextError
from ._calibration import to_probabilities
from ._evaluate import evaluate

__all__ = ["LabelPredictions", "check_finite"]


def check_finite(logits: np.ndarray) -> np.ndarray:
    """``logits`` ``(n, C)``, refused when a row is not finite: never a label from a nan score."""
    broken = np.flatnonzero(~np.isfinite(logits).all(axis=1))
    if len(broken):
        raise ConvtextError(
            f"the model scored {len(broken)} of {len(logits)} texts as not-a-number (first: text {broken[0]}) "
            "— its weights are damaged or overflow; load it again from a good copy, or train it again"
        )
    return logits


class LabelPredictions:
    """``predict_proba``, ``predict`` and ``predict_top_k`` from ``decision_function``'s ``(n, C)`` logits, for
    a predictor with ``classes_``, ``multi_label``, (multi-label) ``thresholds_`` and the ``temperature_`` its
    probabilities are calibrated at (1: the plain softmax or sigmoid)."""

    classes_: list[str]
    multi_label: bool
    thresholds_: np.ndarray
    temperature_: float = 1.0

    def decision_function(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        raise NotImplementedError

    def predict_proba(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """``(n, n_classes)`` calibrated probabilities, columns in ``classes_`` order (multi-label: one sigmoid per
        label)."""
        return to_probabilities(self.decision_function(texts, batch_size), self.multi_label, self.temperature_)

    def predict(self, texts: Sequence[str], batch_size: int = 256) -> list[str] | list[list[str]]:
        """The most probable label of each text; multi-label: every label at or above its threshold (maybe none)."""
        if self.multi_label:
            return self.labels_from(self.predict_proba(texts, batch_size))
        best = self.decision_function(texts, batch_size).argmax(axis=1)  # (n,)
        return [self.classes_[i] for i in best]

    def labels_from(self, probabilities: np.ndarray) -> list[str] | list[list[str]]:
        """``predict``'s answer from ``(n, C)`` probabilities already computed."""
        if self.multi_label:
            chosen = probabilities >= self.thresholds_  # (n, C)
            return [[label for label, on in zip(self.classes_, row) if on] for row in chosen]
        return [self.classes_[i] for i in np.asarray(probabilities).argmax(axis=1)]

    def evaluate(self, texts: Sequence[str], labels: Sequence) -> dict:
        """Accuracy, macro-F1, per-class precision/recall/F1, confusion and ``n`` (multi-label: micro-F1 too).

        Labels the model never saw are counted in ``unknown_labels`` and scored as errors (the model
        cannot predict them), never a crash.
        """
        return evaluate(self, texts, labels)

    def predict_top_k(self, texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
        """For each text, the ``k`` most probable ``(label, probability)`` pairs, best first."""
        probabilities = self.predict_proba(texts)
        k = max(1, min(k, len(self.classes_)))
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]  # (n, k)
        labels = np.asarray(self.classes_, dtype=object)[order].tolist()  # (n, k) names
        chances = np.take_along_axis(probabilities, order, axis=1).tolist()  # (n, k) Python floats
        return [list(zip(names, values)) for names, values in zip(labels, chances)]
