"""Scoring a trained classifier on labelled texts: its report, with labels it never saw counted as errors, and how
well its probabilities are calibrated (on the texts whose labels it knows)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from .._errors import DataError
from ..data import as_text_list, label_tuple
from ._calibration import calibration_report, to_probabilities
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
    logits = clf.decision_function(texts)  # (n, C)
    unknown = sorted(set(labels) - set(clf.classes_))
    names = clf.classes_ + unknown
    index = {label: i for i, label in enumerate(names)}
    gold = np.asarray([index[g] for g in labels], dtype=np.int64)  # (n,)
    report = classification_report(gold, logits.argmax(axis=1), names)
    report["labels"] = names
    known = gold < len(clf.classes_)  # a label the model never saw has no probability to score
    report["calibration"] = calibration_report(logits[known], gold[known], False, clf.temperature_)
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
    logits = clf.decision_function(texts)  # (n, C)
    predicted = np.zeros_like(gold)
    predicted[:, : len(clf.classes_)] = to_probabilities(logits, True, clf.temperature_) >= clf.thresholds_
    report = multilabel_report(gold, predicted, names)
    known = ~gold[:, len(clf.classes_) :].any(axis=1)  # texts with no label the model never saw
    report["calibration"] = calibration_report(logits[known], gold[known, : len(clf.classes_)], True, clf.temperature_)
    report["labels"] = names
    report["unknown_labels"] = {label: int(gold[:, names.index(label)].sum()) for label in unknown}
    report["thresholds"] = dict(zip(clf.classes_, map(float, clf.thresholds_)))
    return report
