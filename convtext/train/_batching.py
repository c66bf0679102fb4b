"""Batches of token ids: padding with a mask, and length bucketing (similar lengths share a batch)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["pad_batch", "bucketed_batches", "sorted_batches"]


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int = 0, min_length: int = 1):
    """Right-pad id lists into ``(B, T)`` ids and a ``(B, T)`` mask (``True`` = real token)."""
    length = max(min_length, max((len(ids) for ids in sequences), default=0))
    ids = torch.full((len(sequences), length), pad_id, dtype=torch.long)  # (B, T)
    mask = torch.zeros((len(sequences), length), dtype=torch.bool)  # (B, T)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = torch.as_tensor(sequence, dtype=torch.long)
        mask[row, : len(sequence)] = True
    return ids, mask


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
