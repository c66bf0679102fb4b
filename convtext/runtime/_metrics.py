"""Classification metrics from label ids: accuracy, macro-F1, per-class precision/recall, confusion."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["confusion_matrix", "classification_report", "multilabel_report"]


def confusion_matrix(gold: Sequence[int], predicted: Sequence[int], num_classes: int) -> np.ndarray:
    """``(C, C)`` counts; rows are the true class, columns the predicted one."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(gold, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return matrix


def _precision_recall_f1(true_positive: np.ndarray, predicted_count: np.ndarray, support: np.ndarray):
    """Per-class precision, recall and F1 from counts; 0 where a denominator is 0."""
    precision = np.divide(true_positive, predicted_count, out=np.zeros_like(true_positive), where=predicted_count > 0)
    recall = np.divide(true_positive, support, out=np.zeros_like(true_positive), where=support > 0)
    total = precision + recall
    return precision, recall, np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)


def classification_report(gold: Sequence[int], predicted: Sequence[int], labels: Sequence[str]) -> dict:
    """``accuracy``, ``macro_f1``, ``n`` and ``per_class`` {label: precision, recall, f1, support}.

    Macro-F1 averages over the classes that occur in ``gold`` or ``predicted``; a class with no
    predictions has precision 0.
    """
    matrix = confusion_matrix(gold, predicted, len(labels))
    true_positive = np.diag(matrix).astype(float)
    predicted_count, support = matrix.sum(axis=0), matrix.sum(axis=1)
    precision, recall, f1 = _precision_recall_f1(true_positive, predicted_count, support)
    present = (support + predicted_count) > 0
    n = int(matrix.sum())
    return {
        "accuracy": float(true_positive.sum() / n) if n else 0.0,
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "n": n,
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
        "confusion": matrix.tolist(),
    }


def multilabel_report(gold: np.ndarray, predicted: np.ndarray, labels: Sequence[str]) -> dict:
    """Multi-label scores from ``(N, C)`` 0/1 arrays: ``micro_f1``, ``macro_f1``, per-label P/R/F1.

    ``accuracy`` is the exact-match (subset) accuracy: every label of a text right, none extra.
    Macro-F1 averages over the labels that occur in ``gold`` or ``predicted``.
    """
    gold, predicted = np.asarray(gold, dtype=bool), np.asarray(predicted, dtype=bool)
    true_positive = (gold & predicted).sum(axis=0).astype(float)  # (C,)
    predicted_count, support = predicted.sum(axis=0), gold.sum(axis=0)
    precision, recall, f1 = _precision_recall_f1(true_positive, predicted_count, support)
    present = (support + predicted_count) > 0
    tp, fp, fn = true_positive.sum(), (predicted & ~gold).sum(), (gold & ~predicted).sum()
    micro = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return {
        "accuracy": float((gold == predicted).all(axis=1).mean()) if len(gold) else 0.0,
        "micro_f1": float(micro),
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "n": int(len(gold)),
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
    }
