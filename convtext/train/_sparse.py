"""Embedding tables trained row by row: looked up sparsely while training, so a batch's gradient holds only the rows
it read and the optimiser moves only those (why: docs/decisions.md); clipping that counts those rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import torch
import torch.nn as nn
from torch.optim._functional import sparse_adam

from ..models import TextModel

__all__ = ["LazyAdamW", "clip_gradients", "sparse_lookups", "text_model_tables"]


class LazyAdamW(torch.optim.AdamW):
    """AdamW for dense gradients; a sparse gradient (an embedding table's rows) gets PyTorch's SparseAdam update of
    the rows it holds: the moments of the other rows wait until a batch reads them, and no weight decay."""

    @torch.no_grad()
    def step(self, closure=None):
        sparse = [
            (group, p)
            for group in self.param_groups
            for p in group["params"]
            if p.grad is not None and p.grad.is_sparse
        ]
        held = [p.grad for _, p in sparse]
        for _, p in sparse:  # AdamW refuses sparse gradients: it sees these parameters as gradient-free
            p.grad = None
        loss = super().step(closure)
        for (group, p), grad in zip(sparse, held):
            p.grad = grad
            state = self.state[p]
            if not state:  # AdamW's slots, so checkpoints hold every parameter alike
                state["step"] = torch.zeros((), dtype=torch.float32, device=p.device)
                state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            state["step"] += 1
            beta1, beta2 = group["betas"]
            sparse_adam(
                [p], [grad], [state["exp_avg"]], [state["exp_avg_sq"]], [int(state["step"])],
                eps=group["eps"], beta1=beta1, beta2=beta2, lr=float(group["lr"]), maximize=group["maximize"],
            )  # fmt: skip
        return loss


def clip_gradients(parameters: Iterable[nn.Parameter], max_norm: float) -> None:
    """``nn.utils.clip_grad_norm_`` over dense and sparse gradients together (a sparse one counts the rows it holds)."""
    parameters = [p for p in parameters if p.grad is not None]
    for p in parameters:
        if p.grad.is_sparse:
            p.grad = p.grad.coalesce()  # one entry per row: its values' norm is the gradient's
    dense = [p for p in parameters if not p.grad.is_sparse]
    sparse_values = [p.grad._values() for p in parameters if p.grad.is_sparse]
    if not sparse_values:
        nn.utils.clip_grad_norm_(dense, max_norm)
        return
    norms = [nn.utils.get_total_norm([p.grad for p in dense])] if dense else []
    total = torch.linalg.vector_norm(torch.stack([*norms, *(v.norm() for v in sparse_values)]))
    nn.utils.clip_grads_with_norm_(dense, max_norm, total)
    scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)  # clip_grads_with_norm_'s factor
    for values in sparse_values:
        values.mul_(scale)


def text_model_tables(module: nn.Module) -> list[nn.Embedding]:
    """Every token-embedding table of the convtext models inside ``module``."""
    return [table for part in module.modules() if isinstance(part, TextModel) for table in part.embedding_tables()]


@contextmanager
def sparse_lookups(tables: Sequence[nn.Embedding]) -> Iterator[None]:
    """While inside, ``tables`` give sparse gradients; afterwards each is as it was."""
    before = [table.sparse for table in tables]
    for table in tables:
        table.sparse = True
    try:
        yield
    finally:
        for table, sparse in zip(tables, before):
            table.sparse = sparse
