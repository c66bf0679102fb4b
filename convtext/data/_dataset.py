"""``LabeledTexts``: the texts and labels read from a file, with the rows that were skipped and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .._errors import DataError
from ._labels import LabelSet

__all__ = ["LabeledTexts", "SkippedRow"]


@dataclass(frozen=True)
class SkippedRow:
    """A row that was not read: its 1-based line number in the file and the reason."""

    line: int
    reason: str


@dataclass
class LabeledTexts:
    """Texts with one or more string labels each (``label_sets``), plus a record of skipped rows."""

    texts: list[str]
    label_sets: list[tuple[str, ...]]
    source: str = "<memory>"
    format: str = "memory"
    encoding: str | None = None
    skipped: list[SkippedRow] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.label_sets):
            raise DataError(f"{len(self.texts)} texts but {len(self.label_sets)} labels — give one label per text")

    @classmethod
    def from_lists(cls, texts: Sequence[str], labels: Sequence[str], source: str = "<memory>") -> LabeledTexts:
        """Build from parallel lists of texts and single labels (labels become strings)."""
        return cls(list(texts), [(str(label),) for label in labels], source=source)

    def __len__(self) -> int:
        return len(self.texts)

    def rename_labels(self, mapping: dict[str, str]) -> LabeledTexts:
        """The same rows with labels renamed by ``mapping`` (labels it does not name stay as they are)."""
        renamed = [tuple(dict.fromkeys(mapping.get(label, label) for label in labels)) for labels in self.label_sets]
        return replace(self, label_sets=renamed)

    @property
    def is_multilabel(self) -> bool:
        return any(len(labels) != 1 for labels in self.label_sets)

    @property
    def labels(self) -> list[str]:
        """One label per text; an error for multi-label data (use ``label_sets`` there)."""
        if self.is_multilabel:
            raise DataError(f"{self.source}: some rows have several labels — use .label_sets for multi-label data")
        return [labels[0] for labels in self.label_sets]

    def label_set(self) -> LabelSet:
        return LabelSet.from_labels(label for labels in self.label_sets for label in labels)

    def label_counts(self) -> dict[str, int]:
        """Rows per label, in label-set order."""
        counts = Counter(label for labels in self.label_sets for label in labels)
        return {label: counts[label] for label in self.label_set()}

    def require_classes(self, minimum: int = 2) -> LabeledTexts:
        """Raise unless there are at least ``minimum`` distinct labels (a classifier needs two)."""
        found = self.label_set().labels
        if len(found) < minimum:
            raise DataError(
                f"{self.source}: only {len(found)} class ({', '.join(map(repr, found))}) found, "
                f"a classifier needs at least {minimum} — check --label-col and that the file has every class"
            )
        return self

    def subset(self, indices: Sequence[int]) -> LabeledTexts:
        """The rows at ``indices``, in that order (the skipped-row record stays with the file)."""
        return LabeledTexts(
            [self.texts[i] for i in indices],
            [self.label_sets[i] for i in indices],
            source=self.source,
            format=self.format,
            encoding=self.encoding,
        )

    def skip_summary(self) -> str:
        """One line: how many rows were skipped, for which reasons, and the first line numbers."""
        if not self.skipped:
            return f"{self.source}: read {len(self)} rows, skipped none"
        reasons = Counter(row.reason for row in self.skipped)
        parts = []
        for reason, count in reasons.most_common():
            lines = [row.line for row in self.skipped if row.reason == reason][:5]
            more = ", ..." if count > len(lines) else ""
            parts.append(f"{count} {reason} (line {', '.join(map(str, lines))}{more})")
        return f"{self.source}: read {len(self)} rows, skipped {len(self.skipped)}: " + "; ".join(parts)
