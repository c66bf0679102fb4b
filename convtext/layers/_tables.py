"""Embedding tables that cost nothing to build on the meta device."""

from __future__ import annotations

import torch
import torch.nn as nn


def embedding_table(rows: int, width: int, padding_idx: int | None = None) -> nn.Embedding:
    """An ``nn.Embedding(rows, width)`` on the current default device. Off the meta device its weights are drawn as
    ``nn.Embedding`` draws them (so the random stream, and seeded models, are unchanged); on the meta device nothing
    is drawn: ``normal_`` there would import torch's Python reference operators, about a second per process."""
    weight = torch.empty(rows, width)  # (rows, width), on the device a ``torch.device`` context names
    if weight.device.type != "meta":
        nn.init.normal_(weight)
        if padding_idx is not None:
            with torch.no_grad():
                weight[padding_idx].zero_()
    return nn.Embedding(rows, width, padding_idx=padding_idx, _weight=weight)
