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
import torch.nn.functional as F

from .._errors import ConvtextError
from ..layers import NgramTableCache, max_over_valid_windows
from ._checked import CheckedHubMixin
from ._contract import TextModel
from ._registry import register_variant

__all__ = ["InceptionBlock", "InceptionCNN", "inception", "inception_base", "inception_small"]


class ChannelNorm(nn.Module):
    """LayerNorm over the channels of a ``(B, T, C)`` sequence, each position on its own (padding cannot leak).
    A module of its own so that saved weights keep their names (``blocks.i.norm.norm.*``)."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x)


def pointwise(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """A 1-wide ``Conv1d`` on a channels-last ``(B, T, C_in)`` sequence -> ``(B, T, C_out)``: one matrix product."""
    return F.linear(x, conv.weight.squeeze(-1), conv.bias)


def three_wide(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """A 3-wide, zero-padded ``Conv1d`` on ``(B, T, C_in)`` -> ``(B, T, C_out)``: each position's window of
    three side by side, times the filters flattened in the same order (offset, then channel)."""
    padded = F.pad(x, (0, 0, 1, 1))  # (B, T + 2, C_in)
    windows = torch.cat([padded[:, :-2], padded[:, 1:-1], padded[:, 2:]], dim=-1)  # (B, T, 3·C_in)
    return F.linear(windows, conv.weight.permute(0, 2, 1).flatten(1), conv.bias)


def neighbour_max(h: torch.Tensor, padding: torch.Tensor) -> torch.Tensor:
    """``(B, T, C)`` -> each position's max over itself and its two neighbours, padding never winning;
    padded positions give 0. ``padding`` ``(B, T, 1)`` is True at padding."""
    padded = F.pad(h.masked_fill(padding, float("-inf")), (0, 0, 1, 1), value=float("-inf"))  # (B, T + 2, C)
    pooled = torch.maximum(torch.maximum(padded[:, :-2], padded[:, 1:-1]), padded[:, 2:])  # (B, T, C)
    return pooled.masked_fill_(padding, 0.0)


class InceptionBlock(nn.Module):
    """``(B, T, C)`` -> ``(B, T, C)``: four branches of ``C // 4`` channels each, plus the input.

    Channels-last throughout, every convolution a matrix product (``pointwise``, ``three_wide``), with the
    same weights as ``Conv1d``'s channels-first layout and less copying between layouts on CPU."""

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
        """``x`` ``(B, T, C)`` with padding zeroed, ``keep`` ``(B, T, 1)`` float (1 = real token)."""
        act = self.activation
        h = self.norm(x) * keep  # (B, T, C)
        readers = (self.one, self.three_reduce, self.five_reduce)  # the three 1-wide convolutions of h, as one
        weight = torch.cat([conv.weight.squeeze(-1) for conv in readers])  # (branch + 2·bottleneck, C)
        bias = torch.cat([conv.bias for conv in readers])
        one, three, five = F.linear(h, weight, bias).split([conv.out_channels for conv in readers], dim=-1)
        three = three_wide(self.three, act(three) * keep)  # (B, T, branch)
        five = three_wide(self.five_b, act(three_wide(self.five_a, act(five) * keep)) * keep)  # (B, T, branch)
        pool = pointwise(self.pool_project, neighbour_max(h, keep == 0))  # (B, T, branch)
        branches = torch.cat([one, three, five, pool], dim=-1)  # (B, T, C)
        return (x + self.dropout(act(branches))) * keep


class InceptionCNN(TextModel, CheckedHubMixin, library_name="convtext", tags=["text-classification", "cnn"]):
    """Embedding -> 1-wide projection to ``channels`` -> ``depth`` Inception blocks -> masked max -> head."""

    architecture = "inception"

    def __init__(
        self, vocab_size: int, num_classes: int, embed_dim: int | str = 128, channels: int = 256, depth: int = 2,
        bottleneck: int = 64,
        dropout: float = 0.5,  # on the pooled sentence vector
        block_dropout: float = 0.1,  # inside each block, on the branches
        embedding_mode: str = "rand", pad_id: int = 0,
    ):  # fmt: skip
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
        self._projections = NgramTableCache()  # inference fast path; not part of the weights

    def forward_features(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask.unsqueeze(-1).to(self.embedding.weight.dtype)  # (B, T, 1)
        x = self.projected(ids, mask) * keep  # (B, T, C)
        for block in self.blocks:
            x = block(x, keep)
        return max_over_valid_windows(x, mask)  # (B, C)

    def projected(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(B, T)`` -> ``(B, T, C)``: the tokens' vectors projected to the blocks' width. Inference without
        gradients reads each token's projection from a table (``NgramTable`` of the 1-wide projection) once
        it pays for itself: the projection is the model's largest product. ONNX export keeps the product."""
        table = self.inference_table(self._projections, ids, [self.project])
        if table is not None:
            return next(table.window_scores(ids, mask))  # (B, T, C)
        return pointwise(self.project, self.embed(ids))

    def group_matcher(self) -> dict[str, list[str]]:
        groups = {"embedding": ["embedding.", "static_embedding.", "project."]}
        groups.update({f"block{i}": [f"blocks.{i}."] for i in range(self.depth)})
        groups["head"] = ["head."]
        return groups


inception = register_variant(
    "inception", InceptionCNN, "The Inception CNN with every setting given (what a saved model's config rebuilds)."
)
inception_small = register_variant(
    "inception_small", InceptionCNN, "One Inception block of 128 channels: about TextCNN's cost.",
    channels=128, depth=1, bottleneck=32,
)  # fmt: skip
inception_base = register_variant(
    "inception_base", InceptionCNN, "Two Inception blocks of 256 channels.", channels=256, depth=2, bottleneck=64
)
