"""Vectors with names — the words of a trained model or the items of ``convtext items`` — to query and draw.

``NamedVectors`` answers "what sits next to X" and "draw these on a map" for any ``(N, D)`` table;
``WordVectors`` adds the model's tokenizer, so a word the model splits into pieces is the mean of
its pieces.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._errors import ConvtextError
from ..tokenize import PAD, UNK, Vocabulary
from ._inspect import export_projector, nearest, plot_map, project_2d

__all__ = ["NamedVectors", "WordVectors"]


class NamedVectors:
    """An ``(N, D)`` table whose rows have names; ``candidates`` ``(N,)`` marks rows allowed as answers."""

    kind = "item"

    def __init__(self, matrix: np.ndarray, names: Sequence[str], candidates: np.ndarray | None = None):
        self.matrix = np.asarray(matrix, dtype=np.float32)
        self.names = list(names)
        if len(self.names) != len(self.matrix):
            raise ConvtextError(f"{len(self.names)} names for {len(self.matrix)} vectors")
        self.candidates = np.ones(len(self.names), dtype=bool) if candidates is None else np.asarray(candidates)
        self._index: dict[str, int] = {}
        for i, name in enumerate(self.names):
            self._index.setdefault(name, i)
        self._folded = {name.casefold(): i for name, i in reversed(list(self._index.items()))}

    def lookup(self, name: str) -> tuple[np.ndarray, list[int]]:
        """The vector of ``name`` and the rows it came from (exact name, else case-insensitive)."""
        row = self._index.get(name, self._folded.get(name.casefold()))
        if row is None:
            close = difflib.get_close_matches(name, self.names, n=3, cutoff=0.6)
            hint = f" — did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise ConvtextError(f"no {self.kind} named {name!r} among {len(self.names):,}{hint}")
        return self.matrix[row], [row]

    def neighbours(self, name: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` nearest rows to ``name`` by cosine similarity, best first (``name`` itself excluded)."""
        vector, rows = self.lookup(name)
        return [(self.names[i], score) for i, score in nearest(self.matrix, vector, k, rows, self.candidates)]

    def points(self, names: Sequence[str], method: str = "pca", seed: int = 0) -> np.ndarray:
        """``(len(names), 2)`` map coordinates (PCA or t-SNE over the chosen vectors)."""
        return project_2d(np.stack([self.lookup(name)[0] for name in names]), method, seed)

    def plot(
        self, groups: dict[str, Sequence[str]], path: str | Path, method: str = "pca", title: str = "", seed: int = 0
    ) -> Path:
        """A PNG map of the named vectors; ``groups`` maps a legend label to names (one colour each)."""
        names = [name for members in groups.values() for name in members]
        colours = [group for group, members in groups.items() for _ in members]
        return plot_map(self.points(names, method, seed), names, path, colours, title or f"{self.kind}s ({method})")

    def export(self, folder: str | Path, limit: int | None = None, metadata: dict | None = None) -> Path:
        """TensorBoard projector files for the candidate rows (the first ``limit`` of them)."""
        rows = np.flatnonzero(self.candidates)[:limit]
        columns = {self.kind: [self.names[i] for i in rows]}
        for column, values in (metadata or {}).items():
            columns[column] = [values[i] for i in rows]
        return export_projector(self.matrix[rows], columns, folder)


class WordVectors(NamedVectors):
    """A model's token table with its tokenizer: any word has a vector (the mean of its pieces)."""

    kind = "word"

    def __init__(self, matrix: np.ndarray, tokenizer):
        names = tokenizer.vocab.id2word
        super().__init__(matrix, names, np.array([token not in (PAD, UNK) for token in names]))
        self.tokenizer = tokenizer

    @classmethod
    def from_classifier(cls, classifier) -> WordVectors:
        """The trained embedding table of a ``TextClassifier`` (multichannel: the trained copy)."""
        return cls(classifier.model_.embedding.weight.detach().cpu().numpy(), classifier.tokenizer_)

    def lookup(self, name: str) -> tuple[np.ndarray, list[int]]:
        if name in self._index:
            return self.matrix[self._index[name]], [self._index[name]]
        pieces = [span.id for span in self.tokenizer.tokens(name) if span.id != Vocabulary.unk_id]
        if not pieces:
            raise ConvtextError(
                f"{name!r} is not in the model's vocabulary ({self.tokenizer.vocab_size:,} tokens) and has no known "
                "pieces — try another spelling, or a word from the training data"
            )
        return self.matrix[pieces].mean(axis=0), pieces
