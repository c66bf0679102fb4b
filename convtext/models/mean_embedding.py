"""The averaging baseline: a sentence is the mean of its token vectors (and, fastText-style, of hashed bigrams).

No convolution, no order beyond the optional bigrams: the "we averaged before" reference a CNN
must beat, and the fastest model. Bigram ids are hashed from neighbouring token ids inside the
model (``(a * 1_000_003 + b) mod buckets``), so any tokenizer works unchanged.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn

from .._errors import ConvtextError
from ..layers import embedding_table, weights_key
from ._checked import CheckedHubMixin
from ._contract import TextModel
from ._registry import register_variant

__all__ = ["MeanEmbedding", "mean_bigram", "mean_embedding"]

_PRIME = 1_000_003


class MeanEmbedding(TextModel, CheckedHubMixin, library_name="convtext", tags=["text-classification"]):
    """Masked mean of token (and hashed-bigram) embeddings -> dropout -> linear head."""

    architecture = "mean_embedding"

    def __init__(
        self, vocab_size: int, num_classes: int, embed_dim: int | str = 128,
        bigram_buckets: int = 0,  # 0: unigrams only; fastText uses 2M; dense updates make big tables slow here
        dropout: float = 0.0, embedding_mode: str = "rand", pad_id: int = 0,
    ):  # fmt: skip
        super().__init__()
        if bigram_buckets < 0:
            raise ConvtextError(f"bigram_buckets must be 0 (off) or positive, got {bigram_buckets}")
        self.bigram_buckets, self.dropout_rate = int(bigram_buckets), float(dropout)
        self._build_embeddings(vocab_size, embed_dim, embedding_mode, pad_id)
        self.bigrams = embedding_table(self.bigram_buckets, self.embed_dim) if self.bigram_buckets else None
        if self.bigrams is not None:
            nn.init.uniform_(self.bigrams.weight, -0.25, 0.25)
        self.dropout = nn.Dropout(self.dropout_rate)
        self.num_features = self.embed_dim
        self.head = nn.Linear(self.num_features, int(num_classes))

    def forward_features(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        weights = mask.to(self.embedding.weight.dtype)  # (B, T)
        total = (self.embed(ids) * weights.unsqueeze(-1)).sum(dim=1)  # (B, E)
        count = weights.sum(dim=1)  # (B,)
        if self.bigrams is not None and ids.shape[1] > 1:
            pair = mask[:, :-1] & mask[:, 1:]  # (B, T - 1)
            hashed = (ids[:, :-1] * _PRIME + ids[:, 1:]) % self.bigram_buckets  # (B, T - 1)
            pair_weights = pair.to(weights.dtype)
            total = total + (self.bigrams(hashed) * pair_weights.unsqueeze(-1)).sum(dim=1)
            count = count + pair_weights.sum(dim=1)
        return total / count.clamp(min=1.0).unsqueeze(-1)  # (B, E); an empty text gives zeros

    def forward(self, ids: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Logits. At inference (eval, no gradients) through per-token logit tables: the head is linear and
        the features a mean, so the logits are the mean of each token's own ``head(vector)`` plus the bias —
        a ``(V, C)`` lookup instead of a ``(V, E)`` one and a matrix product."""
        if mask is None:
            mask = ids != self.pad_id
        if self.training or torch.is_grad_enabled():
            return super().forward(ids, mask)
        token_logits, bigram_logits = self._logit_tables()  # (V, C), (buckets, C) | None
        weights = mask.to(token_logits.dtype)  # (B, T)
        total = (token_logits[ids] * weights.unsqueeze(-1)).sum(dim=1)  # (B, C)
        count = weights.sum(dim=1)  # (B,)
        if bigram_logits is not None and ids.shape[1] > 1:
            pair = (mask[:, :-1] & mask[:, 1:]).to(weights.dtype)  # (B, T - 1)
            hashed = (ids[:, :-1] * _PRIME + ids[:, 1:]) % self.bigram_buckets  # (B, T - 1)
            total = total + (bigram_logits[hashed] * pair.unsqueeze(-1)).sum(dim=1)
            count = count + pair.sum(dim=1)
        return total / count.clamp(min=1.0).unsqueeze(-1) + self.head.bias  # (B, C); empty text: the bias

    def packed_logits(self, packed) -> torch.Tensor:
        """``(N, C)`` logits of ``PackedSequences`` as ``forward`` gives them at inference, without padding: each
        text's mean of its tokens' (and bigrams') logit-table rows, plus the bias."""
        token_logits, bigram_logits = self._logit_tables()  # (V, C), (buckets, C) | None
        device, count = token_logits.device, len(packed)
        ids = torch.from_numpy(np.asarray(packed.flat, dtype=np.int64)).to(device)  # (L,)
        rows = torch.from_numpy(packed.segments()).to(device)  # (L,): the text of each id
        total = torch.zeros(count, token_logits.shape[1], device=device).index_add_(
            0, rows, token_logits[ids]
        )  # (N, C)
        terms = torch.from_numpy(packed.lengths).to(device, total.dtype)  # (N,)
        if bigram_logits is not None and len(ids) > 1:
            inside = rows[:-1] == rows[1:]  # (L - 1,): neighbours within one text
            hashed = (ids[:-1][inside] * _PRIME + ids[1:][inside]) % self.bigram_buckets
            total.index_add_(0, rows[:-1][inside], bigram_logits[hashed])
            terms = terms + torch.bincount(rows[:-1][inside], minlength=count)
        return total / terms.clamp(min=1.0).unsqueeze(-1) + self.head.bias  # (N, C); empty text: the bias

    def _logit_tables(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``head.weight`` applied to every token (and bigram) vector, rebuilt whenever a weight changed."""
        weights = [table.weight for table in self.embedding_tables()] + [self.head.weight]
        weights += [self.bigrams.weight] if self.bigrams is not None else []
        key = weights_key(weights)
        if getattr(self, "_tables_key", None) != key:
            with torch.inference_mode(False), torch.no_grad():  # plain tensors, usable outside inference mode
                vectors = self.embed(torch.arange(self.vocab_size, device=self.head.weight.device))  # (V, E)
                bigram = self.bigrams.weight @ self.head.weight.T if self.bigrams is not None else None
                self._tables, self._tables_key = (vectors @ self.head.weight.T, bigram), key
        return self._tables

    def group_matcher(self) -> dict[str, list[str]]:
        return {"embedding": ["embedding.", "static_embedding.", "bigrams."], "head": ["head."]}


mean_embedding = register_variant(
    "mean_embedding", MeanEmbedding, "Mean of token vectors (a bag of words), then the head."
)
mean_bigram = register_variant(
    "mean_bigram", MeanEmbedding,
    "fastText's recipe: mean of token and hashed word-bigram vectors (20k buckets), then the head.",
    bigram_buckets=20_000,
)  # fmt: skip
