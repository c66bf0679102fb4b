"""What a per-label report adds to ``evaluate``'s numbers: the slices of the data where the model does worst (by
text length, by label) and its most confident errors with the n-grams that decided them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..data import label_tuple

__all__ = ["LENGTH_SLICES", "confident_errors", "report_contents", "slices"]

LENGTH_SLICES = 5  # texts split into this many groups of about equal size by their token count
NGRAMS_SHOWN = 3  # deciding n-grams listed per error

Explainer = Callable[[str], object]  # a text -> its ``Explanation`` (convtext.classifier), or None without one


def _gold_matrix(labels: Sequence, classes: list[str], multi_label: bool) -> np.ndarray:
    """``(n, C)`` booleans: which of the model's labels each text has (labels it never saw are left out)."""
    index = {label: i for i, label in enumerate(classes)}
    gold = np.zeros((len(labels), len(classes)), dtype=bool)
    for row, given in enumerate(labels):
        for label in label_tuple(given) if multi_label else (str(given),):
            if label in index:
                gold[row, index[label]] = True
    return gold


def _right(probabilities: np.ndarray, gold: np.ndarray, thresholds: np.ndarray, multi_label: bool) -> np.ndarray:
    """``(n,)``: the text's prediction is right (multi-label: every label of it)."""
    if multi_label:
        return ((probabilities >= thresholds) == gold).all(axis=1)
    return gold[np.arange(len(gold)), probabilities.argmax(axis=1)]


def slices(lengths: np.ndarray, labels: Sequence, right: np.ndarray, classes: list[str], multi_label: bool) -> dict:
    """Accuracy per length group (``LENGTH_SLICES`` groups by token count) and per gold label, lowest first."""
    by_length = []
    edges = np.unique(np.quantile(lengths, np.linspace(0, 1, LENGTH_SLICES + 1)).round().astype(int))
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (lengths >= low) & ((lengths < high) if high < edges[-1] else (lengths <= high))
        if inside.any():
            name = f"{low}–{high if high == edges[-1] else high - 1} tokens"
            by_length.append({"slice": name, "n": int(inside.sum()), "accuracy": float(right[inside].mean())})
    by_label = []
    for label in dict.fromkeys([*classes, *(x for given in labels for x in _names(given, multi_label))]):
        having = np.array([label in _names(given, multi_label) for given in labels])
        if having.any():
            by_label.append({"slice": label, "n": int(having.sum()), "accuracy": float(right[having].mean())})
    return {
        "length": sorted(by_length, key=lambda s: s["accuracy"]),
        "label": sorted(by_label, key=lambda s: s["accuracy"]),
    }


def _names(given, multi_label: bool) -> tuple[str, ...]:
    return label_tuple(given) if multi_label else (str(given),)


def confident_errors(
    texts: list[str], labels: Sequence, probabilities: np.ndarray, gold: np.ndarray, thresholds: np.ndarray,
    classes: list[str], multi_label: bool, explain: Explainer | None, count: int,
) -> list[dict]:  # fmt: skip
    """The ``count`` errors the model was surest of, surest first: text, gold and predicted labels, the
    probability it gave the wrong answer, and (with ``explain``) the n-grams that pushed it there."""
    if multi_label:  # a wrong (text, label) decision: on without the gold label, or off with it
        wrongness = np.where(gold, 1.0 - probabilities, probabilities)  # (n, C) probability on the wrong side
        wrongness[(probabilities >= thresholds) == gold] = -1.0
        worst = wrongness.max(axis=1)  # (n,)
        blamed = wrongness.argmax(axis=1)  # (n,) the label most surely wrong
    else:
        predicted = probabilities.argmax(axis=1)
        worst = np.where(gold[np.arange(len(gold)), predicted], -1.0, probabilities.max(axis=1))
        blamed = predicted
    errors = []
    for row in np.argsort(-worst, kind="stable")[:count]:
        if worst[row] < 0:
            break
        label = classes[blamed[row]]
        error = {"text": texts[row], "gold": list(_names(labels[row], multi_label)), "label": label,
                 "probability": float(probabilities[row, blamed[row]]),
                 "predicted": [c for c, p, t in zip(classes, probabilities[row], thresholds) if p >= t] if multi_label
                 else [label]}  # fmt: skip
        explanation = explain(texts[row]) if explain is not None else None
        if explanation is not None:
            error["ngrams"] = [
                {"text": ngram.shown, "start": ngram.start, "end": ngram.end, "contribution": ngram.contribution}
                for ngram in explanation.top(label, NGRAMS_SHOWN)
            ]
        errors.append(error)
    return errors


def report_contents(clf, texts: list[str], labels: Sequence, explain: Explainer | None, errors: int = 20) -> dict:
    """The slices and the most confident errors of ``clf`` (a ``LabelPredictions``) on labelled ``texts``."""
    probabilities = clf.predict_proba(texts).astype(np.float64)  # (n, C), calibrated
    classes, thresholds = list(clf.classes_), np.asarray(clf.thresholds_)
    gold = _gold_matrix(labels, classes, clf.multi_label)  # (n, C)
    right = _right(probabilities, gold, thresholds, clf.multi_label)  # (n,)
    if clf.multi_label:  # a label the model never saw makes the text wrong, as evaluate counts it
        right &= np.array([set(label_tuple(given)) <= set(classes) for given in labels])
    reader = clf if hasattr(clf, "tokenizer_") else clf.members[0]  # an ensemble: its heaviest member's tokens
    lengths = reader.tokenizer_.encode_packed(texts, reader.max_length).lengths  # (n,) tokens the model reads
    return {
        "slices": slices(np.asarray(lengths), labels, right, classes, clf.multi_label),
        "confident_errors": confident_errors(
            texts, labels, probabilities, gold, thresholds, classes, clf.multi_label, explain, errors
        ),
    }
