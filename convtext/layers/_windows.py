"""A text convolution computed once per distinct token: each token's vector times every filter offset, then each
window's offsets summed, time first."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

__all__ = ["windowed_conv1d"]


def windowed_conv1d(
    vectors: torch.Tensor,
    rows: torch.Tensor,
    keep: torch.Tensor,
    weights: Sequence[torch.Tensor],
    biases: Sequence[torch.Tensor],
    groups: int = 1,
) -> list[torch.Tensor]:
    """``F.conv1d`` of the token vectors ``vectors[rows]`` (zero where not ``keep``) with each ``weight``
    ``(groups·F, E, k)``, time first: one ``(B, T - k + 1, groups·F)`` per weight (all with the same number of filters).

    ``vectors`` ``(U, groups·E)``: one row per distinct token; ``rows`` ``(B, T)``: each position's row; ``keep``
    ``(B, T)``: True for a token, False for a position that contributes nothing (padding, a dropped token). A window's
    score is the sum over its offsets ``j`` of ``W[:, :, j] · vector``, so every token's products with every offset
    of every kernel come from one matrix product over the distinct tokens (why: docs/decisions.md).
    """
    scores: list[list[torch.Tensor]] = [[] for _ in weights]
    batch, length = rows.shape
    for group, part in enumerate(vectors.chunk(groups, -1)):  # part (U, E)
        filters = [weight.chunk(groups, 0)[group] for weight in weights]  # each (F, E, k)
        offsets = torch.cat([f.permute(2, 0, 1).flatten(0, 1) for f in filters])  # (S·F, E): S offsets in all
        count, slots = filters[0].shape[0], offsets.shape[0] // filters[0].shape[0]
        products = F.linear(part, offsets).view(-1, count)  # (U·S, F): row u·S + s is token u times offset s
        products = torch.cat([products, products.new_zeros(1, count)])  # a last row of zeros for dropped positions
        first = 0
        for kernel, (f, bias) in enumerate(zip(filters, biases)):
            k = f.shape[-1]
            slot = rows.unfold(1, k, 1) * slots + torch.arange(first, first + k, device=rows.device)  # (B, W, k)
            slot = slot.masked_fill(~keep.unfold(1, k, 1), len(products) - 1).flatten(0, 1)  # (B·W, k)
            summed = F.embedding_bag(slot, products, mode="sum").view(batch, -1, count)  # (B, W, F)
            scores[kernel].append(summed + bias.chunk(groups)[group])
            first += k
    return [torch.cat(parts, dim=-1) for parts in scores]  # each (B, W, groups·F)
