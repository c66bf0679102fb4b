"""Moving a trained model to a new vocabulary: embedding rows follow their tokens, not their ids."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import torch
import torch.nn as nn

from .._errors import ConvtextError
from ..tokenize import PAD

__all__ = ["remap_rows", "remap_vocabulary"]

log = logging.getLogger(__name__)


def remap_rows(
    weight: torch.Tensor, old_tokens: Sequence[str], new_tokens: Sequence[str], fill_token: str | None = None
) -> tuple[torch.Tensor, int]:
    """``(V_old, E)`` -> ``(V_new, E)``: a token known before keeps its row, a new one gets the fill row.

    The fill row is ``fill_token``'s (e.g. ``<unk>``: what the model saw for words it did not know)
    or, by default, the mean over the old rows except ``<pad>``; ``<pad>`` stays zero. Returns the
    rows and how many tokens were shared.
    """
    if weight.shape[0] != len(old_tokens):
        raise ConvtextError(f"the embedding has {weight.shape[0]} rows for {len(old_tokens)} old tokens")
    old_index = {token: i for i, token in enumerate(old_tokens)}
    real = [i for i, token in enumerate(old_tokens) if token != PAD]
    mean = weight[real].mean(dim=0) if real else torch.zeros(weight.shape[1])
    if fill_token is not None:
        if fill_token not in old_index:
            raise ConvtextError(f"fill token {fill_token!r} is not in the old vocabulary")
        mean = weight[old_index[fill_token]]
    rows = torch.empty(len(new_tokens), weight.shape[1], dtype=weight.dtype)
    shared = 0
    for i, token in enumerate(new_tokens):
        if token == PAD:
            rows[i] = 0.0
        elif token in old_index:
            rows[i] = weight[old_index[token]]
            shared += 1
        else:
            rows[i] = mean
    return rows, shared


def remap_vocabulary(
    model: nn.Module, old_tokens: Sequence[str], new_tokens: Sequence[str], fill_token: str | None = None
) -> nn.Module:
    """Give ``model`` (any convtext model with ``embedding``) the vocabulary ``new_tokens``, in place.

    New tokens start from ``fill_token``'s row, or the mean row (see ``remap_rows``).
    Every embedding table of the model (the trained one and, in multichannel mode, the frozen one)
    is remapped by token; the rest of the model is untouched. Returns ``model``.
    """
    for name in ("embedding", "static_embedding"):
        table = getattr(model, name, None)
        if table is None:
            continue
        rows, shared = remap_rows(table.weight.detach(), old_tokens, new_tokens, fill_token)
        replacement = nn.Embedding(len(new_tokens), rows.shape[1], padding_idx=table.padding_idx)
        with torch.no_grad():
            replacement.weight.copy_(rows)
        replacement.weight.requires_grad_(table.weight.requires_grad)
        setattr(model, name, replacement)
    model.vocab_size = len(new_tokens)
    new = sum(token != PAD for token in new_tokens) - shared
    log.debug(  # a step of a transfer: the caller may set the new rows again (pretrained vectors) and says so
        "vocabulary remapped: %s of %s tokens keep their vectors, %s new ones start at %s",
        f"{shared:,}", f"{len(new_tokens):,}", f"{new:,}", f"{fill_token}'s vector" if fill_token else "the mean vector",
    )  # fmt: skip
    return model
