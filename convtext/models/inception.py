"""Inception CNN over text: blocks of parallel 1-, 3-, 5-wide and max-pool branches, stacked with residuals.

Each block looks at the sequence at several widths at once (Szegedy et al. 2015): a 1-wide
convolution; a 1-wide bottleneck then a 3-wide one; a bottleneck then two 3-wide convolutions
(a factorised 5-wide window); a 3-wide max-pool then a 1-wide convolution. The branches are
concatenated along channels and added to the block's input (pre-norm residual), so blocks stack.
Padding keeps the length; padded positions are zeroed before every convolution and can never win
a max, so a padded batch gives the same result as each text alone. Masked max-over-time pooling
turns the last block's sequence into the sentence vector.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from huggingface_hub import PyTorchModelHubMixin

from .._errors import ConvtextError
from ..layers import masked_max_over_time
from ._contract import TextModel
from ._registry import register_model

__all__ = ["InceptionBlock", "InceptionCNN", "inception", "inception_base", "inception_small"]


class ChannelNorm(nn.Module):
    """LayerNorm over the channels of a ``(B, C, T)`` sequence (each position on its own: padding cannot leak)."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.transpose(1, 2)).transpose(1, 2)


class InceptionBlock(nn.Module):
    """``(B, C, T)`` -> ``(B, C, T)``: four branches of ``C // 4`` channels each, plus the input."""

    def __init__(self, channels: int, bottleneck: int, dropout: float = 0.1):
        super().__init__()
        if channels % 4:
            raise ConvtextError(f"inception channels must be a multiple of 4, got {channels}")
        branch = channels // 4
        self.norm = ChannelNorm(channels)
        self.one = nn.Conv1d(channels, branch, 1)
        self.three_reduce = nn.Conv1d(channels, bottleneck, 1)
        self.three = nn.Conv1d(bottleneck, branch, 3, padding=1)
        self.five_reduce = nn.Conv1d(channels, bottleneck, 1)
        self.five_a = nn.Conv1d(bottleneck, branch, 3, padding=1)
        self.five_b = nn.Conv1d(branch, branch, 3, padding=1)  # two 3-wide = one 5-wide window, fewer weights
        self.pool_project = nn.Conv1d(channels, branch, 1)
        self.activation = nn.GELU()
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """``x`` ``(B, C, T)`` with padding zeroed, ``keep`` ``(B, 1, T)`` float (1 = real token)."""
        act = self.activation
        h = self.norm(x) * keep  # (B, C, T)
        one = self.one(h)
        three = self.three(act(self.three_reduce(h)) * keep)
        five = self.five_b(act(self.five_a(act(self.five_reduce(h)) * keep)) * keep)
        pooled = nn.functional.max_pool1d(h.masked_fill(keep == 0, float("-inf")), 3, stride=1, padding=1)
        pool = self.pool_project(pooled.masked_fill(keep == 0, 0.0))
        branches = torch.cat([one, three, five, pool], dim=1)  # (B, C, T)
        return (x + self.dropout(act(branches))) * keep


class InceptionCNN(TextModel, PyTorchModelHubMixin, library_name="convtext", tags=["text-classification", "cnn"]):
    """Embedding -> 1-wide projection to ``channels`` -> ``depth`` Inception blocks -> masked max -> head."""

    architecture = "inception"

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        embed_dim: int | str = 128,
        channels: int = 256,
        depth: int = 2,
        bottleneck: int = 64,
        dropout: float = 0.5,  # on the pooled sentence vector
        block_dropout: float = 0.1,  # inside each block, on the branches
        embedding_mode: str = "rand",
        pad_id: int = 0,
    ):
        super().__init__()
        if depth < 1 or channels < 4 or bottleneck < 1:
            raise ConvtextError(
                f"inception needs depth >= 1, channels >= 4, bottleneck >= 1 (got {depth}, {channels}, {bottleneck})"
            )
        self.channels, self.depth, self.bottleneck = int(channels), int(depth), int(bottleneck)
        self.dropout_rate, self.block_dropout = float(dropout), float(block_dropout)
        self._build_embeddings(vocab_size, embed_dim, embedding_mode, pad_id)
        self.project = nn.Conv1d(self.embed_dim, self.channels, 1)
        self.blocks = nn.ModuleList(
            InceptionBlock(self.channels, self.bottleneck, self.block_dropout) for _ in range(self.depth)
        )
        self.dropout = nn.Dropout(self.dropout_rate)
        self.num_features = self.channels
        self.head = nn.Linear(self.num_features, int(num_classes))

    def forward_features(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask.unsqueeze(1).to(self.embedding.weight.dtype)  # (B, 1, T)
        x = self.project(self.embed(ids).transpose(1, 2)) * keep  # (B, C, T)
        for block in self.blocks:
            x = block(x, keep)
        return masked_max_over_time(x, mask)[0]  # (B, C)

    def group_matcher(self) -> dict[str, list[str]]:
        groups = {"embedding": ["embedding.", "static_embedding.", "project."]}
        groups.update({f"block{i}": [f"blocks.{i}."] for i in range(self.depth)})
        groups["head"] = ["head."]
        return groups

    def config(self) -> dict:
        return {
            "vocab_size": self.vocab_size, "num_classes": self.num_classes, "embed_dim": self.embed_dim,
            "channels": self.channels, "depth": self.depth, "bottleneck": self.bottleneck,
            "dropout": self.dropout_rate, "block_dropout": self.block_dropout,
            "embedding_mode": self.embedding_mode, "pad_id": self.pad_id,
        }  # fmt: skip


@register_model
def inception(vocab_size: int, num_classes: int, **overrides) -> InceptionCNN:
    """The Inception CNN with every setting given (what a saved model's config rebuilds)."""
    return InceptionCNN(vocab_size, num_classes, **overrides)


@register_model
def inception_small(vocab_size: int, num_classes: int, **overrides) -> InceptionCNN:
    """One Inception block of 128 channels: about TextCNN's cost."""
    return InceptionCNN(vocab_size, num_classes, **{"channels": 128, "depth": 1, "bottleneck": 32, **overrides})


@register_model
def inception_base(vocab_size: int, num_classes: int, **overrides) -> InceptionCNN:
    """Two Inception blocks of 256 channels."""
    return InceptionCNN(vocab_size, num_classes, **{"channels": 256, "depth": 2, "bottleneck": 64, **overrides})
