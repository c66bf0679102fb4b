"""Scoring a trained classifier on labelled texts: its report, with labels it never saw counted as errors."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from .._errors import DataError
from ..data import as_text_list, label_tuple
from ._metrics import classification_report, multilabel_report

__all__ = ["evaluate"]

log = logging.getLogger(__name__)


def evaluate(clf, texts: Sequence[str], labels: Sequence) -> dict:
    """``LabelPredictions.evaluate``: ``clf``'s report on ``texts`` and their gold ``labels``."""
    if clf.multi_label:
        return _evaluate_multilabel(clf, as_text_list(texts), [label_tuple(y) for y in labels])
    texts, labels = as_text_list(texts), [str(label) for label in labels]
    if len(texts) != len(labels):
        raise DataError(f"{len(texts)} texts but {len(labels)} labels — give one label per text")
    predicted = clf.predict(texts)
    unknown = sorted(set(labels) - set(clf.classes_))
    names = clf.classes_ + unknown
    index = {label: i for i, label in enumerate(names)}
    report = classification_report([index[g] for g in labels], [index[p] for p in predicted], names)
    report["labels"] = names
    report["unknown_labels"] = {label: labels.count(label) for label in unknown}
    if unknown:
        log.warning(
            "%d rows have labels the model never saw %s; they count as errors",
            sum(report["unknown_labels"].values()),
            unknown,
        )
    return report


def _evaluate_multilabel(clf, texts: list[str], label_sets: list[tuple[str, ...]]) -> dict:
    if len(texts) != len(label_sets):
        raise DataError(f"{len(texts)} texts but {len(label_sets)} label sets — give one per text")
    unknown = sorted({label for labels in label_sets for label in labels} - set(clf.classes_))
    names = clf.classes_ + unknown
    index = {label: i for i, label in enumerate(names)}
    gold = np.zeros((len(texts), len(names)), dtype=bool)
    for row, labels in enumerate(label_sets):
        gold[row, [index[label] for label in labels]] = True
    predicted = np.zeros_like(gold)
    predicted[:, : len(clf.classes_)] = clf.predict_proba(texts) >= clf.thresholds_
    report = multilabel_report(gold, predicted, names)
    report["labels"] = names
    report["unknown_labels"] = {label: int(gold[:, names.index(label)].sum()) for label in unknown}
    report["thresholds"] = dict(zip(clf.classes_, map(float, clf.thresholds_)))
    return report
