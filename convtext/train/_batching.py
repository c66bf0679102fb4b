"""Batches of token ids: padding with a mask, and length bucketing (similar lengths share a batch)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["min_input_length", "pad_batch", "bucketed_batches", "sorted_batches"]


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


def bucketed_batches(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator, bucket_batches: int = 50
) -> list[list[int]]:
    """Training batches: shuffle, cut into buckets of ``bucket_batches`` batches, sort each bucket by
    length, batch it, shuffle the batches. Little padding, still random; seeded by ``rng``."""
    order = rng.permutation(len(lengths))
    bucket = batch_size * bucket_batches
    batches = []
    for start in range(0, len(order), bucket):
        chunk = sorted(order[start : start + bucket], key=lambda i: lengths[i])
        batches.extend([int(i) for i in chunk[s : s + batch_size]] for s in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Prediction batches: indices sorted by length (the caller restores the input order)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[s : s + batch_size] for s in range(0, len(order), batch_size)]
