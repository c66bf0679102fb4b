"""Token ids of a corpus larger than memory: one flat int32 file on disk plus row offsets.

``PackedWriter`` appends encoded chunks to the file; ``PackedSequences`` maps it back (``np.memmap``:
the operating system pages rows in and out as training touches them) and pads whole batches with
one gather, so ``fit`` trains on it exactly as on a list of id lists.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

__all__ = ["PackedSequences", "PackedWriter"]


class PackedSequences:
    """Rows of token ids stored back to back: ``flat[offsets[i]:offsets[i + 1]]`` is row ``i``."""

    def __init__(self, flat: np.ndarray, offsets: np.ndarray):
        self.flat, self.offsets = flat, offsets  # (total,) int32, (N + 1,) int64
        self.lengths = np.diff(offsets)  # (N,)

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, index: int) -> np.ndarray:
        return self.flat[self.offsets[index] : self.offsets[index + 1]]

    def padded(self, indices: Sequence[int], pad_id: int, min_length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Rows ``indices`` as right-padded ``(B, T)`` ids and a ``(B, T)`` mask, gathered in one step."""
        indices = np.asarray(indices, dtype=np.int64)
        lengths = self.lengths[indices]  # (B,)
        length = max(min_length, int(lengths.max(initial=0)))
        mask = np.arange(length) < lengths[:, None]  # (B, T)
        positions = self.offsets[indices][:, None] + np.arange(length)  # (B, T)
        ids = np.where(mask, self.flat[np.where(mask, positions, 0)], pad_id).astype(np.int64)  # (B, T)
        return torch.from_numpy(ids), torch.from_numpy(mask)


class PackedWriter:
    """Append id lists to ``path`` chunk by chunk; ``finish()`` returns them as ``PackedSequences``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._file = open(self.path, "wb")
        self._lengths: list[np.ndarray] = []

    def append(self, rows: Sequence[Sequence[int]]) -> None:
        lengths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
        flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int32, count=int(lengths.sum()))
        self._file.write(flat.tobytes())
        self._lengths.append(lengths)

    def finish(self) -> PackedSequences:
        self._file.close()
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)  # (N + 1,)
        total = int(offsets[-1])
        flat = np.memmap(self.path, dtype=np.int32, mode="r", shape=(total,)) if total else np.zeros(0, np.int32)
        return PackedSequences(flat, offsets)
