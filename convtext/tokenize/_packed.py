"""Token ids of many texts stored back to back: one flat int32 array (in memory, or a file on disk) plus offsets.

``PackedSequences`` is what tokenizers return for many texts: no Python list per text, and whole
batches padded with one gather, so training and prediction read it exactly as a list of id lists.
``PackedWriter`` appends encoded chunks of a corpus larger than memory to a file and maps it back
(``np.memmap``: the operating system pages rows in and out as training touches them).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = ["PackedSequences", "PackedWriter"]


class PackedSequences:
    """Rows of token ids stored back to back: ``flat[offsets[i]:offsets[i + 1]]`` is row ``i``."""

    def __init__(self, flat: np.ndarray, offsets: np.ndarray):
        self.flat, self.offsets = flat, offsets  # (total,) int32, (N + 1,) int64
        self.lengths = np.diff(offsets)  # (N,)

    @classmethod
    def from_lengths(cls, flat: np.ndarray, lengths: np.ndarray) -> PackedSequences:
        """Rows of ``lengths[i]`` ids each, back to back in ``flat``."""
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(flat, offsets)

    @classmethod
    def pack(cls, rows: Sequence[Sequence[int]], max_length: int | None = None) -> PackedSequences:
        """Pack id lists, each cut to its first ``max_length`` ids."""
        if max_length is not None:
            rows = [row[:max_length] if len(row) > max_length else row for row in rows]
        lengths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
        flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int32, count=int(lengths.sum()))
        return cls.from_lengths(flat, lengths)

    def segments(self) -> np.ndarray:
        """``(total,)``: the row each id belongs to."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, index: int) -> np.ndarray:
        return self.flat[self.offsets[index] : self.offsets[index + 1]]

    def padded(self, indices: Sequence[int], pad_id: int, min_length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Rows ``indices`` as right-padded ``(B, T)`` ids and a ``(B, T)`` mask, gathered in one step."""
        import torch  # here, not at the top: tokenizing needs no PyTorch

        ids, mask = self.padded_arrays(indices, pad_id, min_length)
        return torch.from_numpy(ids), torch.from_numpy(mask)

    def padded_arrays(self, indices: Sequence[int], pad_id: int, min_length: int) -> tuple[np.ndarray, np.ndarray]:
        """``padded`` as numpy arrays: ``(B, T)`` int64 ids and ``(B, T)`` bool mask."""
        indices = np.asarray(indices, dtype=np.int64)
        lengths = self.lengths[indices]  # (B,)
        length = max(min_length, int(lengths.max(initial=0)))
        mask = np.arange(length) < lengths[:, None]  # (B, T)
        positions = self.offsets[indices][:, None] + np.arange(length)  # (B, T)
        ids = np.full(mask.shape, pad_id, dtype=np.int64)  # (B, T)
        ids[mask] = self.flat[positions[mask]]
        return ids, mask


class PackedWriter:
    """Append id lists to ``path`` chunk by chunk; ``finish()`` returns them as ``PackedSequences``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._file = open(self.path, "wb")
        self._lengths: list[np.ndarray] = []

    def append(self, rows: Sequence[Sequence[int]] | PackedSequences) -> None:
        packed = rows if isinstance(rows, PackedSequences) else PackedSequences.pack(rows)
        self._file.write(np.ascontiguousarray(packed.flat, dtype=np.int32).tobytes())
        self._lengths.append(packed.lengths)

    def finish(self) -> PackedSequences:
        self._file.close()
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, dtype=np.int64)
        total = int(lengths.sum())
        flat = np.memmap(self.path, dtype=np.int32, mode="r", shape=(total,)) if total else np.zeros(0, np.int32)
        return PackedSequences.from_lengths(flat, lengths)
