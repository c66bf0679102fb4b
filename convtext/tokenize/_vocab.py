"""Vocabulary (word2id / id2word with ``<pad>`` = 0 and ``<unk>`` = 1) and the embedding-size rule."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from .._errors import ConvtextError

__all__ = ["PAD", "UNK", "SPECIAL_TOKENS", "BOS", "EOS", "BOUNDARY_TOKENS", "Vocabulary", "auto_embed_dim"]

PAD, UNK = "<pad>", "<unk>"
SPECIAL_TOKENS = (PAD, UNK)
BOS, EOS = "<s>", "</s>"  # the start and end of a text, for a tokenizer ``with_boundaries`` (ids after the vocabulary)
BOUNDARY_TOKENS = (BOS, EOS)


class Vocabulary:
    """Token <-> id maps. Ids 0 and 1 are always ``<pad>`` and ``<unk>``; the rest follow ``tokens``."""

    pad_id = 0
    unk_id = 1

    def __init__(self, tokens: Sequence[str]):
        tokens = list(tokens)
        if tokens[:2] != list(SPECIAL_TOKENS):
            tokens = list(SPECIAL_TOKENS) + [token for token in tokens if token not in SPECIAL_TOKENS]
        if len(set(tokens)) != len(tokens):
            raise ConvtextError("vocabulary has duplicate tokens — give each token once")
        self.id2word: list[str] = tokens
        self.word2id: dict[str, int] = {token: i for i, token in enumerate(tokens)}

    @classmethod
    def from_counts(cls, counts: Counter, min_freq: int = 1, max_size: int | None = None) -> Vocabulary:
        """Keep tokens seen at least ``min_freq`` times, most frequent first (ties: by token text).

        ``max_size`` caps the whole vocabulary, the two special tokens included.
        """
        if min_freq < 1:
            raise ConvtextError(f"min_freq must be at least 1, got {min_freq}")
        if max_size is not None and max_size < len(SPECIAL_TOKENS) + 1:
            raise ConvtextError(f"max_size must leave room for one token besides <pad> and <unk>, got {max_size}")
        kept = sorted(
            ((token, count) for token, count in counts.items() if count >= min_freq and token not in SPECIAL_TOKENS),
            key=lambda item: (-item[1], item[0]),
        )
        if max_size is not None:
            kept = kept[: max_size - len(SPECIAL_TOKENS)]
        return cls([token for token, _ in kept])

    @classmethod
    def build(cls, token_lists: Iterable[Iterable[str]], min_freq: int = 1, max_size: int | None = None) -> Vocabulary:
        """Count tokens over training texts (already split into tokens) and keep the frequent ones."""
        counts: Counter = Counter()
        for tokens in token_lists:
            counts.update(tokens)
        return cls.from_counts(counts, min_freq, max_size)

    def __len__(self) -> int:
        return len(self.id2word)

    def __contains__(self, token: object) -> bool:
        return token in self.word2id

    def lookup(self, tokens: Iterable[str]) -> list[int]:
        """Tokens to ids; unknown tokens map to ``<unk>``."""
        return [self.word2id.get(token, self.unk_id) for token in tokens]

    def one_hot(self, ids: Sequence[int]):
        """The sparse view of ``ids``: a ``(len(ids), len(self))`` float tensor with a single 1 per row.

        ``vocab.one_hot(ids) @ embedding.weight`` equals ``embedding(torch.tensor(ids))``: an
        embedding layer is a lookup that skips the multiplication by a one-hot matrix.
        """
        import torch

        index = torch.as_tensor(list(ids), dtype=torch.long)  # (T,)
        return torch.nn.functional.one_hot(index, num_classes=len(self)).float()  # (T, V)


def auto_embed_dim(vocab_size: int, multiple: int = 8, minimum: int = 8) -> int:
    """The rule of thumb ``dim ≈ vocab_size ** 0.25``, rounded up to a multiple of 8 (at least 8).

    Rounding up to a multiple of 8 keeps matrix shapes friendly to vectorised kernels;
    e.g. 16,000 tokens -> 11.2 -> 16, 1,000,000 tokens -> 31.6 -> 32.
    """
    if vocab_size < 1:
        raise ConvtextError(f"vocab_size must be positive, got {vocab_size}")
    return max(minimum, multiple * math.ceil(vocab_size**0.25 / multiple))
