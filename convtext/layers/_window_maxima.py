"""Max-over-time pooling of n-gram table windows in one autograd node, for training.

A window's score is the sum of ``k`` table rows plus the filter's bias, and only the winning window of each
``(text, filter)`` receives a gradient. So the backward needs no ``(B, W, F)`` tensor at all: each winner's
gradient goes straight to its ``k`` table rows (``B·F·k`` additions), where the chain of ``embedding_bag``, the
pooling and a full-size activation built and read three tensors of every window's scores.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ._pooling import window_offsets

__all__ = ["window_maxima"]


def window_maxima(table: torch.Tensor, bias: torch.Tensor, bags: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """``(R, F)`` table rows, ``(F,)`` bias, ``(B, W, k)`` each window's rows, ``(B, W)`` windows that may win ->
    ``(B, F)``: each filter's largest valid window score (the bias added), 0 where a text has no valid window.
    The same values and gradients as pooling ``embedding_bag``'s window scores (up to float rounding)."""
    has_window = valid.any(dim=1, keepdim=True)  # (B, 1)
    values = _WindowMaxima.apply(table, bias, bags, valid)  # (B, F)
    return torch.where(has_window, values, torch.zeros_like(values))


class _WindowMaxima(torch.autograd.Function):
    @staticmethod
    def forward(ctx, table, bias, bags, valid):
        batch, windows, k = bags.shape
        scores = F.embedding_bag(bags.reshape(-1, k), table, mode="sum").view(batch, windows, -1)  # (B, W, F)
        scores.add_(window_offsets(valid, scores.dtype))  # -inf at the windows that may not win
        values, positions = F.adaptive_max_pool1d(scores.transpose(1, 2), 1, return_indices=True)  # (B, F, 1) each
        ctx.save_for_backward(bags, positions.squeeze(2))
        ctx.rows = len(table)
        return values.squeeze(2) + bias  # (B, F): a filter's bias is the same in every window

    @staticmethod
    def backward(ctx, grad):  # grad (B, F)
        bags, positions = ctx.saved_tensors  # (B, W, k), (B, F)
        batch, filters, k = len(grad), grad.shape[1], bags.shape[2]
        winners = bags.gather(1, positions.unsqueeze(2).expand(batch, filters, k))  # (B, F, k): the winners' rows
        cells = winners * filters + torch.arange(filters, device=grad.device).view(1, filters, 1)  # (B, F, k)
        flat = grad.new_zeros(ctx.rows * filters)  # (R·F,)
        flat.index_add_(0, cells.flatten(), grad.unsqueeze(2).expand(batch, filters, k).flatten())
        bias_grad = grad.sum(dim=0) if ctx.needs_input_grad[1] else None  # (F,)
        return flat.view(ctx.rows, filters), bias_grad, None, None
