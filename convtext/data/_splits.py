"""Train/valid/test splits: given files, a seeded stratified holdout, and seeded stratified k-fold."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._errors import DataError
from ._dataset import LabeledTexts
from ._readers import read_labeled

__all__ = ["Splits", "stratified_holdout", "kfold", "load_splits"]


def _strata(label_sets: Sequence[tuple[str, ...]]) -> dict[tuple[str, ...], list[int]]:
    """Row indices grouped by their label tuple (the stratum), in row order."""
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, labels in enumerate(label_sets):
        groups[tuple(sorted(labels))].append(index)
    return dict(sorted(groups.items()))


def stratified_holdout(
    label_sets: Sequence[tuple[str, ...]], fraction: float = 0.1, seed: int = 0
) -> tuple[list[int], list[int]]:
    """Split row indices into ``(keep, holdout)`` with about ``fraction`` of each class held out.

    Every class with at least two rows keeps one row on each side. Same seed, same split.
    """
    if not 0.0 < fraction < 1.0:
        raise DataError(f"holdout fraction must be between 0 and 1, got {fraction}")
    rng = np.random.default_rng(seed)
    keep, holdout = [], []
    for indices in _strata(label_sets).values():
        shuffled = [indices[i] for i in rng.permutation(len(indices))]
        count = int(round(fraction * len(shuffled)))
        if len(shuffled) >= 2:
            count = min(max(count, 1), len(shuffled) - 1)
        holdout.extend(shuffled[:count])
        keep.extend(shuffled[count:])
    return sorted(keep), sorted(holdout)


def kfold(label_sets: Sequence[tuple[str, ...]], k: int = 10, seed: int = 0) -> list[tuple[list[int], list[int]]]:
    """Seeded stratified k-fold: ``k`` pairs ``(train_indices, test_indices)``; test folds partition the rows.

    Each class is shuffled and dealt round-robin over the folds, so fold sizes differ by at most
    one per class.
    """
    if k < 2 or k > len(label_sets):
        raise DataError(f"k-fold needs 2 <= k <= number of rows ({len(label_sets)}), got k={k}")
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    position = 0
    for indices in _strata(label_sets).values():
        for i in rng.permutation(len(indices)):
            folds[position % k].append(indices[i])
            position += 1
    everything = set(range(len(label_sets)))
    return [(sorted(everything - set(fold)), sorted(fold)) for fold in folds]


@dataclass
class Splits:
    """The data a training run uses: ``train``, ``valid`` (given or held out) and optional ``test``."""

    train: LabeledTexts
    valid: LabeledTexts
    test: LabeledTexts | None = None
    valid_is_holdout: bool = False


def load_splits(
    train: str | Path,
    valid: str | Path | None = None,
    test: str | Path | None = None,
    holdout: float = 0.1,
    seed: int = 0,
    **reader_options,
) -> Splits:
    """Read the given files; without ``valid`` hold out a seeded stratified ``holdout`` of train.

    Labels in valid/test that train lacks are an error naming them.
    """
    train_data = read_labeled(train, **reader_options).require_classes(2)
    if valid is None:
        keep, held = stratified_holdout(train_data.label_sets, holdout, seed)
        train_data, valid_data, is_holdout = train_data.subset(keep), train_data.subset(held), True
    else:
        valid_data, is_holdout = read_labeled(valid, **reader_options), False
    test_data = read_labeled(test, **reader_options) if test is not None else None
    known = set(train_data.label_set())
    for other in (valid_data, test_data):
        if other is None:
            continue
        unknown = sorted(set(other.label_set()) - known)
        if unknown:
            raise DataError(
                f"{other.source}: labels {unknown[:10]} do not occur in the training data {train} — "
                "check that the files use the same labels"
            )
    return Splits(train_data, valid_data, test_data, is_holdout)
