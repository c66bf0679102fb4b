"""Self-training after DANN: the adapted model labels the target texts it is surest of, and a second round
learns from them as if they were labelled. Class-balanced, so a model that leans to one class on the new
domain does not teach itself to lean further."""

from __future__ import annotations

import numpy as np

from .._errors import ConvtextError

__all__ = ["confident_rows"]


def confident_rows(probabilities: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """``(N, C)`` class probabilities -> the rows to pseudo-label and their classes: for each class, the
    ``share · N / C`` rows predicted as that class with the highest probability (fewer if fewer are
    predicted so). Rows come out in their original order."""
    if not 0.0 < share <= 1.0:
        raise ConvtextError(f"the self-training share is a fraction of the target texts in (0, 1], got {share}")
    count, classes = probabilities.shape
    predicted, confidence = probabilities.argmax(axis=1), probabilities.max(axis=1)  # (N,), (N,)
    per_class = int(share * count / classes)
    chosen = []
    for label in range(classes):
        rows = np.flatnonzero(predicted == label)
        chosen.append(rows[np.argsort(-confidence[rows], kind="stable")[:per_class]])
    rows = np.sort(np.concatenate(chosen))
    return rows, predicted[rows]
