"""An ordered label set: labels are strings end to end, ids follow the saved order."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .._errors import DataError

__all__ = ["LabelSet", "natural_key"]

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def natural_key(label: str) -> tuple:
    """Sort numbers numerically ("2" before "10"), then every other label as text."""
    if _NUMBER.fullmatch(label):
        return (0, float(label), label)
    return (1, 0.0, label)


class LabelSet:
    """Labels in a fixed order; ``ids`` index into it (and into ``predict_proba`` columns).

    ``LabelSet.from_labels`` sorts labels naturally, so the order does not depend on the order
    of rows in the file; pass a list to the constructor to choose the order yourself.
    """

    def __init__(self, labels: Sequence[str]):
        labels = [str(label) for label in labels]
        duplicates = sorted({label for label in labels if labels.count(label) > 1})
        if duplicates:
            raise DataError(f"label set has duplicates {duplicates} — give each label once")
        self.labels: list[str] = labels
        self._index = {label: i for i, label in enumerate(labels)}

    @classmethod
    def from_labels(cls, labels: Iterable[str]) -> LabelSet:
        return cls(sorted({str(label) for label in labels}, key=natural_key))

    def __len__(self) -> int:
        return len(self.labels)

    def __iter__(self):
        return iter(self.labels)

    def __contains__(self, label: object) -> bool:
        return label in self._index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LabelSet) and self.labels == other.labels

    def __repr__(self) -> str:
        return f"LabelSet({self.labels!r})"

    def encode(self, labels: Iterable[str]) -> list[int]:
        """Label strings to ids; an unknown label is an error that lists the known ones."""
        labels = [str(label) for label in labels]
        unknown = sorted({label for label in labels if label not in self._index}, key=natural_key)
        if unknown:
            raise DataError(
                f"labels {unknown[:10]} were not in the training labels {self.labels[:20]} — "
                "check --label-col, or retrain with these labels"
            )
        return [self._index[label] for label in labels]

    def decode(self, ids: Iterable[int]) -> list[str]:
        if isinstance(ids, np.ndarray):  # one gather for a prediction's argmax
            return np.asarray(self.labels, dtype=object)[ids.astype(np.int64)].tolist()
        return [self.labels[int(i)] for i in ids]

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps({"labels": self.labels}, ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> LabelSet:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            labels = data["labels"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DataError(f'{path}: not a label file ({error}) — it should hold {{"labels": [...]}}') from None
        if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
            raise DataError(f"{path}: 'labels' must be a list of strings")
        return cls(labels)
