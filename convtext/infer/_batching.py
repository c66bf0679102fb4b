"""Batches of token ids: padding with a mask, and length bucketing (similar lengths share a batch)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["batch_tensors", "bucketed_batches", "min_input_length", "pad_batch", "sequence_lengths", "sorted_batches"]


def min_input_length(model) -> int:
    """The fewest positions a batch must have for ``model``: its widest convolution (1 without one)."""
    return max(getattr(model, "kernel_sizes", [1]))


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int = 0, min_length: int = 1):
    """Right-pad id lists into ``(B, T)`` ids and a ``(B, T)`` mask (``True`` = real token)."""
    lengths = np.fromiter((len(ids) for ids in sequences), dtype=np.int64, count=len(sequences))  # (B,)
    length = max(min_length, int(lengths.max(initial=0)))
    mask = np.arange(length) < lengths[:, None]  # (B, T)
    ids = np.full(mask.shape, pad_id, dtype=np.int64)  # (B, T)
    ids[mask] = np.fromiter(itertools.chain.from_iterable(sequences), dtype=np.int64, count=int(lengths.sum()))
    return torch.from_numpy(ids), torch.from_numpy(mask)


def sequence_lengths(sequences: Sequence[Sequence[int]]) -> np.ndarray:
    """``(N,)`` lengths of id lists (read off directly for packed sequences)."""
    lengths = getattr(sequences, "lengths", None)
    if lengths is not None:
        return lengths
    return np.fromiter((len(ids) for ids in sequences), dtype=np.int64, count=len(sequences))


def batch_tensors(sequences: Sequence[Sequence[int]], indices, pad_id: int, min_length: int):
    """Rows ``indices`` of ``sequences`` padded to ``(B, T)`` ids and mask (packed sequences gather in one step)."""
    if hasattr(sequences, "padded"):
        return sequences.padded(indices, pad_id, min_length)
    return pad_batch([sequences[i] for i in indices], pad_id, min_length)


def bucketed_batches(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator, bucket_batches: int = 50
) -> list[np.ndarray]:
    """Training batches: shuffle, cut into buckets of ``bucket_batches`` batches, sort each bucket by
    length (stable), batch it, shuffle the batches. Little padding, still random; seeded by ``rng``."""
    lengths = np.asarray(lengths)
    order = rng.permutation(len(lengths))
    bucket = batch_size * bucket_batches
    batches = []
    for start in range(0, len(order), bucket):
        chunk = order[start : start + bucket]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[s : s + batch_size] for s in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def sorted_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Prediction batches: indices sorted by length, stable (the caller restores the input order)."""
    order = np.argsort(np.asarray(lengths, dtype=np.int64), kind="stable")
    return [order[s : s + batch_size] for s in range(0, len(order), batch_size)]
