"""A text convolution as matrix products over token windows, for training on channels-last token vectors."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["windowed_conv1d"]


def windowed_conv1d(vectors: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, groups: int = 1) -> torch.Tensor:
    """``F.conv1d`` of ``vectors`` ``(B, T, groups·E)`` with ``weight`` ``(groups·F, E, k)``, time first:
    ``(B, W, groups·F)``, ``W = T - k + 1``. Each group's windows of ``k`` token vectors side by side times its
    filters, one matrix product per group (why not ``F.conv1d``: docs/decisions.md)."""
    k = weight.shape[-1]
    scores = []
    for part, filters, shift in zip(vectors.chunk(groups, -1), weight.chunk(groups, 0), bias.chunk(groups, 0)):
        windows = part.unfold(1, k, 1).flatten(2)  # (B, W, E·k), each window's vectors in the weight's (E, k) order
        scores.append(F.linear(windows, filters.flatten(1), shift))  # (B, W, F)
    return torch.cat(scores, dim=-1)  # (B, W, groups·F)
