"""Embedding tables' gradients as the rows a batch read, gathered into one dense gradient kept from step to step.

A table's dense gradient is a fresh table-sized tensor every step: filled with zeros, a few rows written, then read
and scaled whole by gradient clipping. Here the table's lookup returns PyTorch's sparse gradient (the rows read and
their values); ``gather`` writes those rows into a dense gradient kept between steps, after zeroing the rows the
last step wrote, and AdamW updates every row from it as before. ``clip_gradient_norm`` reads and scales only the rows
written. The same gradients, so the same training (why and what it saves: docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
import torch.nn as nn

__all__ = ["RowGradients", "clip_gradient_norm"]

ROWS = "rows_written"  # attribute of a gathered gradient: the rows (1-D ids) that may be non-zero


class RowGradients:
    """Within ``with``, ``module``'s embedding tables return sparse gradients and ``gather`` after each backward
    pass turns them into dense ones; without ``enabled`` (DDP, or off the CPU, where it was not measured) both do
    nothing and the tables keep their dense gradients."""

    def __init__(self, module: nn.Module, enabled: bool = True):
        tables = [table for table in module.modules() if isinstance(table, nn.Embedding) and not table.sparse]
        self.tables = tables if enabled else []
        self.dense: list[torch.Tensor | None] = [None] * len(self.tables)

    def __enter__(self) -> RowGradients:
        for table in self.tables:
            table.sparse = True
        return self

    def gather(self) -> None:
        """Each table's sparse gradient (if it has one) as its kept dense gradient, rows noted for clipping."""
        for index, table in enumerate(self.tables):
            gradient = table.weight.grad
            if gradient is None or not gradient.is_sparse:
                continue
            gradient = gradient.coalesce()  # a row read twice: its values summed
            rows = gradient.indices()[0]  # (R,)
            dense = self.dense[index]
            if dense is None:
                dense = self.dense[index] = torch.zeros_like(table.weight)  # (V, E)
            else:
                dense.index_fill_(0, getattr(dense, ROWS), 0.0)
            dense.index_copy_(0, rows, gradient.values())  # (R, E) into (V, E)
            setattr(dense, ROWS, rows)
            table.weight.grad = dense

    def __exit__(self, *exc_info) -> None:
        """The tables return dense gradients again, as any later use of the model expects."""
        for table in self.tables:
            table.sparse = False


def clip_gradient_norm(parameters: Iterable[torch.Tensor], max_norm: float) -> torch.Tensor:
    """``torch.nn.utils.clip_grad_norm_`` (the 2-norm of every gradient together, scaled down to ``max_norm``) that
    reads and scales only the written rows of a gathered embedding gradient; returns the norm before clipping."""
    gradients = [p.grad for p in parameters if p.grad is not None]
    if not gradients:
        return torch.tensor(0.0)
    parts = [g.index_select(0, getattr(g, ROWS)) if hasattr(g, ROWS) else g for g in gradients]
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(part) for part in parts]))
    factor = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for gradient, part in zip(gradients, parts):
        if part is gradient:
            gradient.mul_(factor)
        else:
            gradient.index_copy_(0, getattr(gradient, ROWS), part.mul_(factor))
    return total
