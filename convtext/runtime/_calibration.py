"""Probabilities a user can threshold: logits turned into probabilities at a temperature fitted on validation
(Guo et al. 2017), and how well probabilities match outcomes — expected calibration error, Brier score and
negative log-likelihood, with the reliability diagram's bins.

Single-label: a softmax over the classes; the confidence of a text is its top probability, right when the top
class is the gold one. Multi-label: one sigmoid per label, every (text, label) pair a yes/no forecast.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "ECE_BINS", "MIN_CALIBRATION_TEXTS", "calibration_report", "fit_temperature", "to_probabilities", "why_not_calibrate",
]  # fmt: skip

ECE_BINS = 15  # equal-width confidence bins (Guo et al. 2017)
MIN_CALIBRATION_TEXTS = 50  # fewer validation texts: the temperature stays 1 (why: docs/decisions.md)
TEMPERATURES = (0.05, 20.0)  # the range searched


def to_probabilities(logits: np.ndarray, multi_label: bool, temperature: float = 1.0) -> np.ndarray:
    """``(n, C)`` logits -> ``(n, C)`` float32 probabilities at ``temperature`` (softmax, or a sigmoid per label)."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    if multi_label:
        return np.exp(-np.logaddexp(0.0, -scaled)).astype(np.float32)  # the sigmoid, without overflow
    exponentials = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    return (exponentials / exponentials.sum(axis=1, keepdims=True)).astype(np.float32)


def _nll(logits: np.ndarray, gold: np.ndarray, multi_label: bool) -> float:
    """Mean negative log-likelihood per text of ``(n, C)`` float64 logits (multi-label: summed over labels)."""
    if multi_label:  # -log sigmoid(z) for gold labels, -log(1 - sigmoid(z)) = -log sigmoid(-z) otherwise
        signed = np.where(gold > 0, logits, -logits)
        return float(np.logaddexp(0.0, -signed).sum(axis=1).mean())
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_partition = np.log(np.exp(shifted).sum(axis=1))  # (n,)
    return float((log_partition - shifted[np.arange(len(gold)), gold]).mean())


def why_not_calibrate(logits: np.ndarray, gold: np.ndarray, multi_label: bool) -> str | None:
    """Why a temperature cannot be fitted on these validation texts (too few, or not one of them wrong — then
    every smaller temperature looks better), or None."""
    if len(gold) < MIN_CALIBRATION_TEXTS:
        return f"{len(gold)} validation texts are too few (at least {MIN_CALIBRATION_TEXTS})"
    right = (logits > 0) == (gold > 0) if multi_label else logits.argmax(axis=1) == gold
    if np.all(right):
        return "the model is right on every validation text"
    return None


def fit_temperature(logits: np.ndarray, gold: np.ndarray, multi_label: bool) -> float:
    """The temperature that minimises the validation texts' negative log-likelihood. ``gold``: ``(n,)`` class
    ids, or ``(n, C)`` 0/1 for multi-label."""
    from scipy.optimize import minimize_scalar  # here: predicting never needs SciPy

    logits, gold = np.asarray(logits, dtype=np.float64), np.asarray(gold)
    low, high = (math.log(t) for t in TEMPERATURES)
    search = minimize_scalar(
        lambda log_t: _nll(logits / math.exp(log_t), gold, multi_label), bounds=(low, high), method="bounded"
    )
    return float(math.exp(search.x))


def _forecasts(probabilities: np.ndarray, gold: np.ndarray, multi_label: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(m,)`` confidences and ``(m,)`` 0/1 outcomes: the top class of each text, or every (text, label) pair."""
    if multi_label:
        return probabilities.ravel(), (gold > 0).ravel().astype(float)
    return probabilities.max(axis=1), (probabilities.argmax(axis=1) == gold).astype(float)


def _scores(logits: np.ndarray, gold: np.ndarray, multi_label: bool, temperature: float) -> dict:
    probabilities = to_probabilities(logits, multi_label, temperature).astype(np.float64)  # (n, C)
    confidence, outcome = _forecasts(probabilities, gold, multi_label)  # (m,), (m,)
    bins = np.minimum((confidence * ECE_BINS).astype(int), ECE_BINS - 1)  # (m,) bin of each forecast
    counts = np.bincount(bins, minlength=ECE_BINS)
    mean_confidence = np.bincount(bins, confidence, ECE_BINS) / np.maximum(counts, 1)
    mean_outcome = np.bincount(bins, outcome, ECE_BINS) / np.maximum(counts, 1)
    onehot = gold > 0 if multi_label else np.eye(probabilities.shape[1], dtype=bool)[gold]  # (n, C)
    return {
        "ece": float((counts * np.abs(mean_outcome - mean_confidence)).sum() / len(confidence)),
        "brier": float(((probabilities - onehot) ** 2).sum(axis=1).mean()),
        "nll": _nll(np.asarray(logits, dtype=np.float64) / temperature, gold, multi_label),
        "bins": [
            {"confidence": float(c), "accuracy": float(a), "count": int(n)}
            for c, a, n in zip(mean_confidence, mean_outcome, counts)
        ],
    }


def calibration_report(logits: np.ndarray, gold: np.ndarray, multi_label: bool, temperature: float) -> dict:
    """ECE (``ECE_BINS`` bins), Brier score (per text, summed over classes) and NLL (per text) of the
    probabilities at ``temperature``, the same at temperature 1 under ``"uncalibrated"``, and ``n`` texts; each
    with its reliability bins (mean confidence, share right, count)."""
    gold = np.asarray(gold)
    if not len(gold):
        return {"n": 0, "temperature": float(temperature)}
    report = {"n": int(len(gold)), "temperature": float(temperature), **_scores(logits, gold, multi_label, temperature)}
    report["uncalibrated"] = _scores(logits, gold, multi_label, 1.0)
    return report
