"""A character-level CNN in the spirit of Zhang, Zhao & LeCun (2015), sized for sentences.

Characters (graphemes, from the ``char`` tokenizer) -> small embeddings -> wide convolutions with
max-pooling between them (each pooling divides the length by 3, so later filters see longer
stretches: characters, then morphemes, then words) -> masked max over time -> head. It needs no
word vocabulary, so typos and rare words cost it little.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .._errors import ConvtextError
from ..layers import max_over_valid_windows
from ._checked import CheckedHubMixin
from ._contract import TextModel
from ._registry import register_variant

__all__ = ["CharCNN", "char_cnn"]


class CharCNN(TextModel, CheckedHubMixin, library_name="convtext", tags=["text-classification", "cnn"]):
    """``len(kernel_sizes)`` convolutions of ``channels`` filters; a ×3 max-pool after each of the first ``pools``."""

    architecture = "char_cnn"

    def __init__(
        self, vocab_size: int, num_classes: int, embed_dim: int = 32, channels: int = 256,
        kernel_sizes: Sequence[int] = (7, 5, 3, 3), pools: int = 2, dropout: float = 0.5, embedding_mode: str = "rand",
        pad_id: int = 0,
    ):  # fmt: skip
        super().__init__()
        if not kernel_sizes or min(kernel_sizes) < 1 or not 0 <= pools <= len(kernel_sizes):
            raise ConvtextError(
                f"char_cnn needs positive kernel sizes and 0 <= pools <= layers, got {kernel_sizes}, {pools}"
            )
        self.channels, self.kernel_sizes, self.pools = int(channels), [int(k) for k in kernel_sizes], int(pools)
        self.dropout_rate = float(dropout)
        self._build_embeddings(vocab_size, embed_dim, embedding_mode, pad_id)
        widths = [self.embed_dim] + [self.channels] * len(self.kernel_sizes)
        self.convs = nn.ModuleList(
            nn.Conv1d(widths[i], widths[i + 1], k, padding=k // 2) for i, k in enumerate(self.kernel_sizes)
        )
        self.dropout = nn.Dropout(self.dropout_rate)
        self.num_features = self.channels
        self.head = nn.Linear(self.num_features, int(num_classes))

    def forward_features(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.embed(ids).transpose(1, 2)  # (B, E, T)
        keep = mask.unsqueeze(1).to(x.dtype)  # (B, 1, T)
        for layer, conv in enumerate(self.convs):
            length = x.shape[-1]
            x = F.relu(conv(x * keep))[..., :length] * keep  # (B, C, T); even kernels grow by one: cut
            if layer < self.pools:  # ReLU >= 0 and padding is 0, so padding never changes a window's max
                x = F.max_pool1d(x, 3, 3, ceil_mode=True)  # (B, C, ceil(T / 3))
                keep = F.max_pool1d(keep, 3, 3, ceil_mode=True)  # a window is real if it holds a real character
        return max_over_valid_windows(x.transpose(1, 2), keep[:, 0] > 0)  # (B, C)

    def group_matcher(self) -> dict[str, list[str]]:
        groups = {"embedding": ["embedding.", "static_embedding."]}
        groups.update({f"conv{i}": [f"convs.{i}."] for i in range(len(self.convs))})
        groups["head"] = ["head."]
        return groups


char_cnn = register_variant(
    "char_cnn", CharCNN,
    "Zhang et al. (2015)-style character CNN, four layers of 256 filters (7, 5, 3, 3), two ×3 poolings.",
)  # fmt: skip


char_cnn.default_tokenizer = "char"
