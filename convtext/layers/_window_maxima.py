"""Convolution and max-over-time pooling of a batch's distinct tokens in one autograd node, for training.

A window's score is the sum of ``k`` rows of the n-gram table (each token's products with the filters at each
offset) plus the filter's bias, and only the winning window of each ``(text, filter)`` receives a gradient: ``B·F·k``
cells of a ``(U·k, F)`` table, a few per cent. So the backward builds no tensor of every window's scores, and the
filters' gradient is a sparse product over the winners' token vectors; the chain of ``embedding_bag``, the pooling
and an activation over every window built and read three such tensors and a dense product.
"""

from __future__ import annotations

import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._ngram_table import filter_matrix
from ._pooling import window_offsets

__all__ = ["window_maxima"]


def window_maxima(vectors: torch.Tensor, conv: nn.Conv1d, bags: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """``(U, E)`` token vectors, a width-``k`` ``Conv1d``, ``(B, W, k)`` each window's table rows (``token·k + j``),
    ``(B, W)`` windows that may win -> ``(B, F)``: each filter's largest valid window score (its bias added), 0 where
    a text has no valid window. The same values and gradients as pooling the convolution's scores (up to rounding)."""
    parts = zip(vectors.chunk(conv.groups, dim=1), conv.weight.chunk(conv.groups), conv.bias.chunk(conv.groups))
    values = torch.cat([_WindowMaxima.apply(part, weight, bias, bags, valid) for part, weight, bias in parts], dim=1)
    has_window = valid.any(dim=1, keepdim=True)  # (B, 1)
    return torch.where(has_window, values, torch.zeros_like(values))  # (B, F)


class _WindowMaxima(torch.autograd.Function):
    @staticmethod
    def forward(ctx, vectors, weight, bias, bags, valid):  # (U, E), (F, E, k), (F,), (B, W, k), (B, W)
        batch, windows, k = bags.shape
        filters = weight.shape[0]
        matrix = filter_matrix(weight)  # (E, k·F)
        table = (vectors @ matrix).view(-1, filters)  # (U·k, F): row token·k + j
        scores = F.embedding_bag(bags.reshape(-1, k), table, mode="sum").view(batch, windows, filters)  # (B, W, F)
        scores.add_(window_offsets(valid, scores.dtype))  # -inf at the windows that may not win
        values, positions = F.adaptive_max_pool1d(scores.transpose(1, 2), 1, return_indices=True)  # (B, F, 1) each
        winners = bags.gather(1, positions.expand(batch, filters, k))  # (B, F, k): the winning windows' rows
        ctx.save_for_backward(vectors, matrix, winners)
        return values.squeeze(2) + bias  # (B, F): a filter's bias is the same in every window

    @staticmethod
    def backward(ctx, grad):  # grad (B, F)
        vectors, matrix, winners = ctx.saved_tensors  # (U, E), (E, k·F), (B, F, k)
        (batch, filters, k), rows = winners.shape, len(vectors)
        grad_vectors = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:  # the table's gradient (a few per cent of its cells), then one product
            cells = winners * filters + torch.arange(filters, device=grad.device).view(1, filters, 1)  # (B, F, k)
            table_grad = grad.new_zeros(rows * k * filters)  # (U·k·F,)
            table_grad.index_add_(0, cells.flatten(), grad.unsqueeze(2).expand(batch, filters, k).flatten())
            grad_vectors = table_grad.view(rows, k * filters) @ matrix.t()  # (U, E)
        if ctx.needs_input_grad[1]:
            grad_weight = _filters_gradient(grad, winners, vectors).view(k, filters, -1).permute(1, 2, 0)  # (F, E, k)
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum(dim=0)  # (F,)
        return grad_vectors, grad_weight, grad_bias, None, None


def _filters_gradient(grad: torch.Tensor, winners: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
    """``(k·F, E)``: row ``j·F + f`` sums ``grad[b, f]`` times the vector of the token at offset ``j`` of text ``b``'s
    winning window for filter ``f`` — each row exactly ``B`` terms, so a sparse matrix in CSR form without sorting."""
    (batch, filters, k), device = winners.shape, grad.device
    tokens = torch.div(winners, k, rounding_mode="floor").permute(2, 1, 0).reshape(-1)  # (k·F·B,): order j, f, b
    weights = grad.t().unsqueeze(0).expand(k, filters, batch).reshape(-1)  # (k·F·B,)
    if device.type != "cpu":  # elsewhere a dense product over the table's gradient
        dense = torch.zeros(k * filters, len(vectors), dtype=grad.dtype, device=device)
        rows = torch.arange(k * filters, device=device).repeat_interleave(batch)
        return dense.index_put_((rows, tokens), weights, accumulate=True) @ vectors
    starts = torch.arange(0, (k * filters + 1) * batch, batch, device=device)  # (k·F + 1,): B terms a row
    with warnings.catch_warnings():  # "sparse CSR support is in beta": this use is tested against the dense one
        warnings.simplefilter("ignore", UserWarning)
        sparse = torch.sparse_csr_tensor(starts, tokens, weights, size=(k * filters, len(vectors)))
    return sparse @ vectors  # (k·F, E)
