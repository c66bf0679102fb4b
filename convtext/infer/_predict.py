"""Prediction with a trained model: logits or sentence vectors for token ids, in batches formed by length."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ..tokenize import PackedSequences
from ._batching import batch_tensors, min_input_length, sequence_lengths, sorted_batches
from ._device import autocast, model_device

__all__ = ["predict_features", "predict_logits"]


@torch.inference_mode()
def _batched(model: nn.Module, sequences: Sequence[Sequence[int]], batch_size: int, features: bool) -> np.ndarray:
    """``(N, C)`` logits or ``(N, F)`` sentence vectors in input order; batches formed by length.

    A model with ``packed_logits`` (the mean models) scores packed ids as they are, without padding."""
    model.eval()
    device = model_device(model)
    if not features and isinstance(sequences, PackedSequences) and hasattr(model, "packed_logits"):
        return model.packed_logits(sequences).float().cpu().numpy()
    min_length = min_input_length(model)
    out = np.zeros((len(sequences), model.num_features if features else model.num_classes), dtype=np.float32)
    for batch in sorted_batches(sequence_lengths(sequences), batch_size):
        ids, mask = batch_tensors(sequences, batch, model.pad_id, min_length)  # (B, T)
        ids, mask = ids.to(device), mask.to(device)
        with autocast(device):
            values = model.forward_features(ids, mask) if features else model(ids, mask)  # (B, F) | (B, C)
        out[batch] = values.float().cpu().numpy()
    return out


def predict_logits(model: nn.Module, sequences: Sequence[Sequence[int]], batch_size: int = 256) -> np.ndarray:
    """``(N, C)`` logits in input order; batches are formed by length to save padding."""
    return _batched(model, sequences, batch_size, features=False)


def predict_features(model: nn.Module, sequences: Sequence[Sequence[int]], batch_size: int = 256) -> np.ndarray:
    """``(N, F)`` sentence vectors (the body's output, before dropout and head) in input order."""
    return _batched(model, sequences, batch_size, features=True)
