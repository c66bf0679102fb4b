"""Convolutions applied straight to token embeddings, as sums of per-token contributions.

An embedding lookup followed by a ``Conv1d`` is linear in the embedding, so the contribution of
every vocabulary item to every filter at every offset inside the window can be computed once:
``vectors @ W_k,j`` for every offset ``j`` of every width ``k`` (``V × Σk·F`` numbers). A width-``k``
window's pre-activation is then the sum of ``k`` table rows plus the bias — one ``embedding_bag``
instead of a matrix product, 5–10× faster on CPU at Kim's sizes. Training builds a table over each batch's distinct
tokens only (about half its positions on SST-2), and gradients flow through it.

Building the table costs ``V × E × Σk·F`` multiply-adds in a few large products, about what
convolving ``V / 2`` tokens costs on CPU (large products run faster than the convolution), so
``NgramTableCache`` builds it only once the model has convolved that many tokens with unchanged
weights — renting until renting has cost as much as buying: a training loop's per-epoch validation
rarely pays for it, a served model soon does — and only while it fits ``max_bytes``. Any change to
the weights (an optimiser step, ``load_state_dict``, a move to another device) invalidates it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["NgramTable", "NgramTableCache", "filter_matrix", "weights_key", "window_rows"]


def weights_key(weights: Sequence[torch.Tensor]) -> tuple:
    """Changes whenever any of ``weights`` does (an in-place update, a new tensor, a move): what a table
    computed from them is cached under."""
    return tuple((w.device, w.data_ptr(), w._version) for w in weights)


def offset_contributions(vectors: torch.Tensor, conv: nn.Conv1d) -> torch.Tensor:
    """``(V, k, F)``: each token's contribution to each filter at every offset of the window, one matrix product per
    group. A grouped convolution multiplies each group's columns of ``vectors`` by that group's filters only."""
    k = conv.kernel_size[0]
    products = []
    for part, weight in zip(vectors.chunk(conv.groups, dim=1), conv.weight.chunk(conv.groups, dim=0)):  # (F, E, k)
        every_offset = part @ filter_matrix(weight)  # (V, k·F): offset j in columns j·F ... (j+1)·F
        products.append(every_offset.view(len(vectors), k, -1))  # (V, k, F)
    return products[0] if len(products) == 1 else torch.cat(products, dim=2)  # (V, k, groups·F)


def filter_matrix(weight: torch.Tensor) -> torch.Tensor:
    """A ``Conv1d`` weight ``(F, E, k)`` as one matrix ``(E, k·F)``: column ``j·F + f`` is filter ``f`` at offset ``j``."""
    return weight.permute(1, 2, 0).flatten(1)


class NgramTable:
    """Per-token filter contributions for a set of ``Conv1d`` layers over one embedding."""

    def __init__(self, vectors: torch.Tensor, convs: Sequence[nn.Conv1d], pad_id: int, pad_is_zero: bool = False):
        """``vectors`` ``(V, E)``: every vocabulary item's embedding; ``convs``: ``(E -> F, width k)`` each;
        ``pad_is_zero``: row ``pad_id`` of ``vectors`` is zero, so its contributions are too (none are set).

        Per convolution, a ``(V·k, F)`` table: rows ``token·k + j`` hold that token's contribution at
        offset ``j`` of the window, so a window is one fixed-size bag of ``k`` rows (the products' own layout:
        no copy, forward or backward).
        """
        self.convs, self.pad_id, self.vocab_size = list(convs), pad_id, len(vectors)
        self.tables = []
        for conv in self.convs:
            contributions = offset_contributions(vectors, conv)  # (V, k, F)
            if not pad_is_zero:
                contributions[pad_id] = 0.0  # padding contributes nothing, as a zeroed embedding would
            table = contributions.view(-1, conv.out_channels)  # (V·k, F)
            self.tables.append(table)

    def window_scores(self, ids: torch.Tensor, mask: torch.Tensor) -> Iterator[torch.Tensor]:
        """Pre-activations equal to ``conv(embedded)``, time first: one ``(B, T - k + 1, F)`` per convolution."""
        ids = ids.masked_fill(~mask, self.pad_id)  # (B, T)
        for conv, table in zip(self.convs, self.tables):
            k = conv.kernel_size[0]
            bags = window_rows(ids, k).reshape(-1, k)  # (B·W, k): the window's rows
            scores = F.embedding_bag(bags, table, mode="sum").add_(conv.bias)  # (B·W, F)
            yield scores.view(len(ids), -1, conv.out_channels)  # (B, W, F)


def window_rows(ids: torch.Tensor, k: int) -> torch.Tensor:
    """``(B, T)`` token ids -> ``(B, T - k + 1, k)``: the table rows (``token·k + j``) each width-``k`` window sums."""
    return ids.unfold(1, k, 1) * k + torch.arange(k, device=ids.device)


class NgramTableCache:
    """Builds an ``NgramTable`` once it pays for itself and keeps it while the weights are unchanged."""

    def __init__(self, max_bytes: int = 512 * 2**20):
        self.max_bytes = max_bytes
        self._key: tuple = ()
        self._table: NgramTable | None = None
        self._tokens_seen = 0

    def lookup(
        self, ids: torch.Tensor, vectors: Callable[[], torch.Tensor], weights: Sequence[torch.Tensor],
        convs: Sequence[nn.Conv1d], pad_id: int,
    ) -> NgramTable | None:  # fmt: skip
        """The table for these ``weights`` (embedding tables and convolutions), or None while it would not pay.

        ``vectors()`` gives every vocabulary item's embedding ``(V, E)``; ``ids`` ``(B, T)`` is the batch
        about to be convolved (it counts towards paying for the table).
        """
        key = weights_key(weights)
        if key != self._key:
            self._key, self._table, self._tokens_seen = key, None, 0
        if self._table is None:
            self._tokens_seen += ids.numel()
            vocab_size = weights[0].shape[0]
            table_bytes = vocab_size * sum(c.kernel_size[0] * c.out_channels for c in convs) * weights[0].element_size()
            if 2 * self._tokens_seen > vocab_size and table_bytes <= self.max_bytes:
                # plain float32 (autocast off): usable outside inference mode, and by explain outside autocast
                with torch.inference_mode(False), torch.no_grad(), torch.autocast(ids.device.type, enabled=False):
                    self._table = NgramTable(vectors(), convs, pad_id)
        return self._table
